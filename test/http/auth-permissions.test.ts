import { afterEach, describe, expect, it } from 'vitest';
import { roles } from '../../src/accounts/roles.js';
import { permissions, roleMay } from '../../src/http/permissions.js';
import { CONTENT_SECURITY_POLICY, contentSecurityPolicy } from '../../src/http/security-headers.js';
import { GOOD_PASSWORD, startAccountsHub, type AccountsHub } from '../accounts/accounts-hub.js';

/** The permission table, deny by default, and the headers every answer carries (issue 5, items 5 and 6). */
let t: AccountsHub | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

describe('permission table', () => {
  it('follows DESIGN.md: only the owner manages people; a viewer changes nothing; an installer sees no location, notes or medication', () => {
    for (const [permission, allowed] of Object.entries(permissions)) {
      expect(allowed.length, permission).toBeGreaterThan(0);
      for (const role of allowed) expect(roles).toContain(role);
    }
    expect(permissions['people.manage']).toEqual(['owner']);
    for (const permission of ['household.write', 'devices.manage', 'alerts.act', 'care-log.write', 'medication.write', 'people.manage'] as const) {
      expect(roleMay('viewer', permission), permission).toBe(false);
    }
    for (const permission of ['positions.read', 'care-log.read', 'medication.read', 'household.read'] as const) {
      expect(roleMay('installer', permission), permission).toBe(false);
    }
    expect(roleMay('installer', 'devices.manage')).toBe(true);
    for (const role of roles) expect(roleMay(role, 'me.read')).toBe(true);
  });

  it('refuses every request to a route that declares neither a permission nor public, even the owner’s', async () => {
    t = await startAccountsHub();
    await t.addUser('owner@example.org', 'owner');
    t.hub.http.get('/api/forgotten', async () => ({ margaretsAddress: '1 Acacia Avenue' }));
    t.hub.http.post('/api/forgotten', async () => ({ done: true }));
    const { cookie, csrfToken } = await t.signIn('owner@example.org', GOOD_PASSWORD);
    const asOwner = await t.hub.http.inject({ method: 'GET', url: '/api/forgotten', headers: { cookie } });
    expect(asOwner.statusCode).toBe(403);
    expect(asOwner.body).not.toContain('Acacia');
    expect((await t.hub.http.inject({ method: 'GET', url: '/api/forgotten' })).statusCode).toBe(403);
    expect((await t.hub.http.inject({ method: 'POST', url: '/api/forgotten', headers: { cookie, 'x-csrf-token': csrfToken } })).statusCode).toBe(403);
    expect(t.logs.some((line) => line.msg.includes('declares neither a permission nor public') && line.url === '/api/forgotten')).toBe(true);
  });

  it('refuses, at start, a route that names a permission the table does not have', async () => {
    t = await startAccountsHub();
    expect(() => t!.hub.http.get('/api/typo', { config: { permission: 'alerts.raed' as never } }, async () => ({}))).toThrow(/unknown permission "alerts.raed"/);
  });

  it('refuses a role the permission does not name (403) — checked here with a route of a later slice', async () => {
    t = await startAccountsHub();
    t.hub.http.get('/api/people-test', { config: { permission: 'people.manage' } }, async () => ({ ok: true }));
    for (const role of roles) await t.addUser(`${role}@example.org`, role);
    for (const role of roles) {
      const { cookie } = await t.signIn(`${role}@example.org`, GOOD_PASSWORD);
      const response = await t.hub.http.inject({ method: 'GET', url: '/api/people-test', headers: { cookie } });
      expect(response.statusCode, role).toBe(role === 'owner' ? 200 : 403);
    }
  });

  it('every documented /api route is either public by name or protected (the OpenAPI document says which)', async () => {
    t = await startAccountsHub();
    const doc = (await t.hub.http.inject({ method: 'GET', url: '/api/docs' })).json() as { paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>> };
    const open: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        if (operation.security === undefined) open.push(`${method.toUpperCase()} ${path}`);
        else expect(Object.keys(operation.responses), `${method} ${path}`).toEqual(expect.arrayContaining(['401', '403']));
      }
    }
    expect(open.sort()).toEqual([
      'GET /api/health',
      'GET /api/invitations/{token}',
      'GET /api/setup',
      'GET /ingest/osmand',
      'GET /metrics',
      'POST /api/auth/login',
      'POST /api/invitations/accept',
      'POST /api/push/actions/acknowledge',
      'POST /api/setup',
      'POST /ingest/osmand',
      'POST /ingest/owntracks',
    ]);
  });

  it('leaves health, metrics, docs and device ingest open (devices authenticate themselves)', async () => {
    t = await startAccountsHub();
    await t.hub.start(); // the broker's client gauge needs a started broker
    expect((await t.hub.http.inject({ method: 'GET', url: '/api/health' })).statusCode).toBe(200);
    expect((await t.hub.http.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    expect((await t.hub.http.inject({ method: 'GET', url: '/api/docs' })).statusCode).toBe(200);
    const ingest = await t.hub.http.inject({ method: 'POST', url: '/ingest/owntracks', payload: { _type: 'location' } });
    // Refused by the device check, not by the dashboard's: no session would ever do here.
    expect(ingest.statusCode).toBe(401);
    expect(ingest.headers['www-authenticate']).toMatch(/^Basic/);
  });
});

describe('security headers', () => {
  const expectHardened = (headers: Record<string, unknown>, what: string) => {
    expect(headers['x-content-type-options'], what).toBe('nosniff');
    expect(headers['referrer-policy'], what).toBe('no-referrer');
    expect(headers['x-frame-options'], what).toBe('DENY');
    // The default map tiles are OpenStreetMap's: their origin, and no other, may serve images.
    expect(headers['content-security-policy'], what).toBe(contentSecurityPolicy(['https://tile.openstreetmap.org']));
  };

  it('are on every answer: success, 401, 403, 404, validation errors, metrics and ingest', async () => {
    t = await startAccountsHub();
    await t.hub.start();
    await t.addUser('anna@example.org', 'family');
    const answers = {
      health: await t.hub.http.inject({ method: 'GET', url: '/api/health' }),
      login: await t.hub.http.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'anna@example.org', password: GOOD_PASSWORD } }),
      unauthenticated: await t.hub.http.inject({ method: 'GET', url: '/api/me' }),
      forbidden: await t.hub.http.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie: (await t.signIn('anna@example.org', GOOD_PASSWORD)).cookie } }),
      invalid: await t.hub.http.inject({ method: 'POST', url: '/api/auth/login', payload: { nonsense: true } }),
      notFound: await t.hub.http.inject({ method: 'GET', url: '/api/nothing-here' }),
      metrics: await t.hub.http.inject({ method: 'GET', url: '/metrics' }),
      ingest: await t.hub.http.inject({ method: 'GET', url: '/ingest/osmand?id=nobody&lat=1&lon=1' }),
    };
    expect(answers.unauthenticated.statusCode).toBe(401);
    expect(answers.forbidden.statusCode).toBe(403);
    expect(answers.invalid.statusCode).toBe(400);
    expect(answers.notFound.statusCode).toBe(404);
    for (const [what, response] of Object.entries(answers)) {
      expectHardened(response.headers, what);
      expect(response.headers['strict-transport-security'], what).toBeUndefined();
    }
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-inline');
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-eval');
  });

  it('send HSTS only over HTTPS: via a trusted proxy’s X-Forwarded-Proto, not a forged one', async () => {
    t = await startAccountsHub({ config: (c) => (c.http.trustedProxies = ['10.0.0.2']) });
    const viaProxy = await t.hub.http.inject({ method: 'GET', url: '/api/health', remoteAddress: '10.0.0.2', headers: { 'x-forwarded-proto': 'https' } });
    expect(viaProxy.headers['strict-transport-security']).toBe('max-age=31536000');
    const forged = await t.hub.http.inject({ method: 'GET', url: '/api/health', remoteAddress: '203.0.113.7', headers: { 'x-forwarded-proto': 'https' } });
    expect(forged.headers['strict-transport-security']).toBeUndefined();
  });
});

describe('the dashboard page', () => {
  it('allows images from the configured tile server only, and from none when tiles are off', async () => {
    const withTiles = await startAccountsHub({ config: (config) => (config.map = { tiles: 'https://{s}.tiles.example.net/{z}/{x}/{y}.png', attribution: 'Example' }) });
    const withoutTiles = await startAccountsHub({ config: (config) => (config.map = { tiles: '', attribution: '' }) });
    try {
      const page = await withTiles.hub.http.inject({ method: 'GET', url: '/incidents/abc' });
      expect(page.headers['content-security-policy']).toContain("img-src 'self' data: https://*.tiles.example.net;");
      const bare = await withoutTiles.hub.http.inject({ method: 'GET', url: '/' });
      expect(bare.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
      expect(CONTENT_SECURITY_POLICY).toContain("img-src 'self' data:;");
    } finally {
      await withTiles.stop();
      await withoutTiles.stop();
    }
  });
});
