import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPushSubscriptionService, type PushSubscriptionService } from '../../src/circle/push-subscription-service.js';
import { createManualClock, type ManualClock } from '../../src/core/clock.js';
import { createMetricsRegistry, type MetricsRegistry } from '../../src/core/metrics.js';
import type { NotificationMessage, Recipient } from '../../src/notify/channel.js';
import { actionTokenKeyPath, createActionTokens } from '../../src/notify/web-push/action-tokens.js';
import { defaultDeliveryPolicy } from '../../src/notify/web-push/delivery-policy.js';
import { pushPayload, type PushPayload } from '../../src/notify/web-push/push-payload.js';
import { createPushSender, type PushSender } from '../../src/notify/web-push/push-sender.js';
import { loadOrCreateVapidKeys, vapidKeyPath, type VapidKeys } from '../../src/notify/web-push/vapid-keys.js';
import { createVapidSigner, type VapidSigner } from '../../src/notify/web-push/vapid-token.js';
import { recordingLogger } from '../support/recording-logger.js';
import { useTempStore } from '../store/temp-store.js';
import { startLocalPushService, type LocalPushService, type PushRequest, type TestBrowser } from './local-push-service.js';

/**
 * The Web Push channel against a real HTTPS push service on 127.0.0.1 (issue 7, "Tests"): each
 * message is decrypted with http_ece using the subscribing browser's private key and matches the
 * payload byte for byte; the VAPID JWT is verified (signature, audience, expiry within 24 h,
 * subject); TTL and Urgency come from the message and no Topic is sent. Then every failure path:
 * 404 and 410, 429 with Retry-After, 5xx, a push service that never answers, and each outcome in
 * homeward_push_total{outcome}. Waits between attempts advance the manual clock instead of sleeping;
 * only the time-out is a real (short) socket timer, since it is the socket that times out.
 */
const T0 = Date.UTC(2026, 0, 15, 2, 0, 0);
const SUBJECT = 'mailto:owner@example.org';

const nightExit: NotificationMessage = {
  kind: 'alert',
  about: { alertId: 'alert-1', incidentId: 'incident-1' },
  title: 'Front door opened at night',
  body: 'Open it to see what is happening, and say “I’m on it” if you are going.',
  severity: 'urgent',
  urgency: 'high',
  ttlSeconds: 900,
  url: '/incidents/incident-1',
  acknowledgeable: true,
};

const digest: NotificationMessage = {
  kind: 'digest',
  about: { digest: '2026-01-15' },
  title: 'Margaret’s day',
  body: 'Up 07:10 · 3 of 3 doses on time · no night exits',
  severity: 'notice',
  urgency: 'low',
  ttlSeconds: 86_400,
  url: '/digest/2026-01-15',
  acknowledgeable: false,
};

let service: LocalPushService;
beforeAll(async () => {
  service = await startLocalPushService();
});
afterAll(async () => {
  await service.close();
});

const temp = useTempStore();
let dataDir: string;
let clock: ManualClock;
let metrics: MetricsRegistry;
let subscriptions: PushSubscriptionService;
let keys: VapidKeys;
let signer: VapidSigner;
let sender: PushSender;
let waits: number[];
let warnings: string[];
let anna: Recipient;
let ben: Recipient;

function build(options: { timeoutMs?: number; realWaits?: boolean; off?: boolean } = {}): PushSender {
  const tokens = createActionTokens({ keyFile: actionTokenKeyPath(dataDir), used: temp.store.usedActionTokens, transaction: temp.store.transaction, clock });
  return createPushSender({
    subscriptions,
    signer: options.off ? undefined : signer,
    off: options.off ? 'set HOMEWARD_PUBLIC_URL' : undefined,
    tokens,
    pushTotal: metrics.counter('homeward_push_total', 'Web Push requests, by outcome'),
    clock,
    log: recordingLogger((level, msg) => level === 'warn' && warnings.push(msg ?? '')),
    transport: { agent: service.agent, timeoutMs: options.timeoutMs ?? 5000 },
    ...(options.realWaits
      ? {}
      : {
          wait: async (ms: number) => {
            waits.push(ms);
            clock.advance(ms);
          },
        }),
  });
}

beforeEach(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'homeward-push-'));
  clock = createManualClock(T0);
  metrics = createMetricsRegistry();
  subscriptions = createPushSubscriptionService({ subscriptions: temp.store.pushSubscriptions, audit: temp.store.audit, clock, transaction: temp.store.transaction, allowInternalEndpoints: true });
  keys = loadOrCreateVapidKeys(vapidKeyPath(dataDir));
  signer = createVapidSigner({ keys, subject: SUBJECT, clock });
  waits = [];
  warnings = [];
  const user = (name: string) => temp.store.users.insert({ email: `${name.toLowerCase()}@example.org`, name, role: 'family', passwordHash: 'x', createdAt: T0 });
  anna = { userId: user('Anna'), name: 'Anna' };
  ben = { userId: user('Ben'), name: 'Ben' };
  service.answer(() => ({ status: 201 }));
  service.requests.length = 0;
  sender = build();
});

afterEach(() => {
  sender.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function subscribe(recipient: Recipient): TestBrowser {
  const browser = service.browser();
  subscriptions.subscribe(recipient.userId, browser.subscription, 'test browser');
  return browser;
}

const counted = (outcome: string) => new RegExp(`^homeward_push_total\\{outcome="${outcome}"\\} (\\d+)$`, 'm').exec(metrics.render())?.[1];
const payloadOf = (request: PushRequest) => JSON.parse((request.plaintext as Buffer).toString('utf8')) as PushPayload;

describe('Web Push delivery to a local push service', () => {
  it('delivers to each of a member’s devices: decrypted with the browser’s key, the plaintext matches byte for byte', async () => {
    const phone = subscribe(anna);
    const laptop = subscribe(anna);
    subscribe(ben);

    expect(await sender.send(anna, nightExit)).toEqual({ status: 'delivered' });
    const requests = await service.waitForRequests(2);

    expect(requests.map((request) => request.browser).sort()).toEqual([phone.id, laptop.id].sort());
    const [first, second] = requests as [PushRequest, PushRequest];
    expect(first.decryptError).toBeUndefined();
    const payload = payloadOf(first);
    expect(payload).toMatchObject({ v: 1, kind: 'alert', title: nightExit.title, body: nightExit.body, url: '/incidents/incident-1', tag: 'alert:alert-1', severity: 'urgent' });
    expect(payload.acknowledge?.alertId).toBe('alert-1');
    // Byte for byte: what the hub meant to send, with the action token it carried, is what the browser reads.
    const expected = pushPayload(nightExit, payload.acknowledge?.token);
    expect(first.plaintext?.equals(expected)).toBe(true);
    expect(second.plaintext?.equals(expected)).toBe(true);
    expect(first.body.equals(second.body)).toBe(false);
    // The member's outcome came with the first device to accept; the other is recorded as it answers.
    await until(() => counted('delivered') === '2');
    expect(subscriptions.forUsers([anna.userId]).map((row) => row.lastSuccessAt)).toEqual([T0, T0]);
  });

  it('sends TTL and Urgency from the message, aes128gcm, and never a Topic', async () => {
    subscribe(anna);
    await sender.send(anna, nightExit);
    await sender.send(anna, digest);
    const [alarm, daily] = await service.waitForRequests(2);
    expect(alarm?.headers).toMatchObject({ ttl: '900', urgency: 'high', 'content-encoding': 'aes128gcm', 'content-type': 'application/octet-stream' });
    expect(daily?.headers).toMatchObject({ ttl: '86400', urgency: 'low' });
    expect(alarm?.headers.topic).toBeUndefined();
    expect(daily?.headers.topic).toBeUndefined();
    // The digest offers no "I'm on it".
    expect(payloadOf(daily as PushRequest)).toEqual({ v: 1, kind: 'digest', title: digest.title, body: digest.body, url: digest.url, tag: 'digest:2026-01-15', severity: 'notice' });
  });

  it('signs with the hub’s VAPID key: the push service verifies audience, expiry within 24 h and subject', async () => {
    subscribe(anna);
    await sender.send(anna, nightExit);
    const [request] = await service.waitForRequests(1);
    const vapid = request?.vapid;
    expect(vapid).toBeDefined();
    expect(vapid?.signatureValid).toBe(true);
    expect(vapid?.header).toEqual({ typ: 'JWT', alg: 'ES256' });
    expect(vapid?.key).toBe(keys.publicKey);
    expect(vapid?.claims.aud).toBe(service.origin);
    expect(vapid?.claims.sub).toBe(SUBJECT);
    const exp = vapid?.claims.exp as number;
    expect(exp).toBeGreaterThan(clock.now() / 1000);
    expect(exp - clock.now() / 1000).toBeLessThanOrEqual(24 * 3600);
  });

  it('signs one JWT per push service and reuses it until it nears expiry (DESIGN.md, "Pitfalls")', async () => {
    subscribe(anna);
    for (let i = 0; i < 3; i++) await sender.send(anna, nightExit);
    let requests = await service.waitForRequests(3);
    expect(signer.signed()).toBe(1);
    expect(new Set(requests.map((request) => request.headers.authorization)).size).toBe(1);

    clock.advance(11.5 * 3600_000);
    await sender.send(anna, nightExit);
    requests = await service.waitForRequests(4);
    expect(signer.signed()).toBe(2);
    const renewed = requests[3]?.vapid;
    expect(renewed?.signatureValid).toBe(true);
    expect((renewed?.claims.exp as number) - clock.now() / 1000).toBeGreaterThan(3600);
  });

  it('answers no-route for a member with no device, and says why when Web Push is off, sending nothing', async () => {
    expect(await sender.send(anna, nightExit)).toEqual({ status: 'no-route' });
    subscribe(anna);
    const off = build({ off: true });
    expect(await off.send(anna, nightExit)).toEqual({ status: 'failed', reason: 'Web Push is off: set HOMEWARD_PUBLIC_URL', retryable: false });
    expect(service.requests).toEqual([]);
  });

  it.each([404, 410])('deletes exactly the subscription whose push service answers %i, without retrying', async (status) => {
    const gone = subscribe(anna);
    const kept = subscribe(anna);
    const bens = subscribe(ben);
    service.answer((request) => (request.browser === gone.id ? { status } : { status: 201 }));

    expect(await sender.send(anna, nightExit)).toEqual({ status: 'delivered' });
    await service.waitForRequests(2);
    await until(() => counted('gone') === '1');

    expect(subscriptions.forUsers([anna.userId]).map((row) => row.endpoint)).toEqual([kept.subscription.endpoint]);
    expect(subscriptions.forUsers([ben.userId]).map((row) => row.endpoint)).toEqual([bens.subscription.endpoint]);
    expect(service.requests.filter((request) => request.browser === gone.id)).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('when every device is gone, says so (not retryable): the member must allow notifications again', async () => {
    subscribe(anna);
    service.answer(() => ({ status: 410 }));
    const outcome = await sender.send(anna, nightExit);
    expect(outcome).toMatchObject({ status: 'failed', retryable: false });
    expect(outcome.status === 'failed' && outcome.reason).toMatch(/404\/410.*Anna must allow notifications again/);
    expect(subscriptions.forUsers([anna.userId])).toEqual([]);
  });

  it('honours Retry-After on 429, then delivers; other messages to that push service wait too', async () => {
    subscribe(anna);
    service.answer((_request, n) => (n === 0 ? { status: 429, headers: { 'retry-after': '7' } } : { status: 201 }));
    expect(await sender.send(anna, nightExit)).toEqual({ status: 'delivered' });
    expect(waits).toEqual([7000]);
    expect(service.requests).toHaveLength(2);
    expect(counted('rate-limited')).toBe('1');

    // A 429 given as an HTTP date; a second message sent meanwhile waits for the same moment.
    waits.length = 0;
    const later = new Date(clock.now() + 30_000).toUTCString();
    service.answer((_request, n) => (n === 0 ? { status: 429, headers: { 'retry-after': later } } : { status: 201 }));
    expect(await sender.send(anna, nightExit)).toEqual({ status: 'delivered' });
    expect(waits).toEqual([30_000]);
  });

  it('gives up on a 429 asking for longer than the message may wait (retryable), trying no more', async () => {
    subscribe(anna);
    service.answer(() => ({ status: 429, headers: { 'retry-after': '120' } }));
    const outcome = await sender.send(anna, nightExit);
    expect(outcome).toMatchObject({ status: 'failed', retryable: true });
    expect(outcome.status === 'failed' && outcome.reason).toContain('rate-limiting (429) and asked for 120 s');
    expect(service.requests).toHaveLength(1);
    expect(waits).toEqual([]);
    // Held: the next message to that push service is not even tried before the time it asked for.
    expect(await sender.send(anna, nightExit)).toMatchObject({ status: 'failed', retryable: true });
    expect(service.requests).toHaveLength(1);
    expect(subscriptions.forUsers([anna.userId])[0]?.failures).toBe(2);
  });

  it('retries 5xx with backoff and delivers', async () => {
    subscribe(anna);
    service.answer((_request, n) => (n === 0 ? { status: 503 } : n === 1 ? { status: 500 } : { status: 201 }));
    expect(await sender.send(anna, nightExit)).toEqual({ status: 'delivered' });
    expect(waits).toEqual(defaultDeliveryPolicy.backoffMs.slice(0, 2));
    expect(counted('server-error')).toBe('2');
    expect(counted('delivered')).toBe('1');
    expect(subscriptions.forUsers([anna.userId])[0]).toMatchObject({ failures: 0, lastSuccessAt: clock.now() });
  });

  it('bounds the retries: a push service that keeps failing is given up on (retryable), the failure recorded', async () => {
    subscribe(anna);
    service.answer(() => ({ status: 502 }));
    const outcome = await sender.send(anna, nightExit);
    expect(outcome).toEqual({ status: 'failed', reason: 'the push service answered 502, 4 times', retryable: true });
    expect(service.requests).toHaveLength(defaultDeliveryPolicy.maxAttempts);
    expect(waits).toEqual([1000, 4000, 15_000]);
    expect(counted('server-error')).toBe('4');
    expect(subscriptions.forUsers([anna.userId])[0]).toMatchObject({ failures: 1, lastFailureAt: clock.now() });
    expect(warnings).toContain('push not delivered to a device');
  });

  it('retries a push service that never answers, after its time-out', async () => {
    sender = build({ timeoutMs: 150 });
    subscribe(anna);
    service.answer((_request, n) => (n === 0 ? 'no-answer' : { status: 201 }));
    expect(await sender.send(anna, nightExit)).toEqual({ status: 'delivered' });
    expect(counted('timeout')).toBe('1');
    expect(waits).toEqual([1000]);
  });

  it('gives up at once on 403 (the signature refused: the clock?) and on 413', async () => {
    subscribe(anna);
    service.answer(() => ({ status: 403 }));
    const refused = await sender.send(anna, nightExit);
    expect(refused).toMatchObject({ status: 'failed', retryable: false });
    expect(refused.status === 'failed' && refused.reason).toContain("is the hub's clock right?");
    service.answer(() => ({ status: 413 }));
    expect(await sender.send(anna, nightExit)).toMatchObject({ status: 'failed', retryable: false });
    expect(service.requests).toHaveLength(2);
    expect(counted('rejected')).toBe('2');
    expect(waits).toEqual([]);
  });

  it('refuses a message too large to push with a clear reason, sending nothing', async () => {
    subscribe(anna);
    const huge = { ...nightExit, url: `/alerts/${'x'.repeat(4000)}` };
    const outcome = await sender.send(anna, huge);
    expect(outcome).toMatchObject({ status: 'failed', retryable: false });
    expect(outcome.status === 'failed' && outcome.reason).toMatch(/at most 3993 bytes/);
    expect(counted('unsendable')).toBe('1');
    expect(service.requests).toEqual([]);
  });

  it('on stop, ends the waits between retries at once: the delivery gives up', async () => {
    sender = build({ realWaits: true });
    subscribe(anna);
    service.answer(() => ({ status: 503 }));
    const outcome = sender.send(anna, nightExit);
    await service.waitForRequests(1);
    await until(() => counted('server-error') === '1');
    sender.stop();
    expect(await outcome).toMatchObject({ status: 'failed', retryable: true });
    expect(service.requests).toHaveLength(1);
  });
});

/** Waits (polling, bounded) until `check` holds: an answer is handled some turns after the request arrives. */
async function until(check: () => boolean): Promise<void> {
  await vi.waitFor(() => expect(check()).toBe(true), { timeout: 10_000, interval: 5 });
}
