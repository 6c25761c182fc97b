import { rmSync } from 'node:fs';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { pushCheck } from '../../../src/cli/doctor/push-check.js';
import type { HubConfig } from '../../../src/config.js';
import { openHome } from '../../../src/hub.js';
import { freePort } from '../../support/hub-process.js';
import { doctorConfig, runCheck } from './doctor-support.js';

/**
 * The push check (issue 9, item 5): a VAPID subject, somebody subscribed, and their push services
 * reachable. Subscriptions are stored in a real database with endpoints on 127.0.0.1: a local server
 * that accepts connections stands for a reachable push service, a closed port for one the hub cannot
 * reach. The doctor only connects: the push service is sent nothing.
 */
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface PushService {
  port: number;
  connections: number;
  bytes: number;
}

async function pushService(): Promise<PushService> {
  const service = { port: 0, connections: 0, bytes: 0 };
  const server = net.createServer((socket) => {
    service.connections++;
    socket.on('data', (chunk) => (service.bytes += chunk.length));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  service.port = (server.address() as net.AddressInfo).port;
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return service;
}

async function homeWithSubscriptions(endpoints: string[], publicUrl: string | null = 'https://mum.example.org'): Promise<HubConfig> {
  const config = doctorConfig();
  cleanups.push(() => rmSync(config.dataDir, { recursive: true, force: true }));
  if (publicUrl !== null) config.publicUrl = publicUrl;
  const home = openHome(config);
  try {
    const anna = await home.accounts.create({ email: 'anna@example.org', name: 'Anna', role: 'family', password: 'a long family password 42' });
    for (const endpoint of endpoints) {
      home.store.pushSubscriptions.insert({ userId: anna.id, endpoint, p256dh: 'BPublicKeyOfTheBrowser', auth: 'authSecret', label: null, createdAt: Date.now() });
    }
  } finally {
    home.close();
  }
  return config;
}

describe('push check', () => {
  it('is fine when every push service answers, naming only their hosts (an endpoint\'s path identifies a phone)', async () => {
    const service = await pushService();
    const config = await homeWithSubscriptions([`https://127.0.0.1:${service.port}/push/anna-phone-secret`, `https://127.0.0.1:${service.port}/push/anna-tablet-secret`]);
    const found = await runCheck(pushCheck, config);
    expect(found).toEqual({ name: 'push', ok: true, level: 'ok', finding: `VAPID subject https://mum.example.org; 2 subscriptions; push services reachable: 127.0.0.1:${service.port}` });
    expect(service.connections).toBe(1);
    expect(service.bytes).toBe(0);
  });

  it('warns when some push services answer and others do not', async () => {
    const service = await pushService();
    const closed = await freePort();
    const config = await homeWithSubscriptions([`https://127.0.0.1:${service.port}/push/a`, `https://127.0.0.1:${closed}/push/b`]);
    const found = await runCheck(pushCheck, config);
    expect(found).toMatchObject({
      level: 'warning',
      finding: `2 subscriptions; the hub cannot reach 127.0.0.1:${closed} (ECONNREFUSED), so phones using it get no notifications; reaches 127.0.0.1:${service.port}; VAPID subject https://mum.example.org`,
      fix: expect.stringContaining("check the hub's internet connection"),
    });
  });

  it('is a problem when no push service answers', async () => {
    const closed = await freePort();
    const config = await homeWithSubscriptions([`https://127.0.0.1:${closed}/push/a`]);
    const found = await runCheck(pushCheck, config);
    expect(found).toMatchObject({ level: 'problem', ok: false, finding: `1 subscription, but the hub cannot reach 127.0.0.1:${closed} (ECONNREFUSED): no notification gets out; VAPID subject https://mum.example.org` });
  });

  it('warns that nobody will be notified when nobody has turned notifications on', async () => {
    const config = await homeWithSubscriptions([]);
    expect(await runCheck(pushCheck, config)).toMatchObject({
      level: 'warning',
      finding: 'no phone or browser has turned on notifications: nobody will be notified; VAPID subject https://mum.example.org',
      fix: 'open the dashboard on each phone (over https) and turn on notifications',
    });
  });

  it('is a problem without a usable VAPID subject: none, or a localhost address iPhones refuse', async () => {
    const service = await pushService();
    const none = await runCheck(pushCheck, await homeWithSubscriptions([`https://127.0.0.1:${service.port}/push/a`], null));
    expect(none).toMatchObject({ level: 'problem', finding: `Web Push is off: no VAPID subject; 1 subscription; push services reachable: 127.0.0.1:${service.port}`, fix: expect.stringContaining('set HOMEWARD_PUBLIC_URL') });
    const local = await runCheck(pushCheck, await homeWithSubscriptions([], 'https://localhost:8443'));
    expect(local).toMatchObject({ level: 'problem', finding: expect.stringContaining('Safari and iPhones reject https://localhost') });
  });
});
