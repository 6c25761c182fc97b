import type { Clock } from '../core/clock.js';
import { HomewardError, isHomewardError } from '../core/errors.js';
import type { AuditRepo } from '../store/audit-repo.js';
import type { UserRow, UsersRepo } from '../store/users-repo.js';
import { looksLikeEmail, normaliseEmail } from './email.js';
import type { PasswordHasher } from './password-hash.js';
import { describePasswordProblem, passwordProblem } from './password-policy.js';
import { isRole, type Role } from './roles.js';
import type { SessionService } from './session-service.js';

/** What the API shows of a person: never the hash, never when they were disabled. */
export interface PublicUser {
  id: number;
  email: string;
  name: string;
  role: Role;
}

export function publicUser(user: UserRow): PublicUser {
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}

export type AuthenticationResult =
  | { ok: true; user: UserRow }
  /** The reason is for the log only; callers answer every failure the same way (no user enumeration). */
  | { ok: false; reason: 'unknown_user' | 'wrong_password' | 'disabled' };

export interface NewUser {
  email: string;
  name?: string | undefined;
  role: Role;
  password: string;
}

const MAX_NAME_LENGTH = 100;

/** The details of the error refusing to leave the household without an owner (the API answers it with 409). */
export const LAST_OWNER = { reason: 'last_owner' } as const;

export function isLastOwnerRefusal(error: unknown): boolean {
  return isHomewardError(error, 'HW_USAGE') && (error.details as { reason?: unknown } | undefined)?.reason === LAST_OWNER.reason;
}

/**
 * People and their passwords (issue 5, items 1 and 3). Every failure to authenticate costs one scrypt,
 * whether the email is unknown, the account disabled or the password wrong, so neither the answer nor
 * its timing tells an attacker which emails have accounts.
 */
export function createAccountService(options: { users: UsersRepo; audit: AuditRepo; hasher: PasswordHasher; sessions: SessionService; clock: Clock }) {
  const { users, audit, hasher, sessions, clock } = options;

  /** Checks a new account's fields; throws a coded error naming what is wrong. */
  function validate(input: NewUser): { email: string; name: string } {
    const email = normaliseEmail(input.email);
    if (!looksLikeEmail(email)) throw new HomewardError('HW_USAGE', `"${input.email}" is not an email address`);
    if (!isRole(input.role)) throw new HomewardError('HW_USAGE', `unknown role "${String(input.role)}": owner, family, carer, installer or viewer`);
    const name = (input.name ?? email.split('@')[0] ?? email).trim();
    if (name === '' || name.length > MAX_NAME_LENGTH) throw new HomewardError('HW_USAGE', `a name must be 1–${MAX_NAME_LENGTH} characters`);
    const problem = passwordProblem(input.password, { email, name });
    if (problem !== undefined) throw new HomewardError('HW_PASSWORD_WEAK', describePasswordProblem(problem), { problem });
    if (users.byEmail(email) !== undefined) throw new HomewardError('HW_ACCOUNT_EXISTS', `there is already an account for ${email}`);
    return { email, name };
  }

  return {
    /**
     * Creates an account. `around` wraps the insert, after the (slow, asynchronous) hashing: the setup
     * link passes a transaction that consumes the link with it, so a link makes one account at most.
     */
    async create(input: NewUser, actorId: number | null = null, around: (insert: () => number) => number = (insert) => insert()): Promise<PublicUser> {
      const { email, name } = validate(input);
      const passwordHash = await hasher.hash(input.password);
      const id = around(() => {
        // Checked again: someone may have taken the email while the password was hashing.
        if (users.byEmail(email) !== undefined) throw new HomewardError('HW_ACCOUNT_EXISTS', `there is already an account for ${email}`);
        const now = clock.now();
        const id = users.insert({ email, name, role: input.role, passwordHash, createdAt: now });
        audit.append({ at: now, userId: actorId, action: 'user.created', target: `user:${id}`, details: { role: input.role } });
        return id;
      });
      return { id, email, name, role: input.role };
    },

    async authenticate(email: string, password: string): Promise<AuthenticationResult> {
      const user = users.byEmail(normaliseEmail(email));
      if (user === undefined) {
        await hasher.verifyDecoy(password);
        return { ok: false, reason: 'unknown_user' };
      }
      const matches = await hasher.verify(password, user.passwordHash);
      if (!matches) return { ok: false, reason: 'wrong_password' };
      if (user.disabledAt !== null) return { ok: false, reason: 'disabled' };
      // Parameters raised since this hash was made: the password is at hand now, so re-hash it.
      if (hasher.needsRehash(user.passwordHash)) users.setPasswordHash(user.id, await hasher.hash(password));
      return { ok: true, user };
    },

    byId(id: number): UserRow | undefined {
      return users.byId(id);
    },

    byEmail(email: string): UserRow | undefined {
      return users.byEmail(normaliseEmail(email));
    },

    list(): UserRow[] {
      return users.all();
    },

    hasOwner(): boolean {
      return users.activeOwnerCount() > 0;
    },

    /**
     * Changes a person's role and ends all their sessions (issue 5, item 3): a browser signed in under
     * the old role must not keep it. Their API tokens act with the new role from the next request.
     */
    changeRole(userId: number, role: Role, actorId: number | null = null): UserRow {
      const user = users.byId(userId);
      if (user === undefined) throw new HomewardError('HW_NOT_FOUND', `no user ${userId}`);
      if (!isRole(role)) throw new HomewardError('HW_USAGE', `unknown role "${String(role)}"`);
      if (user.role === role) return user;
      if (user.role === 'owner' && user.disabledAt === null && users.activeOwnerCount() <= 1) {
        throw new HomewardError('HW_USAGE', 'the household must keep an owner: make someone else owner first', LAST_OWNER);
      }
      users.setRole(userId, role);
      const ended = sessions.endAllFor(userId);
      audit.append({ at: clock.now(), userId: actorId, action: 'user.role-changed', target: `user:${userId}`, details: { from: user.role, to: role, sessionsEnded: ended } });
      return { ...user, role };
    },

    /** Disables an account: it can no longer sign in, and its sessions end and its tokens stop working at once. */
    disable(userId: number, actorId: number | null = null): boolean {
      const user = users.byId(userId);
      if (user === undefined) return false;
      if (user.role === 'owner' && user.disabledAt === null && users.activeOwnerCount() <= 1) {
        throw new HomewardError('HW_USAGE', 'the household must keep an owner: make someone else owner first', LAST_OWNER);
      }
      const now = clock.now();
      if (!users.disable(userId, now)) return false;
      const ended = sessions.endAllFor(userId);
      audit.append({ at: now, userId: actorId, action: 'user.disabled', target: `user:${userId}`, details: { sessionsEnded: ended } });
      return true;
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
