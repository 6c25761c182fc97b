import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock, type ManualClock } from '../../src/core/clock.js';
import { createMetricsRegistry } from '../../src/core/metrics.js';
import { createBackupSchedule, type BackupScheduleDeps } from '../../src/store/backup-schedule.js';
import { dailyBackupName, listBackups, SECRETS_TABLE } from '../../src/store/backup.js';
import { databasePath, openDatabase, type Db } from '../../src/store/database.js';
import { recordingLogger } from '../support/recording-logger.js';

/** The daily backup (issue 9, item 4) on a manual clock, against a real database file. */
const LONDON = 'Europe/London';
/** A London instant from its UTC parts (GMT in winter, BST = UTC+1 in summer). */
const utc = (iso: string) => Date.parse(iso);

let dataDir: string;
let dir: string;
let db: Db;
let clock: ManualClock;
let logged: Array<{ level: string; msg: string | undefined }>;

beforeEach(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'homeward-backup-schedule-'));
  dir = path.join(dataDir, 'backups');
  db = openDatabase(databasePath(dataDir), { synchronous: 'normal' });
  db.prepare('INSERT INTO door_readings (device, at, open) VALUES (1, 1, 1), (1, 2, 0)').run();
  mkdirSync(path.join(dataDir, 'secrets'));
  writeFileSync(path.join(dataDir, 'secrets', 'credential-key'), Buffer.alloc(32, 7));
  clock = createManualClock(utc('2026-11-24T00:00:00Z'));
  logged = [];
});

afterEach(() => {
  db.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function schedule(overrides: Partial<BackupScheduleDeps> = {}) {
  return createBackupSchedule({
    databaseFile: databasePath(dataDir),
    dataDir,
    dir,
    at: '03:30',
    keep: 3,
    timeZone: () => LONDON,
    clock,
    log: recordingLogger((level, msg) => logged.push({ level, msg })),
    hubVersion: 'test',
    ...overrides,
  });
}

const taken = () => listBackups(dir).map((b) => new Date(b.takenAt).toISOString());

describe('the daily backup', () => {
  it('takes one at 03:30 local time, and not twice the same day', async () => {
    // A backup from the day before, so the one due this morning is the next.
    mkdirSync(dir);
    const backups = schedule();
    clock.set(utc('2026-11-23T03:30:00Z'));
    expect(await backups.tick()).toBeDefined();
    clock.set(utc('2026-11-24T03:29:00Z'));
    expect(await backups.tick()).toBeUndefined();
    clock.set(utc('2026-11-24T03:30:00Z'));
    const first = await backups.tick();
    expect(first?.file).toBe(path.join(dir, 'homeward-20261124T033000Z.db'));
    expect(first?.readings).toBe(2);
    clock.set(utc('2026-11-24T03:31:00Z'));
    expect(await backups.tick()).toBeUndefined();
    clock.set(utc('2026-11-24T23:59:00Z'));
    expect(await backups.tick()).toBeUndefined();
    expect(taken()).toEqual(['2026-11-24T03:30:00.000Z', '2026-11-23T03:30:00.000Z']);
    // The copy holds the secrets; it is a real, readable database.
    const copy = new Database(first?.file as string, { readonly: true });
    expect(copy.prepare(`SELECT name FROM ${SECRETS_TABLE}`).pluck().all()).toEqual(['credential-key']);
    copy.close();
  });

  it('uses the home time zone: 03:30 in summer is 02:30 UTC', async () => {
    const backups = schedule();
    clock.set(utc('2026-07-01T02:29:00Z'));
    await backups.tick(); // the catch-up for the day before (no backup yet)
    expect(taken()).toEqual(['2026-07-01T02:29:00.000Z']);
    clock.set(utc('2026-07-01T02:30:00Z'));
    expect((await backups.tick())?.file).toBe(path.join(dir, 'homeward-20260701T023000Z.db'));
  });

  it('catches up at once after the hub was down at the time, then keeps to the time', async () => {
    const backups = schedule();
    clock.set(utc('2026-11-20T03:30:00Z'));
    await backups.tick();
    // Down from the 20th to the 24th at 10:00: one backup on coming back, not one per missed day.
    clock.set(utc('2026-11-24T10:00:00Z'));
    expect((await backups.tick())?.takenAt).toBe(utc('2026-11-24T10:00:00Z'));
    expect(await backups.tick()).toBeUndefined();
    // Back before the time of day: the missed yesterday is caught up, then today's at 03:30.
    clock.set(utc('2026-11-26T01:00:00Z'));
    expect(await backups.tick()).toBeDefined();
    clock.set(utc('2026-11-26T03:30:00Z'));
    expect(await backups.tick()).toBeDefined();
    expect(taken()).toEqual(['2026-11-26T03:30:00.000Z', '2026-11-26T01:00:00.000Z', '2026-11-24T10:00:00.000Z']);
  });

  it('keeps the newest N daily backups and never touches other files', async () => {
    mkdirSync(dir);
    const others = ['pre-update-0.1.0.db', 'homeward-manual.db', 'notes.txt', 'homeward-20261101T033000Z.db.keep'];
    for (const name of others) writeFileSync(path.join(dir, name), 'not a daily backup');
    const backups = schedule({ keep: 3 });
    for (let day = 1; day <= 6; day++) {
      clock.set(utc(`2026-11-0${day}T03:30:00Z`));
      expect(await backups.tick()).toBeDefined();
    }
    expect(taken()).toEqual(['2026-11-06T03:30:00.000Z', '2026-11-05T03:30:00.000Z', '2026-11-04T03:30:00.000Z']);
    expect(readdirSync(dir).sort()).toEqual([...others, dailyBackupName(utc('2026-11-04T03:30:00Z')), dailyBackupName(utc('2026-11-05T03:30:00Z')), dailyBackupName(utc('2026-11-06T03:30:00Z'))].sort());
  });

  it('takes one backup on the spring-forward day, at the first moment the local time exists', async () => {
    // 01:30 does not exist in London on 29 March 2026 (01:00 GMT → 02:00 BST): it is taken at 02:30 BST.
    const backups = schedule({ at: '01:30' });
    clock.set(utc('2026-03-28T01:30:00Z'));
    await backups.tick();
    clock.set(utc('2026-03-29T00:59:00Z'));
    expect(await backups.tick()).toBeUndefined();
    clock.set(utc('2026-03-29T01:30:00Z'));
    expect((await backups.tick())?.takenAt).toBe(utc('2026-03-29T01:30:00Z'));
    clock.set(utc('2026-03-29T12:00:00Z'));
    expect(await backups.tick()).toBeUndefined();
  });

  it('takes one backup on the fall-back day, when the local time happens twice', async () => {
    // 01:30 happens twice in London on 25 October 2026: at 00:30 UTC (BST) and at 01:30 UTC (GMT).
    const backups = schedule({ at: '01:30' });
    clock.set(utc('2026-10-24T00:30:00Z'));
    await backups.tick();
    clock.set(utc('2026-10-25T00:30:00Z'));
    expect(await backups.tick()).toBeDefined();
    clock.set(utc('2026-10-25T01:30:00Z'));
    expect(await backups.tick()).toBeUndefined();
    clock.set(utc('2026-10-26T01:29:00Z'));
    expect(await backups.tick()).toBeUndefined();
    clock.set(utc('2026-10-26T01:30:00Z'));
    expect(await backups.tick()).toBeDefined();
    expect(taken()).toHaveLength(3);
  });

  it('logs a failed backup at error with the reason, keeps older backups, and tries again an hour later', async () => {
    const metrics = createMetricsRegistry();
    const backups = schedule({ metrics });
    clock.set(utc('2026-11-23T03:30:00Z'));
    await backups.tick();
    // Something in the way where today's copy is written: a directory (full of something) under its name.
    clock.set(utc('2026-11-24T03:30:00Z'));
    const inTheWay = path.join(dir, `${dailyBackupName(clock.now())}.partial`);
    mkdirSync(path.join(inTheWay, 'something'), { recursive: true });
    expect(await backups.tick()).toBeUndefined();
    const failure = logged.find((line) => line.level === 'error');
    expect(failure?.msg).toMatch(/^daily backup failed: .*directory.*; older backups are kept, trying again in an hour$/);
    expect(taken()).toEqual(['2026-11-23T03:30:00.000Z']);
    expect(metrics.render()).toContain('homeward_backups_total{result="failed"} 1');
    // Not tried again within the hour (a full disk is not hammered every minute); tried again after it.
    rmSync(inTheWay, { recursive: true });
    clock.set(utc('2026-11-24T04:00:00Z'));
    expect(await backups.tick()).toBeUndefined();
    clock.set(utc('2026-11-24T04:30:00Z'));
    expect((await backups.tick())?.takenAt).toBe(utc('2026-11-24T04:30:00Z'));
    expect(taken()).toEqual(['2026-11-24T04:30:00.000Z', '2026-11-23T03:30:00.000Z']);
    expect(metrics.render()).toContain(`homeward_backup_last_success_timestamp_seconds ${utc('2026-11-24T04:30:00Z') / 1000}`);
  });

  it('keeps going when the backup directory cannot be made at all', async () => {
    writeFileSync(path.join(dataDir, 'a-file'), '');
    const backups = schedule({ dir: path.join(dataDir, 'a-file', 'backups') });
    clock.set(utc('2026-11-24T03:30:00Z'));
    await expect(backups.tick()).resolves.toBeUndefined();
    expect(logged.filter((line) => line.level === 'error').map((line) => line.msg)).toEqual([expect.stringMatching(/daily backup failed: .*(ENOTDIR|not a directory)/)]);
    // The hub's own database is untouched and still usable.
    expect(db.prepare('SELECT count(*) FROM door_readings').pluck().get()).toBe(2);
  });

  it('reports when the newest backup on disk was taken, from before this start too', async () => {
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'homeward-20261120T033000Z.db'), '');
    const metrics = createMetricsRegistry();
    const backups = schedule({ metrics });
    expect(backups.lastSuccessAt()).toBe(utc('2026-11-20T03:30:00Z'));
    expect(metrics.render()).toContain(`homeward_backup_last_success_timestamp_seconds ${utc('2026-11-20T03:30:00Z') / 1000}`);
  });
});
