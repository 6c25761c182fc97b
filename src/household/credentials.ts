import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Clock } from '../core/clock.js';
import { HomewardError } from '../core/errors.js';
import type { CredentialSubjectType, CredentialsRepo } from '../store/credentials-repo.js';

/**
 * Device, bridge and integration credentials (MQTT username/password, HTTP Basic).
 *
 * Passwords are derived, not stored: HMAC(credential key, username:generation), where the key is a
 * random file in the data directory (mode 0600). The database keeps only a salted SHA-256 of each
 * password, so a copied database reveals none, while `device credentials ID` can show a password
 * again to an installer configuring the device. Rotation bumps the generation: the old password stops
 * working at once. SHA-256 rather than scrypt is deliberate: these are 192-bit random secrets, which no
 * slow hash protects further, and a flapping Zigbee bridge reconnecting should cost microseconds.
 */
const KEY_BYTES = 32;

export interface DeviceCredential {
  username: string;
  password: string;
}

export function credentialKeyPath(dataDir: string): string {
  return path.join(dataDir, 'secrets', 'credential-key');
}

function loadOrCreateKey(file: string): Buffer {
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    // Written whole under a temporary name, then linked into place: the key file never exists empty
    // or half-written, and if two processes race, the second link fails and both read the winner's key.
    const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(temporary, randomBytes(KEY_BYTES), { mode: 0o600 });
    try {
      linkSync(temporary, file);
    } catch {
      // Someone else's key got there first.
    } finally {
      unlinkSync(temporary);
    }
  }
  const key = readFileSync(file);
  // An empty or short key would make every password guessable from its username: refuse it.
  if (key.length !== KEY_BYTES) {
    throw new HomewardError('HW_STORE', `credential key ${file} is ${key.length} bytes, expected ${KEY_BYTES}: restore it from a backup, or delete it and rotate every device credential`);
  }
  return key;
}

function digest(salt: Buffer, password: string): Buffer {
  return createHash('sha256').update(salt).update(password, 'utf8').digest();
}

export function createCredentialService(options: { repo: CredentialsRepo; keyFile: string; clock: Clock }) {
  const { repo, clock } = options;
  let key: Buffer | undefined;
  const getKey = () => (key ??= loadOrCreateKey(options.keyFile));

  function derive(username: string, generation: number): string {
    return createHmac('sha256', getKey()).update(`${username}:${generation}`).digest('base64url').slice(0, 32);
  }

  return {
    /** Makes sure `username` has a credential; idempotent. */
    ensure(username: string, type: CredentialSubjectType): void {
      if (repo.get(username) !== undefined) return;
      const salt = randomBytes(16);
      repo.insert({ username, type, generation: 1, salt, hash: digest(salt, derive(username, 1)), at: clock.now() });
    },

    /** The current password, or undefined if `username` has no credential. */
    reveal(username: string): DeviceCredential | undefined {
      const row = repo.get(username);
      if (row === undefined) return undefined;
      return { username, password: derive(username, row.generation) };
    },

    /** Issues a new password; the old one stops working immediately. */
    rotate(username: string): DeviceCredential | undefined {
      const row = repo.get(username);
      if (row === undefined) return undefined;
      const generation = row.generation + 1;
      const salt = randomBytes(16);
      const password = derive(username, generation);
      repo.rotate({ username, generation, salt, hash: digest(salt, password), at: clock.now() });
      return { username, password };
    },

    verify(username: string, password: string | Buffer | undefined): boolean {
      if (password === undefined) return false;
      const row = repo.get(username);
      if (row === undefined) return false;
      const candidate = digest(row.salt, typeof password === 'string' ? password : password.toString('utf8'));
      return timingSafeEqual(candidate, row.hash);
    },
  };
}

export type CredentialService = ReturnType<typeof createCredentialService>;
