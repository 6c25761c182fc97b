import { createAccountService } from '../../src/accounts/account-service.js';
import { createApiTokenService } from '../../src/accounts/api-token-service.js';
import { createPasswordHasher, type PasswordHasher } from '../../src/accounts/password-hash.js';
import { createSessionService, defaultSessionSettings, type SessionSettings } from '../../src/accounts/session-service.js';
import { createSetupService } from '../../src/accounts/setup-service.js';
import { createManualClock } from '../../src/core/clock.js';
import type { Store } from '../../src/store/store.js';
import { T0 } from './accounts-hub.js';

/** The account services over a real store, on a manual clock, wired as src/hub.ts wires them. */
export function accountsOn(store: Store, options: { settings?: Partial<SessionSettings>; hasher?: PasswordHasher } = {}) {
  const clock = createManualClock(T0);
  const sessions = createSessionService({ sessions: store.sessions, users: store.users, clock, settings: { ...defaultSessionSettings, ...options.settings } });
  const accounts = createAccountService({ users: store.users, audit: store.audit, hasher: options.hasher ?? createPasswordHasher(), sessions, clock });
  const apiTokens = createApiTokenService({ tokens: store.apiTokens, users: store.users, audit: store.audit, clock });
  const setup = createSetupService({ invitations: store.invitations, accounts, transaction: store.transaction, clock });
  return { clock, sessions, accounts, apiTokens, setup };
}
