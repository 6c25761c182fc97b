import { rmSync } from 'node:fs';
import { pino } from 'pino';
import { roles } from '../../../src/accounts/roles.js';
import { createHub } from '../../../src/hub.js';
import { testHousehold } from '../../support/households.js';
import { testDataDir, testHubConfig } from '../../support/test-hub.js';
import type { LocalPushService } from '../../notify/local-push-service.js';
import { MEMBER_NAMES, PASSWORD, type DashboardHub } from './dashboard-hub.js';

/**
 * A dashboard hub (as startDashboardHub makes one) whose Web Push reaches the local push service of
 * test/notify/local-push-service.ts: its self-signed certificate trusted through HubDeps.webPush,
 * which startTestHub cannot pass. A mailto: contact is the VAPID subject, so the hub sends over plain
 * http on loopback without a public https URL.
 */
export async function startPushDashboardHub(service: LocalPushService): Promise<DashboardHub> {
  const dataDir = testDataDir();
  const config = testHubConfig(dataDir, 'silent');
  config.map = { tiles: '', attribution: '' };
  config.push = { allowPrivateEndpoints: true, contact: 'mailto:olive@example.org' };
  const hub = await createHub({
    config,
    log: pino({ level: 'silent' }),
    webPush: { transport: { agent: service.agent, timeoutMs: 5000 } },
    clockSync: async () => true,
  });
  hub.household.import(testHousehold());
  const { mqttPort } = await hub.start();
  await hub.http.listen({ port: 0, host: '127.0.0.1' });
  const address = hub.http.server.address();
  const httpPort = typeof address === 'object' && address !== null ? address.port : 0;
  const members = {} as DashboardHub['members'];
  for (const role of roles) {
    const email = `${role}@example.org`;
    const user = await hub.home.accounts.create({ email, role, password: PASSWORD, name: MEMBER_NAMES[role] });
    members[role] = { id: user.id, email, name: MEMBER_NAMES[role] };
  }
  return {
    hub,
    dataDir,
    mqttPort,
    httpPort,
    mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
    baseUrl: `http://127.0.0.1:${httpPort}`,
    members,
    credential(id) {
      const credential = hub.credentials.reveal(id);
      if (credential === undefined) throw new Error(`no credential for ${id}`);
      return credential;
    },
    async stop() {
      await hub.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
