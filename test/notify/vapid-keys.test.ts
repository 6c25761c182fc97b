import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isHomewardError } from '../../src/core/errors.js';
import { loadOrCreateVapidKeys, vapidKeyPath, vapidSubject } from '../../src/notify/web-push/vapid-keys.js';

/** Issue 7, item 1: VAPID keys made at first start and kept in the data directory; the subject. */
let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'homeward-vapid-'));
});
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

function refusal(work: () => unknown): { code: string; message: string } {
  try {
    work();
  } catch (error) {
    if (isHomewardError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('VAPID keys', () => {
  it('are made at first start in secrets/vapid.json (0600, in a 0700 directory) and the same ever after', () => {
    const file = vapidKeyPath(dataDir);
    expect(file).toBe(path.join(dataDir, 'secrets', 'vapid.json'));
    const first = loadOrCreateVapidKeys(file);
    expect(Buffer.from(first.publicKey, 'base64url')).toHaveLength(65);
    expect(Buffer.from(first.publicKey, 'base64url')[0]).toBe(0x04);
    expect(Buffer.from(first.privateKey, 'base64url')).toHaveLength(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(loadOrCreateVapidKeys(file)).toEqual(first);
  });

  it('refuses a damaged file with what to do, rather than making subscriptions fail one by one', () => {
    const file = vapidKeyPath(dataDir);
    const keys = loadOrCreateVapidKeys(file);
    writeFileSync(file, '{"publicKey":');
    expect(refusal(() => loadOrCreateVapidKeys(file))).toMatchObject({ code: 'HW_STORE', message: expect.stringContaining('restore the file from a backup') });
    // A public key that is not the private key's.
    const other = loadOrCreateVapidKeys(vapidKeyPath(path.join(dataDir, 'other')));
    writeFileSync(file, JSON.stringify({ publicKey: other.publicKey, privateKey: keys.privateKey }));
    expect(refusal(() => loadOrCreateVapidKeys(file)).code).toBe('HW_STORE');
  });
});

describe('VAPID subject', () => {
  it('is a configured mailto: contact, else the https public URL’s origin', () => {
    expect(vapidSubject({ contact: 'mailto:anna@example.org', publicUrl: 'https://localhost:8443' })).toEqual({ subject: 'mailto:anna@example.org' });
    expect(vapidSubject({ publicUrl: 'https://mum.example.org/dashboard/' })).toEqual({ subject: 'https://mum.example.org' });
  });

  it.each(['https://localhost', 'https://localhost:8443/', 'https://hub.localhost', 'https://127.0.0.1:8443', 'https://[::1]/'])(
    'refuses %s at start, saying Safari rejects it',
    (publicUrl) => {
      const { code, message } = refusal(() => vapidSubject({ publicUrl }));
      expect(code).toBe('HW_CONFIG_INVALID');
      expect(message).toContain('Safari and iPhones reject https://localhost');
      expect(message).toContain('Set HOMEWARD_PUBLIC_URL to the address people reach the hub at');
    },
  );

  it('leaves Web Push off, saying why, without an https public URL or a contact', () => {
    expect(vapidSubject({})).toEqual({ subject: undefined, why: expect.stringContaining('set HOMEWARD_PUBLIC_URL') });
    expect(vapidSubject({ publicUrl: 'http://homeward.local:8080' })).toEqual({ subject: undefined, why: expect.stringContaining('allow notifications only from an https address') });
  });

  it('refuses a contact that is not a mailto: address', () => {
    for (const contact of ['anna@example.org', 'mailto:anna', 'https://example.org', 'mailto:a b@example.org']) {
      expect(refusal(() => vapidSubject({ contact })).code).toBe('HW_CONFIG_INVALID');
    }
  });
});
