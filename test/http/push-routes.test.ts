import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isHomewardError } from '../../src/core/errors.js';
import { createHub } from '../../src/hub.js';
import { vapidKeyPath } from '../../src/notify/web-push/vapid-keys.js';
import { startAccountsHub, type AccountsHub } from '../accounts/accounts-hub.js';
import { testDataDir, testHubConfig } from '../support/test-hub.js';

/**
 * Web Push's HTTP side (issue 7; DESIGN.md, "HTTP"): the VAPID public key, "I'm on it" by action
 * token (its refusals; acknowledging for real is in test/notify/web-push-hub.test.ts), the service
 * worker, and the VAPID subject checked at start.
 */
describe('push routes', () => {
  let t: AccountsHub;
  let session: { cookie: string; csrfToken: string };

  beforeAll(async () => {
    t = await startAccountsHub({ config: (config) => (config.publicUrl = 'https://mum.example.org') });
    const anna = await t.addUser('anna@example.org', 'family');
    session = await t.signIn(anna.email, anna.password);
  });
  afterAll(async () => {
    await t.stop();
  });

  it('GET /api/push/vapid-public-key gives a member the key to subscribe with (and needs a sign-in)', async () => {
    expect((await t.hub.http.inject({ method: 'GET', url: '/api/push/vapid-public-key' })).statusCode).toBe(401);
    const response = await t.hub.http.inject({ method: 'GET', url: '/api/push/vapid-public-key', headers: { cookie: session.cookie } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ publicKey: t.hub.webPush.publicKey, sending: true });
    expect(Buffer.from(t.hub.webPush.publicKey, 'base64url')).toHaveLength(65);
    // Generated at first start and kept in the data directory.
    expect(JSON.parse(readFileSync(vapidKeyPath(t.dataDir), 'utf8'))).toMatchObject({ publicKey: t.hub.webPush.publicKey });
  });

  it.each([
    ['garbage', { token: 'not-a-token' }, 403, 'action_token_invalid'],
    ['a well-formed token this hub never signed', { token: `v1.${Buffer.from('{"n":"x","a":"a1","u":1,"e":99999999999999}').toString('base64url')}.${'A'.repeat(43)}` }, 403, 'action_token_invalid'],
    ['no token', {}, 400, 'invalid_request'],
    ['an empty token', { token: '' }, 400, 'invalid_request'],
    ['an overlong token', { token: 'x'.repeat(1001) }, 400, 'invalid_request'],
    ['another field', { token: 'x', alertId: 'a1' }, 400, 'invalid_request'],
  ])('POST /api/push/actions/acknowledge refuses %s, changing nothing', async (_what, payload, status, error) => {
    const response = await t.hub.http.inject({ method: 'POST', url: '/api/push/actions/acknowledge', payload });
    expect(response.statusCode).toBe(status);
    expect(response.json()).toMatchObject({ error });
    expect(t.hub.store.db.prepare('SELECT COUNT(*) AS n FROM used_action_tokens').get()).toEqual({ n: 0 });
  });

  it('POST /api/push/actions/acknowledge is refused when another site’s page sends it', async () => {
    const response = await t.hub.http.inject({ method: 'POST', url: '/api/push/actions/acknowledge', payload: { token: 'x' }, headers: { 'sec-fetch-site': 'cross-site' } });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({ error: 'cross_site_request' });
  });

  it('serves the service worker at the root, for the whole dashboard, never cached stale', async () => {
    const response = await t.hub.http.inject({ method: 'GET', url: '/service-worker.js' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(response.headers['service-worker-allowed']).toBe('/');
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(response.body).toBe(readFileSync(path.join(import.meta.dirname, '../../dashboard/public/service-worker.js'), 'utf8'));
  });

  it('documents the two API routes in the OpenAPI document (not the service worker)', async () => {
    const doc = (await t.hub.http.inject({ method: 'GET', url: '/api/docs' })).json() as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/push/vapid-public-key', '/api/push/actions/acknowledge']));
    expect(doc.paths['/service-worker.js']).toBeUndefined();
  });
});

describe('the VAPID subject at start', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  async function hubWith(publicUrl: string | undefined, contact?: string) {
    const dataDir = testDataDir();
    dirs.push(dataDir);
    const config = testHubConfig(dataDir, 'silent');
    if (publicUrl !== undefined) config.publicUrl = publicUrl;
    return createHub({ config, log: pino({ level: 'silent' }), ...(contact === undefined ? {} : { webPush: { contact } }) });
  }

  it('refuses https://localhost with a clear message: Safari would reject every notification', async () => {
    let refused: unknown;
    try {
      await hubWith('https://localhost:8443');
    } catch (error) {
      refused = error;
    }
    expect(isHomewardError(refused, 'HW_CONFIG_INVALID')).toBe(true);
    expect((refused as Error).message).toContain('Safari and iPhones reject https://localhost');
  });

  it('starts with a mailto: contact even when the public URL is https://localhost', async () => {
    const hub = await hubWith('https://localhost:8443', 'mailto:owner@example.org');
    expect(hub.webPush.off).toBeUndefined();
    await hub.stop();
  });

  it('runs with Web Push off, saying how to turn it on, when there is no https public URL', async () => {
    const hub = await hubWith(undefined);
    const user = await hub.home.accounts.create({ email: 'anna@example.org', role: 'family', password: 'kettle on the windowsill 7' });
    const token = hub.home.apiTokens.issue(user.id, 'test').token;
    const response = await hub.http.inject({ method: 'GET', url: '/api/push/vapid-public-key', headers: { authorization: `Bearer ${token}` } });
    expect(response.json()).toEqual({ publicKey: hub.webPush.publicKey, sending: false, detail: expect.stringContaining('set HOMEWARD_PUBLIC_URL') });
    await hub.stop();
  });

  it('keeps the same VAPID key across restarts, so every subscription keeps working', async () => {
    const dataDir = testDataDir();
    dirs.push(dataDir);
    const config = testHubConfig(dataDir, 'silent');
    const first = await createHub({ config, log: pino({ level: 'silent' }) });
    const key = first.webPush.publicKey;
    await first.stop();
    const second = await createHub({ config, log: pino({ level: 'silent' }) });
    expect(second.webPush.publicKey).toBe(key);
    await second.stop();
  });
});
