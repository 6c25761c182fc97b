import type { Db } from './database.js';

export interface ApiTokenRow {
  id: number;
  userId: number;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

interface Row {
  id: number;
  user_id: number;
  name: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

const toToken = (r: Row): ApiTokenRow => ({
  id: r.id,
  userId: r.user_id,
  name: r.name,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
});

const COLUMNS = 'id, user_id, name, created_at, last_used_at, revoked_at';

/** API tokens for scripts, found by the SHA-256 of the token; the token itself is never stored. */
export function createApiTokensRepo(db: Db) {
  const insert = db.prepare<{ user_id: number; name: string; token_hash: Buffer; created_at: number }>(
    'INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (@user_id, @name, @token_hash, @created_at)',
  );
  const byHash = db.prepare<[Buffer], Row>(`SELECT ${COLUMNS} FROM api_tokens WHERE token_hash = ?`);
  const byId = db.prepare<[number], Row>(`SELECT ${COLUMNS} FROM api_tokens WHERE id = ?`);
  const forUser = db.prepare<[number], Row>(`SELECT ${COLUMNS} FROM api_tokens WHERE user_id = ? ORDER BY id`);
  const touch = db.prepare<{ at: number; id: number }>('UPDATE api_tokens SET last_used_at = @at WHERE id = @id AND (last_used_at IS NULL OR last_used_at < @at)');
  const revoke = db.prepare<[number, number]>('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');

  return {
    insert(token: { userId: number; name: string; tokenHash: Buffer; createdAt: number }): number {
      return Number(insert.run({ user_id: token.userId, name: token.name, token_hash: token.tokenHash, created_at: token.createdAt }).lastInsertRowid);
    },
    byTokenHash(tokenHash: Buffer): ApiTokenRow | undefined {
      const r = byHash.get(tokenHash);
      return r === undefined ? undefined : toToken(r);
    },
    byId(id: number): ApiTokenRow | undefined {
      const r = byId.get(id);
      return r === undefined ? undefined : toToken(r);
    },
    forUser(userId: number): ApiTokenRow[] {
      return forUser.all(userId).map(toToken);
    },
    touch(id: number, at: number): void {
      touch.run({ at, id });
    },
    /** Revokes a token; false if it was already revoked or does not exist. */
    revoke(id: number, at: number): boolean {
      return revoke.run(at, id).changes === 1;
    },
  };
}

export type ApiTokensRepo = ReturnType<typeof createApiTokensRepo>;
