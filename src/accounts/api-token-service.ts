import type { Clock } from '../core/clock.js';
import { HomewardError } from '../core/errors.js';
import type { ApiTokenRow, ApiTokensRepo } from '../store/api-tokens-repo.js';
import type { AuditRepo } from '../store/audit-repo.js';
import type { UserRow, UsersRepo } from '../store/users-repo.js';
import { newSecret, secretHash } from './secret-token.js';

/**
 * API tokens for scripts and integrations (DESIGN.md, "HTTP"; issue 5, item 3): made for a person,
 * shown once, kept as SHA-256, listed and revocable. A token carries no role of its own: it acts with
 * its person's role at the moment of each request, so a change of role applies to it at once.
 * The `hwt_` prefix lets secret scanners and people recognise a leaked one.
 */
export const API_TOKEN_PREFIX = 'hwt_';

export interface IssuedApiToken {
  /** The token itself: shown once, never stored. */
  token: string;
  apiToken: ApiTokenRow;
}

export function createApiTokenService(options: { tokens: ApiTokensRepo; users: UsersRepo; audit: AuditRepo; clock: Clock; touchEveryMs?: number }) {
  const { tokens, users, audit, clock } = options;
  const touchEveryMs = options.touchEveryMs ?? 60_000;

  return {
    issue(userId: number, name: string, actorId: number | null = userId): IssuedApiToken {
      const user = users.byId(userId);
      if (user === undefined || user.disabledAt !== null) throw new HomewardError('HW_NOT_FOUND', `no active user ${userId}`);
      const label = name.trim().slice(0, 100) || 'API token';
      const token = newSecret(API_TOKEN_PREFIX);
      const now = clock.now();
      const id = tokens.insert({ userId, name: label, tokenHash: secretHash(token), createdAt: now });
      audit.append({ at: now, userId: actorId, action: 'api-token.created', target: `user:${userId}`, details: { tokenId: id, name: label } });
      return { token, apiToken: { id, userId, name: label, createdAt: now, lastUsedAt: null, revokedAt: null } };
    },

    /** The person a presented token acts for; undefined when unknown, revoked, or the person is disabled. */
    resolve(token: string): { apiToken: ApiTokenRow; user: UserRow } | undefined {
      if (!token.startsWith(API_TOKEN_PREFIX)) return undefined;
      const apiToken = tokens.byTokenHash(secretHash(token));
      if (apiToken === undefined || apiToken.revokedAt !== null) return undefined;
      const user = users.byId(apiToken.userId);
      if (user === undefined || user.disabledAt !== null) return undefined;
      const now = clock.now();
      if (apiToken.lastUsedAt === null || now - apiToken.lastUsedAt >= touchEveryMs) {
        tokens.touch(apiToken.id, now);
        apiToken.lastUsedAt = now;
      }
      return { apiToken, user };
    },

    listFor(userId: number): ApiTokenRow[] {
      return tokens.forUser(userId);
    },

    /** Revokes one of a person's tokens; false when it is not theirs, unknown, or already revoked. */
    revoke(userId: number, tokenId: number, actorId: number | null = userId): boolean {
      const apiToken = tokens.byId(tokenId);
      if (apiToken === undefined || apiToken.userId !== userId) return false;
      const now = clock.now();
      if (!tokens.revoke(tokenId, now)) return false;
      audit.append({ at: now, userId: actorId, action: 'api-token.revoked', target: `user:${userId}`, details: { tokenId, name: apiToken.name } });
      return true;
    },
  };
}

export type ApiTokenService = ReturnType<typeof createApiTokenService>;
