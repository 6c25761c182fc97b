import type { Db } from './database.js';

/** A door reading as the history pages serve it. */
export interface DoorRow {
  at: number;
  open: boolean;
}

export interface PillboxRow {
  at: number;
  compartment: number;
  open: boolean;
}

export interface FixRow {
  at: number;
  lat: number;
  lon: number;
  accuracyM: number | null;
}

/**
 * Reading history for people (issue 5, item 7): one device's readings in [from, upper), newest first,
 * at most `limit`. Each walks the (device, at) primary key backwards from `upper`, so a page of a
 * year-long history costs the page, not the year (DESIGN.md budget: a year of one tracker's history
 * in <= 100 ms). The ingest path's statements stay in readings-repo.ts, untouched and benchmarked.
 */
export function createHistoryRepo(db: Db) {
  const doors = db.prepare<[number, number, number, number], { at: number; open: number }>(
    'SELECT at, open FROM door_readings WHERE device = ? AND at >= ? AND at < ? ORDER BY at DESC LIMIT ?',
  );
  const pillbox = db.prepare<[number, number, number, number], { at: number; compartment: number; open: number }>(
    'SELECT at, compartment, open FROM pillbox_readings WHERE device = ? AND at >= ? AND at < ? ORDER BY at DESC LIMIT ?',
  );
  const fixes = db.prepare<[number, number, number, number], { at: number; lat_e6: number; lon_e6: number; accuracy_m: number | null }>(
    'SELECT at, lat_e6, lon_e6, accuracy_m FROM position_readings WHERE device = ? AND at >= ? AND at < ? ORDER BY at DESC LIMIT ?',
  );
  const latestFix = db.prepare<[number], { at: number; lat_e6: number; lon_e6: number; accuracy_m: number | null }>(
    'SELECT at, lat_e6, lon_e6, accuracy_m FROM position_readings WHERE device = ? ORDER BY at DESC LIMIT 1',
  );
  const toFix = (r: { at: number; lat_e6: number; lon_e6: number; accuracy_m: number | null }): FixRow => ({
    at: r.at,
    lat: r.lat_e6 / 1e6,
    lon: r.lon_e6 / 1e6,
    accuracyM: r.accuracy_m,
  });

  return {
    doors(num: number, from: number, upper: number, limit: number): DoorRow[] {
      return doors.all(num, from, upper, limit).map((r) => ({ at: r.at, open: r.open === 1 }));
    },
    pillbox(num: number, from: number, upper: number, limit: number): PillboxRow[] {
      return pillbox.all(num, from, upper, limit).map((r) => ({ at: r.at, compartment: r.compartment, open: r.open === 1 }));
    },
    fixes(num: number, from: number, upper: number, limit: number): FixRow[] {
      return fixes.all(num, from, upper, limit).map(toFix);
    },
    /** The tracker's newest stored fix (where the person is now). */
    latestFix(num: number): FixRow | undefined {
      const row = latestFix.get(num);
      return row === undefined ? undefined : toFix(row);
    },
  };
}

export type HistoryRepo = ReturnType<typeof createHistoryRepo>;
