import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DoorReading, PillboxReading, PositionReading } from '../../src/core/readings.js';
import { databasePath, openDatabase, type Db } from '../../src/store/database.js';
import { isStoredReading } from '../../src/store/readings-repo.js';
import { createStore, type Store } from '../../src/store/store.js';

const T = Date.UTC(2025, 4, 1, 2, 30, 0);
const DOOR = 1;
const TRACKER = 2;
const BOX = 3;

let dir: string;
let db: Db;
let store: Store;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'homeward-readings-'));
  db = openDatabase(databasePath(dir), { synchronous: 'normal' });
  store = createStore(db);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const door = (open: boolean, at: number, atFromDevice: boolean): DoorReading => ({ kind: 'door', deviceId: 'front-door', at, atFromDevice, open });
const fix = (lat: number, lon: number, at: number, atFromDevice: boolean, accuracyM?: number): PositionReading => ({
  kind: 'position',
  deviceId: 'mum-phone',
  at,
  atFromDevice,
  lat,
  lon,
  ...(accuracyM === undefined ? {} : { accuracyM }),
});
const lid = (compartment: number, open: boolean, at: number, atFromDevice: boolean): PillboxReading => ({ kind: 'pillbox', deviceId: 'pillbox', at, atFromDevice, compartment, open });

function count(table: string): number {
  return (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
}

describe('readings repo: insert', () => {
  it('stores a reading at its own time and reads it back in history', () => {
    expect(store.readings.insert(DOOR, door(true, T, true))).toEqual({ stored: true, at: T });
    expect(store.readings.doorHistory(DOOR, 'front-door', T, T + 1)).toEqual([door(true, T, false)]);
  });

  it.each([
    { kind: 'door', first: door(true, T, true), again: door(true, T, true), table: 'door_readings' },
    { kind: 'position', first: fix(51.5072, -0.1276, T, true, 12), again: fix(51.5072, -0.1276, T, true, 12), table: 'position_readings' },
    { kind: 'pillbox', first: lid(1, true, T, true), again: lid(1, true, T, true), table: 'pillbox_readings' },
  ] as const)('a $kind reading with a device timestamp delivered twice is stored once', ({ first, again, table }) => {
    expect(store.readings.insert(7, first)).toEqual({ stored: true, at: T });
    expect(store.readings.insert(7, again)).toEqual({ stored: false });
    expect(count(table)).toBe(1);
  });

  it.each([
    { kind: 'door', first: door(true, T, true), other: door(false, T, true), table: 'door_readings' },
    { kind: 'position', first: fix(51.5072, -0.1276, T, true, 12), other: fix(51.5072, -0.1276, T, true, 30), table: 'position_readings' },
    { kind: 'pillbox', first: lid(1, true, T, true), other: lid(2, true, T, true), table: 'pillbox_readings' },
  ] as const)('a different $kind reading with the same device timestamp is a new event, moved 1 ms', ({ first, other, table }) => {
    store.readings.insert(7, first);
    expect(store.readings.insert(7, other)).toEqual({ stored: true, at: T + 1 });
    expect(count(table)).toBe(2);
  });

  it('two readings in the same millisecond of receipt are both stored, the second moved 1 ms', () => {
    expect(store.readings.insert(DOOR, door(true, T, false))).toEqual({ stored: true, at: T });
    expect(store.readings.insert(DOOR, door(false, T, false))).toEqual({ stored: true, at: T + 1 });
    expect(store.readings.doorHistory(DOOR, 'front-door', T, T + 10).map((r) => [r.at, r.open])).toEqual([
      [T, true],
      [T + 1, false],
    ]);
  });

  it('identical receipt-time readings in one millisecond are distinct events, each stored', () => {
    const outcomes = [1, 2, 3].map(() => store.readings.insert(DOOR, door(true, T, false)));
    expect(outcomes).toEqual([
      { stored: true, at: T },
      { stored: true, at: T + 1 },
      { stored: true, at: T + 2 },
    ]);
  });

  it('keeps devices apart: the same time on two devices does not collide', () => {
    expect(store.readings.insert(DOOR, door(true, T, true))).toEqual({ stored: true, at: T });
    expect(store.readings.insert(DOOR + 100, door(true, T, true))).toEqual({ stored: true, at: T });
  });

  // Native devices send "ts" in whole seconds, so a lid opened and shut within one second yields two
  // readings with one device timestamp; the second is moved 1 ms. If that second message is then
  // redelivered (QoS 1 after a reconnect), it must be recognised, or one compartment opening is stored
  // twice (a false "possible double dose").
  it('recognises the redelivery of a device-timestamped reading that had been moved a millisecond', () => {
    store.readings.insert(BOX, lid(1, true, T, true));
    expect(store.readings.insert(BOX, lid(2, true, T, true))).toEqual({ stored: true, at: T + 1 });
    expect(store.readings.insert(BOX, lid(2, true, T, true))).toEqual({ stored: false });
    expect(count('pillbox_readings')).toBe(2);
  });
});

describe('readings repo: positions', () => {
  it('stores microdegrees and whole-metre accuracy; reads back the same coordinates', () => {
    store.readings.insert(TRACKER, fix(51.5072, -0.1276, T, false, 12.4));
    store.readings.insert(TRACKER, fix(-33.868_82, 151.209_29, T + 30_000, false));
    expect(store.readings.positionHistory(TRACKER, 'mum-phone', T, T + 60_000)).toEqual([
      fix(51.5072, -0.1276, T, false, 12),
      fix(-33.868_82, 151.209_29, T + 30_000, false),
    ]);
  });

  it('treats fixes equal to the microdegree as the same when deduplicating', () => {
    store.readings.insert(TRACKER, fix(51.507_200_1, -0.127_600_2, T, true, 12));
    expect(store.readings.insert(TRACKER, fix(51.5072, -0.1276, T, true, 12.3))).toEqual({ stored: false });
  });
});

describe('readings repo: history', () => {
  it('returns one device, [from, to), in time order', () => {
    for (const at of [T + 3000, T, T + 1000, T + 2000]) store.readings.insert(DOOR, door(at % 2000 === 0, at, true));
    store.readings.insert(DOOR + 1, door(true, T + 500, true));
    expect(store.readings.doorHistory(DOOR, 'front-door', T + 1000, T + 3000).map((r) => r.at)).toEqual([T + 1000, T + 2000]);
    expect(store.readings.doorHistory(DOOR, 'front-door', T + 5000, T + 6000)).toEqual([]);
  });

  it('pillbox history keeps compartment and open state', () => {
    store.readings.insert(BOX, lid(0, true, T, false));
    store.readings.insert(BOX, lid(2, false, T + 1, false));
    expect(store.readings.pillboxHistory(BOX, 'pillbox', T, T + 2)).toEqual([lid(0, true, T, false), lid(2, false, T + 1, false)]);
  });
});

describe('isStoredReading', () => {
  it('is true for door, position and pillbox readings, false for health', () => {
    expect([door(true, T, false), fix(1, 1, T, false), lid(0, true, T, false)].every(isStoredReading)).toBe(true);
    expect(isStoredReading({ kind: 'health', deviceId: 'front-door', at: T, atFromDevice: false, battery: 50 })).toBe(false);
  });
});

describe('storage budget (DESIGN.md: ≤ 48 bytes per reading including indexes)', () => {
  it('100,000 position fixes of one tracker at 30 s intervals take at most 48 bytes each', () => {
    const N = 100_000;
    // A deterministic walk around north London, as a phone reports it (accuracy 3–60 m).
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    let lat = 51.5072;
    let lon = -0.1276;
    const pages = () => {
      db.pragma('wal_checkpoint(TRUNCATE)');
      return (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
    };
    const fileBytesBefore = pages();
    store.transaction(() => {
      for (let i = 0; i < N; i++) {
        lat += (random() - 0.5) * 0.0004;
        lon += (random() - 0.5) * 0.0006;
        const outcome = store.readings.insert(TRACKER, fix(lat, lon, T + i * 30_000, true, 3 + Math.floor(random() * 58)));
        if (!outcome.stored) throw new Error(`fix ${i} not stored`);
      }
    });
    expect(count('position_readings')).toBe(N);

    let bytes: number;
    const hasDbstat = (() => {
      try {
        db.prepare('SELECT 1 FROM dbstat LIMIT 1').get();
        return true;
      } catch {
        return false;
      }
    })();
    if (hasDbstat) {
      // The table and every index on it (WITHOUT ROWID: the primary key is the table).
      const row = db
        .prepare("SELECT SUM(pgsize) AS bytes FROM dbstat WHERE name IN (SELECT name FROM sqlite_schema WHERE tbl_name = 'position_readings')")
        .get() as { bytes: number };
      bytes = row.bytes;
    } else {
      bytes = pages() - fileBytesBefore;
    }
    expect(bytes / N, `${(bytes / N).toFixed(1)} bytes per fix`).toBeLessThanOrEqual(48);
  });
});

describe('readings repo: openings are changes, not repeats', () => {
  it('counts a lid reported open twice (a Zigbee check-in) as one opening, and a new opening after a close', async () => {
    const { openDatabase } = await import('../../src/store/database.js');
    const { createReadingsRepo } = await import('../../src/store/readings-repo.js');
    const os = await import('node:os');
    const fs = await import('node:fs');
    const path = await import('node:path');
    const db = openDatabase(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'homeward-openings-')), 'h.db'), { synchronous: 'normal' });
    db.prepare("INSERT INTO devices (num, id, name, kind, source, added_at) VALUES (1, 'box', 'Box', 'pillbox', 'native', 0)").run();
    db.prepare("INSERT INTO devices (num, id, name, kind, source, added_at) VALUES (2, 'door', 'Door', 'door', 'native', 0)").run();
    const repo = createReadingsRepo(db);
    const lid = (at: number, open: boolean) => repo.insert(1, { kind: 'pillbox', deviceId: 'box', at, atFromDevice: true, compartment: 1, open });
    const door = (at: number, open: boolean) => repo.insert(2, { kind: 'door', deviceId: 'door', at, atFromDevice: true, open });
    lid(1000, true);
    lid(2000, true);
    lid(3000, false);
    lid(4000, true);
    door(1500, true);
    door(2500, true);
    expect(repo.pillboxOpenings(0, 10_000).map((r) => r.at)).toEqual([1000, 4000]);
    // A window starting after the first report still sees that the lid was already open at 2000.
    expect(repo.pillboxOpenings(1500, 10_000).map((r) => r.at)).toEqual([4000]);
    expect(repo.activityCount(0, 10_000)).toBe(3);
    db.close();
  });
});
