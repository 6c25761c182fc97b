import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock, type ManualClock } from '../../src/core/clock.js';
import type { DoorReading, HealthReading, PositionReading, Reading } from '../../src/core/readings.js';
import { defaultGpsHygiene } from '../../src/ingest/gps-hygiene.js';
import { createGroupCommit, type CommitResult, type GroupCommit } from '../../src/ingest/group-commit.js';
import { mqttDelivery, RESEND_WINDOW_MS, type MqttDelivery } from '../../src/ingest/mqtt-delivery.js';
import { databasePath, openDatabase, type Db } from '../../src/store/database.js';
import { createStore, type Store } from '../../src/store/store.js';
import { recordingLogger } from '../support/recording-logger.js';

const T = Date.UTC(2025, 7, 1, 1, 0, 0);


let dir: string;
let db: Db;
let store: Store;
let clock: ManualClock;
let nums: Map<string, number>;
let logLines: Array<{ level: string; msg: string | undefined }>;
let commits: CommitResult[];
let commit: GroupCommit;

function createCommit(onFailed?: (error: Error, publishes: number) => void): GroupCommit {
  return createGroupCommit({
    store,
    // A long window: the tests flush by hand, so no timer ever decides what is in a batch.
    windowMs: 60_000,
    gpsHygiene: defaultGpsHygiene,
    now: () => clock.now(),
    log: recordingLogger((level, msg) => logLines.push({ level, msg })),
    deviceNum: (id) => nums.get(id),
    onCommitted: (result) => commits.push(result),
    ...(onFailed === undefined ? {} : { onFailed }),
  });
}

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'homeward-commit-'));
  db = openDatabase(databasePath(dir), { synchronous: 'normal' });
  store = createStore(db);
  clock = createManualClock(T);
  store.transaction(() =>
    store.devices.sync(
      [
        { id: 'front-door', name: 'Front door', kind: 'door', source: 'native', exit: true },
        { id: 'mum-phone', name: 'Phone', kind: 'tracker', source: 'native' },
      ],
      T,
    ),
  );
  nums = new Map(store.devices.all().map((d) => [d.id, d.num]));
  logLines = [];
  commits = [];
  commit = createCommit();
});
afterEach(() => {
  commit.flush();
  if (db.open) db.close();
  rmSync(dir, { recursive: true, force: true });
});

const door = (open: boolean, at: number, atFromDevice: boolean, battery?: number): DoorReading => ({
  kind: 'door',
  deviceId: 'front-door',
  at,
  atFromDevice,
  open,
  ...(battery === undefined ? {} : { battery }),
});
const fix = (at: number): PositionReading => ({ kind: 'position', deviceId: 'mum-phone', at, atFromDevice: false, lat: 51.5072, lon: -0.1276, accuracyM: 10 });

/** Enqueues each delivery and commits them as one batch, as the window would; returns what each publisher was told. */
function deliver(...deliveries: Array<{ readings: Reading[]; receivedAt?: number; delivery?: MqttDelivery }>): Array<Error | null | 'pending'> {
  const answers: Array<Error | null | 'pending'> = deliveries.map(() => 'pending');
  deliveries.forEach((d, i) =>
    commit.enqueue({
      readings: d.readings,
      receivedAt: d.receivedAt ?? clock.now(),
      ...(d.delivery === undefined ? {} : { delivery: d.delivery }),
      done: (error) => (answers[i] = error),
    }),
  );
  expect(commit.pendingCount()).toBe(deliveries.length);
  commit.flush();
  return answers;
}

function doorRows(): Array<{ at: number; open: number }> {
  return db.prepare('SELECT at, open FROM door_readings ORDER BY at').all() as Array<{ at: number; open: number }>;
}

const frontDoorState = () => commit.state(nums.get('front-door') as number);

describe('group commit', () => {
  it('commits a batch, answers every publisher after the commit, and reports it', () => {
    const answers = deliver({ readings: [door(true, T, false)] }, { readings: [fix(T)] });
    expect(answers).toEqual([null, null]);
    expect(commit.pendingCount()).toBe(0);
    expect(doorRows()).toEqual([{ at: T, open: 1 }]);
    expect(commits).toHaveLength(1);
    expect(commits[0]?.committed).toHaveLength(2);
    expect(commits[0]?.duplicates).toBe(0);
    expect(frontDoorState()).toMatchObject({ doorOpen: true, doorAt: T, online: true });
  });

  it('persists device state in the same transaction, and a new group commit over the file starts from it', () => {
    deliver({ readings: [door(true, T, false, 87)] });
    const persisted = store.deviceState.loadAll().get(nums.get('front-door') as number);
    expect(persisted).toEqual(frontDoorState());
    const restarted = createCommit();
    expect(restarted.state(nums.get('front-door') as number)).toEqual(frontDoorState());
  });

  it('a reading with a device timestamp delivered twice is stored once, and both deliveries are acknowledged', () => {
    expect(deliver({ readings: [door(true, T, true)] })).toEqual([null]);
    clock.advance(2000);
    expect(deliver({ readings: [door(true, T, true)] })).toEqual([null]);
    expect(doorRows()).toEqual([{ at: T, open: 1 }]);
    expect(commits.map((c) => [c.committed.length, c.duplicates])).toEqual([
      [1, 0],
      [0, 1],
    ]);
  });

  it('a device-timestamped reading repeated within one batch is stored once', () => {
    expect(deliver({ readings: [door(true, T, true)] }, { readings: [door(true, T, true)] })).toEqual([null, null]);
    expect(doorRows()).toHaveLength(1);
    expect(commits[0]?.duplicates).toBe(1);
  });

  it('two different readings in the same millisecond of receipt are both stored, one moved 1 ms', () => {
    deliver({ readings: [door(true, T, false)], receivedAt: T }, { readings: [door(false, T, false)], receivedAt: T });
    expect(doorRows()).toEqual([
      { at: T, open: 1 },
      { at: T + 1, open: 0 },
    ]);
    expect(commits[0]?.committed).toHaveLength(2);
  });

  // What the front door's sensor sent as packet 7, and the same packet sent again after a reconnect.
  const packet = (id: number, payload = '{"contact":false}', clientId = 'zigbee2mqtt') =>
    mqttDelivery('bridge:zigbee', clientId, id, 'zigbee2mqtt/front door', Buffer.from(payload));

  it('a receipt-time reading sent again under the same packet id (its PUBACK lost in a crash) is stored once', () => {
    expect(deliver({ readings: [door(true, T, false)], receivedAt: T, delivery: packet(7) })).toEqual([null]);
    // The hub restarts: the commit over the same file must know the packet from the database alone.
    commit = createCommit();
    clock.advance(8_000); // the device reconnects and resends; we stamp it with the new receipt time
    expect(deliver({ readings: [door(true, clock.now(), false)], delivery: packet(7) })).toEqual([null]);
    expect(doorRows()).toEqual([{ at: T, open: 1 }]);
    expect(commits[1]).toMatchObject({ committed: [], duplicates: 1 });
  });

  it('a resend is known within one batch too', () => {
    expect(deliver({ readings: [door(true, T, false)], delivery: packet(7) }, { readings: [door(true, T, false)], delivery: packet(7) })).toEqual([null, null]);
    expect(doorRows()).toHaveLength(1);
    expect(commits[0]?.duplicates).toBe(1);
  });

  it.each([
    { name: 'without a packet id (QoS 0, or HTTP)', second: undefined, after: 8_000 },
    { name: 'under the next packet id (the door re-reported)', second: packet(8), after: 8_000 },
    { name: 'under the same packet id with another payload (the id came round again)', second: packet(7, '{"contact":true}'), after: 8_000 },
    { name: 'under the same packet id from another client', second: packet(7, undefined, 'another-bridge'), after: 8_000 },
    { name: 'under the same packet id after the resend window', second: packet(7), after: RESEND_WINDOW_MS + 1 },
  ])('a receipt-time reading is stored again when it comes $name', ({ second, after }) => {
    deliver({ readings: [door(true, T, false)], receivedAt: T, delivery: packet(7) });
    clock.advance(after);
    deliver({ readings: [door(true, clock.now(), false)], ...(second === undefined ? {} : { delivery: second }) });
    expect(doorRows()).toHaveLength(2);
  });

  it('remembers packets only for receipt-time readings, and forgets them after the window', () => {
    const packetIds = () => [...store.mqttDeliveries.since(0)].flatMap((batch) => batch.publishes.map((p) => p.packetId));
    deliver({ readings: [door(true, T, true)], delivery: packet(1) });
    expect(packetIds()).toEqual([]); // its own time tells a resend apart
    deliver({ readings: [door(false, clock.now(), false)], delivery: packet(2) }, { readings: [door(true, clock.now(), false)], delivery: packet(3) });
    expect(packetIds()).toEqual([2, 3]);
    expect(db.prepare('SELECT count(*) AS n FROM mqtt_delivery_batches').get()).toEqual({ n: 1 }); // one row a commit
    clock.advance(RESEND_WINDOW_MS + 10 * 60_000);
    deliver({ readings: [door(true, clock.now(), false)], delivery: packet(4) });
    expect(packetIds()).toEqual([4]);
  });

  it('a failed commit remembers no packet, so the resend is stored', () => {
    const failing = createCommit(() => undefined);
    db.exec("CREATE TRIGGER refuse BEFORE INSERT ON door_readings BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END");
    const answers: Array<Error | null> = [];
    failing.enqueue({ readings: [door(true, T, false)], receivedAt: T, delivery: packet(7), done: (error) => answers.push(error) });
    failing.flush();
    expect(answers[0]?.message).toMatch(/disk I\/O error/);
    db.exec('DROP TRIGGER refuse');
    // The same group commit takes the device's resend: it must not take it for one already stored.
    failing.enqueue({ readings: [door(true, clock.now(), false)], receivedAt: clock.now(), delivery: packet(7), done: (error) => answers.push(error) });
    failing.flush();
    expect(answers[1]).toBeNull();
    expect(doorRows()).toHaveLength(1);
  });

  it('an out-of-order older reading is stored but does not move the door back', () => {
    deliver({ readings: [door(false, T + 60_000, true)], receivedAt: T + 61_000 });
    deliver({ readings: [door(true, T, true)], receivedAt: T + 62_000 });
    expect(doorRows()).toEqual([
      { at: T, open: 1 },
      { at: T + 60_000, open: 0 },
    ]);
    expect(frontDoorState()).toMatchObject({ doorOpen: false, doorAt: T + 60_000, lastSeenAt: T + 62_000 });
    expect(store.deviceState.loadAll().get(nums.get('front-door') as number)).toMatchObject({ doorOpen: false, doorAt: T + 60_000 });
  });

  it('updates battery from readings and from health-only messages, which are not stored as readings', () => {
    deliver({ readings: [door(true, T, false, 87)] });
    expect(frontDoorState()).toMatchObject({ battery: 87, batteryAt: T });
    clock.advance(60_000);
    const health: HealthReading = { kind: 'health', deviceId: 'front-door', at: clock.now(), atFromDevice: false, battery: 19 };
    deliver({ readings: [health] });
    expect(frontDoorState()).toMatchObject({ battery: 19, batteryAt: T + 60_000, doorOpen: true });
    expect(doorRows()).toHaveLength(1);
    expect(commits[1]?.committed).toEqual([health]);
  });

  it('commits at once when a batch reaches 2000 publishes, without waiting for the window', () => {
    for (let i = 0; i < 2000; i++) {
      commit.enqueue({ readings: [door(i % 2 === 0, T + i, true)], receivedAt: T + i, done: () => undefined });
    }
    expect(commit.pendingCount()).toBe(0);
    expect(doorRows()).toHaveLength(2000);
  });

  it('flushing with nothing pending commits nothing', () => {
    commit.flush();
    expect(commits).toEqual([]);
  });

  describe('a failing commit', () => {
    it('(the database refuses writes) fails every publisher in the batch and leaves state unchanged', () => {
      deliver({ readings: [door(false, T, false, 90)] });
      const before = structuredClone(frontDoorState());
      const storedBefore = store.deviceState.loadAll();
      db.pragma('query_only = ON'); // every write now fails with SQLITE_READONLY, as on a read-only remount
      clock.advance(1000);
      const answers = deliver({ readings: [door(true, clock.now(), false, 80)] }, { readings: [fix(clock.now())] });
      expect(answers.every((a) => a instanceof Error)).toBe(true);
      expect(frontDoorState()).toEqual(before);
      expect(commits).toHaveLength(1);
      expect(logLines.filter((l) => l.level === 'error')).toHaveLength(1);
      db.pragma('query_only = OFF');
      expect(doorRows()).toEqual([{ at: T, open: 0 }]);
      expect(store.deviceState.loadAll()).toEqual(storedBefore);

      // The devices resend; this time the commit succeeds.
      expect(deliver({ readings: [door(true, clock.now(), false, 80)] })).toEqual([null]);
      expect(frontDoorState()).toMatchObject({ doorOpen: true, battery: 80 });
    });

    it('is handed to onFailed, with the number of publishes it fails, instead of a log line per batch (issue 10)', () => {
      const failed: Array<{ code: unknown; publishes: number }> = [];
      commit = createCommit((error, publishes) => failed.push({ code: (error as { code?: unknown }).code, publishes }));
      db.pragma('query_only = ON');
      for (let round = 0; round < 3; round++) {
        const answers = deliver({ readings: [door(true, T + round, false)] }, { readings: [fix(T + round)] });
        expect(answers.every((a) => a instanceof Error)).toBe(true);
      }
      db.pragma('query_only = OFF');
      expect(failed).toEqual([1, 2, 3].map(() => ({ code: 'SQLITE_READONLY', publishes: 2 })));
      expect(logLines).toEqual([]);
      expect(commits).toEqual([]);
    });

    it('(a statement fails halfway) rolls back what the batch had already written', () => {
      db.exec("CREATE TEMP TRIGGER refuse_open BEFORE INSERT ON main.door_readings WHEN NEW.open = 1 BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END");
      const answers = deliver({ readings: [fix(T)] }, { readings: [door(false, T, false)] }, { readings: [door(true, T + 5, false)] });
      expect(answers.map((a) => (a instanceof Error ? a.message : a))).toEqual(['disk I/O error', 'disk I/O error', 'disk I/O error']);
      expect(doorRows()).toEqual([]);
      expect(db.prepare('SELECT COUNT(*) AS n FROM position_readings').get()).toEqual({ n: 0 });
      expect(store.deviceState.loadAll().size).toBe(0);
      expect(commit.states().size).toBe(0);
      expect(commits).toEqual([]);
    });
  });
});
