import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAlertService, type AlertService } from '../../src/alerts/alert-service.js';
import type { AlertJson } from '../../src/core/alerts.js';
import { createManualClock, type ManualClock } from '../../src/core/clock.js';
import { createEventBus } from '../../src/core/event-bus.js';
import { createMetricsRegistry, type MetricsRegistry } from '../../src/core/metrics.js';
import { createStorageWatch, type StatfsReading, type StorageWatch } from '../../src/supervision/storage-watch.js';
import { recordingLogger } from '../support/recording-logger.js';
import { useTempStore } from '../store/temp-store.js';

/**
 * The storage watch (issue 10, item 3): statfs readings are injected (the one thing read from the
 * kernel) and the clock is a manual one; the alerts are stored by the real alert service in a real
 * SQLite file. test/fault/disk-full.test.ts fills a real tmpfs under a real hub process.
 */
const MB = 1024 * 1024;
const GB = 1024 * MB;
const T0 = Date.UTC(2026, 5, 1, 2, 0, 0);
const DATA_DIR = '/var/lib/homeward';

const temp = useTempStore();
let clock: ManualClock;
let metrics: MetricsRegistry;
let alerts: AlertService;
let lines: Array<{ level: string; msg: string }>;
let changes: AlertJson[];
let free: number;
let total: number;

function reading(): StatfsReading {
  return { bavail: free / 4096, bsize: 4096, blocks: total / 4096 };
}

function watch(options: { lowBytes?: number; lowShare?: number; statfs?: (dir: string) => StatfsReading } = {}): StorageWatch {
  return createStorageWatch({
    dataDir: DATA_DIR,
    lowBytes: options.lowBytes ?? 64 * MB,
    lowShare: options.lowShare ?? 0.02,
    clock,
    log: recordingLogger((level, msg) => lines.push({ level, msg: msg ?? '' })),
    alerts,
    metrics,
    statfs: options.statfs ?? ((dir) => (expect(dir).toBe(DATA_DIR), reading())),
  });
}

const storageAlerts = () => temp.store.alerts.open().filter((alert) => alert.type === 'hub-storage-low');
const logged = (level: string) => lines.filter((line) => line.level === level).map((line) => line.msg);

/** A real SQLITE_FULL from better-sqlite3: a database that may not grow past two pages. */
function sqliteFull(): Error {
  const tiny = new Database(':memory:');
  try {
    tiny.pragma('max_page_count = 2');
    tiny.exec('CREATE TABLE ballast (b BLOB)');
    tiny.prepare('INSERT INTO ballast VALUES (zeroblob(65536))').run();
  } catch (error) {
    return error as Error;
  } finally {
    tiny.close();
  }
  throw new Error('expected SQLITE_FULL');
}

beforeEach(() => {
  clock = createManualClock(T0);
  metrics = createMetricsRegistry();
  lines = [];
  changes = [];
  const bus = createEventBus((owner, event, error) => {
    throw new Error(`${owner} failed on ${event}: ${String(error)}`);
  });
  bus.on('alertChanged', 'test', ({ alert }) => changes.push(alert));
  alerts = createAlertService({ store: temp.store, bus, log: recordingLogger(() => undefined), alertsTotal: metrics.counter('homeward_alerts_total', 'x') });
  free = 20 * GB;
  total = 64 * GB;
});

describe('the storage watch (issue 10)', () => {
  it.each([
    { name: '1 GB card: 2 % (20 MB) is less than 64 MB', size: 1 * GB, above: 21 * MB, under: 20 * MB },
    { name: '100 GB disk: 64 MB is less than 2 %', size: 100 * GB, above: 64 * MB, under: 64 * MB - 4096 },
  ])('warns under the smaller of 64 MB and 2 %: $name', ({ size, above, under }) => {
    total = size;
    const storage = watch();
    free = above;
    expect(storage.tick()).toMatchObject({ freeBytes: above, totalBytes: size });
    expect(storageAlerts()).toEqual([]);
    free = under;
    storage.tick();
    expect(storageAlerts()).toHaveLength(1);
  });

  it('raises one fault alert per episode, logs it once, and resolves it once space is well back', () => {
    const storage = watch();
    total = 8 * GB;
    free = 50 * MB;
    storage.tick();
    const [alert] = storageAlerts();
    expect(alert).toMatchObject({
      type: 'hub-storage-low',
      severity: 'fault',
      deviceId: null,
      raisedAt: T0,
      title: 'The hub’s storage is nearly full: 50 MB left',
      details: { dataDir: DATA_DIR, freeBytes: 50 * MB, totalBytes: 8 * GB, lowBytes: 64 * MB, full: false, fix: expect.stringContaining('homeward doctor') },
    });
    // Told like a sensor fault: the escalation service hears of it on the bus (owner and installers, by its severity).
    expect(changes.map((change) => [change.type, change.severity, change.status])).toEqual([['hub-storage-low', 'fault', 'open']]);
    expect(logged('warn')).toEqual([
      `storage nearly full: 50 MB free of 8.0 GB on ${DATA_DIR} (the warning is below 64 MB); when it fills, no reading can be saved. To fix: free some space: \`homeward doctor\` shows what uses it (old backups, the system journal)`,
    ]);

    // Every minute while it lasts: no second alert, no second line.
    for (const left of [40, 30, 70, 79]) {
      clock.advance(60_000);
      free = left * MB;
      storage.tick();
    }
    expect(storageAlerts()).toHaveLength(1);
    expect(changes).toHaveLength(1);
    expect(lines).toHaveLength(1);

    // A quarter above the threshold (80 MB): resolved, said once.
    clock.advance(60_000);
    free = 80 * MB;
    storage.tick();
    expect(storageAlerts()).toEqual([]);
    expect(temp.store.alerts.byId(alert!.id)).toMatchObject({ status: 'resolved', resolvedAt: clock.now(), resolution: 'space returned: 80 MB free' });
    expect(logged('info')).toEqual([`storage: 80 MB free of 8.0 GB on ${DATA_DIR} again, readings are saved`]);
    clock.advance(60_000);
    storage.tick();
    expect(lines).toHaveLength(2);

    // A new episode is a new alert.
    clock.advance(60_000);
    free = 10 * MB;
    storage.tick();
    expect(storageAlerts()).toHaveLength(1);
    expect(storageAlerts()[0]?.id).not.toBe(alert!.id);
    expect(logged('warn')).toHaveLength(2);
  });

  it('a full disk: one clear error per episode naming the data directory and its free space, each failed commit counted', () => {
    const storage = watch();
    total = 4 * GB;
    free = 0;
    const full = sqliteFull();
    expect((full as { code?: string }).code).toBe('SQLITE_FULL');
    for (let i = 0; i < 50; i++) storage.commitFailed(full, 3);
    expect(logged('error')).toEqual([
      `disk full: readings cannot be saved in ${DATA_DIR} (0 bytes free of 4.0 GB); devices get no acknowledgement and send them again once there is room. To fix: free some space: \`homeward doctor\` shows what uses it (old backups, the system journal)`,
    ]);
    expect(metrics.render()).toMatch(/^homeward_ingest_commit_failures_total\{reason="disk_full"\} 50$/m);
    expect(metrics.render()).toMatch(/^homeward_storage_free_bytes 0$/m);
    // Raised at the first failure, since (here) it could still be stored.
    expect(storageAlerts()).toHaveLength(1);

    // SQLite reuses space in its WAL now and then: a commit that works in between starts no new episode.
    storage.committed();
    storage.commitFailed(full, 1);
    storage.tick();
    expect(logged('error')).toHaveLength(1);
    expect(storageAlerts()).toHaveLength(1);

    free = 1 * GB;
    clock.advance(60_000);
    storage.tick();
    expect(storageAlerts()).toEqual([]);
    expect(logged('info')).toEqual([
      `storage: 1.0 GB free of 4.0 GB on ${DATA_DIR} again, readings are saved; 51 commits failed meanwhile, and devices send those 151 publishes again`,
    ]);

    // The next full disk is a new episode, and said again.
    free = 0;
    storage.commitFailed(full, 1);
    expect(logged('error')).toHaveLength(2);
  });

  it('tries again after: an alert that cannot be stored (the database refuses writes) is stored at the first check that can', () => {
    const storage = watch();
    total = 4 * GB;
    free = 0;
    temp.db.pragma('query_only = ON'); // every write fails, as the full disk makes them
    storage.commitFailed(sqliteFull(), 1);
    const fullSince = clock.now();
    for (let i = 0; i < 5; i++) {
      clock.advance(60_000);
      storage.tick();
    }
    expect(logged('error')).toEqual([
      expect.stringMatching(/^disk full: readings cannot be saved/),
      'could not store the hub-storage-low alert (attempt to write a readonly database): trying again at every check',
    ]);
    temp.db.pragma('query_only = OFF');
    expect(storageAlerts()).toEqual([]);

    clock.advance(60_000);
    storage.tick();
    expect(storageAlerts()).toMatchObject([{ raisedAt: fullSince, title: 'The hub’s storage is full: new readings cannot be saved', details: { full: true } }]);
  });

  it('a full disk raises the alert even under a threshold set to 0 (the early warning turned off), until space returns', () => {
    const storage = watch({ lowBytes: 0 });
    total = 4 * GB;
    free = 100 * MB;
    storage.tick();
    expect(lines).toEqual([]);
    free = 0;
    storage.commitFailed(sqliteFull(), 1);
    expect(storageAlerts()).toHaveLength(1);
  });

  it('does not raise it again in the same episode once someone resolved it by hand', () => {
    const storage = watch();
    total = 8 * GB;
    free = 10 * MB;
    storage.tick();
    const [alert] = storageAlerts();
    temp.store.alerts.resolve(alert!.id, clock.now(), 'clearing space tomorrow');
    alerts.changed(temp.store.alerts.byId(alert!.id)!);
    for (let i = 0; i < 3; i++) {
      clock.advance(60_000);
      storage.tick();
    }
    expect(storageAlerts()).toEqual([]);
    // Space came back, then went again: a new episode, a new alert.
    free = 1 * GB;
    storage.tick();
    free = 10 * MB;
    clock.advance(60_000);
    storage.tick();
    expect(storageAlerts()).toMatchObject([{ raisedAt: clock.now() }]);
  });

  it('keeps the alert of a hub restarted mid-episode, and resolves it when space returns', () => {
    total = 8 * GB;
    free = 10 * MB;
    watch().tick();
    const [before] = storageAlerts();
    // As after a restart: a new watch and alert service over the same database.
    alerts = createAlertService({ store: temp.reopen(), bus: createEventBus(() => undefined), log: recordingLogger(() => undefined), alertsTotal: metrics.counter('a', 'a') });
    const storage = watch();
    clock.advance(3_600_000);
    storage.tick();
    expect(storageAlerts().map((alert) => alert.id)).toEqual([before!.id]);
    free = 1 * GB;
    storage.tick();
    expect(storageAlerts()).toEqual([]);
  });

  it('other failed commits: said once per run, ended by the next commit that works, counted by their SQLite code', () => {
    const storage = watch();
    const readonly = Object.assign(new Error('attempt to write a readonly database'), { code: 'SQLITE_READONLY' });
    for (let i = 0; i < 10; i++) storage.commitFailed(readonly, 2);
    expect(logged('error')).toEqual(['commit failed (attempt to write a readonly database): readings not acknowledged, devices will resend']);
    storage.committed();
    storage.committed();
    expect(logged('info')).toEqual(['commits work again: 10 failed, and devices send those 20 publishes again']);
    expect(metrics.render()).toMatch(/^homeward_ingest_commit_failures_total\{reason="sqlite_readonly"\} 10$/m);
    // Not a storage problem: no alert.
    storage.tick();
    expect(storageAlerts()).toEqual([]);
  });

  it('a statfs that fails is said once, never thrown, and raises nothing', () => {
    const storage = watch({
      statfs: () => {
        throw Object.assign(new Error(`ENOENT: no such file or directory, statfs '${DATA_DIR}'`), { code: 'ENOENT' });
      },
    });
    for (let i = 0; i < 3; i++) expect(storage.tick()).toBeUndefined();
    expect(lines).toEqual([{ level: 'warn', msg: `cannot read the free space of ${DATA_DIR}: ENOENT: no such file or directory, statfs '${DATA_DIR}'` }]);
    expect(storageAlerts()).toEqual([]);
    expect(metrics.render()).toMatch(/^homeward_storage_free_bytes NaN$/m);
  });

  it('checks at once when started, and stops', () => {
    const storage = watch();
    total = 8 * GB;
    free = 1 * MB;
    storage.start(60_000);
    storage.stop();
    expect(storageAlerts()).toHaveLength(1);
    expect(storage.space()).toEqual({ freeBytes: 1 * MB, totalBytes: 8 * GB, lowBytes: 64 * MB });
  });
});
