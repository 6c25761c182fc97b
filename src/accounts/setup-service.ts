import type { Clock } from '../core/clock.js';
import { HomewardError } from '../core/errors.js';
import type { InvitationsRepo } from '../store/invitations-repo.js';
import type { AccountService, PublicUser } from './account-service.js';
import { newSecret, secretHash } from './secret-token.js';

/**
 * No default account (DESIGN.md; issue 5, item 1): while the household has no owner, each start of
 * the hub makes a one-time setup link, valid for `validForMs` (24 h), which creates the owner's
 * account once. A new link withdraws the previous unused one, so only the link last printed works;
 * once there is an owner, no setup link works, however fresh.
 */
export const SETUP_LINK_VALID_MS = 24 * 3_600_000;

export function createSetupService(options: { invitations: InvitationsRepo; accounts: AccountService; transaction: <T>(work: () => T) => T; clock: Clock; validForMs?: number }) {
  const { invitations, accounts, transaction, clock } = options;
  const validForMs = options.validForMs ?? SETUP_LINK_VALID_MS;

  /** The invitation a token names, if it can still make an owner; throws HW_INVITATION_INVALID otherwise. */
  function usable(token: string) {
    const invitation = invitations.byTokenHash(secretHash(token));
    // One message for unknown, used and expired alike: the token holder learns nothing from the difference.
    const invalid = new HomewardError('HW_INVITATION_INVALID', 'this setup link is not valid: it is unknown, used or expired');
    if (invitation === undefined || invitation.purpose !== 'setup' || invitation.usedAt !== null || clock.now() >= invitation.expiresAt) throw invalid;
    if (accounts.hasOwner()) throw invalid;
    return invitation;
  }

  return {
    /** True while the household has no owner (the dashboard shows its setup page). */
    needed(): boolean {
      return !accounts.hasOwner();
    },

    /** Makes a new setup link token, withdrawing any earlier unused one; undefined when there is an owner. */
    issue(): { token: string; expiresAt: number } | undefined {
      if (accounts.hasOwner()) return undefined;
      const token = newSecret();
      const now = clock.now();
      transaction(() => {
        invitations.withdrawUnused('setup');
        invitations.insert({ tokenHash: secretHash(token), purpose: 'setup', role: 'owner', email: null, invitedBy: null, createdAt: now, expiresAt: now + validForMs });
      });
      return { token, expiresAt: now + validForMs };
    },

    /** Creates the owner with a setup link, consuming it; a second use, an expired link or an existing owner is refused. */
    async complete(token: string, owner: { email: string; name?: string | undefined; password: string }): Promise<PublicUser> {
      usable(token); // fail fast, before hashing a password for nothing
      return accounts.create({ ...owner, role: 'owner' }, null, (insert) =>
        transaction(() => {
          // Checked again inside the transaction: another request may have used the link meanwhile.
          const invitation = usable(token);
          const id = insert();
          if (!invitations.markUsed(invitation.id, clock.now(), id)) throw new HomewardError('HW_INVITATION_INVALID', 'this setup link has just been used');
          return id;
        }),
      );
    },
  };
}

export type SetupService = ReturnType<typeof createSetupService>;
