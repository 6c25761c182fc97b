import { createECDH, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCircleHub, type CircleHub, type SignedIn } from '../circle/circle-hub.js';

/**
 * Web Push subscriptions (DESIGN.md: POST /api/push/subscriptions takes the browser's PushSubscription
 * JSON): checked as RFC 8291 needs them, upserted by endpoint, each member's own.
 */
let t: CircleHub;
let anna: SignedIn;
let ben: SignedIn;

beforeEach(async () => {
  t = await startCircleHub();
  anna = await t.join('Anna', 'family');
  ben = await t.join('Ben', 'carer');
});

afterEach(async () => {
  await t.stop();
});

/** What a browser's subscription.toJSON() gives: a real P-256 public key and a 16-byte secret. */
function browserSubscription(endpoint = `https://fcm.googleapis.com/fcm/send/${randomBytes(12).toString('base64url')}`) {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { endpoint, expirationTime: null, keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') } };
}

const UA = 'Mozilla/5.0 (Linux; Android 14) Chrome/126.0';
const subscribe = (who: SignedIn, body: unknown) => t.as(who, 'POST', '/api/push/subscriptions', body, { 'user-agent': UA });

describe('POST /api/push/subscriptions', () => {
  it('stores a browser’s subscription (201) and shows it without its keys or endpoint', async () => {
    const subscription = browserSubscription();
    const response = await subscribe(anna, subscription);
    expect(response.statusCode, response.body).toBe(201);
    const created = response.json() as { id: number };
    expect(created).toEqual({ id: expect.any(Number), label: UA, service: 'fcm.googleapis.com', createdAt: '2026-01-05T09:00:00.000Z', lastSuccessAt: null, lastFailureAt: null, failures: 0 });
    const list = await t.as(anna, 'GET', '/api/push/subscriptions');
    expect(list.json()).toEqual({ subscriptions: [created] });
    for (const secret of [subscription.endpoint, subscription.keys.p256dh, subscription.keys.auth]) expect(list.body).not.toContain(secret);
    expect(t.hub.api.circle.push.forUsers([anna.id])).toEqual([expect.objectContaining({ id: created.id, endpoint: subscription.endpoint, ...subscription.keys })]);
    expect(t.auditActions()).toContain('push.subscribed');
  });

  it('upserts by endpoint: the same browser again is 200 and one row; a shared tablet moves to whoever subscribes now', async () => {
    const subscription = browserSubscription();
    const first = (await subscribe(anna, subscription)).json() as { id: number };
    const again = await subscribe(anna, subscription);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ id: first.id });
    expect(t.hub.store.pushSubscriptions.forUser(anna.id)).toHaveLength(1);

    const renewedKeys = { ...browserSubscription(subscription.endpoint), label: 'Kitchen tablet' };
    const moved = await subscribe(ben, renewedKeys);
    expect(moved.statusCode).toBe(200);
    expect(moved.json()).toMatchObject({ id: first.id, label: 'Kitchen tablet' });
    expect((await t.as(anna, 'GET', '/api/push/subscriptions')).json()).toEqual({ subscriptions: [] });
    expect((await t.as(ben, 'GET', '/api/push/subscriptions')).json().subscriptions).toHaveLength(1);
    expect(t.hub.store.pushSubscriptions.byEndpoint(subscription.endpoint)).toMatchObject({ userId: ben.id, p256dh: renewedKeys.keys.p256dh });
    expect(t.hub.store.audit.recent(10).find((entry) => entry.action === 'push.subscription-moved')).toMatchObject({ userId: ben.id, details: { fromUserId: anna.id } });
  });

  it('refuses each kind of bad subscription with its own code, and stores nothing', async () => {
    const good = browserSubscription();
    const key = (bytes: Buffer) => bytes.toString('base64url');
    const offCurve = Buffer.concat([Buffer.from([0x04]), Buffer.alloc(64, 1)]);
    const compressed = Buffer.concat([Buffer.from([0x02]), randomBytes(64)]);
    for (const [body, code] of [
      [{ ...good, endpoint: 'http://push.example.net/abc' }, 'endpoint_not_https'],
      [{ ...good, endpoint: 'not a url' }, 'endpoint_invalid'],
      [{ ...good, endpoint: 'https://user:secret@push.example.net/abc' }, 'endpoint_invalid'],
      [{ ...good, endpoint: `https://push.example.net/${'a'.repeat(2048)}` }, 'endpoint_too_long'],
      [{ ...good, keys: { ...good.keys, p256dh: key(randomBytes(64)) } }, 'p256dh_invalid'],
      [{ ...good, keys: { ...good.keys, p256dh: key(compressed) } }, 'p256dh_invalid'],
      [{ ...good, keys: { ...good.keys, p256dh: key(offCurve) } }, 'p256dh_invalid'],
      [{ ...good, keys: { ...good.keys, p256dh: 'not/base64url+' } }, 'p256dh_invalid'],
      [{ ...good, keys: { ...good.keys, auth: key(randomBytes(15)) } }, 'auth_invalid'],
      [{ ...good, keys: { ...good.keys, auth: key(randomBytes(32)) } }, 'auth_invalid'],
      [{ ...good, expirationTime: Date.UTC(2026, 0, 1) }, 'subscription_expired'],
      [{ endpoint: good.endpoint, expirationTime: null }, 'invalid_request'],
      [{ ...good, keys: { p256dh: good.keys.p256dh } }, 'invalid_request'],
      [{ ...good, userId: ben.id }, 'invalid_request'],
      [{ ...good, endpoint: 'x'.repeat(5000) }, 'invalid_request'],
    ] as const) {
      const response = await subscribe(anna, body);
      expect(response.statusCode, code).toBe(400);
      expect(response.json(), code).toMatchObject({ error: code, detail: expect.any(String) });
    }
    expect(t.hub.store.pushSubscriptions.forUser(anna.id)).toEqual([]);
    expect(t.auditActions()).not.toContain('push.subscribed');
    // Padded base64url and a future expiry are what some browsers send: accepted.
    const padded = { ...good, keys: { ...good.keys, auth: `${good.keys.auth}==` }, expirationTime: Date.UTC(2026, 5, 1) };
    expect((await subscribe(anna, padded)).statusCode).toBe(201);
  });

  it('is open to every role, with a cookie or an API token', async () => {
    for (const role of ['owner', 'installer', 'viewer'] as const) {
      const member = await t.join(role, role);
      expect((await subscribe(member, browserSubscription())).statusCode, role).toBe(201);
    }
    const token = t.hub.home.apiTokens.issue(anna.id, 'script').token;
    const viaToken = await t.hub.http.inject({ method: 'POST', url: '/api/push/subscriptions', payload: browserSubscription(), headers: { authorization: `Bearer ${token}` } });
    expect(viaToken.statusCode).toBe(201);
    expect(viaToken.json().label).toBe('lightMyRequest'); // inject()'s User-Agent
  });

  it('keeps at most 20 per member', async () => {
    for (let i = 0; i < 20; i++) expect((await subscribe(anna, browserSubscription())).statusCode).toBe(201);
    const one = await subscribe(anna, browserSubscription());
    expect(one.statusCode).toBe(409);
    expect(one.json()).toMatchObject({ error: 'too_many_subscriptions' });
    expect(t.hub.store.pushSubscriptions.countFor(anna.id)).toBe(20);
  });
});

describe('DELETE /api/push/subscriptions/:id', () => {
  it('removes one’s own; someone else’s is 404 and stays', async () => {
    const annas = (await subscribe(anna, browserSubscription())).json() as { id: number };
    const bens = (await subscribe(ben, browserSubscription())).json() as { id: number };
    const notHers = await t.as(anna, 'DELETE', `/api/push/subscriptions/${bens.id}`);
    expect(notHers.statusCode).toBe(404);
    expect(notHers.json()).toMatchObject({ error: 'subscription_not_found' });
    expect(t.hub.store.pushSubscriptions.byId(bens.id)).toBeDefined();
    expect((await t.as(anna, 'DELETE', `/api/push/subscriptions/${annas.id}`)).statusCode).toBe(204);
    expect(t.hub.store.pushSubscriptions.byId(annas.id)).toBeUndefined();
    expect((await t.as(anna, 'DELETE', `/api/push/subscriptions/${annas.id}`)).statusCode).toBe(404);
    expect(t.auditActions()).toContain('push.unsubscribed');
  });
});

describe('for the sender (issue 7)', () => {
  it('records deliveries, finds subscriptions by member, and forgets an endpoint the push service says is gone', async () => {
    const subscription = browserSubscription();
    const { id } = (await subscribe(anna, subscription)).json() as { id: number };
    await subscribe(ben, browserSubscription());
    const push = t.hub.api.circle.push;
    push.recordFailure(id);
    t.clock.advance(60_000);
    push.recordFailure(id);
    expect((await t.as(anna, 'GET', '/api/push/subscriptions')).json().subscriptions[0]).toMatchObject({ failures: 2, lastFailureAt: '2026-01-05T09:01:00.000Z', lastSuccessAt: null });
    push.recordSuccess(id);
    expect((await t.as(anna, 'GET', '/api/push/subscriptions')).json().subscriptions[0]).toMatchObject({ failures: 0, lastSuccessAt: '2026-01-05T09:01:00.000Z' });
    expect(push.forUsers([anna.id, ben.id]).map((row) => row.userId)).toEqual([anna.id, ben.id]);
    expect(push.removeEndpoint(subscription.endpoint)).toBe(true);
    expect(push.forUsers([anna.id])).toEqual([]);
  });
});
