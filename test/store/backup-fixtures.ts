import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { databasePath, openDatabase } from '../../src/store/database.js';
import type { HubProcess } from '../support/hub-process.js';

/** What the backup, restore and database-check tests (issue 9, item 4) share: scratch space, real damaged files. */

export interface Scratch {
  /** A fresh temporary directory, removed after the test. */
  dir(): string;
  /** A spawned hub, killed after the test if it is still running. */
  hub(hub: HubProcess): HubProcess;
}

export function useScratch(prefix: string): Scratch {
  const dirs: string[] = [];
  const hubs: HubProcess[] = [];
  afterEach(async () => {
    for (const hub of hubs.splice(0)) {
      if (hub.child.exitCode === null && hub.child.signalCode === null) {
        hub.child.kill('SIGKILL');
        await hub.exited;
      }
    }
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir() {
      const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
      dirs.push(dir);
      return dir;
    },
    hub(hub) {
      hubs.push(hub);
      return hub;
    },
  };
}

export const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** A real database with readings, checkpointed into the main file (no WAL), as after a clean stop. */
export function realDatabase(dataDir: string, readings = 40_000): string {
  const file = databasePath(dataDir);
  const db = openDatabase(file, { synchronous: 'normal' });
  const insert = db.prepare('INSERT INTO position_readings (device, at, lat_e6, lon_e6, accuracy_m) VALUES (1, ?, 51507200, -127600, 10)');
  db.transaction(() => {
    for (let i = 0; i < readings; i++) insert.run(1_700_000_000_000 + i * 30_000);
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return file;
}

/** Writes garbage over pages in the middle of the file (the readings' b-tree), as a failing SD card does. */
export function damageMiddle(file: string): void {
  const bytes = readFileSync(file);
  const middle = Math.floor(bytes.length / 2 / 4096) * 4096;
  for (let i = middle; i < middle + 3 * 4096; i++) bytes[i] = (i * 131 + 7) & 0xff;
  writeFileSync(file, bytes);
}
