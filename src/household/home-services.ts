import type { HubConfig } from '../config.js';
import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/event-bus.js';
import type { Logger } from '../core/logger.js';
import type { DeviceStatus } from './device-status.js';
import type { CredentialService } from './credentials.js';
import type { HouseholdService } from './household-service.js';
import type { GroupCommit } from '../ingest/group-commit.js';
import type { Store } from '../store/store.js';

/**
 * The household's data (issue 5, items 7 and 8): the household document, devices and their health,
 * readings and positions (every view of positions audited), medication and adherence, retention and
 * pruning, export and deletion, the audit log. Built by hub.ts; its `routes` part is what
 * src/http/home-routes.ts serves; start() and stop() run the pruning schedule.
 */
export interface HomeServiceDeps {
  config: HubConfig;
  store: Store;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  household: HouseholdService;
  credentials: CredentialService;
  commit: GroupCommit;
  /** Every household device with its health. */
  deviceStatuses(now: number): DeviceStatus[];
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in by the household-data slice
export interface HomeRouteServices {}

export function createHomeServices(deps: HomeServiceDeps) {
  void deps;
  const routes: HomeRouteServices = {};
  return { routes, start(): void {}, stop(): void {} };
}

export type HomeServices = ReturnType<typeof createHomeServices>;
