import { afterEach, describe, expect, it } from 'vitest';
import type { HubEvents } from '../../src/core/event-bus.js';
import type { Medication } from '../../src/core/household.js';
import { householdWith, startHomeHub, type HomeHub } from './home-fixture.js';

/** Medication over HTTP: schedule, today's doses, adherence, and a dose given by hand settling its missed-dose alert. */
let t: HomeHub | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

// Monday 5 January 2026; London is on UTC in winter.
const at = (hhmm: string, date = '2026-01-05') => Date.parse(`${date}T${hhmm}:00Z`);

const schedule: Medication[] = [
  { name: 'Morning tablets', at: '08:00', window: '60m', compartment: 1 },
  { name: 'Evening tablets', at: '20:00', window: '60m', compartment: 2 },
  { name: 'Weekend patch', at: '12:00', window: '2h', compartment: 0, days: ['sat', 'sun'] },
];

async function start(medication: Medication[] = schedule): Promise<HomeHub> {
  t = await startHomeHub({ household: householdWith((h) => (h.rules = { ...h.rules, medication })) });
  return t;
}

/** The rules judge the morning dose's deadline (09:00): the box was never opened. */
function missTheMorningDose(hub: HomeHub): void {
  hub.clock.set(at('08:30'));
  hub.hub.engine.tick();
  hub.clock.set(at('09:01'));
  hub.hub.engine.tick();
}

interface Overview {
  timezone: string;
  date: string;
  schedule: Array<{ dose: string; name: string }>;
  today: Array<{ dose: string; status: string; at: string | null; due: string }>;
}

describe('GET /api/medication', () => {
  it("gives the schedule and today's doses: taken, missed, due", async () => {
    const hub = await start();
    hub.clock.set(at('07:50'));
    hub.ingest([{ kind: 'pillbox', deviceId: 'pillbox', at: at('07:45'), atFromDevice: true, compartment: 1, open: true }]);
    let overview = (await hub.as('viewer', { method: 'GET', url: '/api/medication' })).json() as Overview;
    expect(overview.timezone).toBe('Europe/London');
    expect(overview.date).toBe('2026-01-05');
    expect(overview.schedule.map((s) => s.dose)).toEqual(['morning-tablets', 'evening-tablets', 'weekend-patch']);
    expect(overview.today).toEqual([
      { dose: 'morning-tablets', name: 'Morning tablets', due: new Date(at('08:00')).toISOString(), windowStart: new Date(at('07:00')).toISOString(), windowEnd: new Date(at('09:00')).toISOString(), status: 'taken', at: new Date(at('07:45')).toISOString() },
      expect.objectContaining({ dose: 'evening-tablets', status: 'due', at: null }),
    ]);
    hub.clock.set(at('21:30'));
    overview = (await hub.as('carer', { method: 'GET', url: '/api/medication' })).json() as Overview;
    expect(overview.today.map((d) => d.status)).toEqual(['taken', 'missed']);
  });

  it('is refused to the installer', async () => {
    const hub = await start();
    expect((await hub.as('installer', { method: 'GET', url: '/api/medication' })).statusCode).toBe(403);
    expect((await hub.as('installer', { method: 'GET', url: '/api/medication/adherence' })).statusCode).toBe(403);
  });
});

describe('POST /api/medication/doses', () => {
  it('records a dose given by hand late, and resolves that date’s missed-dose alert as a late opening would', async () => {
    const hub = await start();
    missTheMorningDose(hub);
    const alert = hub.hub.alerts.openAlert('missed-dose:morning-tablets:2026-01-05');
    expect(alert).toBeDefined();
    const changes: Array<HubEvents['alertChanged']> = [];
    hub.hub.bus.on('alertChanged', 'test', (event) => changes.push(event));

    hub.clock.set(at('09:40'));
    const response = await hub.as('carer', {
      method: 'POST',
      url: '/api/medication/doses',
      payload: { dose: 'morning-tablets', date: '2026-01-05', takenAt: new Date(at('09:30')).toISOString(), note: 'with her porridge' },
    });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toEqual({ dose: 'morning-tablets', name: 'Morning tablets', date: '2026-01-05', status: 'late', takenAt: new Date(at('09:30')).toISOString(), resolvedAlertId: alert!.id });

    const stored = hub.hub.store.alerts.byId(alert!.id)!;
    expect(stored.status).toBe('resolved');
    expect(stored.resolution).toBe(`given by hand at 09:30, recorded by ${hub.users.get('carer')!.name}: with her porridge`);
    expect(hub.hub.alerts.openAlert(alert!.key)).toBeUndefined();
    expect(changes.map((c) => [c.alert.id, c.alert.status])).toEqual([[alert!.id, 'resolved']]);
    expect(hub.hub.store.ruleState.dose('morning-tablets', '2026-01-05')).toEqual({ dose: 'morning-tablets', date: '2026-01-05', status: 'late', at: at('09:30') });
    expect(hub.audited('medication.dose-recorded')).toEqual([
      { userId: hub.users.get('carer')!.id, target: 'dose:morning-tablets:2026-01-05', details: { status: 'late', takenAt: new Date(at('09:30')).toISOString(), resolvedAlertId: alert!.id, note: 'with her porridge' } },
    ]);
    const overview = (await hub.as('family', { method: 'GET', url: '/api/medication' })).json() as Overview;
    expect(overview.today[0]).toMatchObject({ dose: 'morning-tablets', status: 'late' });
  });

  it('records a dose given inside its window as on time', async () => {
    const hub = await start();
    missTheMorningDose(hub);
    const response = await hub.as('family', { method: 'POST', url: '/api/medication/doses', payload: { dose: 'morning-tablets', date: '2026-01-05', takenAt: new Date(at('08:10')).toISOString() } });
    expect(response.json()).toMatchObject({ status: 'on-time' });
    expect(hub.hub.store.alerts.byKey('missed-dose:morning-tablets:2026-01-05')?.resolution).toBe(`given by hand at 08:10, recorded by ${hub.users.get('family')!.name}`);
  });

  it('a dose recorded by hand before its deadline raises no missed-dose alert at the deadline, and stays on time', async () => {
    const hub = await start();
    hub.clock.set(at('08:20'));
    hub.hub.engine.tick();
    const response = await hub.as('carer', { method: 'POST', url: '/api/medication/doses', payload: { dose: 'morning-tablets', date: '2026-01-05', takenAt: new Date(at('08:10')).toISOString() } });
    expect(response.json()).toMatchObject({ status: 'on-time', resolvedAlertId: null });
    hub.clock.set(at('09:01'));
    hub.hub.engine.tick();
    expect(hub.hub.store.alerts.byKey('missed-dose:morning-tablets:2026-01-05')).toBeUndefined();
    expect(hub.hub.store.ruleState.dose('morning-tablets', '2026-01-05')?.status).toBe('on-time');
  });

  it('resolves the alert of doses sharing a compartment and window only once every one of them is given', async () => {
    const hub = await start([
      { name: 'Heart tablet', at: '08:00', window: '60m', compartment: 1 },
      { name: 'Water tablet', at: '08:00', window: '60m', compartment: 1 },
    ]);
    missTheMorningDose(hub);
    hub.clock.set(at('09:30'));
    const key = 'missed-dose:heart-tablet:2026-01-05';
    expect(hub.hub.alerts.openAlert(key)).toBeDefined();
    const give = (dose: string) =>
      hub.as('carer', { method: 'POST', url: '/api/medication/doses', payload: { dose, date: '2026-01-05', takenAt: new Date(at('09:20')).toISOString() } });
    expect((await give('water-tablet')).json()).toMatchObject({ resolvedAlertId: null });
    expect(hub.hub.alerts.openAlert(key)).toBeDefined();
    expect((await give('heart-tablet')).json()).toMatchObject({ resolvedAlertId: expect.any(String) });
    expect(hub.hub.alerts.openAlert(key)).toBeUndefined();
  });

  it('refuses what cannot be that dose, with a clear code, and records nothing', async () => {
    const hub = await start();
    missTheMorningDose(hub);
    const post = (payload: Record<string, unknown>) =>
      hub.as('carer', { method: 'POST', url: '/api/medication/doses', payload: { dose: 'morning-tablets', date: '2026-01-05', takenAt: new Date(at('09:00')).toISOString(), ...payload } });
    expect((await post({ dose: 'aspirin' })).json()).toMatchObject({ error: 'dose_unknown' });
    expect((await post({ dose: 'weekend-patch' })).json()).toMatchObject({ error: 'dose_not_scheduled' });
    expect((await post({ takenAt: new Date(at('10:00')).toISOString() })).json()).toMatchObject({ error: 'taken_at_invalid' });
    expect((await post({ date: '2026-01-02', takenAt: new Date(at('09:00')).toISOString() })).json()).toMatchObject({ error: 'taken_at_invalid' });
    expect((await post({ date: '2026-02-30' })).json()).toMatchObject({ error: 'invalid_date' });
    expect((await post({ date: '5/1/2026' })).json()).toMatchObject({ error: 'invalid_request', problems: [{ path: '/date' }] });
    expect((await post({ takenAt: 'this morning' })).statusCode).toBe(400);
    expect((await post({ extra: true })).statusCode).toBe(400);
    expect(hub.hub.store.ruleState.dose('morning-tablets', '2026-01-05')?.status).toBe('missed');
    expect(hub.hub.alerts.openAlert('missed-dose:morning-tablets:2026-01-05')).toBeDefined();
    expect(hub.audited('medication.dose-recorded')).toEqual([]);
  });

  it('is refused to viewers and installers', async () => {
    const hub = await start();
    missTheMorningDose(hub);
    for (const role of ['viewer', 'installer'] as const) {
      const response = await hub.as(role, { method: 'POST', url: '/api/medication/doses', payload: { dose: 'morning-tablets', date: '2026-01-05', takenAt: new Date(at('09:00')).toISOString() } });
      expect(response.statusCode, role).toBe(403);
    }
    expect(hub.hub.alerts.openAlert('missed-dose:morning-tablets:2026-01-05')).toBeDefined();
  });
});

describe('PUT /api/medication', () => {
  it('lets a carer replace the schedule (rules.medication only), audited', async () => {
    const hub = await start();
    const before = hub.hub.household.view().household;
    const next: Medication[] = [{ name: 'Morning tablets', at: '08:30', window: '45m', compartment: 1 }];
    const response = await hub.as('carer', { method: 'PUT', url: '/api/medication', payload: { medication: next } });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ revision: 2, medication: next });
    const after = hub.hub.household.view().household;
    expect(after.rules?.medication).toEqual(next);
    expect({ ...after, rules: { ...after.rules, medication: undefined } }).toEqual({ ...before, rules: { ...before.rules, medication: undefined } });
    expect(hub.audited('medication.schedule-changed')).toEqual([{ userId: hub.users.get('carer')!.id, target: 'household', details: { revision: 2, doses: { from: 3, to: 1 } } }]);
  });

  it('refuses a compartment no pill box has, naming it, and a stale If-Match; the schedule stays', async () => {
    const hub = await start();
    const bad = await hub.as('family', { method: 'PUT', url: '/api/medication', payload: { medication: [{ name: 'X', at: '08:00', window: '1h', compartment: 5 }] } });
    expect(bad.statusCode).toBe(400);
    expect((bad.json() as { problems: Array<{ path: string }> }).problems.map((p) => p.path)).toEqual(['/rules/medication/0/compartment']);
    const badTime = await hub.as('family', { method: 'PUT', url: '/api/medication', payload: { medication: [{ name: 'X', at: '25:00', window: '1h' }] } });
    expect(badTime.json()).toMatchObject({ error: 'invalid_request', problems: [{ path: '/medication/0/at' }] });
    const stale = await hub.as('family', { method: 'PUT', url: '/api/medication', headers: { 'if-match': '"7"' }, payload: { medication: [] } });
    expect(stale.statusCode).toBe(409);
    for (const role of ['viewer', 'installer'] as const) expect((await hub.as(role, { method: 'PUT', url: '/api/medication', payload: { medication: [] } })).statusCode).toBe(403);
    expect(hub.hub.household.view().household.rules?.medication).toEqual(schedule);
  });
});

describe('GET /api/medication/adherence', () => {
  it('gives each date’s dose records and the totals, for the calendar and a GP report', async () => {
    const hub = await start();
    hub.hub.store.ruleState.recordDose({ dose: 'morning-tablets', date: '2026-01-03', status: 'on-time', at: at('08:05', '2026-01-03') });
    hub.hub.store.ruleState.recordDose({ dose: 'evening-tablets', date: '2026-01-03', status: 'missed', at: at('21:00', '2026-01-03') });
    hub.hub.store.ruleState.recordDose({ dose: 'old-dose', date: '2026-01-04', status: 'double', at: at('08:05', '2026-01-04') });
    hub.hub.store.ruleState.recordDose({ dose: 'morning-tablets', date: '2025-12-01', status: 'late', at: at('10:00', '2025-12-01') });
    const response = await hub.as('viewer', { method: 'GET', url: '/api/medication/adherence?from=2026-01-03&to=2026-01-05' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      timezone: 'Europe/London',
      from: '2026-01-03',
      to: '2026-01-05',
      days: [
        {
          date: '2026-01-03',
          doses: [
            { dose: 'evening-tablets', name: 'Evening tablets', status: 'missed', at: new Date(at('21:00', '2026-01-03')).toISOString() },
            { dose: 'morning-tablets', name: 'Morning tablets', status: 'on-time', at: new Date(at('08:05', '2026-01-03')).toISOString() },
          ],
        },
        { date: '2026-01-04', doses: [{ dose: 'old-dose', name: null, status: 'double', at: new Date(at('08:05', '2026-01-04')).toISOString() }] },
        { date: '2026-01-05', doses: [] },
      ],
      totals: { onTime: 1, late: 0, missed: 1, double: 1 },
    });
    const lastMonth = (await hub.as('owner', { method: 'GET', url: '/api/medication/adherence' })).json() as { from: string; to: string; days: unknown[] };
    expect([lastMonth.from, lastMonth.to, lastMonth.days.length]).toEqual(['2025-12-07', '2026-01-05', 30]);
  });

  it('refuses a backwards or over-long range and impossible dates', async () => {
    const hub = await start();
    expect((await hub.as('owner', { method: 'GET', url: '/api/medication/adherence?from=2026-01-05&to=2026-01-01' })).json()).toMatchObject({ error: 'invalid_range' });
    expect((await hub.as('owner', { method: 'GET', url: '/api/medication/adherence?from=2024-01-01&to=2026-01-01' })).json()).toMatchObject({ error: 'invalid_range' });
    expect((await hub.as('owner', { method: 'GET', url: '/api/medication/adherence?from=2026-13-01' })).json()).toMatchObject({ error: 'invalid_date' });
  });
});

