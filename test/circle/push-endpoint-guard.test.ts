import { createECDH, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { isInternalHost } from '../../src/circle/push-endpoint-guard.js';
import { GOOD_PASSWORD, startAccountsHub, type AccountsHub } from '../accounts/accounts-hub.js';

/** A member cannot make the hub send requests into the home's network by registering a push endpoint there. */
describe('push endpoint guard', () => {
  it.each([
    ['127.0.0.1', true],
    ['10.1.2.3', true],
    ['172.20.0.5', true],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['100.101.102.103', true],
    ['0.0.0.0', true],
    ['[::1]', true],
    ['[fd12:3456::1]', true],
    ['[fe80::1]', true],
    ['[::ffff:192.168.1.1]', true],
    ['localhost', true],
    ['router', true],
    ['nas.local', true],
    ['printer.home.arpa', true],
    ['fcm.googleapis.com', false],
    ['updates.push.services.mozilla.com', false],
    ['web.push.apple.com', false],
    ['8.8.8.8', false],
    ['[2001:4860:4860::8888]', false],
    ['172.32.0.1', false],
  ])('%s internal: %s', (host, internal) => {
    expect(isInternalHost(host)).toBe(internal);
  });

  let t: AccountsHub | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('refuses a subscription whose endpoint is inside a network (unless configured), and stores nothing', async () => {
    t = await startAccountsHub({ config: (config) => delete config.push });
    const viewer = await t.addUser('viewer@example.org', 'viewer');
    const { cookie, csrfToken } = await t.signIn(viewer.email, GOOD_PASSWORD);
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const keys = { p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') };
    const subscribe = (endpoint: string) =>
      t!.hub.http.inject({ method: 'POST', url: '/api/push/subscriptions', headers: { cookie, 'x-csrf-token': csrfToken }, payload: { endpoint, expirationTime: null, keys } });
    const refused = await subscribe('https://192.168.1.1/cgi-bin/reboot');
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ error: 'endpoint_not_public' });
    expect(t.hub.store.pushSubscriptions.forUser(viewer.id)).toEqual([]);
    expect((await subscribe(`https://fcm.googleapis.com/fcm/send/${randomBytes(12).toString('base64url')}`)).statusCode).toBe(201);
  });
});
