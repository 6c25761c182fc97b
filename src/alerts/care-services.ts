import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/event-bus.js';
import type { Logger } from '../core/logger.js';
import type { HouseholdService } from '../household/household-service.js';
import type { Store } from '../store/store.js';
import type { AlertService } from './alert-service.js';

/**
 * Responding to alerts and keeping the care log (issue 5, item 7): acknowledge, resolve with a note,
 * incidents with their timeline, the shared care log, and live events. Built by hub.ts; its `routes`
 * part is what src/http/care-routes.ts serves.
 */
export interface CareServiceDeps {
  store: Store;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  alerts: AlertService;
  household: HouseholdService;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in by the care slice
export interface CareRouteServices {}

export function createCareServices(deps: CareServiceDeps) {
  void deps;
  const routes: CareRouteServices = {};
  return { routes, start(): void {}, stop(): void {} };
}

export type CareServices = ReturnType<typeof createCareServices>;
