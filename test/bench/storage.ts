import { existsSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';

/**
 * What the hub's database holds, read from outside the hub with better-sqlite3 — the same library
 * and SQLite build the hub uses, so dbstat availability here is availability there.
 */

/** One table per kind of reading (src/store/migrations.ts), each clustered on (device, at). */
export const READING_TABLES = { door: 'door_readings', position: 'position_readings', pillbox: 'pillbox_readings' } as const;
export type ReadingKind = keyof typeof READING_TABLES;
export const READING_KINDS = Object.keys(READING_TABLES) as ReadingKind[];

/** Rows in one readings table, read-only: safe while the hub runs (WAL readers do not block its writer). */
export function countReadings(dbFile: string, kind: ReadingKind): number {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM ${READING_TABLES[kind]}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

export function countPositionReadings(dbFile: string): number {
  return countReadings(dbFile, 'position');
}

export interface TableStorage {
  rows: number;
  /** Pages of the table and every index on it (dbstat), in bytes; undefined without dbstat. */
  bytes: number | undefined;
  bytesPerReading: number | undefined;
  /** Of those pages, the share left unused (page splits of out-of-order inserts show up here). */
  unusedShare: number | undefined;
}

export interface StorageResult {
  /** Readings of every kind. */
  rows: number;
  dbstatAvailable: boolean;
  /** Each kind's table with its indexes (issue 10: bytes per reading by kind). */
  kinds: Record<ReadingKind, TableStorage>;
  fileBytes: number;
  walBytes: number;
  /** (database file + WAL) / rows of every kind: includes every other table, so an upper bound. */
  fileBytesPerReading: number;
}

/** dbstat over a table and its indexes, or undefined for a SQLite built without SQLITE_ENABLE_DBSTAT_VTAB. */
export function tableStorage(db: Database.Database, table: string): TableStorage {
  const rows = (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  let pages: { bytes: number | null; unused: number | null } | undefined;
  try {
    pages = db
      .prepare(`SELECT SUM(pgsize) AS bytes, SUM(unused) AS unused FROM dbstat WHERE name IN (SELECT name FROM sqlite_schema WHERE tbl_name = ?)`)
      .get(table) as { bytes: number | null; unused: number | null };
  } catch {
    pages = undefined;
  }
  const bytes = pages?.bytes ?? undefined;
  return {
    rows,
    bytes,
    bytesPerReading: bytes !== undefined && rows > 0 ? bytes / rows : undefined,
    unusedShare: bytes !== undefined && bytes > 0 ? (pages?.unused ?? 0) / bytes : undefined,
  };
}

/** The TRUNCATE checkpoint that folds the WAL into the file, so the file size is the whole database. */
export function checkpoint(db: Database.Database): void {
  db.pragma('wal_checkpoint(TRUNCATE)');
}

/** Call with the hub stopped: the TRUNCATE checkpoint needs no other connection holding the WAL. */
export function measureStorage(dbFile: string): StorageResult {
  const db = new Database(dbFile, { fileMustExist: true });
  try {
    checkpoint(db);
    const kinds = Object.fromEntries(READING_KINDS.map((kind) => [kind, tableStorage(db, READING_TABLES[kind])])) as Record<ReadingKind, TableStorage>;
    const wal = `${dbFile}-wal`;
    const fileBytes = statSync(dbFile).size;
    const walBytes = existsSync(wal) ? statSync(wal).size : 0;
    const rows = READING_KINDS.reduce((sum, kind) => sum + kinds[kind].rows, 0);
    return {
      rows,
      dbstatAvailable: kinds.position.bytes !== undefined,
      kinds,
      fileBytes,
      walBytes,
      fileBytesPerReading: rows > 0 ? (fileBytes + walBytes) / rows : 0,
    };
  } finally {
    db.close();
  }
}
