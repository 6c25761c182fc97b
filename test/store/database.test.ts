import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isHomewardError } from '../../src/core/errors.js';
import { applyMigrations, databasePath, openDatabase, type Db } from '../../src/store/database.js';
import { migrations, type Migration } from '../../src/store/migrations.js';
import { createMqttDeliveriesRepo } from '../../src/store/mqtt-deliveries-repo.js';

let dir: string;
const open: Db[] = [];

function openFile(file = databasePath(dir), options: Parameters<typeof openDatabase>[1] = { synchronous: 'full' }): Db {
  const db = openDatabase(file, options);
  open.push(db);
  return db;
}

function tables(db: Db): string[] {
  return (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);
}

const lastVersion = Math.max(...migrations.map((m) => m.version));

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'homeward-db-'));
});
afterEach(() => {
  for (const db of open.splice(0)) if (db.open) db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('openDatabase', () => {
  it('opens in WAL mode with automatic checkpoints off, foreign keys on and FULL sync', () => {
    const db = openFile();
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
  });

  it('uses NORMAL sync when asked', () => {
    expect(openFile(databasePath(dir), { synchronous: 'normal' }).pragma('synchronous', { simple: true })).toBe(1);
  });

  it('creates the data directory if needed', () => {
    const db = openFile(databasePath(path.join(dir, 'nested', 'data')));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('brings a new file up to the last migration', () => {
    const db = openFile();
    expect(db.pragma('user_version', { simple: true })).toBe(lastVersion);
    expect(tables(db)).toEqual(
      expect.arrayContaining(['household', 'devices', 'bridges', 'credentials', 'door_readings', 'position_readings', 'pillbox_readings', 'device_state']),
    );
  });

  it('opening the same file again applies nothing and keeps the data', () => {
    const first = openFile();
    first.prepare("INSERT INTO devices (id, name, kind, source, added_at) VALUES ('front-door', 'Front door', 'door', 'native', 1)").run();
    first.close();
    const again = openFile();
    expect(again.pragma('user_version', { simple: true })).toBe(lastVersion);
    expect(again.prepare('SELECT id FROM devices').all()).toEqual([{ id: 'front-door' }]);
  });

  it('refuses a path it cannot open with HW_STORE naming the file', () => {
    const directory = path.join(dir, 'is-a-directory.db');
    mkdirSync(directory);
    let caught: unknown;
    try {
      openFile(directory);
    } catch (error) {
      caught = error;
    }
    expect(isHomewardError(caught, 'HW_STORE')).toBe(true);
    expect((caught as Error).message).toContain(directory);
  });
});

describe('applyMigrations', () => {
  it('applying twice is a no-op: user_version equals the last migration version', () => {
    const db = openFile();
    const schemaBefore = db.prepare('SELECT type, name, sql FROM sqlite_schema ORDER BY name').all();
    expect(applyMigrations(db, migrations)).toBe(0);
    expect(applyMigrations(db, migrations)).toBe(0);
    expect(db.pragma('user_version', { simple: true })).toBe(lastVersion);
    expect(db.prepare('SELECT type, name, sql FROM sqlite_schema ORDER BY name').all()).toEqual(schemaBefore);
  });

  it('applies only migrations newer than user_version, in order, and records each', () => {
    const db = openFile(databasePath(dir), { synchronous: 'normal', migrations: [] });
    expect(db.pragma('user_version', { simple: true })).toBe(0);
    const steps: Migration[] = [
      { version: 1, name: 'a', sql: 'CREATE TABLE a (x INTEGER);' },
      { version: 2, name: 'b', sql: 'CREATE TABLE b (x INTEGER);' },
    ];
    expect(applyMigrations(db, steps.slice(0, 1))).toBe(1);
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(applyMigrations(db, steps)).toBe(1);
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    expect(tables(db)).toEqual(['a', 'b']);
  });

  it('a failing migration changes nothing: no partial schema, user_version kept', () => {
    const db = openFile(databasePath(dir), { synchronous: 'normal', migrations: [] });
    const broken: Migration[] = [
      { version: 1, name: 'fine', sql: 'CREATE TABLE fine (x INTEGER);' },
      { version: 2, name: 'broken', sql: 'CREATE TABLE half (x INTEGER); CREATE TABLE oops (;' },
    ];
    expect(() => applyMigrations(db, broken)).toThrow();
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(tables(db)).toEqual(['fine']);
  });

  it('migration 9 carries the per-publish deliveries of migration 8 over, so a resend due across the upgrade is known', () => {
    const db = openFile(databasePath(dir), { synchronous: 'normal', migrations: migrations.filter((m) => m.version <= 8) });
    const insert = db.prepare('INSERT INTO mqtt_deliveries (client, packet_id, digest, at) VALUES (?, ?, ?, ?)');
    insert.run('bridge:zigbee\u0000zigbee2mqtt', 7, 281474976710655, 2000);
    insert.run('device:mum-phone\u0000phone', 65535, 12345, 1000);
    expect(applyMigrations(db, migrations)).toBe(migrations.length - 8);
    expect(tables(db)).not.toContain('mqtt_deliveries');
    expect([...createMqttDeliveriesRepo(db).since(0)]).toEqual([
      { at: 1000, publishes: [{ client: 'device:mum-phone\u0000phone', packetId: 65535, digest: 12345 }] },
      { at: 2000, publishes: [{ client: 'bridge:zigbee\u0000zigbee2mqtt', packetId: 7, digest: 281474976710655 }] },
    ]);
  });

  it('shipped migrations are numbered 1, 2, 3… with no gaps', () => {
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_m, i) => i + 1));
  });
});
