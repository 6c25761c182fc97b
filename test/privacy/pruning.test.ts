import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import { createBatchedDeleter } from '../../src/privacy/batched-delete.js';
import { createPruner, nextQuietTime, START_DELAY_MS } from '../../src/privacy/pruner.js';
import { defaultRetention } from '../../src/privacy/retention-policy.js';
import { createRetentionRepo } from '../../src/store/retention-repo.js';
import { recordingLogger } from '../support/recording-logger.js';
import { useTempStore } from '../store/temp-store.js';

/** Pruning's parts over a real SQLite file: bounded batches, one job at a time, the quiet hour, a failing table. */
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 5, 9, 0);
const temp = useTempStore();

function addTracker(): number {
  temp.store.devices.sync([{ id: 'phone', name: 'Phone', kind: 'tracker', source: 'native' }], T0);
  return temp.store.devices.all()[0]!.num;
}

function addFixes(num: number, times: number[]): void {
  temp.store.transaction(() => {
    for (const at of times) temp.store.readings.insert(num, { kind: 'position', deviceId: 'phone', at, atFromDevice: true, lat: 51.5, lon: -0.12 });
  });
}

describe('batched deletion', () => {
  it('deletes in transactions of at most the batch size, letting the event loop turn between them', async () => {
    const num = addTracker();
    addFixes(num, Array.from({ length: 25 }, (_, i) => T0 - DAY - i));
    addFixes(num, [T0]);
    let transactions = 0;
    const written: number[] = [];
    const deleter = createBatchedDeleter({
      noteWrites: (rows) => written.push(rows),
      retention: createRetentionRepo(temp.db),
      transaction: (work) => {
        transactions++;
        return temp.store.transaction(work);
      },
      batchRows: 7,
    });
    let turns = 0;
    const counting = (async () => {
      while (turns < 100) {
        await nextTurn();
        turns++;
      }
    })();
    const deleted = await deleter.deleteOlder('positions', T0);
    expect(deleted).toBe(25);
    expect(transactions).toBe(4);
    expect(written).toEqual([7, 7, 7, 4]);
    // Other work ran while the deletion was under way: it never held the loop for all its batches.
    expect(turns).toBeGreaterThanOrEqual(3);
    expect(temp.store.readings.recentFixes(num, 'phone', 10).map((f) => f.at)).toEqual([T0]);
    turns = 100;
    await counting;
  });

  it('runs jobs one after another, never interleaved', async () => {
    const deleter = createBatchedDeleter({ retention: createRetentionRepo(temp.db), transaction: temp.store.transaction });
    const order: string[] = [];
    const job = (name: string) => async () => {
      order.push(`${name} start`);
      await nextTurn();
      order.push(`${name} end`);
    };
    await Promise.all([deleter.exclusive(job('prune')), deleter.exclusive(job('erase'))]);
    expect(order).toEqual(['prune start', 'prune end', 'erase start', 'erase end']);
  });

  it('never deletes an open alert, nor an incident that still has alerts', () => {
    const retention = createRetentionRepo(temp.db);
    temp.db.prepare("INSERT INTO incidents (id, type, status, opened_at, last_alert_at, closed_at) VALUES ('i1', 'wandering', 'closed', 1, 1, 1)").run();
    const insert = temp.db.prepare("INSERT INTO alerts (id, key, type, severity, status, incident_id, title, details, raised_at, resolved_at) VALUES (?, ?, 'night-exit', 'urgent', ?, 'i1', 't', '{}', 1, ?)");
    insert.run('open', 'k1', 'open', null);
    insert.run('done', 'k2', 'resolved', 2);
    expect(temp.store.transaction(() => retention.deleteOlder('alerts', T0, 100))).toBe(1);
    expect(temp.store.transaction(() => retention.deleteOlder('incidents', T0, 100))).toBe(0);
    expect(temp.store.alerts.byId('open')?.status).toBe('open');
  });
});

describe('the pruning schedule', () => {
  it('finds the quiet hour on the home’s clock, in summer time too', () => {
    expect(new Date(nextQuietTime(T0, 'Europe/London')).toISOString()).toBe('2026-01-06T03:30:00.000Z');
    expect(new Date(nextQuietTime(Date.UTC(2026, 6, 1, 1, 0), 'Europe/London')).toISOString()).toBe('2026-07-01T02:30:00.000Z');
    expect(new Date(nextQuietTime(Date.UTC(2026, 0, 5, 2, 0), 'America/New_York')).toISOString()).toBe('2026-01-05T08:30:00.000Z');
  });

  it('after the clock is set back by weeks, still prunes within a day', async () => {
    const clock = createManualClock(T0);
    const logger = recordingLogger(() => undefined);
    const deleter = createBatchedDeleter({ retention: createRetentionRepo(temp.db), transaction: temp.store.transaction });
    const pruner = createPruner({ deleter, settings: temp.store.settings, clock, log: logger, timezone: () => 'Europe/London', retention: () => defaultRetention });
    pruner.start();
    clock.advance(START_DELAY_MS);
    expect(await pruner.tick()).toBeDefined();
    clock.set(T0 - 30 * DAY);
    expect(await pruner.tick()).toBeUndefined();
    expect(pruner.nextRunAt()).toBe(nextQuietTime(T0 - 30 * DAY, 'Europe/London'));
    pruner.stop();
  });

  it('waits for a believable clock (a Pi boots in 1970 until NTP answers)', async () => {
    const clock = createManualClock(Date.UTC(1970, 0, 1));
    const deleter = createBatchedDeleter({ retention: createRetentionRepo(temp.db), transaction: temp.store.transaction });
    const pruner = createPruner({ deleter, settings: temp.store.settings, clock, log: recordingLogger(() => undefined), timezone: () => 'Europe/London', retention: () => defaultRetention });
    pruner.start();
    clock.advance(DAY);
    expect(await pruner.tick()).toBeUndefined();
    clock.set(T0);
    expect(await pruner.tick()).toMatchObject({ trigger: 'start', startedAt: T0 });
    pruner.stop();
  });

  it('prunes every other table when one fails, and reports which', async () => {
    const clock = createManualClock(T0);
    const lines: Array<{ level: string; msg: string | undefined }> = [];
    const logger = recordingLogger((level, msg) => lines.push({ level, msg }));
    const num = addTracker();
    addFixes(num, [T0 - 40 * DAY, T0]);
    temp.db.exec("CREATE TRIGGER keep_notes BEFORE DELETE ON care_notes BEGIN SELECT RAISE(ABORT, 'notes are locked'); END");
    temp.db.prepare("INSERT INTO care_notes (at, kind, text) VALUES (?, 'note', 'old')").run(T0 - 500 * DAY);
    const deleter = createBatchedDeleter({ retention: createRetentionRepo(temp.db), transaction: temp.store.transaction });
    const pruner = createPruner({ deleter, settings: temp.store.settings, clock, log: logger, timezone: () => 'Europe/London', retention: () => defaultRetention });
    pruner.start();
    clock.advance(START_DELAY_MS);
    const run = await pruner.tick();
    expect(run?.failed).toEqual({ careNotes: 'notes are locked' });
    expect(run?.deleted.positions).toBe(1);
    expect(pruner.lastRun()).toEqual(run);
    expect(lines.some((line) => line.level === 'error' && line.msg?.includes('pruning failed for one table'))).toBe(true);
    pruner.stop();
  });
});
