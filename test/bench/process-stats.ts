import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/**
 * Memory and CPU of another process, read from /proc (Linux, as on the Pi). RSS is what the kernel
 * charges against a systemd MemoryMax, which is what the DESIGN.md budget is about.
 */
export const MiB = 1024 * 1024;

/** Resident set size in bytes, or undefined once the process has gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}

/**
 * RSS split by what backs it (/proc/PID/smaps_rollup): file-backed pages are node's own binary and
 * libraries, clean and dropped first under memory pressure; anonymous pages are the JS heap and
 * allocations, which only the process can give back. The idle budget is a sum of both.
 */
export interface MemoryKinds {
  fileBytes: number;
  anonymousBytes: number;
}

export function memoryKinds(pid: number): MemoryKinds | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kB = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(text)?.[1] ?? Number.NaN) * 1024;
    const rss = kB('Rss');
    const anonymous = kB('Anonymous');
    return Number.isFinite(rss) && Number.isFinite(anonymous) ? { fileBytes: rss - anonymous, anonymousBytes: anonymous } : undefined;
  } catch {
    return undefined;
  }
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 5000 }).trim()) || 100;
    } catch {
      ticksPerSecond = 100; // USER_HZ on every Linux build we run on
    }
  }
  return ticksPerSecond;
}

/** User + system CPU seconds used so far by `pid` (all its threads), or undefined once it has gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return (utime + stime) / clockTicks();
  } catch {
    return undefined;
  }
}

export interface RssSample {
  at: number;
  bytes: number;
}

export interface RssSampler {
  /** The largest sample taken between two performance.now() instants (inclusive). */
  peakBetween(from: number, to: number): number | undefined;
  stop(): void;
}

/** Samples VmRSS every `intervalMs` until stopped (at most `maxSamples`, so a forgotten sampler is bounded). */
export function startRssSampler(pid: number, intervalMs = 100, maxSamples = 36_000): RssSampler {
  const samples: RssSample[] = [];
  const take = () => {
    const bytes = rssBytes(pid);
    if (bytes !== undefined) samples.push({ at: performance.now(), bytes });
    if (samples.length >= maxSamples) clearInterval(timer);
  };
  const timer = setInterval(take, intervalMs);
  timer.unref();
  take();
  return {
    peakBetween(from, to) {
      take();
      let peak: number | undefined;
      for (const sample of samples) if (sample.at >= from && sample.at <= to && (peak === undefined || sample.bytes > peak)) peak = sample.bytes;
      return peak;
    },
    stop: () => clearInterval(timer),
  };
}

/** Busy CPU seconds of the whole machine so far (all processes, from /proc/stat), or undefined off Linux. */
export function machineBusySeconds(): number | undefined {
  try {
    const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: everything but idle and iowait is work.
    const busy = fields.reduce((sum, value, index) => (index === 3 || index === 4 || index > 7 ? sum : sum + value), 0);
    return busy / clockTicks();
  } catch {
    return undefined;
  }
}

export interface PhaseCpu {
  /** The measured process (hub or Mosquitto), in cores busy on average. */
  childCores: number | undefined;
  /** This benchmark process (the load generator). */
  benchCores: number;
  /**
   * Everything else on the machine: on a shared 2-core box another job (a test run) competing for
   * the CPU changes the result more than any code change, so a reader must see it.
   */
  otherCores: number | undefined;
}

/** CPU used by `pid`, by this process and by the rest of the machine over one phase, as cores busy on average. */
export function cpuMeter(pid: number | undefined) {
  const startedAt = performance.now();
  const childStart = pid === undefined ? undefined : cpuSeconds(pid);
  const machineStart = machineBusySeconds();
  const selfStart = process.cpuUsage();
  return {
    read(): PhaseCpu {
      const seconds = (performance.now() - startedAt) / 1000;
      const childNow = pid === undefined ? undefined : cpuSeconds(pid);
      const machineNow = machineBusySeconds();
      const self = process.cpuUsage(selfStart);
      const childCores = childStart === undefined || childNow === undefined ? undefined : (childNow - childStart) / seconds;
      const benchCores = (self.user + self.system) / 1e6 / seconds;
      const machineCores = machineStart === undefined || machineNow === undefined ? undefined : (machineNow - machineStart) / seconds;
      return {
        childCores,
        benchCores,
        otherCores: machineCores === undefined ? undefined : Math.max(0, machineCores - benchCores - (childCores ?? 0)),
      };
    },
  };
}
