import { afterEach, describe, expect, it } from 'vitest';
import { startCareHub, type CareHub } from './care-hub.js';

/**
 * The digest over HTTP (issue 6, items 5 and 7): GET /api/digest, GET /api/digest/week and
 * GET /api/incidents/:id/notified, on a whole hub. 'notified' timeline entries are written through the
 * care services' timeline, the entry point the escalation service records each step with.
 */
const at = (iso: string) => Date.parse(iso);
const delivered = (step: number) => ({ step, audience: { kind: 'tier', tier: 1 }, outcomes: [{ channel: 'web-push', status: 'delivered' }] });

let t: CareHub | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

describe('GET /api/digest', () => {
  it('gives a day its facts and line: a viewer may read it, an installer may not', async () => {
    t = await startCareHub();
    t.clock.set(at('2026-01-16T08:00:00Z'));
    for (const role of ['owner', 'family', 'carer', 'viewer'] as const) {
      const reply = await t.as(role, { method: 'GET', url: '/api/digest?date=2026-01-15' });
      expect(reply.statusCode).toBe(200);
      expect(reply.json()).toEqual({
        date: '2026-01-15',
        timezone: 'Europe/London',
        from: '2026-01-15T07:00:00.000Z',
        to: '2026-01-16T07:00:00.000Z',
        complete: true,
        title: 'Margaret · Thursday 15 January',
        line: 'no morning activity seen · no night exits',
        facts: {
          date: '2026-01-15',
          personName: 'Margaret',
          upAt: null,
          doses: { scheduled: 0, onTime: 0, late: 0, pending: 0, missed: [], double: [] },
          nightExits: 0,
          minutesOut: null,
          handledBy: [],
          unacknowledged: 0,
          careNotes: 0,
          sensorProblems: [],
        },
      });
    }
    const installer = await t.as('installer', { method: 'GET', url: '/api/digest?date=2026-01-15' });
    expect(installer.statusCode).toBe(403);
    expect(installer.json()).toMatchObject({ error: 'forbidden' });
    expect((await t.hub.http.inject({ method: 'GET', url: '/api/digest?date=2026-01-15' })).statusCode).toBe(401);
  });

  it('defaults to the current day so far: yesterday until the night ends', async () => {
    t = await startCareHub();
    t.clock.set(at('2026-01-16T06:30:00Z'));
    expect((await t.as('family', { method: 'GET', url: '/api/digest' })).json()).toMatchObject({ date: '2026-01-15', complete: false });
    t.clock.set(at('2026-01-16T07:00:00Z'));
    expect((await t.as('family', { method: 'GET', url: '/api/digest' })).json()).toMatchObject({ date: '2026-01-16', complete: false });
  });

  it('refuses a date that is not one, or has not begun, with a clear code', async () => {
    t = await startCareHub();
    t.clock.set(at('2026-01-16T08:00:00Z'));
    const notADate = await t.as('family', { method: 'GET', url: '/api/digest?date=2026-02-30' });
    expect(notADate.statusCode).toBe(400);
    expect(notADate.json()).toMatchObject({ error: 'invalid_date' });
    const words = await t.as('family', { method: 'GET', url: '/api/digest?date=yesterday' });
    expect(words.statusCode).toBe(400);
    expect(words.json()).toMatchObject({ error: 'invalid_request' });
    const future = await t.as('family', { method: 'GET', url: '/api/digest?date=2026-01-17' });
    expect(future.statusCode).toBe(400);
    expect(future.json()).toMatchObject({ error: 'date_in_future' });
    const unknown = await t.as('family', { method: 'GET', url: '/api/digest?date=2026-01-15&who=anna' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({ error: 'invalid_request' });
  });
});

describe('GET /api/digest/week', () => {
  it('counts the nights each member was woken, a night being from rules.night start to end', async () => {
    t = await startCareHub();
    const { family: anna, carer: carol, owner: olive } = t.members;
    const alert = t.raise('night-exit', { at: at('2026-01-11T23:00:00Z') });
    const told = (userId: number, iso: string, details: Record<string, unknown>) => t?.hub.api.care.timeline.record(alert.id, 'notified', userId, details, at(iso));
    told(anna.id, '2026-01-12T02:00:00Z', delivered(0)); // the night of the 11th: before the week
    told(anna.id, '2026-01-12T23:30:00Z', delivered(0)); // the night of the 12th ...
    told(anna.id, '2026-01-13T02:00:00Z', delivered(1)); // ... the same night, after midnight
    told(carol.id, '2026-01-14T14:00:00Z', delivered(0)); // the afternoon: nobody was woken
    told(olive.id, '2026-01-15T01:00:00Z', { step: 2, audience: { kind: 'everyone', repeat: 0 }, outcomes: [{ channel: 'web-push', status: 'no-route' }] });
    told(anna.id, '2026-01-19T02:00:00Z', delivered(0)); // the night that begins on the 18th, the week's last
    told(anna.id, '2026-01-19T02:01:00Z', { message: 'acknowledged', outcomes: [{ channel: 'web-push', status: 'delivered' }] });
    t.clock.set(at('2026-01-19T08:00:00Z'));

    const reply = await t.as('viewer', { method: 'GET', url: '/api/digest/week?end=2026-01-18' });
    expect(reply.statusCode).toBe(200);
    const week = reply.json() as { from: string; end: string; line: string; members: Array<{ userId: number; name: string; nights: number; notifications: number; dates: string[] }> };
    expect(week).toMatchObject({ from: '2026-01-12', end: '2026-01-18', timezone: 'Europe/London', line: 'Woken at night this week: Anna 2 nights (3 alerts).' });
    expect(week.members[0]).toEqual({ userId: anna.id, name: 'Anna', nights: 2, notifications: 3, dates: ['2026-01-12', '2026-01-18'] });
    expect(week.members.slice(1).every((m) => m.nights === 0 && m.notifications === 0)).toBe(true);
    expect(week.members.map((m) => m.name).sort()).toEqual(['Anna', 'Carol Carer', 'Ian Installer', 'Olive Owner', 'Vera Viewer']);

    // The week before: only the night of the 11th.
    expect((await t.as('family', { method: 'GET', url: '/api/digest/week?end=2026-01-11' })).json()).toMatchObject({ line: 'Woken at night this week: Anna 1 night (1 alert).' });
    expect((await t.as('installer', { method: 'GET', url: '/api/digest/week?end=2026-01-18' })).statusCode).toBe(403);
    const future = await t.as('family', { method: 'GET', url: '/api/digest/week?end=2026-01-20' });
    expect(future.statusCode).toBe(400);
    expect(future.json()).toMatchObject({ error: 'date_in_future' });
  });

  it('says so when nobody was woken', async () => {
    t = await startCareHub();
    t.clock.set(at('2026-01-19T08:00:00Z'));
    expect((await t.as('family', { method: 'GET', url: '/api/digest/week' })).json()).toMatchObject({ end: '2026-01-19', line: 'Nobody was woken at night this week.' });
  });
});

describe('GET /api/incidents/:id/notified', () => {
  it('lists who was notified when about an incident, across its alerts, oldest first', async () => {
    t = await startCareHub();
    const { family: anna, carer: carol } = t.members;
    const exit = t.raise('night-exit', { at: at('2026-01-15T02:10:00Z'), title: 'Front door opened at 02:10' });
    const left = t.raise('left-safe-zone', { at: at('2026-01-15T02:20:00Z'), title: 'Margaret left Home' });
    expect(left.incidentId).toBe(exit.incidentId);
    t.hub.api.care.timeline.record(exit.id, 'notified', carol.id, delivered(0), at('2026-01-15T02:10:01Z'));
    t.hub.api.care.timeline.record(exit.id, 'notified', anna.id, delivered(1), at('2026-01-15T02:15:01Z'));
    t.hub.api.care.timeline.record(left.id, 'notified', anna.id, delivered(0), at('2026-01-15T02:20:01Z'));
    t.hub.api.care.timeline.record(exit.id, 'escalated', null, { step: 1 }, at('2026-01-15T02:15:01Z'));

    const reply = await t.as('viewer', { method: 'GET', url: `/api/incidents/${exit.incidentId}/notified` });
    expect(reply.statusCode).toBe(200);
    expect(reply.json()).toEqual({
      incidentId: exit.incidentId,
      notified: [
        { at: '2026-01-15T02:10:01.000Z', alertId: exit.id, alertType: 'night-exit', alertTitle: 'Front door opened at 02:10', member: { id: carol.id, name: 'Carol Carer' }, details: delivered(0) },
        { at: '2026-01-15T02:15:01.000Z', alertId: exit.id, alertType: 'night-exit', alertTitle: 'Front door opened at 02:10', member: { id: anna.id, name: 'Anna' }, details: delivered(1) },
        { at: '2026-01-15T02:20:01.000Z', alertId: left.id, alertType: 'left-safe-zone', alertTitle: 'Margaret left Home', member: { id: anna.id, name: 'Anna' }, details: delivered(0) },
      ],
    });
    const unknown = await t.as('family', { method: 'GET', url: '/api/incidents/no-such-incident/notified' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error: 'not_found' });
    expect((await t.as('installer', { method: 'GET', url: `/api/incidents/${exit.incidentId}/notified` })).statusCode).toBe(403);
  });
});
