import type { Clock } from '../core/clock.js';
import type { SessionRow, SessionsRepo } from '../store/sessions-repo.js';
import type { UserRow, UsersRepo } from '../store/users-repo.js';
import { newSecret, secretHash } from './secret-token.js';

/**
 * Dashboard sessions, kept server-side in SQLite so they can be revoked (issue 5, item 3): one
 * session, all of a person's ("sign out everywhere"), or all on a change of role.
 *
 * A session ends after `idleMs` without use or `absoluteMs` after it began, whichever is first.
 * last_seen_at is written at most once per `touchEveryMs`, so a dashboard polling every few seconds
 * costs the SD card one write a minute rather than one per request.
 */
export interface SessionSettings {
  idleMs: number;
  absoluteMs: number;
  touchEveryMs?: number;
  /** Sessions kept per person; the least recently used beyond this are ended when a new one starts. */
  maxPerUser?: number;
}

export const defaultSessionSettings = { idleMs: 14 * 86_400_000, absoluteMs: 90 * 86_400_000, touchEveryMs: 60_000, maxPerUser: 20 } as const;

export interface StartedSession {
  /** The cookie value: shown once, never stored. */
  token: string;
  csrfToken: string;
  session: SessionRow;
}

export interface ActiveSession {
  session: SessionRow;
  user: UserRow;
  /** When the session will end if it is not used again. */
  idleExpiresAt: number;
}

export function createSessionService(options: { sessions: SessionsRepo; users: UsersRepo; clock: Clock; settings: SessionSettings }) {
  const { sessions, users, clock } = options;
  const idleMs = options.settings.idleMs;
  const absoluteMs = options.settings.absoluteMs;
  const touchEveryMs = options.settings.touchEveryMs ?? defaultSessionSettings.touchEveryMs;
  const maxPerUser = options.settings.maxPerUser ?? defaultSessionSettings.maxPerUser;

  function expired(session: SessionRow, now: number): boolean {
    return now >= session.expiresAt || now >= session.lastSeenAt + idleMs;
  }

  return {
    settings: { idleMs, absoluteMs },

    start(userId: number, client: { userAgent?: string | undefined; address?: string | undefined } = {}): StartedSession {
      const now = clock.now();
      // Expired sessions are swept here, where sessions are made, rather than on a timer of their own.
      sessions.removeExpired(now, now - idleMs);
      const token = newSecret();
      const csrfToken = newSecret();
      const id = sessions.insert({
        tokenHash: secretHash(token),
        userId,
        csrfToken,
        at: now,
        expiresAt: now + absoluteMs,
        userAgent: client.userAgent?.slice(0, 256) ?? null,
        address: client.address ?? null,
      });
      sessions.keepNewest(userId, maxPerUser);
      const session: SessionRow = { id, userId, csrfToken, createdAt: now, lastSeenAt: now, expiresAt: now + absoluteMs, userAgent: client.userAgent?.slice(0, 256) ?? null, address: client.address ?? null };
      return { token, csrfToken, session };
    },

    /** The live session a cookie token names, with its person; undefined when unknown, expired, or the person is disabled. */
    resolve(token: string): ActiveSession | undefined {
      const session = sessions.byTokenHash(secretHash(token));
      if (session === undefined) return undefined;
      const now = clock.now();
      if (expired(session, now)) {
        sessions.remove(session.id);
        return undefined;
      }
      const user = users.byId(session.userId);
      if (user === undefined || user.disabledAt !== null) return undefined;
      if (now - session.lastSeenAt >= touchEveryMs) {
        sessions.touch(session.id, now);
        session.lastSeenAt = now;
      }
      return { session, user, idleExpiresAt: Math.min(session.expiresAt, session.lastSeenAt + idleMs) };
    },

    /** Ends the session a cookie token names (log out). */
    end(token: string): boolean {
      const session = sessions.byTokenHash(secretHash(token));
      return session !== undefined && sessions.remove(session.id);
    },

    endById(sessionId: number): boolean {
      return sessions.remove(sessionId);
    },

    /** Ends every session of a person ("sign out everywhere", a role change, a disabled account). */
    endAllFor(userId: number): number {
      return sessions.removeForUser(userId);
    },

    /** A person's live sessions, most recently used first. */
    listFor(userId: number): SessionRow[] {
      const now = clock.now();
      return sessions.forUser(userId).filter((session) => !expired(session, now));
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
