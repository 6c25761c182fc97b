import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Debian's libfaketime, driven through a timestamp file so a test can move a running hub's wall
 * clock — forward, back, across a DST change — as a Raspberry Pi's clock moves when NTP syncs.
 * Monotonic time is left alone (DONT_FAKE_MONOTONIC), so Node's timers keep real time, as they do on a Pi.
 */
const candidates = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/faketime/libfaketime.so.1'];

export function libfaketime(): string {
  const found = candidates.find((file) => existsSync(file));
  if (found === undefined) throw new Error('libfaketime not found: apt-get install faketime (.ci/run does)');
  return found;
}

export interface FakeClock {
  env: Record<string, string>;
  /** Sets the wall clock to an ISO instant (it runs on from there in real time). */
  set(iso: string): void;
}

export function fakeClock(dir: string, startIso: string): FakeClock {
  const file = path.join(dir, 'faketime');
  const set = (iso: string) => {
    const d = new Date(iso);
    const text = `@${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 19)}`;
    writeFileSync(file, text + '\n');
  };
  set(startIso);
  return {
    env: { LD_PRELOAD: libfaketime(), FAKETIME_TIMESTAMP_FILE: file, FAKETIME_NO_CACHE: '1', DONT_FAKE_MONOTONIC: '1', TZ: 'UTC' },
    set,
  };
}
