import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GOOD_PASSWORD } from '../accounts/accounts-hub.js';
import { startCircleHub, type CircleHub, type SignedIn } from '../circle/circle-hub.js';

/** Invitations (issue 5, item 2): by a link carrying a role; single-use, expiring, revocable. */
let t: CircleHub;
let olivia: SignedIn;
let events: string[];

beforeEach(async () => {
  t = await startCircleHub();
  olivia = await t.join('Olivia', 'owner');
  events = [];
  t.hub.bus.on('circleChanged', 'test', ({ what }) => events.push(what));
});

afterEach(async () => {
  await t.stop();
});

const HOUR = 3_600_000;

function tokenOf(link: string): string {
  const token = new URL(link).searchParams.get('token');
  if (token === null) throw new Error(`no token in ${link}`);
  return token;
}

async function invite(payload: Record<string, unknown> = { role: 'family' }): Promise<{ id: number; token: string; link: string }> {
  const response = await t.as(olivia, 'POST', '/api/invitations', payload);
  if (response.statusCode !== 201) throw new Error(`invite: ${response.statusCode} ${response.body}`);
  const body = response.json() as { invitation: { id: number }; link: string };
  return { id: body.invitation.id, token: tokenOf(body.link), link: body.link };
}

const check = (token: string, remoteAddress = '127.0.0.1') => t.hub.http.inject({ method: 'GET', url: `/api/invitations/${encodeURIComponent(token)}`, remoteAddress });
const accept = (payload: Record<string, unknown>, remoteAddress = '127.0.0.1') => t.hub.http.inject({ method: 'POST', url: '/api/invitations/accept', payload, remoteAddress });
const ben = { email: 'ben@example.org', name: 'Ben', password: GOOD_PASSWORD };

describe('making invitations', () => {
  it('answers 201 with the link once; only the token’s hash is kept; the list never shows it', async () => {
    const response = await t.as(olivia, 'POST', '/api/invitations', { role: 'carer', name: 'Cara' });
    expect(response.statusCode).toBe(201);
    const body = response.json() as { invitation: Record<string, unknown>; link: string };
    expect(body.link).toMatch(/^http:\/\/127\.0\.0\.1:0\/invite\?token=[A-Za-z0-9_-]{43}$/);
    expect(body.invitation).toEqual({
      id: expect.any(Number),
      role: 'carer',
      email: null,
      name: 'Cara',
      status: 'pending',
      invitedBy: { id: olivia.id, name: 'olivia' },
      createdAt: '2026-01-05T09:00:00.000Z',
      expiresAt: '2026-01-12T09:00:00.000Z', // seven days unless asked otherwise
      usedAt: null,
      usedBy: null,
      revokedAt: null,
    });
    const token = tokenOf(body.link);
    const stored = t.hub.store.db.prepare('SELECT * FROM invitations WHERE id = ?').get(body.invitation.id as number) as Record<string, unknown>;
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(Buffer.from(stored.token_hash as Buffer).toString('base64url')).not.toBe(token);

    const list = await t.as(olivia, 'GET', '/api/invitations');
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain(token);
    expect(list.json()).toEqual({ invitations: [body.invitation], nextBefore: null });
    expect(t.auditActions()).toContain('invitation.created');
    expect(events).toEqual(['invitations']);
  });

  it('takes a validity of 1 hour to 30 days, an email and a name, each checked', async () => {
    const month = await t.as(olivia, 'POST', '/api/invitations', { role: 'viewer', validForHours: 720, email: ' Ben@Example.org ' });
    expect(month.statusCode).toBe(201);
    expect(month.json().invitation).toMatchObject({ expiresAt: '2026-02-04T09:00:00.000Z', email: 'ben@example.org' });
    for (const [payload, code] of [
      [{ role: 'viewer', validForHours: 721 }, 'invalid_request'],
      [{ role: 'viewer', validForHours: 0 }, 'invalid_request'],
      [{ role: 'admin' }, 'invalid_request'],
      [{}, 'invalid_request'],
      [{ role: 'viewer', email: 'not an email' }, 'invalid_email'],
      [{ role: 'viewer', name: '   ' }, 'invalid_name'],
      [{ role: 'viewer', token: 'mine' }, 'invalid_request'],
    ] as const) {
      const response = await t.as(olivia, 'POST', '/api/invitations', payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json(), JSON.stringify(payload)).toMatchObject({ error: code, detail: expect.any(String) });
    }
    const taken = await t.as(olivia, 'POST', '/api/invitations', { role: 'viewer', email: 'olivia@example.org' });
    expect(taken.statusCode).toBe(409);
    expect(taken.json()).toMatchObject({ error: 'account_exists' });
    expect(t.hub.store.invitations.invitesBefore(Number.MAX_SAFE_INTEGER, 10)).toHaveLength(1);
  });

  it('is for owners only', async () => {
    const { id } = await invite();
    for (const role of ['family', 'carer', 'installer', 'viewer'] as const) {
      const member = await t.join(role, role);
      for (const [method, url, payload] of [
        ['POST', '/api/invitations', { role: 'owner' }],
        ['GET', '/api/invitations', undefined],
        ['DELETE', `/api/invitations/${id}`, undefined],
      ] as const) {
        const response = await t.as(member, method, url, payload);
        expect(response.statusCode, `${role} ${method} ${url}`).toBe(403);
        expect(response.json()).toEqual({ error: 'forbidden' });
      }
    }
    expect(t.hub.store.invitations.inviteById(id)?.usedAt).toBeNull();
  });

  it('lists page by page, newest first', async () => {
    const ids = [(await invite()).id, (await invite()).id, (await invite()).id];
    const first = (await t.as(olivia, 'GET', '/api/invitations?limit=2')).json() as { invitations: Array<{ id: number }>; nextBefore: number };
    expect(first.invitations.map((i) => i.id)).toEqual([ids[2], ids[1]]);
    const second = (await t.as(olivia, 'GET', `/api/invitations?limit=2&before=${first.nextBefore}`)).json() as { invitations: Array<{ id: number }>; nextBefore: null };
    expect(second).toEqual({ invitations: [expect.objectContaining({ id: ids[0] })], nextBefore: null });
    expect((await t.as(olivia, 'GET', '/api/invitations?limit=201')).statusCode).toBe(400);
  });
});

describe('accepting an invitation', () => {
  it('shows who invited and for which role, then creates the account, signs in, and works once only', async () => {
    const { token } = await invite({ role: 'family', name: 'Ben' });
    const before = await check(token);
    expect(before.statusCode).toBe(200);
    expect(before.json()).toEqual({ valid: true, role: 'family', email: null, name: 'Ben', invitedBy: 'olivia', expiresAt: '2026-01-12T09:00:00.000Z' });

    const accepted = await accept({ token, ...ben });
    expect(accepted.statusCode).toBe(201);
    expect(accepted.json()).toEqual({ user: { id: expect.any(Number), email: 'ben@example.org', name: 'Ben', role: 'family' }, csrfToken: expect.any(String) });
    const setCookie = String(accepted.headers['set-cookie']);
    expect(setCookie).toContain('HttpOnly; SameSite=Strict');
    const cookie = setCookie.split(';')[0] as string;
    expect((await t.hub.http.inject({ method: 'GET', url: '/api/me', headers: { cookie } })).json()).toMatchObject({ email: 'ben@example.org', role: 'family' });

    const again = await accept({ token, ...ben, email: 'mallory@example.org' });
    expect(again.statusCode).toBe(403);
    expect(again.json()).toMatchObject({ error: 'invitation_invalid' });
    expect(t.hub.store.users.byEmail('mallory@example.org')).toBeUndefined();
    expect((await check(token)).json()).toEqual({ valid: false });

    const listed = (await t.as(olivia, 'GET', '/api/invitations')).json().invitations[0];
    expect(listed).toMatchObject({ status: 'used', usedAt: '2026-01-05T09:00:00.000Z', usedBy: { id: accepted.json().user.id, name: 'Ben' } });
    expect(t.auditActions()).toEqual(expect.arrayContaining(['user.created', 'invitation.accepted', 'session.started']));
    expect(events).toEqual(expect.arrayContaining(['members', 'invitations']));
  });

  it('expires: refused once its hours are up (manual clock), and listed as expired', async () => {
    const { token } = await invite({ role: 'carer', validForHours: 1 });
    t.clock.advance(HOUR - 1);
    expect((await check(token)).json()).toMatchObject({ valid: true });
    t.clock.advance(1);
    expect((await check(token)).json()).toEqual({ valid: false });
    const late = await accept({ token, ...ben });
    expect(late.statusCode).toBe(403);
    expect(late.json()).toMatchObject({ error: 'invitation_invalid' });
    expect(t.hub.store.users.byEmail(ben.email)).toBeUndefined();
    expect((await t.as(olivia, 'GET', '/api/invitations')).json().invitations[0]).toMatchObject({ status: 'expired' });
  });

  it('once revoked, is refused; revoking is for unused invitations, and again is harmless', async () => {
    const { id, token } = await invite();
    const revoked = await t.as(olivia, 'DELETE', `/api/invitations/${id}`);
    expect(revoked.statusCode).toBe(204);
    expect((await t.as(olivia, 'DELETE', `/api/invitations/${id}`)).statusCode).toBe(204);
    expect((await check(token)).json()).toEqual({ valid: false });
    expect((await accept({ token, ...ben })).statusCode).toBe(403);
    expect(t.hub.store.users.byEmail(ben.email)).toBeUndefined();
    expect((await t.as(olivia, 'GET', '/api/invitations')).json().invitations[0]).toMatchObject({ status: 'revoked', revokedAt: '2026-01-05T09:00:00.000Z', usedBy: null });
    expect(t.auditActions().filter((action) => action === 'invitation.revoked')).toHaveLength(1);

    const used = await invite();
    expect((await accept({ token: used.token, ...ben })).statusCode).toBe(201);
    const tooLate = await t.as(olivia, 'DELETE', `/api/invitations/${used.id}`);
    expect(tooLate.statusCode).toBe(409);
    expect(tooLate.json()).toMatchObject({ error: 'invitation_used' });
    expect((await t.as(olivia, 'DELETE', '/api/invitations/4242')).statusCode).toBe(404);
  });

  it('gives one answer for unknown, used, expired and revoked links', async () => {
    const used = await invite();
    await accept({ token: used.token, ...ben });
    const expired = await invite({ role: 'viewer', validForHours: 1 });
    const revoked = await invite();
    await t.as(olivia, 'DELETE', `/api/invitations/${revoked.id}`);
    t.clock.advance(HOUR);
    const answers = new Set<string>();
    // Each from its own address, so the throttle does not step in.
    for (const [i, token] of ['x'.repeat(43), used.token, expired.token, revoked.token].entries()) {
      const checked = await check(token, `198.51.100.${i}`);
      answers.add(`${checked.statusCode} ${checked.body}`);
      const accepted = await accept({ token, email: 'someone@example.org', name: 'Someone', password: GOOD_PASSWORD }, `198.51.100.${i}`);
      answers.add(`${accepted.statusCode} ${accepted.body}`);
    }
    expect([...answers].sort()).toEqual([
      '200 {"valid":false}',
      '403 {"error":"invitation_invalid","detail":"this invitation link is not valid: it is unknown, used, expired or withdrawn"}',
    ]);
  });

  it('bound to an email, accepts only that email (in any case), and the link survives a wrong one', async () => {
    const { token } = await invite({ role: 'carer', email: 'ben@example.org' });
    expect((await check(token)).json()).toMatchObject({ valid: true, email: 'ben@example.org' });
    const other = await accept({ token, ...ben, email: 'mallory@example.org' });
    expect(other.statusCode).toBe(403);
    expect(other.json()).toMatchObject({ error: 'invitation_email_mismatch' });
    expect(t.hub.store.users.byEmail('mallory@example.org')).toBeUndefined();
    const right = await accept({ token, ...ben, email: 'BEN@example.org' });
    expect(right.statusCode).toBe(201);
    expect(right.json().user).toMatchObject({ email: 'ben@example.org', role: 'carer' });
  });

  it('two acceptances racing: one account, one refusal', async () => {
    const { token } = await invite({ role: 'family' });
    const [a, b] = await Promise.all([
      accept({ token, email: 'anna@example.org', name: 'Anna', password: GOOD_PASSWORD }),
      accept({ token, email: 'mallory@example.org', name: 'Mallory', password: GOOD_PASSWORD }),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([201, 403]);
    expect([a, b].find((r) => r.statusCode === 403)?.json()).toMatchObject({ error: 'invitation_invalid' });
    const winner = [a, b].find((r) => r.statusCode === 201)?.json().user.email as string;
    expect(t.hub.store.users.all().map((u) => u.email).sort()).toEqual([winner, 'olivia@example.org'].sort());
  });

  it('a weak password (400) or a taken email (409) leaves the link usable', async () => {
    const { token } = await invite();
    const weak = await accept({ token, ...ben, password: 'letmein12345' });
    expect(weak.statusCode).toBe(400);
    expect(weak.json()).toMatchObject({ error: 'weak_password', detail: expect.stringContaining('commonly used') });
    const taken = await accept({ token, ...ben, email: 'olivia@example.org' });
    expect(taken.statusCode).toBe(409);
    expect(taken.json()).toMatchObject({ error: 'account_exists' });
    const malformed = await accept({ token, ...ben, email: undefined });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ error: 'invalid_request', detail: expect.stringContaining('email') });
    expect((await accept({ token, ...ben })).statusCode).toBe(201);
  });

  it('stops working when the owner who made it leaves the circle', async () => {
    const second = await t.join('Oscar', 'owner');
    const made = await t.as(second, 'POST', '/api/invitations', { role: 'owner' });
    const token = tokenOf((made.json() as { link: string }).link);
    expect((await t.as(olivia, 'DELETE', `/api/members/${second.id}`)).statusCode).toBe(204);
    expect((await check(token)).json()).toEqual({ valid: false });
    expect((await accept({ token, ...ben })).statusCode).toBe(403);
    expect(t.hub.store.users.byEmail(ben.email)).toBeUndefined();
  });

  it('a setup link is not an invitation', async () => {
    await t.stop();
    t = await startCircleHub();
    const { setupLink } = await t.hub.start();
    const setupToken = tokenOf(setupLink as string);
    expect((await check(setupToken)).json()).toEqual({ valid: false });
    expect((await accept({ token: setupToken, ...ben })).statusCode).toBe(403);
    expect(t.hub.store.users.all()).toEqual([]);
  });

  it('slows down an address guessing links, and not another address', async () => {
    const { token } = await invite();
    for (let i = 0; i < 5; i++) expect((await accept({ token: `guess-${i}`, ...ben }, '198.51.100.7')).statusCode).toBe(403);
    const sixth = await check('guess-6', '198.51.100.7');
    expect(sixth.statusCode).toBe(429);
    expect(sixth.json()).toEqual({ error: 'too_many_attempts', retryAfterS: 1 });
    expect(sixth.headers['retry-after']).toBe('1');
    expect((await accept({ token, ...ben }, '198.51.100.7')).statusCode).toBe(429);
    expect((await accept({ token, ...ben }, '203.0.113.9')).statusCode).toBe(201);
  });

  it('is documented as open, and the rest of the circle as protected', async () => {
    const doc = (await t.hub.http.inject({ method: 'GET', url: '/api/docs' })).json() as { paths: Record<string, Record<string, { security?: unknown }>> };
    expect(doc.paths['/api/invitations/{token}']?.get?.security).toBeUndefined();
    expect(doc.paths['/api/invitations/accept']?.post?.security).toBeUndefined();
    expect(doc.paths['/api/invitations/{id}']?.delete?.security).toBeDefined();
    expect(doc.paths['/api/invitations']?.post?.security).toBeDefined();
  });
});
