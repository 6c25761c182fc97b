import type { AccountService } from '../accounts/account-service.js';
import type { LoginThrottle } from '../accounts/login-throttle.js';
import type { SessionService } from '../accounts/session-service.js';
import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/event-bus.js';
import type { Logger } from '../core/logger.js';
import type { HouseholdService } from '../household/household-service.js';
import type { AuditRepo } from '../store/audit-repo.js';
import type { Store } from '../store/store.js';
import { createInvitationService, type InvitationService } from './invitation-service.js';
import { createMemberService, type MemberService } from './member-service.js';
import { createPreferenceService, type PreferenceService } from './preference-service.js';
import { createPushSubscriptionService, type PushSubscriptionService } from './push-subscription-service.js';
import { createRotaService, type RotaService } from './rota-service.js';

/**
 * The care circle (issue 5, item 7): members and roles, invitations, the on-call rota, each member's
 * preferences and quiet hours, and push subscriptions. Built by hub.ts; its `routes` part is what
 * src/http/circle-routes.ts serves, and the rest is what issue 6 (escalation, digest) and issue 7
 * (the push sender) read: who is on call, each member's preferences, their subscriptions.
 */
export interface CircleServiceDeps {
  store: Store;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  accounts: AccountService;
  sessions: SessionService;
  household: HouseholdService;
  /** The address people use to reach the dashboard (invitation links start with it). */
  dashboardBase: string;
  /** Slows down guessing of invitation links per address (the hub's log-in throttle). */
  throttle: LoginThrottle;
  /** Accept push endpoints inside a network (config push.allowPrivateEndpoints; tests). */
  allowInternalPushEndpoints?: boolean;
}

export interface CircleRouteServices {
  members: MemberService;
  invitations: InvitationService;
  rota: RotaService;
  preferences: PreferenceService;
  push: PushSubscriptionService;
  /** Accepting an invitation signs the new member in, as setup does. */
  sessions: Pick<SessionService, 'start' | 'settings'>;
  throttle: LoginThrottle;
  audit: AuditRepo;
  clock: Clock;
  /** True when people reach the hub over HTTPS (the session cookie is then Secure). */
  publicHttps: boolean;
}

export function createCircleServices(deps: CircleServiceDeps) {
  const { store, bus, clock, log, accounts } = deps;
  const transaction = store.transaction;

  const preferences = createPreferenceService({ profiles: store.memberProfiles, users: store.users, audit: store.audit, bus, clock, log });
  const rota = createRotaService({
    rota: store.rota,
    users: store.users,
    audit: store.audit,
    bus,
    clock,
    transaction,
    timezone: () => deps.household.view().household.home.timezone,
    awaySpells: (now) => preferences.awaySpells(now),
  });
  const push = createPushSubscriptionService({ subscriptions: store.pushSubscriptions, audit: store.audit, clock, transaction, allowInternalEndpoints: deps.allowInternalPushEndpoints === true });
  const members = createMemberService({
    accounts,
    rota,
    awaySpells: (now) => preferences.awaySpells(now),
    invitations: store.invitations,
    pushSubscriptions: store.pushSubscriptions,
    bus,
    clock,
    transaction,
  });
  const invitations = createInvitationService({ invitations: store.invitations, users: store.users, accounts, audit: store.audit, bus, clock, transaction, dashboardBase: deps.dashboardBase });

  const routes: CircleRouteServices = {
    members,
    invitations,
    rota,
    preferences,
    push,
    sessions: deps.sessions,
    throttle: deps.throttle,
    audit: store.audit,
    clock,
    publicHttps: deps.dashboardBase.startsWith('https:'),
  };

  return {
    routes,
    /** Who answers an alert at `at`, tier by tier (away members skipped): issue 6's escalation ladder. */
    onCallAt: (at: number) => rota.onCallAt(at),
    /** A member's notification preferences, completed with defaults (see notification-policy.ts). */
    preferencesOf: (userId: number) => preferences.preferencesOf(userId),
    /** Web Push subscriptions and their delivery record, for issue 7's sender. */
    push,
    start(): void {},
    stop(): void {},
  };
}

export type CircleServices = ReturnType<typeof createCircleServices>;
