import path from 'node:path';
import Database from 'better-sqlite3';

/** Reads the hub's database file through a separate connection, as another process would see it. */
export function countRows(dataDir: string, table: 'door_readings' | 'position_readings' | 'pillbox_readings'): number {
  const db = new Database(path.join(dataDir, 'homeward.db'), { readonly: true });
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

export function allReadings(dataDir: string): number {
  return countRows(dataDir, 'door_readings') + countRows(dataDir, 'position_readings') + countRows(dataDir, 'pillbox_readings');
}
