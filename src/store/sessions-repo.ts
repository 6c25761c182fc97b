import type { Db } from './database.js';

export interface SessionRow {
  id: number;
  userId: number;
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  userAgent: string | null;
  address: string | null;
}

interface Row {
  id: number;
  user_id: number;
  csrf_token: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  user_agent: string | null;
  address: string | null;
}

const toSession = (r: Row): SessionRow => ({
  id: r.id,
  userId: r.user_id,
  csrfToken: r.csrf_token,
  createdAt: r.created_at,
  lastSeenAt: r.last_seen_at,
  expiresAt: r.expires_at,
  userAgent: r.user_agent,
  address: r.address,
});

const COLUMNS = 'id, user_id, csrf_token, created_at, last_seen_at, expires_at, user_agent, address';

/** Server-side dashboard sessions, found by the SHA-256 of their token; the token itself is never stored. */
export function createSessionsRepo(db: Db) {
  const insert = db.prepare<{ token_hash: Buffer; user_id: number; csrf_token: string; at: number; expires_at: number; user_agent: string | null; address: string | null }>(
    `INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, user_agent, address)
     VALUES (@token_hash, @user_id, @csrf_token, @at, @at, @expires_at, @user_agent, @address)`,
  );
  const byHash = db.prepare<[Buffer], Row>(`SELECT ${COLUMNS} FROM sessions WHERE token_hash = ?`);
  const forUser = db.prepare<[number], Row>(`SELECT ${COLUMNS} FROM sessions WHERE user_id = ? ORDER BY last_seen_at DESC`);
  const touch = db.prepare<{ at: number; id: number }>('UPDATE sessions SET last_seen_at = @at WHERE id = @id AND last_seen_at < @at');
  const removeById = db.prepare<[number]>('DELETE FROM sessions WHERE id = ?');
  const removeForUser = db.prepare<[number]>('DELETE FROM sessions WHERE user_id = ?');
  const removeExpired = db.prepare<[number, number]>('DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?');
  const removeOldestBeyond = db.prepare<[number, number, number]>(
    'DELETE FROM sessions WHERE user_id = ? AND id NOT IN (SELECT id FROM sessions WHERE user_id = ? ORDER BY last_seen_at DESC, id DESC LIMIT ?)',
  );

  return {
    insert(session: { tokenHash: Buffer; userId: number; csrfToken: string; at: number; expiresAt: number; userAgent: string | null; address: string | null }): number {
      const result = insert.run({
        token_hash: session.tokenHash,
        user_id: session.userId,
        csrf_token: session.csrfToken,
        at: session.at,
        expires_at: session.expiresAt,
        user_agent: session.userAgent,
        address: session.address,
      });
      return Number(result.lastInsertRowid);
    },
    byTokenHash(tokenHash: Buffer): SessionRow | undefined {
      const r = byHash.get(tokenHash);
      return r === undefined ? undefined : toSession(r);
    },
    forUser(userId: number): SessionRow[] {
      return forUser.all(userId).map(toSession);
    },
    /** Moves last_seen_at forward only (a clock stepping back never shortens a session's idle window). */
    touch(id: number, at: number): void {
      touch.run({ at, id });
    },
    remove(id: number): boolean {
      return removeById.run(id).changes === 1;
    },
    /** Ends every session of a user; returns how many there were. */
    removeForUser(userId: number): number {
      return removeForUser.run(userId).changes;
    },
    /** Deletes sessions past their absolute expiry or idle since `idleBefore`. */
    removeExpired(now: number, idleBefore: number): number {
      return removeExpired.run(now, idleBefore).changes;
    },
    /** Keeps a user's `keep` most recently used sessions and deletes the rest. */
    keepNewest(userId: number, keep: number): number {
      return removeOldestBeyond.run(userId, userId, keep).changes;
    },
  };
}

export type SessionsRepo = ReturnType<typeof createSessionsRepo>;
