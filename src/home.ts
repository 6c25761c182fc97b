import type { HubConfig } from './config.js';
import { deviceSources } from '../devices/registry.js';
import { createAccountService } from './accounts/account-service.js';
import { createApiTokenService } from './accounts/api-token-service.js';
import { createPasswordHasher } from './accounts/password-hash.js';
import { createSessionService } from './accounts/session-service.js';
import { createSetupService } from './accounts/setup-service.js';
import { systemClock, type Clock } from './core/clock.js';
import type { EventBus } from './core/event-bus.js';
import { createCredentialService, credentialKeyPath } from './household/credentials.js';
import { deviceStatus, type DeviceStatus } from './household/device-status.js';
import { createHouseholdService } from './household/household-service.js';
import type { DeviceState } from './store/device-state-repo.js';
import { databasePath, openDatabase } from './store/database.js';
import { createStore } from './store/store.js';

/*
 * Kept apart from hub.ts so the `homeward` commands that only read and change the household open it
 * without loading the broker, the HTTP server and Web Push: each command starts in about half the time,
 * which an installer on a Pi Zero notices.
 */

/** The household's storage and look-ups, without the network: shared by the hub and the CLI. */
export function openHome(config: HubConfig, clock: Clock = systemClock, bus?: EventBus) {
  const file = databasePath(config.dataDir);
  const db = openDatabase(file, { synchronous: config.store.synchronous });
  const store = createStore(db);
  const credentials = createCredentialService({ repo: store.credentials, keyFile: credentialKeyPath(config.dataDir), clock });
  const household = createHouseholdService({ store, sources: deviceSources, credentials, clock, ...(bus ? { bus } : {}) });
  // People, sessions and API tokens (issue 5): the CLI's `user` commands use these too.
  const sessions = createSessionService({ sessions: store.sessions, users: store.users, clock, settings: config.sessions });
  const accounts = createAccountService({ users: store.users, audit: store.audit, hasher: createPasswordHasher(), sessions, clock });
  const apiTokens = createApiTokenService({ tokens: store.apiTokens, users: store.users, audit: store.audit, clock });
  const setup = createSetupService({ invitations: store.invitations, accounts, transaction: store.transaction, clock });
  return {
    file,
    store,
    credentials,
    household,
    accounts,
    sessions,
    apiTokens,
    setup,
    /** Every household device with its health, for `status` and the dashboard. */
    deviceStatuses(states: ReadonlyMap<number, DeviceState>, now: number): DeviceStatus[] {
      const view = household.view();
      return [...view.devicesById.values()].map((device) => {
        const num = view.deviceNums.get(device.id);
        return deviceStatus(device, num === undefined ? undefined : states.get(num), now);
      });
    },
    close: () => db.close(),
  };
}

export type Home = ReturnType<typeof openHome>;
