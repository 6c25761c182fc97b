import type { Db } from '../store/database.js';

/**
 * Walk-test: an installer tours the home opening each door and carrying each tracker; every event is
 * shown as it reaches the database, so a sensor that never reports stands out. It reads the hub's
 * database (the hub may be another process) and shows no coordinates unless asked: installers see
 * that a fix arrived and how good it is, not where the person is.
 */
export interface WalkTestEvent {
  at: string;
  deviceId: string;
  name: string;
  kind: 'door' | 'tracker' | 'pillbox';
  event: 'open' | 'closed' | 'fix';
  compartment?: number;
  accuracyM?: number | null;
  lat?: number;
  lon?: number;
  battery: number | null;
}

interface Row {
  table: 'door' | 'position' | 'pillbox';
  id: string;
  name: string;
  at: number;
  open: number | null;
  compartment: number | null;
  lat_e6: number | null;
  lon_e6: number | null;
  accuracy_m: number | null;
  battery: number | null;
}

/** How far back each poll looks, so readings whose time came from a device's slightly-late clock are still seen. */
const LOOKBACK_MS = 60_000;

export function createWalkTest(db: Db, options: { since: number; showLocation: boolean }) {
  const query = db.prepare<{ since: number }, Row>(`
    SELECT 'door' AS "table", d.id, d.name, r.at, r.open, NULL AS compartment, NULL AS lat_e6, NULL AS lon_e6, NULL AS accuracy_m, s.battery
      FROM door_readings r JOIN devices d ON d.num = r.device LEFT JOIN device_state s ON s.device = r.device WHERE r.at >= @since
    UNION ALL
    SELECT 'pillbox', d.id, d.name, r.at, r.open, r.compartment, NULL, NULL, NULL, s.battery
      FROM pillbox_readings r JOIN devices d ON d.num = r.device LEFT JOIN device_state s ON s.device = r.device WHERE r.at >= @since
    UNION ALL
    SELECT 'position', d.id, d.name, r.at, NULL, NULL, r.lat_e6, r.lon_e6, r.accuracy_m, s.battery
      FROM position_readings r JOIN devices d ON d.num = r.device LEFT JOIN device_state s ON s.device = r.device WHERE r.at >= @since
    ORDER BY 4`);
  const shown = new Set<string>();
  let cursor = options.since;

  return {
    /** New events since the last poll, oldest first. */
    poll(): WalkTestEvent[] {
      const events: WalkTestEvent[] = [];
      for (const row of query.all({ since: Math.max(options.since, cursor - LOOKBACK_MS) })) {
        const key = `${row.table}:${row.id}:${row.at}`;
        if (shown.has(key)) continue;
        shown.add(key);
        cursor = Math.max(cursor, row.at);
        const base = { at: new Date(row.at).toISOString(), deviceId: row.id, name: row.name, battery: row.battery };
        if (row.table === 'position') {
          const fix: WalkTestEvent = { ...base, kind: 'tracker', event: 'fix', accuracyM: row.accuracy_m };
          if (options.showLocation && row.lat_e6 !== null && row.lon_e6 !== null) {
            fix.lat = row.lat_e6 / 1e6;
            fix.lon = row.lon_e6 / 1e6;
          }
          events.push(fix);
        } else {
          const event: WalkTestEvent = { ...base, kind: row.table, event: row.open === 1 ? 'open' : 'closed' };
          if (row.table === 'pillbox' && row.compartment !== null) event.compartment = row.compartment;
          events.push(event);
        }
      }
      return events;
    },
  };
}

export function describeWalkEvent(e: WalkTestEvent): string {
  const time = e.at.slice(11, 19);
  const battery = e.battery === null ? '' : `  battery ${e.battery}%`;
  if (e.kind === 'tracker') {
    const where = e.lat !== undefined ? `  at ${e.lat.toFixed(5)},${e.lon?.toFixed(5)}` : '';
    return `${time}  ${e.deviceId.padEnd(20)} fix ${e.accuracyM == null ? '(accuracy unknown)' : `±${e.accuracyM} m`}${where}${battery}`;
  }
  const what = e.kind === 'pillbox' ? `compartment ${e.compartment ?? 0} ${e.event.toUpperCase()}` : e.event.toUpperCase();
  return `${time}  ${e.deviceId.padEnd(20)} ${what}${battery}`;
}
