import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { HomewardError } from '../core/errors.js';
import { migrations as allMigrations, type Migration } from './migrations.js';

export type Db = Database.Database;

export interface OpenDatabaseOptions {
  /** "full" fsyncs each commit (survives power loss); "normal" survives a process crash. */
  synchronous: 'full' | 'normal';
  migrations?: readonly Migration[];
  readonly?: boolean;
}

export function databasePath(dataDir: string): string {
  return path.join(dataDir, 'homeward.db');
}

/**
 * Opens the hub's SQLite file in WAL mode and brings its schema up to date.
 * Automatic checkpoints are off: a checkpoint inside a commit stalled the event loop for up to
 * 632 ms when measured (DESIGN.md, "Pitfalls"); the checkpointer worker does it off-thread instead.
 */
export function openDatabase(file: string, options: OpenDatabaseOptions): Db {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  let db: Db;
  try {
    db = new Database(file, { readonly: options.readonly ?? false });
  } catch (error) {
    throw new HomewardError('HW_STORE', `cannot open database ${file}: ${(error as Error).message}`);
  }
  db.pragma('busy_timeout = 5000');
  if (options.readonly) return db;
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('foreign_keys = ON');
  db.pragma('wal_autocheckpoint = 0');
  applyMigrations(db, options.migrations ?? allMigrations);
  return db;
}

export function applyMigrations(db: Db, migrations: readonly Migration[]): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  let applied = 0;
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
    applied++;
  }
  return applied;
}
