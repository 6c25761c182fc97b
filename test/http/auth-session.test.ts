import { afterEach, describe, expect, it } from 'vitest';
import { roles } from '../../src/accounts/roles.js';
import { DAY, GOOD_PASSWORD, startAccountsHub, type AccountsHub } from '../accounts/accounts-hub.js';

/** Sessions over HTTP: who am I, expiry, revocation and CSRF (issue 5, item 3). */
let t: AccountsHub | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const me = (hub: AccountsHub, cookie?: string) => hub.hub.http.inject({ method: 'GET', url: '/api/me', headers: cookie === undefined ? {} : { cookie } });
const post = (hub: AccountsHub, url: string, headers: Record<string, string>) => hub.hub.http.inject({ method: 'POST', url, headers });

describe('GET /api/me', () => {
  it('answers {id,email,name,role} for each role, by session cookie and by API token', async () => {
    t = await startAccountsHub();
    for (const role of roles) {
      const user = await t.addUser(`${role}@example.org`, role);
      const { cookie } = await t.signIn(user.email, GOOD_PASSWORD);
      const bySession = await me(t, cookie);
      expect(bySession.statusCode, role).toBe(200);
      expect(bySession.json()).toEqual({ id: user.id, email: `${role}@example.org`, name: role, role });
      const { token } = t.hub.home.apiTokens.issue(user.id, 'test');
      const byToken = await t.hub.http.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${token}` } });
      expect(byToken.json(), role).toEqual(bySession.json());
    }
  });

  it('answers 401 without credentials; a cookie naming no live session is cleared', async () => {
    t = await startAccountsHub();
    const none = await me(t);
    expect(none.statusCode).toBe(401);
    expect(none.json()).toEqual({ error: 'unauthenticated' });
    expect(none.headers['set-cookie']).toBeUndefined();
    const stale = await me(t, 'homeward_session=made-up-or-expired');
    expect(stale.statusCode).toBe(401);
    expect(String(stale.headers['set-cookie'])).toMatch(/^homeward_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict/);
  });
});

describe('session expiry (manual clock)', () => {
  it('a session unused for 14 days has ended; one used every 13 days lives on', async () => {
    t = await startAccountsHub();
    await t.addUser('anna@example.org', 'family');
    const idle = await t.signIn('anna@example.org', GOOD_PASSWORD);
    const busy = await t.signIn('anna@example.org', GOOD_PASSWORD);
    t.clock.advance(13 * DAY);
    expect((await me(t, busy.cookie)).statusCode).toBe(200);
    t.clock.advance(DAY);
    expect((await me(t, idle.cookie)).statusCode).toBe(401);
    expect((await me(t, busy.cookie)).statusCode).toBe(200);
  });

  it('a session ends 90 days after sign-in however often it is used', async () => {
    t = await startAccountsHub();
    await t.addUser('anna@example.org', 'family');
    const { cookie } = await t.signIn('anna@example.org', GOOD_PASSWORD);
    for (let day = 10; day < 90; day += 10) {
      t.clock.advance(10 * DAY);
      expect((await me(t, cookie)).statusCode, `day ${day}`).toBe(200);
    }
    t.clock.advance(10 * DAY - 1);
    expect((await me(t, cookie)).statusCode).toBe(200);
    t.clock.advance(1);
    expect((await me(t, cookie)).statusCode).toBe(401);
  });

  it('follows the configured lifetimes', async () => {
    t = await startAccountsHub({ config: (c) => (c.sessions = { idleMs: 15 * 60_000, absoluteMs: 8 * 3_600_000 }) });
    await t.addUser('anna@example.org', 'family');
    const { cookie, setCookie } = await t.signIn('anna@example.org', GOOD_PASSWORD);
    expect(setCookie).toContain(`Max-Age=${8 * 3600}`);
    t.clock.advance(15 * 60_000);
    expect((await me(t, cookie)).statusCode).toBe(401);
  });

  it('GET /api/auth/session gives a reloaded dashboard its CSRF token and the session’s end', async () => {
    t = await startAccountsHub();
    await t.addUser('anna@example.org', 'family');
    const { cookie, csrfToken } = await t.signIn('anna@example.org', GOOD_PASSWORD);
    const response = await t.hub.http.inject({ method: 'GET', url: '/api/auth/session', headers: { cookie } });
    expect(response.json()).toMatchObject({
      csrfToken,
      user: { email: 'anna@example.org' },
      idleExpiresAt: new Date(t.clock.now() + 14 * DAY).toISOString(),
      expiresAt: new Date(t.clock.now() + 90 * DAY).toISOString(),
    });
  });
});

describe('revocation', () => {
  it('log out ends this session only and clears its cookie', async () => {
    t = await startAccountsHub();
    await t.addUser('anna@example.org', 'family');
    const phone = await t.signIn('anna@example.org', GOOD_PASSWORD);
    const laptop = await t.signIn('anna@example.org', GOOD_PASSWORD);
    const response = await post(t, '/api/auth/logout', { cookie: phone.cookie, 'x-csrf-token': phone.csrfToken });
    expect(response.statusCode).toBe(204);
    expect(String(response.headers['set-cookie'])).toMatch(/^homeward_session=; .*Max-Age=0/);
    expect((await me(t, phone.cookie)).statusCode).toBe(401);
    expect((await me(t, laptop.cookie)).statusCode).toBe(200);
    expect(t.hub.store.audit.recent(1)[0]).toMatchObject({ action: 'session.ended' });
  });

  it('sign out everywhere ends every session of the person, and no one else’s', async () => {
    t = await startAccountsHub();
    await t.addUser('anna@example.org', 'family');
    await t.addUser('ben@example.org', 'carer');
    const phone = await t.signIn('anna@example.org', GOOD_PASSWORD);
    const laptop = await t.signIn('anna@example.org', GOOD_PASSWORD);
    const ben = await t.signIn('ben@example.org', GOOD_PASSWORD);
    const response = await post(t, '/api/auth/logout-everywhere', { cookie: laptop.cookie, 'x-csrf-token': laptop.csrfToken });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ sessionsEnded: 2 });
    expect(String(response.headers['set-cookie'])).toMatch(/Max-Age=0/);
    expect((await me(t, phone.cookie)).statusCode).toBe(401);
    expect((await me(t, laptop.cookie)).statusCode).toBe(401);
    expect((await me(t, ben.cookie)).statusCode).toBe(200);
  });

  it('a change of role ends the person’s sessions; their API token acts with the new role at once', async () => {
    t = await startAccountsHub();
    await t.addUser('owner@example.org', 'owner');
    const anna = await t.addUser('anna@example.org', 'family');
    const { cookie } = await t.signIn('anna@example.org', GOOD_PASSWORD);
    const { token } = t.hub.home.apiTokens.issue(anna.id, 'script');
    t.hub.home.accounts.changeRole(anna.id, 'viewer');
    expect((await me(t, cookie)).statusCode).toBe(401);
    const byToken = await t.hub.http.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${token}` } });
    expect(byToken.json()).toMatchObject({ role: 'viewer' });
    const again = await t.signIn('anna@example.org', GOOD_PASSWORD);
    expect((await me(t, again.cookie)).json()).toMatchObject({ role: 'viewer' });
  });
});

describe('CSRF', () => {
  it('a cookie-authenticated POST needs the session’s own x-csrf-token; GET does not', async () => {
    t = await startAccountsHub();
    await t.addUser('anna@example.org', 'family');
    const mine = await t.signIn('anna@example.org', GOOD_PASSWORD);
    const other = await t.signIn('anna@example.org', GOOD_PASSWORD);
    const attempts: Array<Record<string, string>> = [{}, { 'x-csrf-token': '' }, { 'x-csrf-token': 'guess' }, { 'x-csrf-token': other.csrfToken }, { 'x-csrf-token': mine.csrfToken.toUpperCase() }];
    for (const headers of attempts) {
      const response = await post(t, '/api/auth/logout', { cookie: mine.cookie, ...headers });
      expect(response.statusCode, JSON.stringify(headers)).toBe(403);
      expect(response.json()).toEqual({ error: 'csrf_token_invalid' });
    }
    expect((await me(t, mine.cookie)).statusCode).toBe(200);
    expect((await post(t, '/api/auth/logout', { cookie: mine.cookie, 'x-csrf-token': mine.csrfToken })).statusCode).toBe(204);
  });

  it('applies to every state-changing method (DELETE too)', async () => {
    t = await startAccountsHub();
    const anna = await t.addUser('anna@example.org', 'family');
    const { cookie, csrfToken } = await t.signIn('anna@example.org', GOOD_PASSWORD);
    const { apiToken } = t.hub.home.apiTokens.issue(anna.id, 'script');
    const without = await t.hub.http.inject({ method: 'DELETE', url: `/api/me/tokens/${apiToken.id}`, headers: { cookie } });
    expect(without.statusCode).toBe(403);
    const withToken = await t.hub.http.inject({ method: 'DELETE', url: `/api/me/tokens/${apiToken.id}`, headers: { cookie, 'x-csrf-token': csrfToken } });
    expect(withToken.statusCode).toBe(204);
  });

  it('a Bearer request needs no CSRF token', async () => {
    t = await startAccountsHub();
    const anna = await t.addUser('anna@example.org', 'family');
    await t.signIn('anna@example.org', GOOD_PASSWORD);
    const { token } = t.hub.home.apiTokens.issue(anna.id, 'script');
    const response = await post(t, '/api/auth/logout-everywhere', { authorization: `Bearer ${token}` });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ sessionsEnded: 1 });
    expect(response.headers['set-cookie']).toBeUndefined();
  });

  it('a cross-site state-changing request is refused before anything else', async () => {
    t = await startAccountsHub();
    await t.addUser('anna@example.org', 'family');
    const { cookie, csrfToken } = await t.signIn('anna@example.org', GOOD_PASSWORD);
    const response = await post(t, '/api/auth/logout', { cookie, 'x-csrf-token': csrfToken, 'sec-fetch-site': 'cross-site' });
    expect(response.statusCode).toBe(403);
    expect((await me(t, cookie)).statusCode).toBe(200);
  });
});
