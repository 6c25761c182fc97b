import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCircleHub, type CircleHub, type SignedIn } from '../circle/circle-hub.js';

/** Members and roles (issue 5, items 5 and 7): who sees whom, role changes, leaving, and the last owner. */
let t: CircleHub;
let olivia: SignedIn; // owner
let anna: SignedIn; // family
let cara: SignedIn; // carer
let ivan: SignedIn; // installer
let vera: SignedIn; // viewer
let events: string[];

beforeEach(async () => {
  t = await startCircleHub();
  olivia = await t.join('Olivia', 'owner');
  anna = await t.join('Anna', 'family');
  cara = await t.join('Cara', 'carer');
  ivan = await t.join('Ivan', 'installer');
  vera = await t.join('Vera', 'viewer');
  events = [];
  t.hub.bus.on('circleChanged', 'test', ({ what }) => events.push(what));
});

afterEach(async () => {
  await t.stop();
});

const nightShift = (userId: number) => ({ userId, days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '22:00', end: '07:00', tier: 1 });

describe('GET /api/members', () => {
  it('shows the circle, who is away and who is on call, with no emails for anyone but owners', async () => {
    // Monday 5 January 2026, 09:00 GMT: Cara's day shift.
    expect((await t.as(anna, 'POST', '/api/rota/shifts', { userId: cara.id, days: ['mon'], start: '07:00', end: '22:00' })).statusCode).toBe(201);
    expect((await t.as(anna, 'PUT', '/api/me/away', { from: '2026-01-05T00:00:00Z', until: '2026-01-09T00:00:00Z' })).statusCode).toBe(200);

    for (const viewer of [anna, cara, vera]) {
      const response = await t.as(viewer, 'GET', '/api/members');
      expect(response.statusCode, viewer.role).toBe(200);
      expect(response.body, viewer.role).not.toContain('@example.org');
      const members = response.json().members as Array<Record<string, unknown>>;
      expect(members.map((m) => m.name)).toEqual(['olivia', 'anna', 'cara', 'ivan', 'vera']);
      expect(members.find((m) => m.id === cara.id)).toEqual({ id: cara.id, name: 'cara', role: 'carer', away: null, onCallNow: true, onCallTier: 1 });
      expect(members.find((m) => m.id === anna.id)).toMatchObject({ away: { from: '2026-01-05T00:00:00.000Z', until: '2026-01-09T00:00:00.000Z' }, onCallNow: false, onCallTier: null });
    }
    const asOwner = (await t.as(olivia, 'GET', '/api/members')).json().members as Array<Record<string, unknown>>;
    expect(asOwner.find((m) => m.id === ivan.id)).toEqual({ id: ivan.id, name: 'ivan', role: 'installer', away: null, onCallNow: false, onCallTier: null, email: 'ivan@example.org', disabled: false });
  });

  it('is not for installers (they see devices, not people)', async () => {
    const response = await t.as(ivan, 'GET', '/api/members');
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({ error: 'forbidden' });
  });
});

describe('PATCH /api/members/:id', () => {
  it('gives a member another role and ends their sessions at once', async () => {
    const response = await t.as(olivia, 'PATCH', `/api/members/${cara.id}`, { role: 'family' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ member: expect.objectContaining({ id: cara.id, role: 'family', email: 'cara@example.org', disabled: false }), shiftsRemoved: 0 });
    expect((await t.as(cara, 'GET', '/api/me')).statusCode).toBe(401);
    expect(t.hub.store.users.byId(cara.id)?.role).toBe('family');
    const entry = t.hub.store.audit.recent(10).find((e) => e.action === 'user.role-changed');
    expect(entry).toMatchObject({ userId: olivia.id, target: `user:${cara.id}`, details: { from: 'carer', to: 'family', sessionsEnded: 1 } });
    expect(events).toContain('members');
  });

  it('takes someone off the rota when their new role cannot act on alerts', async () => {
    expect((await t.as(olivia, 'POST', '/api/rota/shifts', nightShift(cara.id))).statusCode).toBe(201);
    const response = await t.as(olivia, 'PATCH', `/api/members/${cara.id}`, { role: 'viewer' });
    expect(response.json()).toMatchObject({ member: { role: 'viewer' }, shiftsRemoved: 1 });
    expect(t.hub.store.rota.shifts()).toEqual([]);
    expect(t.auditActions()).toContain('rota.member-removed');
  });

  it('keeps the household’s owner: the last owner cannot stop being one (409)', async () => {
    const response = await t.as(olivia, 'PATCH', `/api/members/${olivia.id}`, { role: 'family' });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({ error: 'last_owner', detail: expect.stringContaining('must keep an owner') });
    expect(t.hub.store.users.byId(olivia.id)?.role).toBe('owner');
    expect((await t.as(olivia, 'GET', '/api/me')).statusCode).toBe(200);

    // With a second owner, the first may step down; her invitations are withdrawn with her rights.
    expect((await t.as(olivia, 'PATCH', `/api/members/${anna.id}`, { role: 'owner' })).statusCode).toBe(200);
    await t.as(olivia, 'POST', '/api/invitations', { role: 'carer' });
    expect((await t.as(olivia, 'PATCH', `/api/members/${olivia.id}`, { role: 'family' })).statusCode).toBe(200);
    expect(t.hub.store.users.byId(olivia.id)?.role).toBe('family');
    expect(t.hub.store.invitations.invitesBefore(Number.MAX_SAFE_INTEGER, 10)[0]).toMatchObject({ usedAt: null, revokedAt: expect.any(Number) });
  });

  it('refuses anyone but an owner, and changes nothing', async () => {
    for (const caller of [anna, cara, ivan, vera]) {
      const response = await t.as(caller, 'PATCH', `/api/members/${vera.id}`, { role: 'owner' });
      expect(response.statusCode, caller.role).toBe(403);
      expect(response.json()).toEqual({ error: 'forbidden' });
    }
    expect(t.hub.store.users.byId(vera.id)?.role).toBe('viewer');
  });

  it('answers bad requests with a coded error: unknown member, unknown role, extra fields, a disabled account', async () => {
    const unknown = await t.as(olivia, 'PATCH', '/api/members/4242', { role: 'carer' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error: 'member_not_found' });
    const badRole = await t.as(olivia, 'PATCH', `/api/members/${vera.id}`, { role: 'admin' });
    expect(badRole.statusCode).toBe(400);
    expect(badRole.json()).toMatchObject({ error: 'invalid_request', detail: expect.stringContaining('role') });
    const extra = await t.as(olivia, 'PATCH', `/api/members/${vera.id}`, { role: 'carer', email: 'x@example.org' });
    expect(extra.statusCode).toBe(400);
    expect(extra.json()).toMatchObject({ error: 'invalid_request' });
    const notANumber = await t.as(olivia, 'PATCH', '/api/members/vera', { role: 'carer' });
    expect(notANumber.statusCode).toBe(400);
    expect(t.hub.store.users.byId(vera.id)?.role).toBe('viewer');

    expect((await t.as(olivia, 'DELETE', `/api/members/${vera.id}`)).statusCode).toBe(204);
    const disabled = await t.as(olivia, 'PATCH', `/api/members/${vera.id}`, { role: 'carer' });
    expect(disabled.statusCode).toBe(409);
    expect(disabled.json()).toMatchObject({ error: 'member_disabled' });
  });
});

describe('DELETE /api/members/:id', () => {
  it('disables the account: sessions and API tokens stop at once, rota, push and listing follow', async () => {
    const token = t.hub.home.apiTokens.issue(cara.id, 'script').token;
    expect((await t.hub.http.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
    expect((await t.as(olivia, 'POST', '/api/rota/shifts', nightShift(cara.id))).statusCode).toBe(201);
    t.hub.store.pushSubscriptions.insert({ userId: cara.id, endpoint: 'https://push.example.net/cara', p256dh: 'k', auth: 'a', label: null, createdAt: t.clock.now() });

    const response = await t.as(olivia, 'DELETE', `/api/members/${cara.id}`);
    expect(response.statusCode).toBe(204);
    expect((await t.as(cara, 'GET', '/api/me')).statusCode).toBe(401);
    expect((await t.hub.http.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401);
    expect((await t.hub.http.inject({ method: 'POST', url: '/api/auth/login', payload: { email: cara.email, password: 'kettle on the windowsill 7' } })).statusCode).toBe(401);
    expect(t.hub.store.rota.shifts()).toEqual([]);
    expect(t.hub.store.pushSubscriptions.forUser(cara.id)).toEqual([]);
    expect(t.auditActions()).toEqual(expect.arrayContaining(['user.disabled', 'rota.member-removed']));
    expect(events).toContain('members');

    const asFamily = (await t.as(anna, 'GET', '/api/members')).json().members as Array<{ id: number }>;
    expect(asFamily.map((m) => m.id)).not.toContain(cara.id);
    const asOwner = (await t.as(olivia, 'GET', '/api/members')).json().members as Array<{ id: number; disabled: boolean }>;
    expect(asOwner.find((m) => m.id === cara.id)?.disabled).toBe(true);
    // Again: nothing more to do.
    expect((await t.as(olivia, 'DELETE', `/api/members/${cara.id}`)).statusCode).toBe(204);
  });

  it('keeps the last owner, refuses everyone but an owner, and answers 404 for nobody', async () => {
    const last = await t.as(olivia, 'DELETE', `/api/members/${olivia.id}`);
    expect(last.statusCode).toBe(409);
    expect(last.json()).toMatchObject({ error: 'last_owner' });
    for (const caller of [anna, cara, ivan, vera]) expect((await t.as(caller, 'DELETE', `/api/members/${vera.id}`)).statusCode, caller.role).toBe(403);
    expect(t.hub.store.users.byId(vera.id)?.disabledAt).toBeNull();
    expect((await t.as(olivia, 'DELETE', '/api/members/4242')).statusCode).toBe(404);
  });

  it('needs the CSRF token from a browser', async () => {
    const response = await t.hub.http.inject({ method: 'DELETE', url: `/api/members/${vera.id}`, headers: { cookie: olivia.cookie } });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({ error: 'csrf_token_invalid' });
    expect(t.hub.store.users.byId(vera.id)?.disabledAt).toBeNull();
  });
});
