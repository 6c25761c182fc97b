import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isHomewardError } from '../../src/core/errors.js';
import { dailyBackupName, takeBackup } from '../../src/store/backup.js';
import { checkDatabaseAtStart } from '../../src/store/database-check.js';
import { databasePath } from '../../src/store/database.js';
import { hubPidPath } from '../../src/store/hub-lock.js';
import { freePort, spawnHub, waitForPort } from '../support/hub-process.js';
import { damageMiddle, realDatabase, sha, useScratch } from './backup-fixtures.js';

/**
 * A damaged database at start (issue 9, item 4): a clear message naming the newest backup and the
 * command to restore it, the file kept aside (nothing deleted), no start; and never an empty start
 * in silence when the data directory shows there was a household.
 */
const scratch = useScratch('homeward-db-check-');
const tempDataDir = () => scratch.dir();
const NOW = Date.parse('2026-11-24T09:15:00Z');

async function backupsOf(dataDir: string, at: number[]): Promise<string[]> {
  const dir = path.join(dataDir, 'backups');
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (const takenAt of at) {
    const destination = path.join(dir, dailyBackupName(takenAt));
    await takeBackup({ databaseFile: databasePath(dataDir), dataDir, destination, takenAt, hubVersion: 'test' });
    files.push(destination);
  }
  return files;
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isHomewardError(error, 'HW_STORE')) return error.message;
    throw error;
  }
  throw new Error('expected the start to be refused');
}

describe('the database check at start', () => {
  it('lets a sound database through, and a truly first start (an empty data directory)', () => {
    const dataDir = tempDataDir();
    expect(checkDatabaseAtStart({ dataDir, backupDir: path.join(dataDir, 'backups'), startEmpty: false, now: NOW })).toEqual({ state: 'first-start' });
    realDatabase(dataDir, 10);
    expect(checkDatabaseAtStart({ dataDir, backupDir: path.join(dataDir, 'backups'), startEmpty: false, now: NOW })).toEqual({ state: 'sound' });
  });

  it('moves a database with damaged pages aside, names the newest backup and the command, and deletes nothing', async () => {
    const dataDir = tempDataDir();
    const file = realDatabase(dataDir);
    const [, newest] = await backupsOf(dataDir, [Date.parse('2026-11-22T03:30:00Z'), Date.parse('2026-11-23T03:30:00Z')]);
    damageMiddle(file);
    const damaged = sha(file);

    const message = refusal(() => checkDatabaseAtStart({ dataDir, backupDir: path.join(dataDir, 'backups'), startEmpty: false, now: NOW }));
    const aside = `${file}.corrupt-20261124T091500Z`;
    expect(message).toContain(`the database ${file} is damaged`);
    expect(message).toContain(`It was moved aside to ${aside}`);
    expect(message).toContain(`The newest backup is ${newest} (taken 2026-11-23T03:30:00.000Z)`);
    expect(message).toContain(`npm run homeward -- restore ${newest} --data-dir ${dataDir}`);
    expect(existsSync(file)).toBe(false);
    expect(sha(aside)).toBe(damaged);
    expect(readdirSync(path.join(dataDir, 'backups'))).toHaveLength(2);

    // And then: no database, but signs of one: refused again, unless --start-empty.
    expect(refusal(() => checkDatabaseAtStart({ dataDir, backupDir: path.join(dataDir, 'backups'), startEmpty: false, now: NOW }))).toMatch(/there is no database .* shows this hub had one: 2 backups in .*homeward\.db\.corrupt-20261124T091500Z/);
  });

  it('moves aside a file that is not SQLite at all, with its -wal and -shm', () => {
    const dataDir = tempDataDir();
    const file = databasePath(dataDir);
    writeFileSync(file, 'this is not a database, it is a shopping list: milk, bread, tea\n'.repeat(100));
    writeFileSync(`${file}-wal`, 'wal bytes');
    writeFileSync(`${file}-shm`, 'shm bytes');
    const message = refusal(() => checkDatabaseAtStart({ dataDir, backupDir: path.join(dataDir, 'backups'), startEmpty: false, now: NOW }));
    expect(message).toContain('is damaged (it is not an SQLite database)');
    expect(message).toContain('There is no daily backup in');
    expect(message).toContain('npm start -- --start-empty');
    expect(readdirSync(dataDir).sort()).toEqual(['homeward.db.corrupt-20261124T091500Z', 'homeward.db.corrupt-20261124T091500Z-shm', 'homeward.db.corrupt-20261124T091500Z-wal']);
    expect(readFileSync(`${file}.corrupt-20261124T091500Z-wal`, 'utf8')).toBe('wal bytes');
  });

  it('moves aside a truncated database', () => {
    const dataDir = tempDataDir();
    const file = realDatabase(dataDir);
    writeFileSync(file, readFileSync(file).subarray(0, 64 * 1024));
    expect(refusal(() => checkDatabaseAtStart({ dataDir, backupDir: path.join(dataDir, 'backups'), startEmpty: false, now: NOW }))).toMatch(/is damaged \((quick_check|database disk image is malformed)/);
    expect(existsSync(`${file}.corrupt-20261124T091500Z`)).toBe(true);
  });

  it('does not take an unreadable database for a damaged one: nothing is moved', () => {
    const dataDir = tempDataDir();
    mkdirSync(databasePath(dataDir)); // a directory where the file should be
    expect(refusal(() => checkDatabaseAtStart({ dataDir, backupDir: path.join(dataDir, 'backups'), startEmpty: false, now: NOW }))).toMatch(/^cannot read the database .* to check it/);
    expect(readdirSync(dataDir)).toEqual(['homeward.db']);
  });

  it('refuses to start empty when backups exist, or the credential key does, unless --start-empty', async () => {
    const dataDir = tempDataDir();
    realDatabase(dataDir, 10);
    const [backup] = await backupsOf(dataDir, [Date.parse('2026-11-23T03:30:00Z')]);
    rmSync(databasePath(dataDir));
    const message = refusal(() => checkDatabaseAtStart({ dataDir, backupDir: path.join(dataDir, 'backups'), startEmpty: false, now: NOW }));
    expect(message).toContain(`there is no database at ${databasePath(dataDir)}`);
    expect(message).toContain(`npm run homeward -- restore ${backup} --data-dir ${dataDir}`);
    expect(checkDatabaseAtStart({ dataDir, backupDir: path.join(dataDir, 'backups'), startEmpty: true, now: NOW })).toEqual({ state: 'starting-empty', evidence: [`1 backup in ${path.join(dataDir, 'backups')}`] });

    const keyOnly = tempDataDir();
    mkdirSync(path.join(keyOnly, 'secrets'));
    writeFileSync(path.join(keyOnly, 'secrets', 'credential-key'), Buffer.alloc(32));
    expect(refusal(() => checkDatabaseAtStart({ dataDir: keyOnly, backupDir: path.join(keyOnly, 'backups'), startEmpty: false, now: NOW }))).toContain('the device credential key (secrets/credential-key)');
  });
});

describe('the hub process at start', () => {
  async function ports() {
    return { HOMEWARD_MQTT_PORT: String(await freePort()), HOMEWARD_HTTP_PORT: String(await freePort()) };
  }

  it('exits non-zero on a damaged database, naming the latest backup, with the file kept aside', async () => {
    const dataDir = tempDataDir();
    const file = realDatabase(dataDir);
    const [newest] = await backupsOf(dataDir, [Date.parse('2026-11-23T03:30:00Z')]);
    damageMiddle(file);
    const damaged = sha(file);
    const hub = scratch.hub(spawnHub({ HOMEWARD_DATA_DIR: dataDir, ...(await ports()) }));
    const { code } = await hub.exited;
    expect(code).not.toBe(0);
    expect(hub.output()).toContain(`the database ${file} is damaged`);
    expect(hub.output()).toContain(`npm run homeward -- restore ${newest} --data-dir ${dataDir}`);
    const aside = readdirSync(dataDir).filter((name) => name.startsWith('homeward.db.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(sha(path.join(dataDir, aside[0] as string))).toBe(damaged);
    expect(existsSync(file)).toBe(false);
    expect(existsSync(hubPidPath(dataDir))).toBe(false);

    // Started again as it is (systemd restarts it): still refused, never empty in silence.
    const again = scratch.hub(spawnHub({ HOMEWARD_DATA_DIR: dataDir, ...(await ports()) }));
    expect((await again.exited).code).not.toBe(0);
    expect(again.output()).toContain('there is no database at');
    expect(existsSync(file)).toBe(false);
  });

  it('exits non-zero on a file that is not SQLite at all', async () => {
    const dataDir = tempDataDir();
    writeFileSync(databasePath(dataDir), Buffer.alloc(8192, 0x41));
    const hub = scratch.hub(spawnHub({ HOMEWARD_DATA_DIR: dataDir, ...(await ports()) }));
    expect((await hub.exited).code).not.toBe(0);
    expect(hub.output()).toContain('is damaged (it is not an SQLite database)');
    expect(readdirSync(dataDir).filter((name) => name.startsWith('homeward.db.corrupt-'))).toHaveLength(1);
  });

  it('refuses a missing database when backups exist, and starts empty with --start-empty', async () => {
    const dataDir = tempDataDir();
    realDatabase(dataDir, 10);
    await backupsOf(dataDir, [Date.parse('2026-11-23T03:30:00Z')]);
    rmSync(databasePath(dataDir));
    const refused = scratch.hub(spawnHub({ HOMEWARD_DATA_DIR: dataDir, ...(await ports()) }));
    expect((await refused.exited).code).not.toBe(0);
    expect(refused.output()).toContain('starting empty would lose the household in silence');

    const env = { HOMEWARD_DATA_DIR: dataDir, ...(await ports()) };
    const empty = scratch.hub(spawnHub(env, ['--start-empty']));
    await waitForPort(Number(env.HOMEWARD_HTTP_PORT), undefined, empty);
    expect(existsSync(databasePath(dataDir))).toBe(true);
    empty.child.kill('SIGTERM');
    expect((await empty.exited).code).toBe(0);
    expect(empty.output()).toContain('starting with an EMPTY database');
  });

  it('refuses a second hub on the same data directory while the first runs, and not after it stopped', async () => {
    const dataDir = tempDataDir();
    const env = { HOMEWARD_DATA_DIR: dataDir, ...(await ports()) };
    const first = scratch.hub(spawnHub(env));
    await waitForPort(Number(env.HOMEWARD_HTTP_PORT), undefined, first);
    expect(readFileSync(hubPidPath(dataDir), 'utf8').trim()).toBe(String(first.child.pid));

    const second = scratch.hub(spawnHub({ HOMEWARD_DATA_DIR: dataDir, ...(await ports()) }));
    expect((await second.exited).code).not.toBe(0);
    expect(second.output()).toContain(`another hub (pid ${first.child.pid}) is already running on ${dataDir}`);

    first.child.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);
    expect(existsSync(hubPidPath(dataDir))).toBe(false);
  });

  it('takes over a pid file left by a hub that was killed (the process is gone)', async () => {
    const dataDir = tempDataDir();
    const env = { HOMEWARD_DATA_DIR: dataDir, ...(await ports()) };
    const killed = scratch.hub(spawnHub(env));
    await waitForPort(Number(env.HOMEWARD_HTTP_PORT), undefined, killed);
    killed.child.kill('SIGKILL');
    await killed.exited;
    expect(existsSync(hubPidPath(dataDir))).toBe(true);

    const next = scratch.hub(spawnHub(env));
    await waitForPort(Number(env.HOMEWARD_HTTP_PORT), undefined, next);
    expect(readFileSync(hubPidPath(dataDir), 'utf8').trim()).toBe(String(next.child.pid));
    next.child.kill('SIGTERM');
    expect((await next.exited).code).toBe(0);
  });
});
