import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A real tmpfs of a given size, for tests of a disk filling up (the doctor's disk check, issue 9; the
 * full-disk fault test, issue 10). Mounting needs root, which this machine and CI have; elsewhere
 * `canMountTmpfs` is false and those tests are skipped.
 */
export const canMountTmpfs = (() => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'homeward-tmpfs-probe-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1M', 'tmpfs', dir]).status === 0;
  if (mounted) spawnSync('umount', [dir]);
  rmSync(dir, { recursive: true, force: true });
  return mounted;
})();

export interface Tmpfs {
  dir: string;
  /** Unmounts and removes the directory; whatever still has a file open there must have exited first. */
  unmount(): void;
}

/** Mounts a tmpfs of `size` (mount(8) syntax: "4M", "300M", "2G") on a new temporary directory. */
export function mountTmpfs(size: string): Tmpfs {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'homeward-tmpfs-'));
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (mount.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`mount failed: ${mount.stderr}`);
  }
  return {
    dir,
    unmount() {
      const umount = spawnSync('umount', [dir], { encoding: 'utf8' });
      if (umount.status !== 0) throw new Error(`umount ${dir} failed: ${umount.stderr}`);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
