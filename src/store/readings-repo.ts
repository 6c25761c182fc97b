import type { DoorReading, PillboxReading, PositionReading, Reading } from '../core/readings.js';
import type { Db } from './database.js';

export type StoredReading = DoorReading | PositionReading | PillboxReading;
export type InsertOutcome = { stored: true; at: number } | { stored: false };

const toE6 = (degrees: number) => Math.round(degrees * 1e6);

/**
 * Readings, one compact table per kind keyed by (device, at). Two readings of one device cannot share
 * a millisecond, so:
 *  - a reading whose time came from the device, equal to the stored one at that time, is the same
 *    message delivered again (QoS 1 redelivery) and is stored once;
 *  - any other collision is a distinct event and moves forward a millisecond until it fits.
 * A resend of a reading stamped with its time of receipt is recognised before it gets here, by its
 * MQTT packet id (ingest/mqtt-delivery.ts).
 */
export function createReadingsRepo(db: Db) {
  const door = {
    insert: db.prepare<[number, number, number]>('INSERT OR IGNORE INTO door_readings (device, at, open) VALUES (?, ?, ?)'),
    at: db.prepare<[number, number], { open: number }>('SELECT open FROM door_readings WHERE device = ? AND at = ?'),
  };
  const position = {
    insert: db.prepare<[number, number, number, number, number | null]>(
      'INSERT OR IGNORE INTO position_readings (device, at, lat_e6, lon_e6, accuracy_m) VALUES (?, ?, ?, ?, ?)',
    ),
    at: db.prepare<[number, number], { lat_e6: number; lon_e6: number; accuracy_m: number | null }>(
      'SELECT lat_e6, lon_e6, accuracy_m FROM position_readings WHERE device = ? AND at = ?',
    ),
  };
  const pillbox = {
    insert: db.prepare<[number, number, number, number]>(
      'INSERT OR IGNORE INTO pillbox_readings (device, at, compartment, open) VALUES (?, ?, ?, ?)',
    ),
    at: db.prepare<[number, number], { compartment: number; open: number }>(
      'SELECT compartment, open FROM pillbox_readings WHERE device = ? AND at = ?',
    ),
  };
  const history = {
    door: db.prepare<[number, number, number], { at: number; open: number }>(
      'SELECT at, open FROM door_readings WHERE device = ? AND at >= ? AND at < ? ORDER BY at',
    ),
    position: db.prepare<[number, number, number], { at: number; lat_e6: number; lon_e6: number; accuracy_m: number | null }>(
      'SELECT at, lat_e6, lon_e6, accuracy_m FROM position_readings WHERE device = ? AND at >= ? AND at < ? ORDER BY at',
    ),
    pillbox: db.prepare<[number, number, number], { at: number; compartment: number; open: number }>(
      'SELECT at, compartment, open FROM pillbox_readings WHERE device = ? AND at >= ? AND at < ? ORDER BY at',
    ),
  };

  const rulesQueries = {
    recentFixes: db.prepare<[number, number], { at: number; lat_e6: number; lon_e6: number; accuracy_m: number | null }>(
      'SELECT at, lat_e6, lon_e6, accuracy_m FROM position_readings WHERE device = ? ORDER BY at DESC LIMIT ?',
    ),
    // Openings are changes from closed to open: Zigbee2MQTT and Tasmota repeat a lid's or door's
    // state on every check-in, and a repeated "open" is not a second opening (a false double dose).
    // The previous report is found through the (device, at) primary key, walking back from each row.
    pillboxOpenings: db.prepare<[number, number], { id: string; at: number; compartment: number }>(
      `SELECT d.id, r.at, r.compartment FROM pillbox_readings r JOIN devices d ON d.num = r.device
       WHERE r.open = 1 AND r.at >= ? AND r.at < ?
         AND coalesce((SELECT p.open FROM pillbox_readings p
                        WHERE p.device = r.device AND p.compartment = r.compartment AND p.at < r.at
                        ORDER BY p.at DESC LIMIT 1), 0) = 0
       ORDER BY r.at`,
    ),
    activity: db.prepare<[number, number, number, number], { n: number }>(
      `SELECT (SELECT COUNT(*) FROM door_readings r WHERE r.open = 1 AND r.at >= ? AND r.at < ?
                 AND coalesce((SELECT p.open FROM door_readings p WHERE p.device = r.device AND p.at < r.at
                               ORDER BY p.at DESC LIMIT 1), 0) = 0)
            + (SELECT COUNT(*) FROM pillbox_readings r WHERE r.open = 1 AND r.at >= ? AND r.at < ?
                 AND coalesce((SELECT p.open FROM pillbox_readings p
                               WHERE p.device = r.device AND p.compartment = r.compartment AND p.at < r.at
                               ORDER BY p.at DESC LIMIT 1), 0) = 0) AS n`,
    ),
  };

  function sameAsStored(num: number, reading: StoredReading, at: number): boolean | undefined {
    switch (reading.kind) {
      case 'door': {
        const row = door.at.get(num, at);
        return row === undefined ? undefined : row.open === Number(reading.open);
      }
      case 'position': {
        const row = position.at.get(num, at);
        return row === undefined
          ? undefined
          : row.lat_e6 === toE6(reading.lat) && row.lon_e6 === toE6(reading.lon) && row.accuracy_m === accuracy(reading);
      }
      case 'pillbox': {
        const row = pillbox.at.get(num, at);
        return row === undefined ? undefined : row.compartment === reading.compartment && row.open === Number(reading.open);
      }
    }
  }

  function accuracy(reading: PositionReading): number | null {
    return reading.accuracyM === undefined ? null : Math.round(reading.accuracyM);
  }

  function tryInsert(num: number, reading: StoredReading, at: number): boolean {
    switch (reading.kind) {
      case 'door':
        return door.insert.run(num, at, Number(reading.open)).changes === 1;
      case 'position':
        return position.insert.run(num, at, toE6(reading.lat), toE6(reading.lon), accuracy(reading)).changes === 1;
      case 'pillbox':
        return pillbox.insert.run(num, at, reading.compartment, Number(reading.open)).changes === 1;
    }
  }

  // The last millisecond used per device and kind. A burst from one device lands many readings in the
  // same millisecond of receipt; starting after the last one used avoids probing every taken slot
  // (measured: 10 INSERT attempts per stored reading in a 100k burst without it).
  const lastAt = new Map<string, number>();

  return {
    /** Inserts one reading; call inside the group-commit transaction. */
    insert(num: number, reading: StoredReading): InsertOutcome {
      const key = `${reading.kind}:${num}`;
      const last = lastAt.get(key);
      let at = reading.at;
      // Only for our own receipt times, and only within a second: a clock stepping back must not push readings into the future.
      if (!reading.atFromDevice && last !== undefined && at <= last && last - at < 1000) at = last + 1;
      for (;;) {
        if (tryInsert(num, reading, at)) {
          if (last === undefined || at > last) lastAt.set(key, at);
          return { stored: true, at };
        }
        // Check every slot probed: a redelivery of a reading that was itself moved on must match where it landed.
        if (reading.atFromDevice && sameAsStored(num, reading, at)) return { stored: false };
        at++;
      }
    },

    /** A tracker's latest fixes, newest first (for the zone rules). */
    recentFixes(num: number, deviceId: string, limit: number): PositionReading[] {
      return rulesQueries.recentFixes.all(num, limit).map((r) => {
        const fix: PositionReading = { kind: 'position', deviceId, at: r.at, atFromDevice: false, lat: r.lat_e6 / 1e6, lon: r.lon_e6 / 1e6 };
        if (r.accuracy_m !== null) fix.accuracyM = r.accuracy_m;
        return fix;
      });
    },
    /** Every pill box's lid openings (closed → open) in [from, to), oldest first (for the medication rules). */
    pillboxOpenings(from: number, to: number): PillboxReading[] {
      return rulesQueries.pillboxOpenings
        .all(from, to)
        .map((r) => ({ kind: 'pillbox', deviceId: r.id, at: r.at, atFromDevice: false, compartment: r.compartment, open: true }));
    },
    /** Door and pill-box openings (closed → open) in [from, to) (for inactivity). */
    activityCount(from: number, to: number): number {
      return rulesQueries.activity.get(from, to, from, to)?.n ?? 0;
    },
    doorHistory(num: number, deviceId: string, from: number, to: number): DoorReading[] {
      return history.door.all(num, from, to).map((r) => ({ kind: 'door', deviceId, at: r.at, atFromDevice: false, open: r.open === 1 }));
    },
    positionHistory(num: number, deviceId: string, from: number, to: number): PositionReading[] {
      return history.position.all(num, from, to).map((r) => {
        const fix: PositionReading = { kind: 'position', deviceId, at: r.at, atFromDevice: false, lat: r.lat_e6 / 1e6, lon: r.lon_e6 / 1e6 };
        if (r.accuracy_m !== null) fix.accuracyM = r.accuracy_m;
        return fix;
      });
    },
    pillboxHistory(num: number, deviceId: string, from: number, to: number): PillboxReading[] {
      return history.pillbox
        .all(num, from, to)
        .map((r) => ({ kind: 'pillbox', deviceId, at: r.at, atFromDevice: false, compartment: r.compartment, open: r.open === 1 }));
    },
  };
}

export function isStoredReading(reading: Reading): reading is StoredReading {
  return reading.kind !== 'health';
}

export type ReadingsRepo = ReturnType<typeof createReadingsRepo>;
