import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { GOOD_PASSWORD, startAccountsHub, type AccountsHub } from '../accounts/accounts-hub.js';

/** API tokens over HTTP (DESIGN.md, "HTTP": listed, revocable, Bearer, no CSRF; issue 5, item 3). */
let t: AccountsHub | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('API tokens over HTTP', () => {
  it('are made by a signed-in person, shown once, listed without the secret, used as Bearer, and revoked', async () => {
    t = await startAccountsHub();
    await t.addUser('anna@example.org', 'carer');
    const { cookie, csrfToken } = await t.signIn('anna@example.org', GOOD_PASSWORD);
    const made = await t.hub.http.inject({ method: 'POST', url: '/api/me/tokens', headers: { cookie, 'x-csrf-token': csrfToken }, payload: { name: 'Node-RED' } });
    expect(made.statusCode).toBe(201);
    const { id, token, name } = made.json() as { id: number; token: string; name: string };
    expect(token).toMatch(/^hwt_[A-Za-z0-9_-]{43}$/);
    expect(name).toBe('Node-RED');

    const asScript = await t.hub.http.inject({ method: 'GET', url: '/api/me', headers: bearer(token) });
    expect(asScript.json()).toMatchObject({ email: 'anna@example.org', role: 'carer' });

    t.clock.advance(5000);
    const listed = await t.hub.http.inject({ method: 'GET', url: '/api/me/tokens', headers: bearer(token) });
    expect(listed.json()).toEqual({ tokens: [{ id, name: 'Node-RED', createdAt: expect.any(String), lastUsedAt: expect.any(String), revokedAt: null }] });
    expect(listed.body).not.toContain(token.slice(4));

    const revoked = await t.hub.http.inject({ method: 'DELETE', url: `/api/me/tokens/${id}`, headers: bearer(token) });
    expect(revoked.statusCode).toBe(204);
    const after = await t.hub.http.inject({ method: 'GET', url: '/api/me', headers: bearer(token) });
    expect(after.statusCode).toBe(401);
    expect(after.headers['www-authenticate']).toBe('Bearer realm="homeward"');
    const stillListed = await t.hub.http.inject({ method: 'GET', url: '/api/me/tokens', headers: { cookie } });
    expect((stillListed.json() as { tokens: Array<{ revokedAt: string | null }> }).tokens[0]?.revokedAt).toBe(new Date(t.clock.now()).toISOString());
  });

  it('are kept hashed: the token appears in neither the database nor its WAL', async () => {
    t = await startAccountsHub();
    await t.addUser('anna@example.org', 'carer');
    const { cookie, csrfToken } = await t.signIn('anna@example.org', GOOD_PASSWORD);
    const made = await t.hub.http.inject({ method: 'POST', url: '/api/me/tokens', headers: { cookie, 'x-csrf-token': csrfToken }, payload: { name: 'script' } });
    const { token } = made.json() as { token: string };
    const session = cookie.split('=')[1] as string;
    for (const file of [t.hub.home.file, `${t.hub.home.file}-wal`]) {
      if (!existsSync(file)) continue;
      const bytes = readFileSync(file);
      expect(bytes.includes(Buffer.from(token)), file).toBe(false);
      expect(bytes.includes(Buffer.from(token.slice(4))), file).toBe(false);
      expect(bytes.includes(Buffer.from(session)), file).toBe(false);
    }
    t.hub.store.db.pragma('wal_checkpoint(TRUNCATE)');
    expect(readFileSync(t.hub.home.file).includes(Buffer.from(token.slice(4)))).toBe(false);
  });

  it('cannot mint further tokens (a leaked token is contained by revoking it), nor revoke another person’s', async () => {
    t = await startAccountsHub();
    const anna = await t.addUser('anna@example.org', 'carer');
    const ben = await t.addUser('ben@example.org', 'family');
    const { token } = t.hub.home.apiTokens.issue(anna.id, 'script');
    const bens = t.hub.home.apiTokens.issue(ben.id, 'script');
    const mint = await t.hub.http.inject({ method: 'POST', url: '/api/me/tokens', headers: bearer(token), payload: { name: 'another' } });
    expect(mint.statusCode).toBe(403);
    expect(mint.json()).toEqual({ error: 'session_required' });
    const steal = await t.hub.http.inject({ method: 'DELETE', url: `/api/me/tokens/${bens.apiToken.id}`, headers: bearer(token) });
    expect(steal.statusCode).toBe(404);
    expect((await t.hub.http.inject({ method: 'GET', url: '/api/me', headers: bearer(bens.token) })).statusCode).toBe(200);
  });

  it('refuses anything that is not a live token: 401, never a fall-back to the cookie', async () => {
    t = await startAccountsHub();
    await t.addUser('anna@example.org', 'carer');
    const { cookie } = await t.signIn('anna@example.org', GOOD_PASSWORD);
    for (const authorization of ['Bearer', 'Bearer ', 'Bearer hwt_madeup', 'Basic YW5uYTpwYXNzd29yZA==', `Bearer ${cookie.split('=')[1]}`]) {
      const response = await t.hub.http.inject({ method: 'GET', url: '/api/me', headers: { authorization, cookie } });
      expect(response.statusCode, authorization).toBe(401);
    }
  });

  it('a disabled person’s token stops working', async () => {
    t = await startAccountsHub();
    await t.addUser('owner@example.org', 'owner');
    const anna = await t.addUser('anna@example.org', 'carer');
    const { token } = t.hub.home.apiTokens.issue(anna.id, 'script');
    t.hub.home.accounts.disable(anna.id);
    expect((await t.hub.http.inject({ method: 'GET', url: '/api/me', headers: bearer(token) })).statusCode).toBe(401);
  });
});
