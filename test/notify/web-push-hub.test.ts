import { rmSync } from 'node:fs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Weekday } from '../../src/circle/clock-times.js';
import { createManualClock, type ManualClock } from '../../src/core/clock.js';
import type { Household } from '../../src/core/household.js';
import { createHub, type Hub } from '../../src/hub.js';
import type { PushPayload } from '../../src/notify/web-push/push-payload.js';
import { connectClient } from '../support/mqtt-clients.js';
import { testDataDir, testHubConfig } from '../support/test-hub.js';
import { startLocalPushService, type LocalPushService, type PushRequest } from './local-push-service.js';

/**
 * Issue 7 end to end, through a whole hub: a real broker over TCP with a real mqtt client (the front
 * door), the rules, the escalation ladder, the notifier and the Web Push channel, to a real HTTPS push
 * service on 127.0.0.1 that decrypts what arrives with the subscribing browser's key; then "I'm on
 * it" from the lock screen with the action token the message carried. The clock is a manual one:
 * Thursday 15 January 2026, 02:00 in London, inside the night window.
 */
const T0 = Date.UTC(2026, 0, 15, 2, 0, 0);
const M = 60_000;
const everyDay: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const PUBLIC_URL = 'https://mum.example.org';

const household: Household = {
  home: { name: 'Mum’s house', timezone: 'Europe/London', lat: 51.5072, lon: -0.1276 },
  person: { name: 'Margaret', description: 'grey coat, walks with a stick' },
  devices: [{ id: 'front-door', name: 'Front door', kind: 'door', source: 'native', exit: true }],
  rules: { night: { start: '22:00', end: '07:00' }, doorOpenTooLong: '10m' },
  escalation: { ackWithin: '5m', repeatEvery: '2m' },
};

let service: LocalPushService;
let hub: Hub;
let clock: ManualClock;
let dataDir: string;
let mqttPort: number;
const id = { olive: 0, anna: 0, ben: 0 };

beforeAll(async () => {
  service = await startLocalPushService();
  dataDir = testDataDir();
  clock = createManualClock(T0);
  const config = testHubConfig(dataDir, 'silent');
  config.publicUrl = PUBLIC_URL;
  hub = await createHub({
    config,
    log: pino({ level: 'silent' }),
    clock,
    webPush: { transport: { agent: service.agent, timeoutMs: 5000 }, wait: async (ms) => clock.advance(ms) },
    clockSync: async () => true,
  });
  hub.household.import(household);
  const create = async (name: string, role: 'owner' | 'family') => (await hub.home.accounts.create({ email: `${name.toLowerCase()}@example.org`, role, password: 'kettle on the windowsill 7', name })).id;
  id.olive = await create('Olive', 'owner');
  id.anna = await create('Anna', 'family');
  id.ben = await create('Ben', 'family');
  for (const userId of [id.olive, id.anna, id.ben]) hub.api.circle.routes.preferences.replace(userId, { digest: { enabled: false } } as never);
  // Anna and Ben answer first, every night.
  for (const userId of [id.anna, id.ben]) hub.api.circle.routes.rota.addShift(id.olive, { userId, days: everyDay, start: '00:00', end: '00:00', tier: 1 });
  ({ mqttPort } = await hub.start());
});

afterAll(async () => {
  await hub?.stop();
  await service?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const payloadOf = (request: PushRequest) => JSON.parse((request.plaintext as Buffer).toString('utf8')) as PushPayload;
const acknowledge = (token: string) => hub.http.inject({ method: 'POST', url: '/api/push/actions/acknowledge', payload: { token } });

describe('Web Push through the hub', () => {
  it('a night exit reaches each on-call phone, encrypted for it; "I\'m on it" from the lock screen acknowledges once', async () => {
    const annasPhone = service.browser();
    const bensPhone = service.browser();
    hub.api.circle.push.subscribe(id.anna, annasPhone.subscription, 'Anna’s phone');
    hub.api.circle.push.subscribe(id.ben, bensPhone.subscription, 'Ben’s phone');

    const { username, password } = hub.credentials.reveal('front-door')!;
    const door = await connectClient(`mqtt://127.0.0.1:${mqttPort}`, { username, password, clientId: 'front-door' });
    await door.publishAsync('homeward/devices/front-door/door', '{"open":true}', { qos: 1 });
    await door.endAsync();

    const requests = await service.waitForRequests(2);
    await hub.escalation.idle();
    const alert = hub.store.alerts.open().find((row) => row.type === 'night-exit');
    expect(alert).toBeDefined();
    const toAnna = requests.find((request) => request.browser === annasPhone.id) as PushRequest;
    const toBen = requests.find((request) => request.browser === bensPhone.id) as PushRequest;
    for (const request of [toAnna, toBen]) {
      expect(request.decryptError).toBeUndefined();
      expect(request.headers).toMatchObject({ urgency: 'high', ttl: '900', 'content-encoding': 'aes128gcm' });
      expect(request.headers.topic).toBeUndefined();
      expect(request.vapid).toMatchObject({ signatureValid: true, key: hub.webPush.publicKey, claims: { aud: service.origin, sub: PUBLIC_URL } });
      expect((request.vapid?.claims.exp as number) - clock.now() / 1000).toBeLessThanOrEqual(24 * 3600);
    }
    const annas = payloadOf(toAnna);
    expect(annas).toMatchObject({ v: 1, kind: 'alert', severity: 'urgent', tag: `alert:${alert?.id}`, acknowledge: { alertId: alert?.id } });
    expect(annas.url).toMatch(/^\/(incidents|alerts)\//);
    const bens = payloadOf(toBen);
    expect(bens.acknowledge?.token).not.toBe(annas.acknowledge?.token);
    await until(() => /^homeward_notifications_total\{channel="web-push",outcome="delivered"\} 2$/m.test(hub.metrics.render()));
    expect(hub.metrics.render()).toMatch(/^homeward_push_total\{outcome="delivered"\} 2$/m);

    // Ben became a viewer since: his token now acknowledges nothing (the same answer as any bad token).
    hub.home.accounts.changeRole(id.ben, 'viewer', id.olive);
    const refusedRole = await acknowledge(bens.acknowledge!.token);
    expect(refusedRole.statusCode).toBe(403);
    expect(refusedRole.json()).toMatchObject({ error: 'action_token_invalid' });

    // Anna answers: once.
    const first = await acknowledge(annas.acknowledge!.token);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ alertId: alert?.id, first: true });
    expect(hub.store.alerts.byId(alert!.id)).toMatchObject({ acknowledgedBy: id.anna, acknowledgedAt: clock.now() });
    expect(hub.api.care.timeline.forAlert(alert!.id).filter((row) => row.kind === 'acknowledged').map((row) => row.userId)).toEqual([id.anna]);

    const again = await acknowledge(annas.acknowledge!.token);
    const forged = await acknowledge(`${annas.acknowledge!.token.slice(0, -4)}AAAA`);
    expect(again.statusCode).toBe(403);
    expect(again.body).toBe(refusedRole.body);
    expect(forged.statusCode).toBe(403);
    expect(forged.body).toBe(refusedRole.body);
  });

  it('one token per message and member; a later step brings a fresh one; an expired token is refused, one for an alert that is over gets 409 and stays unused', async () => {
    const tablet = service.browser();
    hub.api.circle.push.subscribe(id.anna, tablet.subscription, 'Anna’s tablet');
    /** The tokens of the next `count` messages offering "I'm on it" for `alertId`, from request number `from` on. */
    const tokensAfter = async (from: number, alertId: string, count: number) => {
      const offered = () =>
        service.requests
          .slice(from)
          .filter((request) => request.plaintext !== undefined)
          .map((request) => payloadOf(request).acknowledge)
          .filter((acknowledge) => acknowledge?.alertId === alertId)
          .map((acknowledge) => acknowledge!.token);
      await until(() => offered().length >= count);
      return offered();
    };

    // The first night's incident is over, so this alert starts its own (one joining an incident someone
    // is handling is news for them, not a ladder of its own).
    for (const open of hub.store.alerts.open()) hub.api.care.actions.resolve(open.id, { userId: id.anna }, 'home safe, back in bed');
    const raisedAt = clock.now();
    const key = `night-exit:web-push-test:${raisedAt}`;
    let from = service.requests.length;
    hub.alerts.commit({ raise: [{ type: 'night-exit', key, severity: 'urgent', at: raisedAt, title: 'Front door opened at night', details: {}, deviceId: 'front-door' }], clear: [], doses: [] });
    const alert = hub.store.alerts.byKey(key)!;
    await hub.escalation.idle();
    // Anna's phone and tablet: the same message, the same token (using it from one uses it for both).
    const [first, sameFirst] = await tokensAfter(from, alert.id, 2);
    expect(first).toBeDefined();
    expect(sameFirst).toBe(first);

    // The ladder records a step once its sends have answered; then nobody answers within ackWithin,
    // and the next step reaches Anna again, with a fresh token.
    await until(() => hub.api.care.timeline.forAlert(alert.id).some((row) => row.kind === 'notified'));
    await hub.escalation.idle();
    from = service.requests.length;
    clock.advance(5 * M);
    hub.escalation.tick();
    await hub.escalation.idle();
    const [second] = await tokensAfter(from, alert.id, 2);
    expect(second).toBeDefined();
    expect(second).not.toBe(first);

    hub.api.care.actions.resolve(alert.id, { userId: id.olive }, 'found her at the church, home safe');
    const over = await acknowledge(second!);
    expect(over.statusCode).toBe(409);
    expect(over.json()).toMatchObject({ error: 'alert_resolved' });
    // Still unused: the same answer again, not "invalid".
    expect((await acknowledge(second!)).statusCode).toBe(409);

    // An urgent message lives 15 minutes at the push service; its button an hour beyond that: good
    // until then (409 here only because the alert is over), refused from then on.
    clock.set(raisedAt + 75 * M - 1);
    expect((await acknowledge(first!)).statusCode).toBe(409);
    clock.set(raisedAt + 75 * M);
    const expired = await acknowledge(first!);
    expect(expired.statusCode).toBe(403);
    expect(expired.json()).toMatchObject({ error: 'action_token_invalid' });
  });
});

/** Waits (polling, bounded) until `check` holds: an answer is handled some turns after the request arrives. */
async function until(check: () => boolean): Promise<void> {
  await vi.waitFor(() => expect(check()).toBe(true), { timeout: 10_000, interval: 5 });
}
