import { chownSync, existsSync, statSync } from 'node:fs';
import { openDatabase, type Db } from '../../store/database.js';

/**
 * The hub's database opened read-only for the doctor (issue 9, item 5): it never migrates, checkpoints
 * or writes. SQLite still creates the -wal and -shm files beside a WAL database that has none (the hub
 * stopped cleanly) and leaves them there. An installer who runs the doctor with sudo would leave them
 * owned by root, and the hub (a non-root user under systemd) could then not open its own database at
 * its next start: so what this process created is handed to the database file's owner.
 */
const COMPANIONS = ['-wal', '-shm'] as const;

export interface ReadOnlyDatabase {
  db: Db;
  close(): void;
}

export function openReadOnlyDatabase(file: string): ReadOnlyDatabase {
  const existedBefore = new Set(COMPANIONS.filter((suffix) => existsSync(file + suffix)));
  const db = openDatabase(file, { readonly: true, synchronous: 'normal' });
  return {
    db,
    close() {
      db.close();
      if (process.getuid?.() !== 0) return;
      const owner = statSync(file);
      for (const suffix of COMPANIONS) {
        if (existedBefore.has(suffix) || !existsSync(file + suffix)) continue;
        chownSync(file + suffix, owner.uid, owner.gid);
      }
    },
  };
}
