import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isHomewardError } from '../../src/core/errors.js';
import { acquireHubLock, hubPidPath, runningHub } from '../../src/store/hub-lock.js';

/**
 * "Is the hub running?" (issue 9, item 4). A Pi loses power rather than stopping, so the pid file it
 * leaves must not keep the next hub (or a restore) out: not when its process is gone, not when the
 * number now belongs to another program, not when it was written before this boot.
 */
let dataDir: string;
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

function fresh(): string {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'homeward-hub-lock-'));
  return dataDir;
}

/** A live process whose command line names Homeward (as `node /opt/homeward/dist/src/main.js` does), or not. */
function liveProcess(homeward: boolean): number {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', ...(homeward ? ['/opt/homeward/dist/src/main.js'] : ['some-other-program'])], { stdio: 'ignore' });
  children.push(child);
  return child.pid as number;
}

describe('the hub pid file', () => {
  it('is written with this process id and removed on release, only if still ours', () => {
    const dir = fresh();
    const lock = acquireHubLock(dir, () => 'refused');
    expect(readFileSync(hubPidPath(dir), 'utf8')).toBe(`${process.pid}\n`);
    // This process is never "the running hub" to itself (a container's hub is pid 1 on every start).
    expect(runningHub(dir)).toBeUndefined();
    lock.release();
    expect(existsSync(hubPidPath(dir))).toBe(false);

    const again = acquireHubLock(dir, () => 'refused');
    writeFileSync(hubPidPath(dir), '4242\n'); // someone else's now
    again.release();
    expect(readFileSync(hubPidPath(dir), 'utf8')).toBe('4242\n');
  });

  it('counts a live Homeward process, and refuses a second one with the caller’s message', () => {
    const dir = fresh();
    const pid = liveProcess(true);
    writeFileSync(hubPidPath(dir), `${pid}\n`);
    expect(runningHub(dir)).toEqual({ pid, pidFile: hubPidPath(dir) });
    let refusal: unknown;
    try {
      acquireHubLock(dir, (hub) => `the hub is running (pid ${hub.pid})`);
    } catch (error) {
      refusal = error;
    }
    expect(isHomewardError(refusal, 'HW_CONFLICT') && refusal.message).toBe(`the hub is running (pid ${pid})`);
    expect(readFileSync(hubPidPath(dir), 'utf8')).toBe(`${pid}\n`);
  });

  it('does not count a pid file whose number now belongs to another program', () => {
    const dir = fresh();
    writeFileSync(hubPidPath(dir), `${liveProcess(false)}\n`);
    expect(runningHub(dir)).toBeUndefined();
    acquireHubLock(dir, () => 'refused').release();
  });

  it('does not count a pid file written before this boot, or one whose process is gone, or nonsense', async () => {
    const dir = fresh();
    const pid = liveProcess(true);
    writeFileSync(hubPidPath(dir), `${pid}\n`);
    const beforeBoot = (Date.now() - os.uptime() * 1000 - 3_600_000) / 1000;
    utimesSync(hubPidPath(dir), beforeBoot, beforeBoot);
    expect(runningHub(dir)).toBeUndefined();

    const gone = spawn(process.execPath, ['-e', '0', 'homeward'], { stdio: 'ignore' });
    await new Promise((resolve) => gone.once('exit', resolve));
    writeFileSync(hubPidPath(dir), `${gone.pid}\n`);
    expect(runningHub(dir)).toBeUndefined();

    writeFileSync(hubPidPath(dir), 'not a number\n');
    expect(runningHub(dir)).toBeUndefined();
    const lock = acquireHubLock(dir, () => 'refused');
    expect(readFileSync(hubPidPath(dir), 'utf8')).toBe(`${process.pid}\n`);
    lock.release();
  });
});
