import { existsSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';

/**
 * What the hub's database holds, read from outside the hub with better-sqlite3 — the same library
 * and SQLite build the hub uses, so dbstat availability here is availability there.
 */

/** Rows in position_readings, read-only: safe while the hub runs (WAL readers do not block its writer). */
export function countPositionReadings(dbFile: string): number {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM position_readings').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

export interface StorageResult {
  rows: number;
  dbstatAvailable: boolean;
  /** Pages of position_readings and every index on it (dbstat), in bytes. */
  tableBytes: number | undefined;
  tableBytesPerReading: number | undefined;
  /** Of those pages, the share left unused (page splits of out-of-order inserts show up here). */
  tableUnusedShare: number | undefined;
  fileBytes: number;
  walBytes: number;
  /** (database file + WAL) / rows: includes every other table, so an upper bound. */
  fileBytesPerReading: number;
}

/** Call with the hub stopped: the TRUNCATE checkpoint needs no other connection holding the WAL. */
export function measureStorage(dbFile: string): StorageResult {
  const db = new Database(dbFile, { fileMustExist: true });
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
    const rows = (db.prepare('SELECT COUNT(*) AS n FROM position_readings').get() as { n: number }).n;
    let dbstat: { bytes: number | null; unused: number | null } | undefined;
    try {
      dbstat = db
        .prepare(
          `SELECT SUM(pgsize) AS bytes, SUM(unused) AS unused FROM dbstat
           WHERE name IN (SELECT name FROM sqlite_schema WHERE tbl_name = 'position_readings')`,
        )
        .get() as { bytes: number | null; unused: number | null };
    } catch {
      dbstat = undefined; // a SQLite built without SQLITE_ENABLE_DBSTAT_VTAB
    }
    const wal = `${dbFile}-wal`;
    const fileBytes = statSync(dbFile).size;
    const walBytes = existsSync(wal) ? statSync(wal).size : 0;
    const tableBytes = dbstat?.bytes ?? undefined;
    return {
      rows,
      dbstatAvailable: dbstat !== undefined,
      tableBytes,
      tableBytesPerReading: tableBytes !== undefined && rows > 0 ? tableBytes / rows : undefined,
      tableUnusedShare: tableBytes !== undefined && tableBytes > 0 ? (dbstat?.unused ?? 0) / tableBytes : undefined,
      fileBytes,
      walBytes,
      fileBytesPerReading: rows > 0 ? (fileBytes + walBytes) / rows : 0,
    };
  } finally {
    db.close();
  }
}
