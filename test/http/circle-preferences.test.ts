import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withDefaults } from '../../src/circle/preferences.js';
import { startCircleHub, type CircleHub, type SignedIn } from '../circle/circle-hub.js';

/** Each member's notification preferences, quiet hours, digest and away (issue 6, items 1 and 2). */
let t: CircleHub;
let olivia: SignedIn;
let anna: SignedIn;
let ivan: SignedIn;
let events: string[];

beforeEach(async () => {
  t = await startCircleHub();
  olivia = await t.join('Olivia', 'owner');
  anna = await t.join('Anna', 'family');
  ivan = await t.join('Ivan', 'installer');
  events = [];
  t.hub.bus.on('circleChanged', 'test', ({ what }) => events.push(what));
});

afterEach(async () => {
  await t.stop();
});

const DEFAULTS = withDefaults({});

describe('/api/me/preferences', () => {
  it('starts from the defaults, for every role', async () => {
    for (const member of [olivia, anna, ivan]) {
      const response = await t.as(member, 'GET', '/api/me/preferences');
      expect(response.statusCode, member.role).toBe(200);
      expect(response.json()).toEqual({ userId: member.id, preferences: DEFAULTS, away: null, updatedAt: null });
    }
  });

  it('are replaced by PUT, fields left out taking their defaults; audited and announced', async () => {
    const wanted = {
      channels: { push: true, phone: '+44 7700 900123', email: 'anna.home@example.org' },
      alertTypes: { 'low-battery': false, 'sensor-silent': false },
      severities: { notice: false },
      quietHours: { start: '22:30', end: '06:45' },
      digest: { enabled: true, at: '07:15' },
    };
    const response = await t.as(anna, 'PUT', '/api/me/preferences', wanted);
    expect(response.statusCode).toBe(200);
    const body = response.json() as { preferences: typeof DEFAULTS; updatedAt: string };
    expect(body.updatedAt).toBe('2026-01-05T09:00:00.000Z');
    expect(body.preferences).toEqual({
      ...DEFAULTS,
      channels: wanted.channels,
      alertTypes: { ...DEFAULTS.alertTypes, 'low-battery': false, 'sensor-silent': false },
      severities: { ...DEFAULTS.severities, notice: false },
      quietHours: wanted.quietHours,
      digest: wanted.digest,
    });
    expect((await t.as(anna, 'GET', '/api/me/preferences')).json().preferences).toEqual(body.preferences);
    expect(t.hub.api.circle.preferencesOf(anna.id)).toEqual(body.preferences);

    const reset = await t.as(anna, 'PUT', '/api/me/preferences', {});
    expect(reset.json().preferences).toEqual(DEFAULTS);
    expect(t.auditActions().filter((action) => action === 'preferences.changed')).toHaveLength(2);
    expect(events).toEqual(['preferences', 'preferences']);
    // Only one's own: Olivia's are untouched.
    expect((await t.as(olivia, 'GET', '/api/me/preferences')).json().updatedAt).toBeNull();
  });

  it('refuses bad preferences with a coded error and keeps the ones before', async () => {
    await t.as(anna, 'PUT', '/api/me/preferences', { quietHours: { start: '23:00', end: '07:00' } });
    for (const [body, code] of [
      [{ quietHours: { start: '25:00', end: '07:00' } }, 'invalid_request'],
      [{ quietHours: { start: '23:00' } }, 'invalid_request'],
      [{ quietHours: { start: '23:00', end: '23:00' } }, 'quiet_hours_empty'],
      [{ alertTypes: { 'fire-alarm': true } }, 'invalid_request'],
      [{ alertTypes: { 'night-exit': 'yes please' } }, 'invalid_request'],
      [{ severities: { critical: true } }, 'invalid_request'],
      [{ channels: { phone: 'call me' } }, 'invalid_request'],
      [{ channels: { email: 'anna at home' } }, 'invalid_request'],
      [{ digest: { at: '8am' } }, 'invalid_request'],
      [{ theme: 'dark' }, 'invalid_request'],
    ] as const) {
      const response = await t.as(anna, 'PUT', '/api/me/preferences', body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json(), JSON.stringify(body)).toMatchObject({ error: code, detail: expect.any(String) });
    }
    expect((await t.as(anna, 'GET', '/api/me/preferences')).json().preferences.quietHours).toEqual({ start: '23:00', end: '07:00' });
    expect(t.auditActions().filter((action) => action === 'preferences.changed')).toHaveLength(1);
  });

  it('fall back to the defaults if the stored row is damaged, and say so in the log', async () => {
    t.hub.store.memberProfiles.savePreferences(anna.id, '{"quietHours":"always"}', t.clock.now());
    expect((await t.as(anna, 'GET', '/api/me/preferences')).json().preferences).toEqual(DEFAULTS);
    expect(t.logs.some((line) => line.msg.includes('do not fit the schema') && line.userId === anna.id)).toBe(true);
  });
});

describe('GET /api/members/:id/preferences', () => {
  it('lets the owner see anyone’s, and nobody else', async () => {
    await t.as(anna, 'PUT', '/api/me/preferences', { quietHours: { start: '23:00', end: '07:00' } });
    const response = await t.as(olivia, 'GET', `/api/members/${anna.id}/preferences`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ userId: anna.id, preferences: { quietHours: { start: '23:00', end: '07:00' } } });
    for (const caller of [anna, ivan]) {
      const refused = await t.as(caller, 'GET', `/api/members/${olivia.id}/preferences`);
      expect(refused.statusCode, caller.role).toBe(403);
      expect(refused.json()).toEqual({ error: 'forbidden' });
    }
    expect((await t.as(olivia, 'GET', '/api/members/4242/preferences')).statusCode).toBe(404);
    await t.as(olivia, 'DELETE', `/api/members/${ivan.id}`);
    expect((await t.as(olivia, 'GET', `/api/members/${ivan.id}/preferences`)).json()).toMatchObject({ error: 'not_found' });
  });
});

describe('/api/me/away', () => {
  it('is set with ISO times, shown, and cleared', async () => {
    const set = await t.as(anna, 'PUT', '/api/me/away', { from: '2026-01-10T00:00:00+01:00', until: '2026-01-17T00:00:00Z' });
    expect(set.statusCode).toBe(200);
    expect(set.json().away).toEqual({ from: '2026-01-09T23:00:00.000Z', until: '2026-01-17T00:00:00.000Z' });
    expect((await t.as(olivia, 'GET', '/api/members')).json().members.find((m: { id: number }) => m.id === anna.id).away).toEqual(set.json().away);
    expect((await t.as(anna, 'DELETE', '/api/me/away')).statusCode).toBe(204);
    expect((await t.as(anna, 'GET', '/api/me/preferences')).json().away).toBeNull();
    expect((await t.as(anna, 'DELETE', '/api/me/away')).statusCode).toBe(204);
    expect(t.auditActions()).toEqual(expect.arrayContaining(['member.away-set', 'member.away-cleared']));
    expect(events).toEqual(['preferences', 'preferences']);
  });

  it('ends by itself when its time is up (manual clock)', async () => {
    await t.as(anna, 'PUT', '/api/me/away', { from: '2026-01-05T00:00:00Z', until: '2026-01-05T10:00:00Z' });
    expect((await t.as(anna, 'GET', '/api/me/preferences')).json().away).not.toBeNull();
    t.clock.advance(3_600_000);
    expect((await t.as(anna, 'GET', '/api/me/preferences')).json().away).toBeNull();
  });

  it('refuses bad spells with a coded error and changes nothing', async () => {
    for (const [body, code] of [
      [{ from: 'tomorrow', until: '2026-01-17T00:00:00Z' }, 'invalid_time'],
      [{ from: '2026-01-10T00:00:00', until: '2026-01-17T00:00:00' }, 'invalid_time'],
      [{ from: '2026-01-17T00:00:00Z', until: '2026-01-10T00:00:00Z' }, 'away_ends_before_it_starts'],
      [{ from: '2026-01-01T00:00:00Z', until: '2026-01-04T00:00:00Z' }, 'away_in_the_past'],
      [{ from: '2026-01-10T00:00:00Z', until: '2027-06-01T00:00:00Z' }, 'away_too_long'],
      [{ from: '2026-01-10T00:00:00Z' }, 'invalid_request'],
      [{ from: '2026-01-10T00:00:00Z', until: '2026-01-17T00:00:00Z', reason: 'holiday' }, 'invalid_request'],
    ] as const) {
      const response = await t.as(anna, 'PUT', '/api/me/away', body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json(), JSON.stringify(body)).toMatchObject({ error: code, detail: expect.any(String) });
    }
    expect((await t.as(anna, 'GET', '/api/me/preferences')).json().away).toBeNull();
    expect(events).toEqual([]);
  });
});
