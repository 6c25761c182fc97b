import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock, type ManualClock } from '../../src/core/clock.js';
import { createCredentialService, credentialKeyPath, type CredentialService } from '../../src/household/credentials.js';
import { databasePath, openDatabase, type Db } from '../../src/store/database.js';
import { createStore, type Store } from '../../src/store/store.js';

const T0 = Date.UTC(2025, 2, 1, 9, 0, 0);

let dataDir: string;
let db: Db;
let store: Store;
let clock: ManualClock;
let credentials: CredentialService;

beforeEach(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'homeward-credentials-'));
  db = openDatabase(databasePath(dataDir), { synchronous: 'normal' });
  store = createStore(db);
  clock = createManualClock(T0);
  credentials = createCredentialService({ repo: store.credentials, keyFile: credentialKeyPath(dataDir), clock });
});
afterEach(() => {
  if (db.open) db.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function password(username: string): string {
  const credential = credentials.reveal(username);
  if (credential === undefined) throw new Error(`no credential for ${username}`);
  return credential.password;
}

/** Every byte SQLite has written for this database: the main file and its WAL (checkpoints are off). */
function databaseBytes(): Buffer {
  const file = databasePath(dataDir);
  return Buffer.concat([file, `${file}-wal`, `${file}-shm`].filter((f) => existsSync(f)).map((f) => readFileSync(f)));
}

describe('credential service', () => {
  it('ensure is idempotent: one row, generation 1, same password, creation time kept', () => {
    credentials.ensure('front-door', 'device');
    const first = password('front-door');
    clock.advance(60_000);
    credentials.ensure('front-door', 'device');
    expect(password('front-door')).toBe(first);
    expect(store.credentials.usernames()).toEqual(['front-door']);
    expect(store.credentials.get('front-door')).toMatchObject({ subjectType: 'device', generation: 1, createdAt: T0, rotatedAt: null });
  });

  it('reveal returns the same password twice, and undefined for an unknown username', () => {
    credentials.ensure('mum-phone', 'device');
    expect(credentials.reveal('mum-phone')).toEqual(credentials.reveal('mum-phone'));
    expect(credentials.reveal('mum-phone')?.username).toBe('mum-phone');
    expect(password('mum-phone')).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(credentials.reveal('nobody')).toBeUndefined();
  });

  it('gives each username its own password', () => {
    for (const [name, type] of [['front-door', 'device'], ['zigbee', 'bridge'], ['home-assistant', 'integration']] as const) credentials.ensure(name, type);
    const passwords = new Set(['front-door', 'zigbee', 'home-assistant'].map(password));
    expect(passwords.size).toBe(3);
    expect(store.credentials.get('zigbee')?.subjectType).toBe('bridge');
    expect(store.credentials.get('home-assistant')?.subjectType).toBe('integration');
  });

  it.each([
    { name: 'the right password', attempt: (own: string) => own, ok: true },
    { name: 'the right password as a Buffer (MQTT CONNECT)', attempt: (own: string) => Buffer.from(own), ok: true },
    { name: 'a wrong password', attempt: () => 'password123', ok: false },
    { name: 'the right password with a trailing newline', attempt: (own: string) => `${own}\n`, ok: false },
    { name: 'an empty password', attempt: () => '', ok: false },
    { name: 'no password', attempt: () => undefined, ok: false },
    { name: "another device's password", attempt: (_own: string, other: string) => other, ok: false },
  ])('verify with $name → $ok', ({ attempt, ok }) => {
    credentials.ensure('front-door', 'device');
    credentials.ensure('back-door', 'device');
    expect(credentials.verify('front-door', attempt(password('front-door'), password('back-door')))).toBe(ok);
  });

  it('verify is false for a username without a credential', () => {
    credentials.ensure('front-door', 'device');
    expect(credentials.verify('stranger', password('front-door'))).toBe(false);
  });

  it('rotate issues a new password at once; the old one stops working', () => {
    credentials.ensure('front-door', 'device');
    const old = password('front-door');
    clock.advance(5_000);
    const rotated = credentials.rotate('front-door');
    expect(rotated?.username).toBe('front-door');
    expect(rotated?.password).not.toBe(old);
    expect(credentials.verify('front-door', old)).toBe(false);
    expect(credentials.verify('front-door', rotated?.password)).toBe(true);
    expect(password('front-door')).toBe(rotated?.password);
    expect(store.credentials.get('front-door')).toMatchObject({ generation: 2, createdAt: T0, rotatedAt: T0 + 5_000 });
    const again = credentials.rotate('front-door');
    expect(new Set([old, rotated?.password, again?.password]).size).toBe(3);
  });

  it('rotate of an unknown username returns undefined and creates nothing', () => {
    expect(credentials.rotate('nobody')).toBeUndefined();
    expect(store.credentials.usernames()).toEqual([]);
  });

  it('after a restart (a new service over the same key and database) the same password is revealed and verifies', () => {
    credentials.ensure('front-door', 'device');
    const before = password('front-door');
    const restarted = createCredentialService({ repo: store.credentials, keyFile: credentialKeyPath(dataDir), clock });
    expect(restarted.reveal('front-door')?.password).toBe(before);
    expect(restarted.verify('front-door', before)).toBe(true);
  });

  it('a different key derives different passwords: the database alone does not let anyone recompute them', () => {
    credentials.ensure('front-door', 'device');
    const otherDir = mkdtempSync(path.join(os.tmpdir(), 'homeward-other-key-'));
    try {
      const stranger = createCredentialService({ repo: store.credentials, keyFile: credentialKeyPath(otherDir), clock });
      const guess = stranger.reveal('front-door')?.password;
      expect(guess).not.toBe(password('front-door'));
      expect(credentials.verify('front-door', guess)).toBe(false);
    } finally {
      rmSync(otherDir, { recursive: true, force: true });
    }
  });

  it('the database file holds no plaintext password, nor the key', () => {
    const names = ['front-door', 'back-door', 'mum-phone', 'pillbox', 'home-assistant'];
    for (const name of names) credentials.ensure(name, name === 'home-assistant' ? 'integration' : 'device');
    const everyPassword = names.map(password);
    const rotated = credentials.rotate('front-door');
    if (rotated) everyPassword.push(rotated.password);
    const key = readFileSync(credentialKeyPath(dataDir));
    for (const stage of ['in the WAL', 'after a checkpoint']) {
      if (stage === 'after a checkpoint') db.pragma('wal_checkpoint(TRUNCATE)');
      const bytes = databaseBytes();
      expect(bytes.includes(Buffer.from('front-door')), `${stage}: the search itself finds what is there`).toBe(true);
      for (const secret of everyPassword) expect(bytes.includes(Buffer.from(secret, 'utf8')), `${stage}: ${secret}`).toBe(false);
      expect(bytes.includes(key), `${stage}: key`).toBe(false);
    }
  });

  it('creates the credential key file with mode 0600 in a directory closed to others', () => {
    credentials.ensure('front-door', 'device');
    const keyFile = credentialKeyPath(dataDir);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(keyFile)).mode & 0o077).toBe(0);
    expect(readFileSync(keyFile)).toHaveLength(32);
  });

  it('keeps an existing key file rather than replacing it', () => {
    const keyFile = credentialKeyPath(dataDir);
    mkdirSync(path.dirname(keyFile), { recursive: true });
    const key = Buffer.alloc(32, 7);
    writeFileSync(keyFile, key, { mode: 0o600 });
    credentials.ensure('front-door', 'device');
    expect(readFileSync(keyFile).equals(key)).toBe(true);
    const expected = createHmac('sha256', key).update('front-door:1').digest('base64url').slice(0, 32);
    expect(password('front-door')).toBe(expected);
  });

  // A key file left empty (a crash between creating it with 'wx' and writing it, or a second process
  // reading it in that instant) must not become an HMAC key of zero bytes: every password would then be
  // computable from its username alone.
  it('refuses an empty credential key file instead of deriving passwords from it', () => {
    const keyFile = credentialKeyPath(dataDir);
    mkdirSync(path.dirname(keyFile), { recursive: true });
    writeFileSync(keyFile, Buffer.alloc(0), { mode: 0o600 });
    const predictable = createHmac('sha256', Buffer.alloc(0)).update('front-door:1').digest('base64url').slice(0, 32);
    let derived: string | undefined;
    let threw = false;
    try {
      credentials.ensure('front-door', 'device');
      derived = credentials.reveal('front-door')?.password;
    } catch {
      threw = true;
    }
    expect(threw || derived !== predictable, 'an empty key must be refused, not used').toBe(true);
  });
});
