import { mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HomewardError } from '../core/errors.js';

/**
 * "Is the hub running on this data directory?" (issue 9, item 4): the hub writes `<dataDir>/hub.pid`
 * at start and removes it at a clean stop. `restore` must not swap the database under a running hub,
 * and a second hub on the same data directory would fight the first over the database and the ports.
 *
 * A Pi loses power rather than stopping cleanly, so a pid file is often left behind, and after a
 * reboot its number may belong to an unrelated process. A pid file counts only when its process is
 * alive, is not this process (a container's hub is pid 1 on every start), the file was written since
 * this boot, and, where /proc says what the process runs, it is a Homeward (node) process.
 * The file holds only the number, so `kill $(cat hub.pid)` works for scripts.
 */
export function hubPidPath(dataDir: string): string {
  return path.join(dataDir, 'hub.pid');
}

export interface RunningHub {
  pid: number;
  pidFile: string;
}

/** How long after "boot" a pid file must be written to count (a Pi without a clock chip boots with an approximate time). */
const BOOT_SLACK_MS = 60_000;

function processLooksLikeHomeward(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: alive, but another user's (the hub runs as its own system user).
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  let commandLine: string;
  try {
    commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return true; // No /proc (not Linux): alive is all we can know.
  }
  return /homeward|(main|cli)\.[jt]s\b/.test(commandLine);
}

/** The hub (or a restore) holding `<dataDir>/hub.pid`, or undefined when there is none or the file is stale. */
export function runningHub(dataDir: string): RunningHub | undefined {
  const pidFile = hubPidPath(dataDir);
  let text: string;
  let writtenAt: number;
  try {
    text = readFileSync(pidFile, 'utf8');
    writtenAt = statSync(pidFile).mtimeMs;
  } catch {
    return undefined;
  }
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const bootedAt = Date.now() - os.uptime() * 1000;
  if (writtenAt < bootedAt - BOOT_SLACK_MS) return undefined;
  return processLooksLikeHomeward(pid) ? { pid, pidFile } : undefined;
}

export interface HubLock {
  pidFile: string;
  /** Removes the pid file if it is still ours. */
  release(): void;
}

/**
 * Writes this process's pid to `<dataDir>/hub.pid`, or throws HW_CONFLICT with `refusal(pid)` when a
 * live hub holds it. Two hubs starting in the same instant over a stale file could both win; systemd
 * starts one, so that race is left alone.
 */
export function acquireHubLock(dataDir: string, refusal: (holder: RunningHub) => string): HubLock {
  const pidFile = hubPidPath(dataDir);
  mkdirSync(dataDir, { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(pidFile, `${process.pid}\n`, { flag: 'wx', mode: 0o644 });
      return {
        pidFile,
        release() {
          try {
            if (readFileSync(pidFile, 'utf8').trim() === String(process.pid)) unlinkSync(pidFile);
          } catch {
            // Already gone.
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new HomewardError('HW_STORE', `cannot write ${pidFile}: ${(error as Error).message}`);
      }
    }
    const holder = runningHub(dataDir);
    if (holder !== undefined) throw new HomewardError('HW_CONFLICT', refusal(holder));
    // Stale: left by a hub that did not stop cleanly (power cut, kill -9).
    try {
      unlinkSync(pidFile);
    } catch {
      // Someone else removed it first; try again.
    }
  }
  throw new HomewardError('HW_CONFLICT', `cannot take ${pidFile}: another process keeps writing it`);
}
