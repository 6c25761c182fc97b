import { afterEach, describe, expect, it } from 'vitest';
import { GOOD_PASSWORD, startAccountsHub, type AccountsHub } from '../accounts/accounts-hub.js';

/** POST /api/auth/login (DESIGN.md, "HTTP"; issue 5, items 3 and 4), through the real fastify stack. */
let t: AccountsHub | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const login = (hub: AccountsHub, payload: unknown, options: { remoteAddress?: string; headers?: Record<string, string> } = {}) =>
  hub.hub.http.inject({ method: 'POST', url: '/api/auth/login', payload: payload as object, remoteAddress: options.remoteAddress ?? '203.0.113.7', headers: options.headers ?? {} });

/** Headers that differ between any two answers (the clock, the length of a different body). */
function comparableHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  const { date: _date, ...rest } = headers;
  return rest;
}

describe('POST /api/auth/login', () => {
  it('signs in: sets an HttpOnly, SameSite=Strict session cookie on / and answers {user, csrfToken}', async () => {
    t = await startAccountsHub();
    const anna = await t.addUser('anna@example.org', 'carer');
    const response = await login(t, { email: 'Anna@Example.org', password: GOOD_PASSWORD });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ user: { id: anna.id, email: 'anna@example.org', name: 'anna', role: 'carer' }, csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    const cookie = String(response.headers['set-cookie']);
    expect(cookie).toMatch(/^homeward_session=[A-Za-z0-9_-]{43}; /);
    const attributes = cookie.split('; ').slice(1);
    expect(attributes).toEqual(expect.arrayContaining(['Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${90 * 86_400}`]));
    // Served over plain HTTP with no https public URL: a Secure cookie would never come back.
    expect(attributes).not.toContain('Secure');
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('marks the cookie Secure when the public URL is https', async () => {
    t = await startAccountsHub({ config: (c) => (c.publicUrl = 'https://mums-house.example.net') });
    await t.addUser('anna@example.org', 'carer');
    const { setCookie } = await t.signIn('anna@example.org', GOOD_PASSWORD);
    expect(setCookie.split('; ')).toContain('Secure');
  });

  it('marks the cookie Secure behind a trusted proxy that says https, and not when an untrusted client says so', async () => {
    t = await startAccountsHub({ config: (c) => (c.http.trustedProxies = ['10.0.0.2']) });
    await t.addUser('anna@example.org', 'carer');
    const viaProxy = await login(t, { email: 'anna@example.org', password: GOOD_PASSWORD }, { remoteAddress: '10.0.0.2', headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '198.51.100.20' } });
    expect(String(viaProxy.headers['set-cookie']).split('; ')).toContain('Secure');
    const forged = await login(t, { email: 'anna@example.org', password: GOOD_PASSWORD }, { remoteAddress: '203.0.113.66', headers: { 'x-forwarded-proto': 'https' } });
    expect(forged.statusCode).toBe(200);
    expect(String(forged.headers['set-cookie']).split('; ')).not.toContain('Secure');
  });

  it('answers an unknown email, a wrong password and a disabled account identically: 401 invalid_credentials', async () => {
    t = await startAccountsHub();
    await t.addUser('owner@example.org', 'owner');
    const anna = await t.addUser('anna@example.org', 'carer');
    const gone = await t.addUser('gone@example.org', 'family');
    t.hub.home.accounts.disable(gone.id);
    const unknown = await login(t, { email: 'nobody@example.org', password: 'some guess or other' }, { remoteAddress: '203.0.113.1' });
    const wrong = await login(t, { email: anna.email, password: 'some guess or other' }, { remoteAddress: '203.0.113.2' });
    const disabled = await login(t, { email: gone.email, password: GOOD_PASSWORD }, { remoteAddress: '203.0.113.3' });
    for (const response of [unknown, wrong, disabled]) {
      expect(response.statusCode).toBe(401);
      expect(response.body).toBe('{"error":"invalid_credentials"}');
      expect(response.headers['set-cookie']).toBeUndefined();
    }
    expect(comparableHeaders(unknown.headers)).toEqual(comparableHeaders(wrong.headers));
    expect(comparableHeaders(disabled.headers)).toEqual(comparableHeaders(wrong.headers));
  });

  it('takes about as long for an unknown email as for a wrong password', async () => {
    t = await startAccountsHub();
    await t.addUser('anna@example.org', 'carer');
    const time = async (email: string, i: number) => {
      const start = process.hrtime.bigint();
      await login(t!, { email, password: 'some guess or other' }, { remoteAddress: `198.51.100.${i}` });
      return Number(process.hrtime.bigint() - start) / 1e6;
    };
    const unknown: number[] = [];
    const wrong: number[] = [];
    for (let i = 0; i < 4; i++) {
      unknown.push(await time(`nobody${i}@example.org`, 2 * i));
      wrong.push(await time('anna@example.org', 2 * i + 1));
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[2] as number;
    expect(median(unknown) / median(wrong)).toBeGreaterThan(0.6);
    expect(median(unknown) / median(wrong)).toBeLessThan(1.6);
  });

  it('logs each failure once, with address and reason, and never the password', async () => {
    t = await startAccountsHub();
    await t.addUser('anna@example.org', 'carer');
    await login(t, { email: 'anna@example.org', password: 'my-secret-guess-1' });
    await login(t, { email: 'nobody@example.org', password: 'my-secret-guess-2' });
    // Typed into the email box by mistake: not logged as an email either.
    await login(t, { email: 'my-secret-guess-3', password: 'x' });
    const refusals = t.logs.filter((line) => line.msg === 'log-in refused');
    expect(refusals).toHaveLength(3);
    expect(refusals.map((line) => [line.email, line.reason, line.address, line.level])).toEqual([
      ['anna@example.org', 'wrong_password', '203.0.113.7', 40],
      ['nobody@example.org', 'unknown_user', '203.0.113.7', 40],
      ['(not an email address)', 'unknown_user', '203.0.113.7', 40],
    ]);
    expect(JSON.stringify(t.logs)).not.toMatch(/my-secret-guess/);
  });

  it('slows down guesses at one account from many addresses: five free, then 429 with Retry-After, doubling', async () => {
    t = await startAccountsHub();
    await t.addUser('anna@example.org', 'carer');
    for (let i = 0; i < 5; i++) expect((await login(t, { email: 'anna@example.org', password: 'wrong guess here' }, { remoteAddress: `198.51.100.${i}` })).statusCode).toBe(401);
    const throttled = await login(t, { email: 'anna@example.org', password: GOOD_PASSWORD }, { remoteAddress: '198.51.100.99' });
    expect(throttled.statusCode).toBe(429);
    expect(throttled.headers['retry-after']).toBe('1');
    expect(throttled.json()).toEqual({ error: 'too_many_attempts', retryAfterS: 1 });
    t.clock.advance(1000);
    expect((await login(t, { email: 'anna@example.org', password: 'wrong guess here' }, { remoteAddress: '198.51.100.98' })).statusCode).toBe(401);
    expect((await login(t, { email: 'anna@example.org', password: GOOD_PASSWORD }, { remoteAddress: '198.51.100.97' })).headers['retry-after']).toBe('2');
    t.clock.advance(2000);
    // The right password, once the wait is over, signs in and clears the account's count.
    expect((await login(t, { email: 'anna@example.org', password: GOOD_PASSWORD }, { remoteAddress: '198.51.100.96' })).statusCode).toBe(200);
    expect((await login(t, { email: 'anna@example.org', password: 'wrong guess here' }, { remoteAddress: '198.51.100.95' })).statusCode).toBe(401);
  });

  it('slows down one address trying many accounts, known or not, with the same 429', async () => {
    t = await startAccountsHub();
    await t.addUser('anna@example.org', 'carer');
    for (let i = 0; i < 5; i++) await login(t, { email: `guess${i}@example.org`, password: 'wrong guess here' });
    const known = await login(t, { email: 'anna@example.org', password: GOOD_PASSWORD });
    const unknown = await login(t, { email: 'nobody@example.org', password: GOOD_PASSWORD });
    expect(known.statusCode).toBe(429);
    expect(unknown.statusCode).toBe(429);
    expect(known.body).toBe(unknown.body);
    // Another address is not held up.
    expect((await login(t, { email: 'anna@example.org', password: GOOD_PASSWORD }, { remoteAddress: '198.51.100.1' })).statusCode).toBe(200);
  });

  it('believes X-Forwarded-For only from a configured proxy', async () => {
    t = await startAccountsHub({ config: (c) => (c.http.trustedProxies = ['10.0.0.2']) });
    // Through the proxy: each client is its own address, so six clients failing once each are not throttled.
    for (let i = 0; i < 6; i++) {
      const response = await login(t, { email: `guess${i}@example.org`, password: 'wrong guess here' }, { remoteAddress: '10.0.0.2', headers: { 'x-forwarded-for': `198.51.100.${i}` } });
      expect(response.statusCode).toBe(401);
    }
    // From anywhere else the header is ignored: one address, however many addresses it claims.
    for (let i = 0; i < 5; i++) await login(t, { email: `other${i}@example.org`, password: 'wrong guess here' }, { remoteAddress: '203.0.113.50', headers: { 'x-forwarded-for': `192.0.2.${i}` } });
    const sixth = await login(t, { email: 'other9@example.org', password: 'wrong guess here' }, { remoteAddress: '203.0.113.50', headers: { 'x-forwarded-for': '192.0.2.200' } });
    expect(sixth.statusCode).toBe(429);
    const logged = t.logs.filter((line) => line.msg === 'log-in refused').map((line) => line.address);
    expect(logged.slice(0, 6)).toEqual(['198.51.100.0', '198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4', '198.51.100.5']);
    expect(new Set(logged.slice(6))).toEqual(new Set(['203.0.113.50']));
  });

  it('refuses malformed bodies with 400 and cross-site log-in attempts with 403 (log-in CSRF)', async () => {
    t = await startAccountsHub();
    await t.addUser('anna@example.org', 'carer');
    for (const payload of [{}, { email: 'anna@example.org' }, { email: 'anna@example.org', password: GOOD_PASSWORD, role: 'owner' }, { email: '', password: 'x' }]) {
      expect((await login(t, payload)).statusCode, JSON.stringify(payload)).toBe(400);
    }
    const crossSite = await login(t, { email: 'anna@example.org', password: GOOD_PASSWORD }, { headers: { 'sec-fetch-site': 'cross-site' } });
    expect(crossSite.statusCode).toBe(403);
    expect(crossSite.json()).toEqual({ error: 'cross_site_request' });
    const sameOrigin = await login(t, { email: 'anna@example.org', password: GOOD_PASSWORD }, { headers: { 'sec-fetch-site': 'same-origin' } });
    expect(sameOrigin.statusCode).toBe(200);
  });
});
