import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { DAY, GOOD_PASSWORD, startAccountsHub, type AccountsHub } from '../accounts/accounts-hub.js';
import { testDataDir } from '../support/test-hub.js';

/** No default account: the one-time setup link (DESIGN.md, "Commands"; issue 5, item 1). */
let t: AccountsHub | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const owner = { email: 'olivia@example.org', name: 'Olivia', password: GOOD_PASSWORD };

function tokenOf(link: string | undefined): string {
  const token = link === undefined ? null : new URL(link).searchParams.get('token');
  if (token === null) throw new Error(`no token in ${link}`);
  return token;
}

const setup = (hub: AccountsHub, payload: object) => hub.hub.http.inject({ method: 'POST', url: '/api/setup', payload });

describe('setup link', () => {
  it('is printed at warn level at the first start, with no account able to sign in before it is used', async () => {
    t = await startAccountsHub();
    const { setupLink } = await t.hub.start();
    expect(setupLink).toMatch(/^http:\/\/127\.0\.0\.1:0\/setup\?token=[A-Za-z0-9_-]{43}$/);
    const warned = t.logs.find((line) => line.msg.includes('No owner yet'));
    expect(warned?.level).toBe(40);
    expect(warned?.msg).toContain(setupLink);
    expect(t.hub.store.users.all()).toEqual([]);
    expect((await t.hub.http.inject({ method: 'GET', url: '/api/setup' })).json()).toEqual({ needed: true });
    // No default account: the usual guesses get nowhere.
    const guesses: Array<[string, string]> = [['admin', 'admin'], ['admin@homeward', 'homeward'], ['owner@example.org', 'password']];
    for (const [email, password] of guesses) {
      expect((await t.hub.http.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password }, remoteAddress: `198.51.100.${email.length}` })).statusCode).toBe(401);
    }
  });

  it('uses the public URL when there is one', async () => {
    t = await startAccountsHub({ config: (c) => (c.publicUrl = 'https://mums-house.example.net/') });
    const { setupLink } = await t.hub.start();
    expect(setupLink).toMatch(/^https:\/\/mums-house\.example\.net\/setup\?token=/);
  });

  it('creates the owner, signs them in, and works once only', async () => {
    t = await startAccountsHub();
    const token = tokenOf((await t.hub.start()).setupLink);
    const created = await setup(t, { token, ...owner });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({ user: { id: expect.any(Number), email: 'olivia@example.org', name: 'Olivia', role: 'owner' }, csrfToken: expect.any(String) });
    const cookie = String(created.headers['set-cookie']).split(';')[0] as string;
    expect(String(created.headers['set-cookie'])).toContain('HttpOnly; SameSite=Strict');
    expect((await t.hub.http.inject({ method: 'GET', url: '/api/me', headers: { cookie } })).json()).toMatchObject({ role: 'owner' });

    const reuse = await setup(t, { token, ...owner, email: 'mallory@example.org' });
    expect(reuse.statusCode).toBe(403);
    expect(reuse.json()).toMatchObject({ error: 'setup_link_invalid' });
    expect(t.hub.store.users.all()).toHaveLength(1);
    expect((await t.hub.http.inject({ method: 'GET', url: '/api/setup' })).json()).toEqual({ needed: false });
    expect(t.hub.store.audit.recent(5).map((entry) => entry.action)).toEqual(expect.arrayContaining(['user.created', 'setup.completed']));
  });

  it('expires after 24 hours', async () => {
    t = await startAccountsHub();
    const token = tokenOf((await t.hub.start()).setupLink);
    t.clock.advance(DAY);
    const late = await setup(t, { token, ...owner });
    expect(late.statusCode).toBe(403);
    expect(t.hub.store.users.all()).toEqual([]);
  });

  it('a weak password is refused with 400 and the link still works; a made-up token gets 403', async () => {
    t = await startAccountsHub();
    const token = tokenOf((await t.hub.start()).setupLink);
    const weak = await setup(t, { token, ...owner, password: 'letmein12345' });
    expect(weak.statusCode).toBe(400);
    expect(weak.json()).toMatchObject({ error: 'weak_password', detail: expect.stringContaining('commonly used') });
    expect((await setup(t, { token: 'x'.repeat(43), ...owner })).statusCode).toBe(403);
    expect((await setup(t, { token, ...owner })).statusCode).toBe(201);
  });

  it('a restart with no owner yet prints a new link and withdraws the old; with an owner, prints none', async () => {
    const dataDir = testDataDir();
    t = await startAccountsHub({ dataDir });
    const first = tokenOf((await t.hub.start()).setupLink);
    await t.stop();
    t = await startAccountsHub({ dataDir });
    const second = tokenOf((await t.hub.start()).setupLink);
    expect(second).not.toBe(first);
    expect((await setup(t, { token: first, ...owner })).statusCode).toBe(403);
    expect((await setup(t, { token: second, ...owner })).statusCode).toBe(201);
    await t.stop();
    t = await startAccountsHub({ dataDir });
    expect((await t.hub.start()).setupLink).toBeUndefined();
    expect(t.logs.some((line) => line.msg.includes('No owner yet'))).toBe(false);
    await t.stop();
    t = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('slows down an address guessing setup links', async () => {
    t = await startAccountsHub();
    await t.hub.start();
    for (let i = 0; i < 5; i++) expect((await setup(t, { token: `guess-${i}`, ...owner })).statusCode).toBe(403);
    const sixth = await setup(t, { token: 'guess-6', ...owner });
    expect(sixth.statusCode).toBe(429);
    expect(sixth.headers['retry-after']).toBe('1');
  });
});
