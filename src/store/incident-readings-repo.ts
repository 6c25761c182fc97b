import type { Db } from './database.js';

/**
 * The readings an incident page shows (issue 6, item 5): exit-door events and the track within the
 * incident's window. Unlike readings-repo's histories these are bounded: a night exit nobody resolves
 * keeps its incident open for days, and a tracker fixing every few seconds would otherwise send a
 * phone tens of thousands of points. The newest are kept (where the person is now matters most).
 */
export interface IncidentDoorEvent {
  at: number;
  open: boolean;
}

export interface IncidentFix {
  at: number;
  lat: number;
  lon: number;
  accuracyM: number | null;
}

export function createIncidentReadingsRepo(db: Db) {
  const doors = db.prepare<[number, number, number, number], { at: number; open: number }>(
    'SELECT at, open FROM door_readings WHERE device = ? AND at >= ? AND at <= ? ORDER BY at DESC LIMIT ?',
  );
  const fixes = db.prepare<[number, number, number, number], { at: number; lat_e6: number; lon_e6: number; accuracy_m: number | null }>(
    'SELECT at, lat_e6, lon_e6, accuracy_m FROM position_readings WHERE device = ? AND at >= ? AND at <= ? ORDER BY at DESC LIMIT ?',
  );

  return {
    /** A door's reports in [from, to], oldest first, at most the newest `limit`. */
    doorEvents(device: number, from: number, to: number, limit: number): IncidentDoorEvent[] {
      return doors
        .all(device, from, to, limit)
        .reverse()
        .map((r) => ({ at: r.at, open: r.open === 1 }));
    },
    /** A tracker's fixes in [from, to], oldest first, at most the newest `limit`. */
    track(device: number, from: number, to: number, limit: number): IncidentFix[] {
      return fixes
        .all(device, from, to, limit)
        .reverse()
        .map((r) => ({ at: r.at, lat: r.lat_e6 / 1e6, lon: r.lon_e6 / 1e6, accuracyM: r.accuracy_m }));
    },
  };
}

export type IncidentReadingsRepo = ReturnType<typeof createIncidentReadingsRepo>;
