import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Role } from '../../src/accounts/roles.js';
import { createPushSubscriptionService } from '../../src/circle/push-subscription-service.js';
import { systemClock } from '../../src/core/clock.js';
import type { Home } from '../../src/home.js';
import type { LocalPushService, TestBrowser } from '../notify/local-push-service.js';

/**
 * A hub process that sends real Web Push to the local push service (test/notify/local-push-service.ts),
 * for the fault suite's tests that watch notifications arrive (issue 10): members with phones
 * subscribed, and the files and environment the hub needs to reach that service.
 */
export const MEMBER_PASSWORD = 'kettle on the windowsill 7';

/** A member of the household (name@example.org) with a phone subscribed at `service`. */
export async function memberWithPhone(home: Home, service: LocalPushService, name: string, role: Role): Promise<{ id: number; phone: TestBrowser }> {
  const user = await home.accounts.create({ email: `${name.toLowerCase()}@example.org`, role, password: MEMBER_PASSWORD, name });
  const phone = service.browser();
  const push = createPushSubscriptionService({
    subscriptions: home.store.pushSubscriptions,
    audit: home.store.audit,
    clock: systemClock,
    transaction: home.store.transaction,
    allowInternalEndpoints: true,
  });
  push.subscribe(user.id, phone.subscription, `${name}'s phone`);
  return { id: user.id, phone };
}

/**
 * Writes, in `scratch`, the service's certificate (trusted through NODE_EXTRA_CA_CERTS, and only it) and a
 * config file allowing a push endpoint on loopback, with `config` merged in; returns the hub's environment.
 */
export function pushingHubEnv(scratch: string, service: LocalPushService, config: Record<string, unknown> = {}): Record<string, string> {
  const certificate = path.join(scratch, 'push-ca.pem');
  const configFile = path.join(scratch, 'homeward.json');
  writeFileSync(certificate, service.cert);
  writeFileSync(configFile, JSON.stringify({ ...config, push: { allowPrivateEndpoints: true } }));
  return { HOMEWARD_CONFIG: configFile, HOMEWARD_PUSH_CONTACT: 'mailto:olive@example.org', NODE_EXTRA_CA_CERTS: certificate };
}
