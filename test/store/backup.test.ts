import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { openHome } from '../../src/hub.js';
import { listBackups, readSecrets, SECRETS_TABLE, takeBackup } from '../../src/store/backup.js';
import { databasePath, openDatabase } from '../../src/store/database.js';
import { restoreBackup } from '../../src/store/restore.js';
import { connectClient } from '../support/mqtt-clients.js';
import { startTestHub, testHubConfig, type TestHub } from '../support/test-hub.js';
import { damageMiddle, realDatabase, useScratch } from './backup-fixtures.js';

/**
 * Issue 9, item 4: "a backup taken while readings stream in restores to a database holding every
 * reading committed before the backup began". A real hub, real mqtt.js clients publishing QoS 1
 * without pause from their own connections; what counts as committed is what the client saw
 * acknowledged (PUBACK comes only after the commit, DESIGN.md principle 2).
 */
let hub: TestHub | undefined;
const clients: MqttClient[] = [];
const scratch = useScratch('homeward-backup-');
const tempDir = () => scratch.dir();

afterEach(async () => {
  for (const client of clients.splice(0)) client.end(true);
  await hub?.stop();
  hub = undefined;
});

interface Acknowledged {
  deviceId: string;
  at: number;
  open: boolean;
}

/** Publishes door readings with QoS 1 until stopped, keeping `inFlight` unacknowledged; records each PUBACK. */
function stream(client: MqttClient, deviceId: string, firstAt: number, acknowledged: Acknowledged[], inFlight = 20) {
  let next = 0;
  let stopped = false;
  let pending = 0;
  let settle: (() => void) | undefined;
  const publishOne = () => {
    if (stopped) {
      if (pending === 0) settle?.();
      return;
    }
    // Each reading has its own time (ts in seconds, to the millisecond), so each is one row.
    const at = firstAt + next;
    const open = next % 2 === 0;
    next++;
    pending++;
    client.publish(`homeward/devices/${deviceId}/door`, JSON.stringify({ open, ts: at / 1000 }), { qos: 1 }, (error) => {
      pending--;
      if (error === undefined || error === null) acknowledged.push({ deviceId, at, open });
      publishOne();
    });
  };
  for (let i = 0; i < inFlight; i++) publishOne();
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        stopped = true;
        settle = resolve;
        if (pending === 0) resolve();
      }),
  };
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('an online backup', () => {
  it('taken while readings stream in, restores every reading acknowledged before it began, and the secrets', async () => {
    hub = await startTestHub();
    const running = hub;
    // A database of some size (a few months of a tracker), so the copy takes a while as readings keep coming.
    const fill = running.hub.store.db.prepare('INSERT INTO position_readings (device, at, lat_e6, lon_e6, accuracy_m) VALUES (?, ?, ?, ?, ?)');
    running.hub.store.db.transaction(() => {
      for (let i = 0; i < 150_000; i++) fill.run(999, 1_600_000_000_000 + i * 30_000, 51_507_200 + (i % 100), -127_600 - (i % 100), 10);
    })();

    const acknowledged: Acknowledged[] = [];
    const firstAt = Date.now() - 3600_000;
    const streams = [];
    for (const deviceId of ['front-door', 'back-door']) {
      const client = await connectClient(running.mqttUrl, { username: deviceId, password: running.credential(deviceId).password, clientId: `backup-test-${deviceId}` });
      clients.push(client);
      streams.push(stream(client, deviceId, firstAt + (deviceId === 'front-door' ? 0 : 1_000_000), acknowledged));
    }
    await waitFor(() => acknowledged.length >= 500, '500 acknowledged readings');

    // Everything acknowledged up to here was committed before the backup began.
    const beforeBackup = acknowledged.slice();
    const destination = path.join(tempDir(), 'while-streaming.db');
    const backup = await takeBackup({
      databaseFile: databasePath(running.dataDir),
      dataDir: running.dataDir,
      destination,
      takenAt: Date.now(),
      hubVersion: 'test',
    });
    const duringBackup = acknowledged.length - beforeBackup.length;
    await Promise.all(streams.map((s) => s.stop()));

    // The readings kept streaming (and being acknowledged) while the copy was made.
    expect(duringBackup).toBeGreaterThan(0);
    expect(backup.readings).toBeGreaterThanOrEqual(150_000 + beforeBackup.length);
    expect(statSync(destination).mode & 0o777).toBe(0o600);
    // The live database never holds the secrets; only the copy does.
    const liveTables = running.hub.store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    expect(liveTables).not.toContain(SECRETS_TABLE);

    // A new SD card: restore into an empty data directory, and find every acknowledged reading there.
    const newCard = tempDir();
    const restored = restoreBackup({ dataDir: newCard, file: destination, now: Date.now() });
    expect(restored.keptAside).toBeUndefined();
    // Every secret the data directory holds (the action-token key is made when first needed).
    expect(restored.secretsRestored).toEqual(readSecrets(running.dataDir).map((secret) => secret.name));
    expect(restored.secretsRestored).toEqual(expect.arrayContaining(['credential-key', 'vapid.json']));
    const db = openDatabase(databasePath(newCard), { synchronous: 'normal' });
    const nums = new Map((db.prepare('SELECT id, num FROM devices').all() as Array<{ id: string; num: number }>).map((row) => [row.id, row.num]));
    const reading = db.prepare<[number, number], { open: number }>('SELECT open FROM door_readings WHERE device = ? AND at = ?');
    const missing = beforeBackup.filter((r) => reading.get(nums.get(r.deviceId) as number, r.at)?.open !== (r.open ? 1 : 0));
    expect(missing).toEqual([]);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'homeward_backup%'").all()).toEqual([]);
    db.close();

    // The secrets came back: the same device passwords, the same Web Push identity.
    for (const name of restored.secretsRestored) {
      expect(readFileSync(path.join(newCard, 'secrets', name))).toEqual(readFileSync(path.join(running.dataDir, 'secrets', name)));
      expect(statSync(path.join(newCard, 'secrets', name)).mode & 0o777).toBe(0o600);
    }
    const home = openHome(testHubConfig(newCard, 'silent'));
    try {
      expect(home.credentials.reveal('front-door')).toEqual(running.credential('front-door'));
      expect(home.household.view().household.home.name).toBe('Test home');
    } finally {
      home.close();
    }
  });

  it('refuses to call a damaged copy a backup: the partial file is removed and no backup appears', async () => {
    const dataDir = tempDir();
    const file = realDatabase(dataDir);
    damageMiddle(file);

    const backups = path.join(dataDir, 'backups');
    const destination = path.join(tempDir(), 'homeward-20261124T033000Z.db');
    await expect(takeBackup({ databaseFile: file, dataDir, destination, takenAt: Date.now(), hubVersion: 'test' })).rejects.toThrow(/failed: .*the database itself is damaged \(.+\); keep the older backups$/);
    expect(listBackups(path.dirname(destination))).toEqual([]);
    expect(listBackups(backups)).toEqual([]);
    expect(() => statSync(`${destination}.partial`)).toThrow(/ENOENT/);
  });

  it('shows when the newest daily backup was taken on /metrics', async () => {
    hub = await startTestHub();
    const metrics = await (await fetch(`http://127.0.0.1:${hub.httpPort}/metrics`)).text();
    expect(metrics).toContain('# TYPE homeward_backup_last_success_timestamp_seconds gauge');
    expect(metrics).toContain('homeward_backup_last_success_timestamp_seconds 0');
  });

  it('the copy is a plain database file that opens read-only on its own (no WAL beside it)', async () => {
    hub = await startTestHub();
    const destination = path.join(tempDir(), 'plain.db');
    await takeBackup({ databaseFile: databasePath(hub.dataDir), dataDir: hub.dataDir, destination, takenAt: Date.now(), hubVersion: 'test' });
    const copy = new Database(destination, { readonly: true, fileMustExist: true });
    expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
    expect(copy.prepare(`SELECT name FROM ${SECRETS_TABLE} ORDER BY name`).pluck().all()).toEqual(readSecrets(hub.dataDir).map((secret) => secret.name));
    copy.close();
  });
});
