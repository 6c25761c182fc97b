import type { Db } from './database.js';

/**
 * The used_action_tokens table (migration 7): the ids of "I'm on it" action tokens already used
 * (issue 7, item 5: single use), kept until the token would have expired anyway.
 */
export function createUsedActionTokensRepo(db: Db) {
  const insert = db.prepare<[string, number, number]>('INSERT OR IGNORE INTO used_action_tokens (token_id, used_at, expires_at) VALUES (?, ?, ?)');
  const prune = db.prepare<[number]>('DELETE FROM used_action_tokens WHERE expires_at < ?');

  return {
    /** Records a token as used; false when it already was. */
    markUsed(tokenId: string, at: number, expiresAt: number): boolean {
      return insert.run(tokenId, at, expiresAt).changes === 1;
    },
    /** Forgets tokens that expired before `at` (they are refused by their expiry alone). */
    pruneExpired(at: number): number {
      return prune.run(at).changes;
    },
  };
}

export type UsedActionTokensRepo = ReturnType<typeof createUsedActionTokensRepo>;
