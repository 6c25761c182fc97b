import type { Db } from './database.js';

export type CredentialSubjectType = 'device' | 'bridge' | 'integration';

export interface CredentialRow {
  username: string;
  subjectType: CredentialSubjectType;
  generation: number;
  salt: Buffer;
  hash: Buffer;
  createdAt: number;
  rotatedAt: number | null;
}

/** Hashed MQTT/HTTP credentials of devices, bridges and integrations. */
export function createCredentialsRepo(db: Db) {
  const select = db.prepare<[string], { username: string; subject_type: CredentialSubjectType; generation: number; salt: Buffer; hash: Buffer; created_at: number; rotated_at: number | null }>(
    'SELECT username, subject_type, generation, salt, hash, created_at, rotated_at FROM credentials WHERE username = ?',
  );
  const insert = db.prepare<{ username: string; type: CredentialSubjectType; generation: number; salt: Buffer; hash: Buffer; at: number }>(
    `INSERT INTO credentials (username, subject_type, generation, salt, hash, created_at)
     VALUES (@username, @type, @generation, @salt, @hash, @at)`,
  );
  const rotate = db.prepare<{ username: string; generation: number; salt: Buffer; hash: Buffer; at: number }>(
    'UPDATE credentials SET generation = @generation, salt = @salt, hash = @hash, rotated_at = @at WHERE username = @username',
  );
  const remove = db.prepare<[string]>('DELETE FROM credentials WHERE username = ?');
  const usernames = db.prepare<[], { username: string }>('SELECT username FROM credentials');

  return {
    get(username: string): CredentialRow | undefined {
      const r = select.get(username);
      if (r === undefined) return undefined;
      return {
        username: r.username,
        subjectType: r.subject_type,
        generation: r.generation,
        salt: r.salt,
        hash: r.hash,
        createdAt: r.created_at,
        rotatedAt: r.rotated_at,
      };
    },
    insert(row: { username: string; type: CredentialSubjectType; generation: number; salt: Buffer; hash: Buffer; at: number }): void {
      insert.run(row);
    },
    rotate(row: { username: string; generation: number; salt: Buffer; hash: Buffer; at: number }): void {
      rotate.run(row);
    },
    remove(username: string): void {
      remove.run(username);
    },
    usernames(): string[] {
      return usernames.all().map((r) => r.username);
    },
  };
}

export type CredentialsRepo = ReturnType<typeof createCredentialsRepo>;
