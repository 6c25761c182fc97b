import { afterEach, describe, expect, it } from 'vitest';
import type { AlertJson } from '../../src/core/alerts.js';
import { door, fix, startCareHub, NAMES, type CareHub } from './care-hub.js';

/**
 * Incidents (issue 6, items 3 and 5): the list, the incident page with everything a responder needs,
 * its audit entry for the track, and acting on all of an incident's alerts at once.
 */
interface IncidentJson {
  id: string;
  status: string;
  acknowledgedBy: { id: number | null; name: string } | null;
  resolvedBy: { id: number | null; name: string } | null;
  resolution: string | null;
  alertCount: number;
  openAlertCount: number;
  alertTypes: string[];
}

interface IncidentPage {
  incident: IncidentJson;
  window: { from: string; to: string };
  person: { name: string; description: string | null; likelyPlaces: string[]; calming: string[]; triggers: string[] };
  alerts: Array<AlertJson & { timeline: Array<{ kind: string }> }>;
  doorEvents: Array<{ deviceId: string; at: string; open: boolean }>;
  track?: Array<{ deviceId: string; at: string; lat: number; lon: number }>;
  truncated: boolean;
  notes: Array<{ text: string; author: { name: string } | null }>;
}

let t: CareHub | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const MIN = 60_000;
const NIGHT = Date.UTC(2026, 0, 5, 23, 0);

/** A wandering night: a door event before the lead-in, one inside it, the night exit, the track, and leaving the zone. */
async function wanderingNight(hub: CareHub) {
  hub.clock.set(NIGHT - 20 * MIN);
  await hub.commit([door('front-door', hub.clock.now(), false)]); // before the lead-in: not on the page
  hub.clock.set(NIGHT - 10 * MIN);
  await hub.commit([door('garden-door', hub.clock.now(), true)]); // not an exit door: not on the page
  hub.clock.set(NIGHT);
  await hub.commit([door('front-door', NIGHT, true)]); // the night exit
  const exit = hub.hub.store.alerts.list({ status: 'open', type: 'night-exit', limit: 1 })[0];
  if (exit === undefined) throw new Error('no night exit');
  hub.clock.set(NIGHT + 2 * MIN);
  await hub.commit([door('front-door', hub.clock.now(), false), fix('mum-phone', hub.clock.now(), 51.5072, -0.1276)]);
  hub.clock.set(NIGHT + 6 * MIN);
  await hub.commit([fix('mum-phone', hub.clock.now(), 51.515, -0.12)]);
  const left = hub.raise('left-safe-zone', { deviceId: 'mum-phone', details: { lat: 51.515, lon: -0.12 } });
  return { exit, left, incidentId: exit.incidentId as string };
}

describe('the incident page', () => {
  it('holds the alerts and timelines, exit-door events from 15 minutes before, the track, the notes and what helps find and calm her', async () => {
    t = await startCareHub();
    const { exit, left, incidentId } = await wanderingNight(t);
    expect(left.incidentId).toBe(incidentId);
    await t.as('family', { method: 'POST', url: `/api/alerts/${exit.id}/ack` });
    await t.as('carer', { method: 'POST', url: '/api/care-log', payload: { kind: 'note', text: 'Checked the garden, not there', incidentId } });
    await t.as('carer', { method: 'POST', url: '/api/care-log', payload: { kind: 'note', text: 'Unrelated note' } });

    t.clock.set(NIGHT + 30 * MIN);
    const response = await t.as('viewer', { method: 'GET', url: `/api/incidents/${incidentId}` });
    expect(response.statusCode).toBe(200);
    const page = response.json<IncidentPage>();
    expect(page.incident).toMatchObject({ id: incidentId, status: 'open', alertCount: 2, openAlertCount: 2, alertTypes: ['left-safe-zone', 'night-exit'], acknowledgedBy: { name: NAMES.family } });
    expect(page.window).toEqual({ from: new Date(NIGHT - 15 * MIN).toISOString(), to: new Date(NIGHT + 30 * MIN).toISOString() });
    expect(page.person).toEqual({
      name: 'Margaret',
      description: "5'4\", grey coat, walks with a stick",
      likelyPlaces: ["St Mary's church", 'the bus stop on Mill Lane'],
      calming: ['Talk about her garden'],
      triggers: ['Loud noises'],
    });
    expect(page.alerts.map((a) => [a.type, a.timeline.map((e) => e.kind)])).toEqual([
      ['night-exit', ['raised', 'acknowledged']],
      ['left-safe-zone', ['raised']],
    ]);
    expect(page.doorEvents.map((e) => [e.deviceId, e.at, e.open])).toEqual([
      ['front-door', new Date(NIGHT).toISOString(), true],
      ['front-door', new Date(NIGHT + 2 * MIN).toISOString(), false],
    ]);
    expect(page.track?.map((f) => [f.deviceId, f.at, f.lat])).toEqual([
      ['mum-phone', new Date(NIGHT + 2 * MIN).toISOString(), 51.5072],
      ['mum-phone', new Date(NIGHT + 6 * MIN).toISOString(), 51.515],
    ]);
    expect(page.notes.map((n) => [n.text, n.author?.name])).toEqual([['Checked the garden, not there', NAMES.carer]]);
    expect(page.truncated).toBe(false);

    // Viewing the track is viewing her location: one audit entry naming the incident and the window.
    const viewed = t.hub.store.audit.recent(100).filter((e) => e.action === 'location.viewed');
    expect(viewed).toHaveLength(1);
    expect(viewed[0]).toMatchObject({ userId: t.members.viewer.id, target: `incident:${incidentId}`, details: { via: 'incident', incidentId, from: page.window.from, to: page.window.to, fixes: 2 } });
  });

  it('leaves the track and alert positions out, rather than refusing, for someone who may not see her location (and audits nothing)', async () => {
    t = await startCareHub();
    const { incidentId } = await wanderingNight(t);
    const page = t.hub.api.care.routes.incidents.page(incidentId, { userId: t.members.viewer.id, seesLocation: false });
    expect(page.track).toBeUndefined();
    expect(page.doorEvents).toHaveLength(2);
    const left = page.alerts.find((a) => a.type === 'left-safe-zone');
    expect(left?.details.lat).toBeUndefined();
    expect(left?.details.lon).toBeUndefined();
    expect(t.hub.store.audit.recent(100).filter((e) => e.action === 'location.viewed')).toEqual([]);
  });

  it('is refused to installers, and answers 404 for an unknown incident', async () => {
    t = await startCareHub();
    const { incidentId } = await wanderingNight(t);
    expect((await t.as('installer', { method: 'GET', url: `/api/incidents/${incidentId}` })).statusCode).toBe(403);
    expect((await t.as('installer', { method: 'GET', url: '/api/incidents' })).statusCode).toBe(403);
    const missing = await t.as('owner', { method: 'GET', url: '/api/incidents/not-an-incident' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: 'not_found' });
  });
});

describe('incident list and actions', () => {
  it('lists open incidents, then closed ones, newest first', async () => {
    t = await startCareHub();
    const first = t.raise('night-exit', { deviceId: 'front-door' });
    t.clock.advance(2 * 60 * MIN); // beyond the hour: a new incident
    const second = t.raise('night-exit', { deviceId: 'back-door' });
    expect(second.incidentId).not.toBe(first.incidentId);
    const open = (await t.as('carer', { method: 'GET', url: '/api/incidents' })).json<{ incidents: IncidentJson[] }>();
    expect(open.incidents.map((i) => i.id)).toEqual([second.incidentId, first.incidentId]);
    await t.as('carer', { method: 'POST', url: `/api/incidents/${first.incidentId}/resolve`, payload: { note: 'false alarm, visitor leaving' } });
    expect((await t.as('carer', { method: 'GET', url: '/api/incidents?status=open' })).json<{ incidents: IncidentJson[] }>().incidents.map((i) => i.id)).toEqual([second.incidentId]);
    expect((await t.as('carer', { method: 'GET', url: '/api/incidents?status=closed' })).json<{ incidents: IncidentJson[] }>().incidents.map((i) => i.id)).toEqual([first.incidentId]);
    const paged = (await t.as('carer', { method: 'GET', url: '/api/incidents?status=all&limit=1' })).json<{ incidents: IncidentJson[]; nextBefore: string }>();
    expect(paged.incidents.map((i) => i.id)).toEqual([second.incidentId]);
    const next = (await t.as('carer', { method: 'GET', url: `/api/incidents?status=all&limit=1&before=${paged.nextBefore}` })).json<{ incidents: IncidentJson[] }>();
    expect(next.incidents.map((i) => i.id)).toEqual([first.incidentId]);
    expect((await t.as('carer', { method: 'GET', url: '/api/incidents?status=resolved' })).statusCode).toBe(400);
  });

  it('acknowledges every open alert of an incident, then resolves them all with one note and closes it', async () => {
    t = await startCareHub();
    const exit = t.raise('night-exit', { deviceId: 'front-door' });
    t.clock.advance(MIN);
    const left = t.raise('left-safe-zone', { deviceId: 'mum-phone' });
    t.clock.advance(MIN);
    const silent = t.raise('tracker-silent', { deviceId: 'mum-phone' });
    t.clear(silent.key, 'heard again');
    const incidentId = exit.incidentId as string;

    const ack = await t.as('family', { method: 'POST', url: `/api/incidents/${incidentId}/ack` });
    expect(ack.statusCode).toBe(200);
    expect(ack.json<IncidentJson>()).toMatchObject({ status: 'open', acknowledgedBy: { id: t.members.family.id, name: NAMES.family }, openAlertCount: 2 });
    for (const alert of [exit, left]) expect(t.hub.store.alerts.byId(alert.id)?.acknowledgedBy).toBe(t.members.family.id);
    expect(t.hub.store.alerts.byId(silent.id)?.acknowledgedAt).toBeNull();

    const refused = await t.as('viewer', { method: 'POST', url: `/api/incidents/${incidentId}/resolve`, payload: { note: 'no' } });
    expect(refused.statusCode).toBe(403);
    const noNote = await t.as('family', { method: 'POST', url: `/api/incidents/${incidentId}/resolve`, payload: {} });
    expect(noNote.statusCode).toBe(400);
    expect(t.hub.store.incidents.byId(incidentId)?.status).toBe('open');

    const resolved = await t.as('owner', { method: 'POST', url: `/api/incidents/${incidentId}/resolve`, payload: { note: 'found her at the church, home safe' } });
    expect(resolved.statusCode).toBe(200);
    expect(resolved.json<IncidentJson>()).toMatchObject({
      status: 'closed',
      openAlertCount: 0,
      resolution: 'found her at the church, home safe',
      resolvedBy: { id: t.members.owner.id, name: NAMES.owner },
      acknowledgedBy: { name: NAMES.family },
    });
    for (const alert of [exit, left]) expect(t.hub.store.alerts.byId(alert.id)).toMatchObject({ status: 'resolved', resolvedBy: t.members.owner.id, resolution: 'found her at the church, home safe' });
    // The alert that had cleared by itself keeps its own record.
    expect(t.hub.store.alerts.byId(silent.id)).toMatchObject({ resolution: 'heard again', resolvedBy: null });
    const actions = t.hub.store.audit.recent(100).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['incident.acknowledged', 'incident.resolved']));

    for (const action of ['ack', 'resolve']) {
      const again = await t.as('family', { method: 'POST', url: `/api/incidents/${incidentId}/${action}`, ...(action === 'resolve' ? { payload: { note: 'again' } } : {}) });
      expect(again.statusCode, action).toBe(409);
      expect(again.json()).toMatchObject({ error: 'incident_closed' });
    }
  });
});
