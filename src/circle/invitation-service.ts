import type { AccountService, PublicUser } from '../accounts/account-service.js';
import { looksLikeEmail, normaliseEmail } from '../accounts/email.js';
import type { Role } from '../accounts/roles.js';
import { newSecret, secretHash } from '../accounts/secret-token.js';
import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/event-bus.js';
import type { AuditRepo } from '../store/audit-repo.js';
import type { InvitationRow, InvitationsRepo } from '../store/invitations-repo.js';
import type { UsersRepo } from '../store/users-repo.js';
import { refusal } from './circle-errors.js';

/**
 * The owner invites people into the circle by a link carrying a role (issue 5, item 2): single-use,
 * expiring (7 days unless asked otherwise, 30 at most), revocable, and optionally bound to one email.
 * The link is shown once; only the SHA-256 of its token is kept (as for the setup link).
 */
export const DEFAULT_INVITATION_HOURS = 7 * 24;
export const MAX_INVITATION_HOURS = 30 * 24;
const HOUR = 3_600_000;

export type InvitationStatus = 'pending' | 'used' | 'expired' | 'revoked';

export interface InvitationSummary {
  id: number;
  role: Role;
  email: string | null;
  name: string | null;
  status: InvitationStatus;
  invitedBy: { id: number; name: string } | null;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
  usedBy: { id: number; name: string } | null;
  revokedAt: number | null;
}

/** What the holder of a link may learn: nothing at all unless it is valid. */
export type InvitationCheck =
  | { valid: false }
  | { valid: true; role: Role; email: string | null; name: string | null; invitedBy: string | null; expiresAt: number };

export interface NewInvitation {
  role: Role;
  email?: string | undefined;
  name?: string | undefined;
  validForHours?: number | undefined;
}

export function createInvitationService(deps: {
  invitations: InvitationsRepo;
  users: UsersRepo;
  accounts: AccountService;
  audit: AuditRepo;
  bus: EventBus;
  clock: Clock;
  transaction: <T>(work: () => T) => T;
  dashboardBase: string;
}) {
  const { invitations, users, accounts, audit, bus, clock, transaction } = deps;

  function statusOf(invitation: InvitationRow, now: number): InvitationStatus {
    if (invitation.revokedAt !== null) return 'revoked';
    if (invitation.usedAt !== null) return 'used';
    return now >= invitation.expiresAt ? 'expired' : 'pending';
  }

  const person = (id: number | null) => {
    const user = id === null ? undefined : users.byId(id);
    return user === undefined ? null : { id: user.id, name: user.name };
  };

  function summary(invitation: InvitationRow, now: number): InvitationSummary {
    const status = statusOf(invitation, now);
    return {
      id: invitation.id,
      role: invitation.role,
      email: invitation.email,
      name: invitation.name,
      status,
      invitedBy: person(invitation.invitedBy),
      createdAt: invitation.createdAt,
      expiresAt: invitation.expiresAt,
      usedAt: status === 'used' ? invitation.usedAt : null,
      usedBy: status === 'used' ? person(invitation.usedBy) : null,
      revokedAt: invitation.revokedAt,
    };
  }

  /** The pending invitation a token names; one refusal for unknown, used, expired and revoked alike. */
  function pending(token: string): InvitationRow {
    const invitation = invitations.byTokenHash(secretHash(token));
    if (invitation === undefined || invitation.purpose !== 'invite' || statusOf(invitation, clock.now()) !== 'pending') {
      throw refusal('HW_INVITATION_INVALID', 'invitation_invalid', 'this invitation link is not valid: it is unknown, used, expired or withdrawn');
    }
    return invitation;
  }

  const changed = () => bus.emit('circleChanged', { what: 'invitations' });

  return {
    /** Makes an invitation; the link (with its token) is in this answer only. */
    create(actorId: number, input: NewInvitation): { invitation: InvitationSummary; link: string } {
      const hours = input.validForHours ?? DEFAULT_INVITATION_HOURS;
      if (!Number.isInteger(hours) || hours < 1 || hours > MAX_INVITATION_HOURS) throw refusal('HW_USAGE', 'invalid_validity', `validForHours is 1–${MAX_INVITATION_HOURS}`);
      const email = input.email === undefined ? null : normaliseEmail(input.email);
      if (email !== null && !looksLikeEmail(email)) throw refusal('HW_USAGE', 'invalid_email', `"${input.email}" is not an email address`);
      if (email !== null && users.byEmail(email) !== undefined) throw refusal('HW_ACCOUNT_EXISTS', 'account_exists', `there is already an account for ${email}`);
      const name = input.name?.trim() ?? null;
      if (name === '') throw refusal('HW_USAGE', 'invalid_name', 'a name, when given, is 1–100 characters');
      const token = newSecret();
      const now = clock.now();
      const expiresAt = now + hours * HOUR;
      const id = transaction(() => {
        const id = invitations.insert({ tokenHash: secretHash(token), purpose: 'invite', role: input.role, email, name, invitedBy: actorId, createdAt: now, expiresAt });
        audit.append({ at: now, userId: actorId, action: 'invitation.created', target: `invitation:${id}`, details: { role: input.role, email, name, expiresAt: new Date(expiresAt).toISOString() } });
        return id;
      });
      changed();
      const row = invitations.inviteById(id) as InvitationRow;
      return { invitation: summary(row, now), link: `${deps.dashboardBase}/invite?token=${token}` };
    },

    /** The owner's invitations, newest first, whatever became of them; never their tokens. */
    list(limit: number, before?: number): InvitationSummary[] {
      const now = clock.now();
      return invitations.invitesBefore(before ?? Number.MAX_SAFE_INTEGER, limit).map((invitation) => summary(invitation, now));
    },

    /** Withdraws an invitation that has not been used; the link stops working at once. */
    revoke(actorId: number, id: number): void {
      const invitation = invitations.inviteById(id);
      if (invitation === undefined) throw refusal('HW_NOT_FOUND', 'invitation_not_found', `no invitation ${id}`);
      const status = statusOf(invitation, clock.now());
      if (status === 'revoked') return;
      if (status === 'used' || !invitations.revoke(id, clock.now())) throw refusal('HW_CONFLICT', 'invitation_used', 'this invitation has been used: disable the account instead');
      audit.append({ at: clock.now(), userId: actorId, action: 'invitation.revoked', target: `invitation:${id}` });
      changed();
    },

    /** What the invitation page shows before someone accepts. */
    check(token: string): InvitationCheck {
      let invitation: InvitationRow;
      try {
        invitation = pending(token);
      } catch {
        return { valid: false };
      }
      return { valid: true, role: invitation.role, email: invitation.email, name: invitation.name, invitedBy: person(invitation.invitedBy)?.name ?? null, expiresAt: invitation.expiresAt };
    },

    /**
     * Creates the invitee's account with the invitation's role and uses the invitation up, in one
     * transaction: of two acceptances racing each other, one makes an account and the other is refused.
     */
    async accept(token: string, account: { email: string; name: string; password: string }): Promise<PublicUser> {
      const invitation = pending(token); // fail fast, before hashing a password for nothing
      if (invitation.email !== null && normaliseEmail(account.email) !== invitation.email) {
        throw refusal('HW_FORBIDDEN', 'invitation_email_mismatch', 'this invitation is for another email address');
      }
      const user = await accounts.create({ ...account, role: invitation.role }, null, (insert) =>
        transaction(() => {
          // Checked again inside the transaction: the link may have been used or withdrawn while the password was hashing.
          const current = pending(token);
          const id = insert();
          if (!invitations.markUsed(current.id, clock.now(), id)) throw refusal('HW_INVITATION_INVALID', 'invitation_invalid', 'this invitation has just been used');
          audit.append({ at: clock.now(), userId: id, action: 'invitation.accepted', target: `invitation:${current.id}`, details: { role: current.role, invitedBy: current.invitedBy } });
          return id;
        }),
      );
      bus.emit('circleChanged', { what: 'members' });
      changed();
      return user;
    },
  };
}

export type InvitationService = ReturnType<typeof createInvitationService>;
