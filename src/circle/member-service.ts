import { isLastOwnerRefusal, type AccountService } from '../accounts/account-service.js';
import type { Role } from '../accounts/roles.js';
import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/event-bus.js';
import type { InvitationsRepo } from '../store/invitations-repo.js';
import type { AwaySpellRow } from '../store/member-profiles-repo.js';
import type { PushSubscriptionsRepo } from '../store/push-subscriptions-repo.js';
import type { UserRow } from '../store/users-repo.js';
import { refusal } from './circle-errors.js';
import type { OnCallTier } from './on-call.js';
import { canBeOnCall, type RotaService } from './rota-service.js';

/**
 * The circle's members and their roles (issue 5, items 5 and 7; DESIGN.md, "Roles": only the owner
 * manages people). Everyone in the circle sees who is in it, their role, whether they are away and
 * who is on call; only owners see contact emails and disabled accounts.
 */
export interface Member {
  id: number;
  name: string;
  role: Role;
  away: { from: number; until: number } | null;
  /** The tier they answer in now, or null when not on call. */
  onCallTier: number | null;
  /** Owners only. */
  email?: string;
  disabled?: boolean;
}

export function createMemberService(deps: {
  accounts: AccountService;
  rota: Pick<RotaService, 'onCallAt' | 'removeMember'>;
  awaySpells: (now: number) => AwaySpellRow[];
  invitations: InvitationsRepo;
  pushSubscriptions: PushSubscriptionsRepo;
  bus: EventBus;
  clock: Clock;
  transaction: <T>(work: () => T) => T;
}) {
  const { accounts, rota, invitations, pushSubscriptions, bus, clock, transaction } = deps;

  function describe(user: UserRow, asOwner: boolean, onCall: readonly OnCallTier[], away: readonly AwaySpellRow[]): Member {
    const spell = away.find((candidate) => candidate.userId === user.id);
    const member: Member = {
      id: user.id,
      name: user.name,
      role: user.role,
      away: spell === undefined ? null : { from: spell.from, until: spell.until },
      onCallTier: onCall.find((tier) => tier.userIds.includes(user.id))?.tier ?? null,
    };
    return asOwner ? { ...member, email: user.email, disabled: user.disabledAt !== null } : member;
  }

  function existing(userId: number): UserRow {
    const user = accounts.byId(userId);
    if (user === undefined) throw refusal('HW_NOT_FOUND', 'member_not_found', `no member ${userId}`);
    return user;
  }

  /** The household must keep an owner (account-service refuses); the API answers that with 409. */
  function keepingAnOwner<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      if (isLastOwnerRefusal(error)) throw refusal('HW_CONFLICT', 'last_owner', 'the household must keep an owner: make someone else owner first');
      throw error;
    }
  }

  function snapshot(user: UserRow): Member {
    const now = clock.now();
    return describe(user, true, rota.onCallAt(now), deps.awaySpells(now));
  }

  return {
    /** The circle as `viewerRole` may see it: owners see everyone, with emails; others see active members only. */
    list(viewerRole: Role): Member[] {
      const now = clock.now();
      const onCall = rota.onCallAt(now);
      const away = deps.awaySpells(now);
      const asOwner = viewerRole === 'owner';
      return accounts
        .list()
        .filter((user) => asOwner || user.disabledAt === null)
        .map((user) => describe(user, asOwner, onCall, away));
    },

    /**
     * Gives a member another role. account-service ends their sessions (a browser signed in under the
     * old role must not keep it); a role that cannot act on alerts takes them off the rota, and one
     * that cannot manage people withdraws the invitations they made.
     */
    changeRole(actorId: number, userId: number, role: Role): { member: Member; shiftsRemoved: number } {
      const result = transaction(() => {
        const user = existing(userId);
        if (user.disabledAt !== null) throw refusal('HW_CONFLICT', 'member_disabled', `${user.name}'s account is disabled`);
        const changed = keepingAnOwner(() => accounts.changeRole(userId, role, actorId));
        const removed = canBeOnCall(role) ? { shifts: 0, covers: 0 } : rota.removeMember(actorId, userId);
        if (user.role === 'owner' && role !== 'owner') invitations.revokePendingBy(userId, clock.now());
        return { user: changed, shiftsRemoved: removed.shifts, changed: user.role !== role };
      });
      if (result.changed) bus.emit('circleChanged', { what: 'members' });
      return { member: snapshot(result.user), shiftsRemoved: result.shiftsRemoved };
    },

    /**
     * Takes someone out of the circle: the account is disabled (never deleted: the audit trail and
     * alert records name it), its sessions end and its API tokens stop at once (account-service), and
     * nothing keeps reaching them: rota turns, push subscriptions and pending invitations go.
     * Returns false when the account was already disabled.
     */
    remove(actorId: number, userId: number): boolean {
      const removed = transaction(() => {
        const user = existing(userId);
        if (user.disabledAt !== null) return false;
        keepingAnOwner(() => accounts.disable(userId, actorId));
        rota.removeMember(actorId, userId);
        pushSubscriptions.deleteForUser(userId);
        invitations.revokePendingBy(userId, clock.now());
        return true;
      });
      if (removed) bus.emit('circleChanged', { what: 'members' });
      return removed;
    },
  };
}

export type MemberService = ReturnType<typeof createMemberService>;
