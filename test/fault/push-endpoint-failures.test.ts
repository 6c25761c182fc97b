import { rmSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Weekday } from '../../src/circle/clock-times.js';
import { createManualClock, type ManualClock } from '../../src/core/clock.js';
import type { Household } from '../../src/core/household.js';
import { createHub, type Hub } from '../../src/hub.js';
import type { PushPayload } from '../../src/notify/web-push/push-payload.js';
import { connectClient } from '../support/mqtt-clients.js';
import { testDataDir, testHubConfig } from '../support/test-hub.js';
import { startLocalPushService, type Answer, type LocalPushService, type PushRequest, type TestBrowser } from '../notify/local-push-service.js';

/**
 * Issue 10, "Fault injection": the push endpoint failing in every way, through a whole hub — a door
 * opening at night over real MQTT, the rules, the escalation ladder, the Web Push channel — to the
 * local HTTPS push service of the Web Push tests, told to answer badly.
 *
 * test/notify/push-sender.test.ts already drives the sender alone through each answer (404, 410, 429
 * as seconds and as a date, 5xx, a time-out, 403, 413, too large) and delivery-policy.test.ts the pure
 * decisions. What neither shows is what the household sees: here, 404 and 410 remove exactly those
 * subscriptions while the member is still reached on another device; a 429 is waited for, then
 * delivered; a member whose every device answers 500 or never answers is retried, and then the
 * urgent alert moves up the ladder to the next tier at once (issue 7, item 4) instead of waiting out
 * `ackWithin`; homeward_push_total counts every answer by outcome; the hub logs no error and goes on
 * taking readings. Waits between retries advance the manual clock; only the time-out is a real (short)
 * socket timer, since it is the socket that times out.
 */
const T0 = Date.UTC(2026, 0, 15, 2, 0, 0); // Thursday, 02:00 in London: inside the night window
const everyDay: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const PUSH_TIMEOUT_MS = 200;

const household: Household = {
  home: { name: 'Mum’s house', timezone: 'Europe/London', lat: 51.5072, lon: -0.1276 },
  person: { name: 'Margaret' },
  devices: [
    { id: 'front-door', name: 'Front door', kind: 'door', source: 'native', exit: true },
    { id: 'back-door', name: 'Back door', kind: 'door', source: 'native', exit: true },
  ],
  rules: { night: { start: '22:00', end: '07:00' }, doorOpenTooLong: '10m' },
  escalation: { ackWithin: '5m', repeatEvery: '2m' },
};

let service: LocalPushService;
let hub: Hub;
let clock: ManualClock;
let dataDir: string;
let mqttPort: number;
const errors: string[] = [];
const waits: number[] = [];
const id = { olive: 0, anna: 0, carl: 0, ben: 0 };
const device = {} as Record<'annasPhone' | 'annasTablet' | 'annasLaptop' | 'carlsPhone' | 'bensPhone', TestBrowser>;
/** How each device's push service answers now; 201 unless told otherwise. */
const answers = new Map<string, (request: PushRequest) => Answer>();
/** Each request as the push service answered it, with the hub's clock at the time. */
const answered: Array<{ browser: string | undefined; at: number; outcome: string }> = [];

const outcomeOf = (answer: Answer): string => {
  if (answer === 'no-answer') return 'timeout';
  if (answer.status === 404 || answer.status === 410) return 'gone';
  if (answer.status === 429) return 'rate-limited';
  if (answer.status >= 500) return 'server-error';
  return answer.status < 300 ? 'delivered' : 'rejected';
};

beforeAll(async () => {
  service = await startLocalPushService();
  service.answer((request) => {
    const answer = (answers.get(request.browser ?? '') ?? (() => ({ status: 201 })))(request);
    answered.push({ browser: request.browser, at: clock.now(), outcome: outcomeOf(answer) });
    return answer;
  });
  dataDir = testDataDir();
  clock = createManualClock(T0);
  const config = testHubConfig(dataDir, 'warn');
  config.push = { allowPrivateEndpoints: true, contact: 'mailto:olive@example.org' };
  // Every line at error level or worse is kept: a failing push service is the hub's everyday weather, not its error.
  const log = pino({ level: 'warn' }, { write: (line: string) => void ((JSON.parse(line) as { level: number }).level >= 50 && errors.push(line)) });
  hub = await createHub({
    config,
    log,
    clock,
    webPush: {
      transport: { agent: service.agent, timeoutMs: PUSH_TIMEOUT_MS },
      wait: async (ms) => {
        waits.push(ms);
        clock.advance(ms);
      },
    },
    clockSync: async () => true,
  });
  hub.household.import(household);
  const create = async (name: string, role: 'owner' | 'family' | 'carer') =>
    (await hub.home.accounts.create({ email: `${name.toLowerCase()}@example.org`, role, password: 'kettle on the windowsill 7', name })).id;
  id.olive = await create('Olive', 'owner');
  id.anna = await create('Anna', 'family');
  id.carl = await create('Carl', 'carer');
  id.ben = await create('Ben', 'family');
  for (const userId of Object.values(id)) hub.api.circle.routes.preferences.replace(userId, { digest: { enabled: false } } as never);
  // Anna and Carl answer first every night; Ben is next.
  for (const [userId, tier] of [[id.anna, 1], [id.carl, 1], [id.ben, 2]] as const) {
    hub.api.circle.routes.rota.addShift(id.olive, { userId, days: everyDay, start: '00:00', end: '00:00', tier });
  }
  const devices: Array<[keyof typeof device, number, string]> = [
    ['annasPhone', id.anna, 'Anna’s old phone'],
    ['annasTablet', id.anna, 'Anna’s tablet'],
    ['annasLaptop', id.anna, 'Anna’s laptop'],
    ['carlsPhone', id.carl, 'Carl’s phone'],
    ['bensPhone', id.ben, 'Ben’s phone'],
  ];
  for (const [name, userId, label] of devices) {
    device[name] = service.browser();
    hub.api.circle.push.subscribe(userId, device[name].subscription, label);
  }
  ({ mqttPort } = await hub.start());
});

afterAll(async () => {
  await hub?.stop();
  await service?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A door opening at night, published by the door itself over MQTT; resolves with the alert it raised. */
async function doorOpens(deviceId: 'front-door' | 'back-door'): Promise<string> {
  const { username, password } = hub.credentials.reveal(deviceId)!;
  const door: MqttClient = await connectClient(`mqtt://127.0.0.1:${mqttPort}`, { username, password, clientId: deviceId });
  await door.publishAsync(`homeward/devices/${deviceId}/door`, '{"open":true}', { qos: 1 });
  await door.endAsync();
  let alertId: string | undefined;
  await until(() => (alertId = hub.store.alerts.open().find((row) => row.type === 'night-exit' && row.deviceId === deviceId)?.id) !== undefined);
  return alertId!;
}

const requestsTo = (browser: TestBrowser, from = 0) => answered.slice(from).filter((row) => row.browser === browser.id);
const pushTotal = (outcome: string) => Number(new RegExp(`^homeward_push_total\\{outcome="${outcome}"\\} (\\d+)$`, 'm').exec(hub.metrics.render())?.[1] ?? 0);
const payloadsTo = (browser: TestBrowser) =>
  service.requests.filter((request) => request.browser === browser.id && request.plaintext !== undefined).map((request) => JSON.parse((request.plaintext as Buffer).toString('utf8')) as PushPayload);
const subscribedEndpoints = (userId: number) => hub.api.circle.push.forUsers([userId]).map((row) => row.endpoint);

describe('the push endpoint failing in every way, through the whole hub (issue 10)', () => {
  it('404 and 410 remove those subscriptions; a 429 is waited for, then delivered; the ladder stays on its first step', async () => {
    answers.set(device.annasPhone.id, () => ({ status: 404 }));
    answers.set(device.annasTablet.id, () => ({ status: 410 }));
    let laptopAsked = 0;
    answers.set(device.annasLaptop.id, () => (laptopAsked++ === 0 ? { status: 429, headers: { 'retry-after': '7' } } : { status: 201 }));

    const alertId = await doorOpens('front-door');
    await until(() => hub.api.care.timeline.forAlert(alertId).some((row) => row.kind === 'notified' && row.userId === id.anna));

    // Gone: exactly those two, each asked once; Anna keeps her laptop, and has the alert on it.
    expect(requestsTo(device.annasPhone).map((row) => row.outcome)).toEqual(['gone']);
    expect(requestsTo(device.annasTablet).map((row) => row.outcome)).toEqual(['gone']);
    expect(subscribedEndpoints(id.anna)).toEqual([device.annasLaptop.subscription.endpoint]);
    // Rate-limited: asked again only once the 7 s it asked for had passed.
    const laptop = requestsTo(device.annasLaptop);
    expect(laptop.map((row) => row.outcome)).toEqual(['rate-limited', 'delivered']);
    expect(waits).toContain(7000);
    expect(laptop[1]!.at - laptop[0]!.at).toBeGreaterThanOrEqual(7000);
    expect(payloadsTo(device.annasLaptop).at(-1)).toMatchObject({ kind: 'alert', severity: 'urgent', tag: `alert:${alertId}` });

    // Reached in tier 1, so nobody further up is woken.
    await until(() => hub.api.care.timeline.forAlert(alertId).filter((row) => row.kind === 'notified').length === 2);
    const told = hub.api.care.timeline.forAlert(alertId).filter((row) => row.kind === 'notified');
    expect(told.map((row) => row.userId).sort()).toEqual([id.anna, id.carl].sort());
    expect(told.find((row) => row.userId === id.anna)?.details.outcomes).toMatchObject([{ channel: 'web-push', status: 'delivered' }]);
    expect(requestsTo(device.bensPhone)).toEqual([]);

    // The night is over for this one: resolved, and those told hear so.
    hub.api.care.actions.resolve(alertId, { userId: id.olive }, 'Margaret was only putting the bins out');
    await until(() => payloadsTo(device.carlsPhone).length === 2);
    await hub.escalation.idle();
  });

  it('500 every time and a push service that never answers: each retried, then the alert moves up to the next tier at once', async () => {
    answers.clear();
    answers.set(device.annasLaptop.id, () => ({ status: 500 }));
    answers.set(device.carlsPhone.id, () => 'no-answer');
    const waitsBefore = waits.length;
    const answeredBefore = answered.length;
    const raisedAt = clock.now();

    const alertId = await doorOpens('back-door');
    // Ben, in tier 2, is told — well before the 5 minutes tier 1 would otherwise have had.
    await until(() => payloadsTo(device.bensPhone).some((payload) => payload.tag === `alert:${alertId}`));
    expect(clock.now() - raisedAt).toBeLessThan(5 * 60_000);

    // Each device of tier 1 was tried four times (the first and three retries), with backoff between.
    expect(requestsTo(device.annasLaptop, answeredBefore).map((row) => row.outcome)).toEqual(['server-error', 'server-error', 'server-error', 'server-error']);
    expect(requestsTo(device.carlsPhone, answeredBefore).map((row) => row.outcome)).toEqual(['timeout', 'timeout', 'timeout', 'timeout']);
    expect(waits.slice(waitsBefore).sort((a, b) => a - b)).toEqual([1000, 1000, 4000, 4000, 15_000, 15_000]);
    // A failing push service is not a gone subscription: both are kept.
    expect(subscribedEndpoints(id.anna)).toEqual([device.annasLaptop.subscription.endpoint]);
    expect(subscribedEndpoints(id.carl)).toEqual([device.carlsPhone.subscription.endpoint]);

    // The timeline says who was tried, that it failed, and why the alert moved up.
    await until(() => hub.api.care.timeline.forAlert(alertId).some((row) => row.kind === 'notified' && row.userId === id.ben));
    const timeline = hub.api.care.timeline.forAlert(alertId);
    for (const userId of [id.anna, id.carl]) {
      const step0 = timeline.find((row) => row.kind === 'notified' && row.userId === userId && row.details.step === 0);
      expect(step0?.details.outcomes).toMatchObject([{ channel: 'web-push', status: 'failed', retryable: true }]);
    }
    expect(timeline.find((row) => row.kind === 'escalated')?.details).toMatchObject({ step: 1, reason: 'undelivered', recipients: [id.ben] });
  });

  it('homeward_push_total counts every answer by its outcome; nothing was logged as an error; the hub goes on', async () => {
    const tally = (outcome: string) => answered.filter((row) => row.outcome === outcome).length;
    await until(() => ['delivered', 'gone', 'rate-limited', 'server-error', 'timeout'].every((outcome) => pushTotal(outcome) === tally(outcome)));
    expect({ gone: pushTotal('gone'), rateLimited: pushTotal('rate-limited'), serverError: pushTotal('server-error'), timeout: pushTotal('timeout') }).toEqual({
      gone: 2,
      rateLimited: 1,
      serverError: 4,
      timeout: 4,
    });
    expect(pushTotal('delivered')).toBeGreaterThanOrEqual(3);
    expect(errors).toEqual([]);

    // Still taking readings and answering.
    const { username, password } = hub.credentials.reveal('front-door')!;
    const door = await connectClient(`mqtt://127.0.0.1:${mqttPort}`, { username, password, clientId: 'front-door' });
    await door.publishAsync('homeward/devices/front-door/door', '{"open":false}', { qos: 1 });
    await door.endAsync();
    expect((await hub.http.inject({ method: 'GET', url: '/api/health' })).statusCode).toBe(200);
  });
});

/** Waits (polling, bounded) until `check` holds: pushes are answered some turns after they are sent. */
async function until(check: () => boolean): Promise<void> {
  await vi.waitFor(() => expect(check()).toBe(true), { timeout: 15_000, interval: 5 });
}
