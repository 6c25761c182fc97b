import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Clock } from '../core/clock.js';
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
export interface DeviceCredential {
  username: string;
  password: string;
}

export function credentialKeyPath(dataDir: string): string {
  return path.join(dataDir, 'secrets', 'credential-key');
}

function loadOrCreateKey(file: string): Buffer {
  if (existsSync(file)) return readFileSync(file);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  // 'wx' so two processes starting together cannot both write a key: the loser reads the winner's.
  try {
    writeFileSync(file, key, { mode: 0o600, flag: 'wx' });
  } catch {
    return readFileSync(file);
  }
  chmodSync(file, 0o600);
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
