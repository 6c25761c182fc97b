import type { AccountService } from '../accounts/account-service.js';
import type { SessionService } from '../accounts/session-service.js';
import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/event-bus.js';
import type { Logger } from '../core/logger.js';
import type { HouseholdService } from '../household/household-service.js';
import type { Store } from '../store/store.js';

/**
 * The care circle (issue 5, item 7): members and roles, invitations, the on-call rota, each member's
 * preferences and quiet hours, and push subscriptions. Built by hub.ts; its `routes` part is what
 * src/http/circle-routes.ts serves.
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
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in by the circle slice
export interface CircleRouteServices {}

export function createCircleServices(deps: CircleServiceDeps) {
  void deps;
  const routes: CircleRouteServices = {};
  return { routes, start(): void {}, stop(): void {} };
}

export type CircleServices = ReturnType<typeof createCircleServices>;
