import { afterEach, describe, expect, it } from 'vitest';
import type { AlertJson } from '../../src/core/alerts.js';
import { T0 } from '../accounts/accounts-hub.js';
import { door, startCareHub, NAMES, type CareHub } from './care-hub.js';

/**
 * Alerts over HTTP (DESIGN.md, "HTTP"; issue 5, item 7; issue 6, item 3): "I'm on it" shown to
 * everyone, resolving with a note, the timeline, faults for installers, and the roles that may act.
 */
type AlertWithTimeline = AlertJson & { timeline: Array<{ at: string; kind: string; by: { id: number | null; name: string } | null; details: Record<string, unknown> }> };

let t: CareHub | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const audit = (hub: CareHub, action: string) => hub.hub.store.audit.recent(1000).filter((e) => e.action === action);

describe("acknowledging: I'm on it", () => {
  it('records the first acknowledger for everyone to see; a second acknowledgement joins the timeline and changes nothing else', async () => {
    t = await startCareHub();
    const alert = t.raise('night-exit', { deviceId: 'front-door' });

    t.clock.advance(60_000);
    const first = await t.as('family', { method: 'POST', url: `/api/alerts/${alert.id}/ack` });
    expect(first.statusCode).toBe(200);
    const acked = first.json<AlertWithTimeline>();
    expect(acked.acknowledgedBy).toEqual({ id: t.members.family.id, name: NAMES.family });
    expect(acked.acknowledgedAt).toBe(new Date(T0 + 60_000).toISOString());
    expect(acked.status).toBe('open');

    t.clock.advance(30_000);
    const second = await t.as('carer', { method: 'POST', url: `/api/alerts/${alert.id}/ack`, payload: {} });
    expect(second.statusCode).toBe(200);
    const again = second.json<AlertWithTimeline>();
    expect(again.acknowledgedBy).toEqual({ id: t.members.family.id, name: NAMES.family });
    expect(again.acknowledgedAt).toBe(new Date(T0 + 60_000).toISOString());
    expect(again.timeline.map((e) => [e.kind, e.by?.name ?? null, e.details.first ?? null])).toEqual([
      ['raised', null, null],
      ['acknowledged', NAMES.family, true],
      ['acknowledged', NAMES.carer, false],
    ]);

    // Every member sees who is on it, the viewer included.
    for (const role of ['owner', 'viewer'] as const) {
      const seen = await t.as(role, { method: 'GET', url: `/api/alerts/${alert.id}` });
      expect(seen.statusCode, role).toBe(200);
      expect(seen.json<AlertJson>().acknowledgedBy?.name, role).toBe(NAMES.family);
      const listed = await t.as(role, { method: 'GET', url: '/api/alerts?status=open' });
      expect(listed.json<{ alerts: AlertJson[] }>().alerts.map((a) => [a.id, a.acknowledgedBy?.name])).toEqual([[alert.id, NAMES.family]]);
    }

    expect(audit(t, 'alert.acknowledged').map((e) => [e.userId, e.target, e.details.first])).toEqual([
      [t.members.carer.id, `alert:${alert.id}`, false],
      [t.members.family.id, `alert:${alert.id}`, true],
    ]);
    // The rules' memory of open alerts carries the acknowledgement too (issue 6's escalation reads it).
    expect(t.hub.alerts.openAlert(alert.key)?.acknowledgedBy).toBe(t.members.family.id);
  });

  it('announces the acknowledgement on the bus with the acknowledger, for MQTT and live views', async () => {
    t = await startCareHub();
    const alert = t.raise('night-exit', { deviceId: 'front-door' });
    const announced: AlertJson[] = [];
    t.hub.bus.on('alertChanged', 'test', ({ alert: changed }) => announced.push(changed));
    const incidents: string[] = [];
    t.hub.bus.on('incidentChanged', 'test', ({ incidentId }) => incidents.push(incidentId));
    await t.as('owner', { method: 'POST', url: `/api/alerts/${alert.id}/ack` });
    expect(announced.map((a) => [a.id, a.acknowledgedBy?.name])).toEqual([[alert.id, NAMES.owner]]);
    expect(incidents).toEqual([alert.incidentId]);
  });

  it('refuses to acknowledge a resolved alert (409) and leaves it as it was', async () => {
    t = await startCareHub();
    const alert = t.raise('door-open-too-long', { deviceId: 'front-door' });
    t.clear(alert.key, 'door closed');
    const response = await t.as('family', { method: 'POST', url: `/api/alerts/${alert.id}/ack` });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({ error: 'alert_resolved', detail: expect.stringContaining('already resolved') });
    const after = t.hub.store.alerts.byId(alert.id);
    expect(after?.acknowledgedAt).toBeNull();
    expect(t.hub.store.alertEvents.forAlert(alert.id).map((e) => e.kind)).toEqual(['raised', 'resolved']);
    expect(audit(t, 'alert.acknowledged')).toEqual([]);
  });

  it('answers 404 for an alert that does not exist, and 400 for an id that cannot be one', async () => {
    t = await startCareHub();
    const missing = await t.as('owner', { method: 'POST', url: '/api/alerts/no-such-alert/ack' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: 'not_found' });
    const odd = await t.as('owner', { method: 'GET', url: `/api/alerts/${'x'.repeat(65)}` });
    expect(odd.statusCode).toBe(400);
    expect(odd.json()).toMatchObject({ error: 'invalid_request' });
    const body = await t.as('owner', { method: 'POST', url: '/api/alerts/no-such-alert/ack', payload: { who: 'me' } });
    expect(body.statusCode).toBe(400);
  });
});

describe('resolving with a note', () => {
  it('needs a note of 1 to 500 characters; without one nothing changes', async () => {
    t = await startCareHub();
    const alert = t.raise('night-exit', { deviceId: 'front-door' });
    for (const payload of [undefined, {}, { note: '' }, { note: 'x'.repeat(501) }, { note: 'fine', extra: 1 }, { note: { text: 'fine' } }]) {
      const response = await t.as('family', { method: 'POST', url: `/api/alerts/${alert.id}/resolve`, ...(payload === undefined ? {} : { payload }) });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json<{ error: string }>().error, JSON.stringify(payload)).toBe('invalid_request');
    }
    const blank = await t.as('family', { method: 'POST', url: `/api/alerts/${alert.id}/resolve`, payload: { note: '   ' } });
    expect(blank.statusCode).toBe(400);
    expect(blank.json()).toMatchObject({ error: 'note_required' });
    expect(t.hub.store.alerts.byId(alert.id)).toMatchObject({ status: 'open', resolvedAt: null, resolution: null, resolvedBy: null });
    expect(audit(t, 'alert.resolved')).toEqual([]);
  });

  it('resolves with who and the note, keeps the timeline, and refuses a second resolution (409)', async () => {
    t = await startCareHub();
    const alert = t.raise('night-exit', { deviceId: 'front-door' });
    await t.as('family', { method: 'POST', url: `/api/alerts/${alert.id}/ack` });
    t.clock.advance(20 * 60_000);
    const response = await t.as('carer', { method: 'POST', url: `/api/alerts/${alert.id}/resolve`, payload: { note: '  found her at the church, home safe ' } });
    expect(response.statusCode).toBe(200);
    const resolved = response.json<AlertWithTimeline>();
    expect(resolved).toMatchObject({
      status: 'resolved',
      resolution: 'found her at the church, home safe',
      resolvedBy: { id: t.members.carer.id, name: NAMES.carer },
      acknowledgedBy: { id: t.members.family.id, name: NAMES.family },
      resolvedAt: new Date(T0 + 20 * 60_000).toISOString(),
    });
    expect(resolved.timeline.map((e) => e.kind)).toEqual(['raised', 'acknowledged', 'resolved']);
    expect(resolved.timeline[2]?.details).toMatchObject({ auto: false, note: 'found her at the church, home safe' });
    expect(audit(t, 'alert.resolved').map((e) => [e.userId, e.target])).toEqual([[t.members.carer.id, `alert:${alert.id}`]]);
    expect(t.hub.alerts.openAlert(alert.key)).toBeUndefined();

    const again = await t.as('owner', { method: 'POST', url: `/api/alerts/${alert.id}/resolve`, payload: { note: 'me too' } });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: 'alert_resolved' });
    expect(t.hub.store.alerts.byId(alert.id)).toMatchObject({ resolution: 'found her at the church, home safe', resolvedBy: t.members.carer.id });
    const ack = await t.as('owner', { method: 'POST', url: `/api/alerts/${alert.id}/ack` });
    expect(ack.statusCode).toBe(409);
  });

  it('closes the incident when its last alert resolves, with who and the note', async () => {
    t = await startCareHub();
    const exit = t.raise('night-exit', { deviceId: 'front-door' });
    t.clock.advance(5 * 60_000);
    const left = t.raise('left-safe-zone', { deviceId: 'mum-phone' });
    expect(left.incidentId).toBe(exit.incidentId);
    const incidentId = exit.incidentId as string;

    await t.as('family', { method: 'POST', url: `/api/alerts/${exit.id}/resolve`, payload: { note: 'door checked' } });
    expect(t.hub.store.incidents.byId(incidentId)?.status).toBe('open');
    await t.as('family', { method: 'POST', url: `/api/alerts/${left.id}/resolve`, payload: { note: 'home safe' } });
    expect(t.hub.store.incidents.byId(incidentId)).toMatchObject({ status: 'closed', closedAt: t.clock.now(), resolvedBy: t.members.family.id, resolution: 'home safe' });
  });

  it('keeps the record when a condition clears by itself: resolved, why, by nobody, in the timeline', async () => {
    t = await startCareHub();
    const alert = t.raise('door-open-too-long', { deviceId: 'front-door' });
    t.clock.advance(3 * 60_000);
    t.clear(alert.key, 'door closed');
    const open = await t.as('family', { method: 'GET', url: '/api/alerts' });
    expect(open.json<{ alerts: AlertJson[] }>().alerts).toEqual([]);
    const resolved = await t.as('family', { method: 'GET', url: '/api/alerts?status=resolved' });
    expect(resolved.json<{ alerts: AlertJson[] }>().alerts.map((a) => [a.id, a.resolution, a.resolvedBy])).toEqual([[alert.id, 'door closed', null]]);
    const detail = (await t.as('viewer', { method: 'GET', url: `/api/alerts/${alert.id}` })).json<AlertWithTimeline>();
    expect(detail.timeline.map((e) => [e.kind, e.by, e.details.auto ?? null, e.details.reason ?? null])).toEqual([
      ['raised', null, null, null],
      ['resolved', null, true, 'door closed'],
    ]);
  });
});

describe('who may act', () => {
  it('refuses viewers and installers (403) on ack and resolve, and changes nothing', async () => {
    t = await startCareHub();
    const alert = t.raise('night-exit', { deviceId: 'front-door' });
    for (const role of ['viewer', 'installer'] as const) {
      for (const action of ['ack', 'resolve']) {
        const response = await t.as(role, { method: 'POST', url: `/api/alerts/${alert.id}/${action}`, payload: { note: 'I should not' } });
        expect(response.statusCode, `${role} ${action}`).toBe(403);
        expect(response.json()).toEqual({ error: 'forbidden' });
      }
    }
    expect(t.hub.store.alerts.byId(alert.id)).toMatchObject({ status: 'open', acknowledgedAt: null });
    expect(t.hub.store.alertEvents.forAlert(alert.id)).toHaveLength(1);
    for (const role of ['owner', 'family', 'carer'] as const) {
      expect((await t.as(role, { method: 'POST', url: `/api/alerts/${alert.id}/ack` })).statusCode, role).toBe(200);
    }
  });

  it('shows installers sensor faults at /api/faults, and no other alert anywhere', async () => {
    t = await startCareHub();
    const silent = t.raise('sensor-silent', { deviceId: 'back-door', details: { deviceName: 'Back door', heartbeat: '26h' } });
    t.clock.advance(1000);
    const battery = t.raise('low-battery', { deviceId: 'pillbox', details: { deviceName: 'Pill box', battery: 12 } });
    t.raise('night-exit', { deviceId: 'front-door' });
    t.raise('missed-dose');

    expect((await t.as('installer', { method: 'GET', url: '/api/alerts' })).statusCode).toBe(403);
    expect((await t.as('installer', { method: 'GET', url: `/api/alerts/${silent.id}` })).statusCode).toBe(403);
    const faults = await t.as('installer', { method: 'GET', url: '/api/faults' });
    expect(faults.statusCode).toBe(200);
    expect(faults.json<{ alerts: AlertJson[] }>().alerts.map((a) => a.id)).toEqual([battery.id, silent.id]);
    const onlyBattery = await t.as('installer', { method: 'GET', url: '/api/faults?type=low-battery' });
    expect(onlyBattery.json<{ alerts: AlertJson[] }>().alerts.map((a) => a.id)).toEqual([battery.id]);
    expect((await t.as('installer', { method: 'GET', url: '/api/faults?type=night-exit' })).statusCode).toBe(400);
    // Everyone else sees every alert at /api/alerts.
    expect((await t.as('viewer', { method: 'GET', url: '/api/alerts' })).json<{ alerts: AlertJson[] }>().alerts).toHaveLength(4);
  });
});

describe('lists', () => {
  it('pages newest first with limit and before, and refuses a cursor it did not make', async () => {
    t = await startCareHub();
    const raised = [];
    for (let i = 0; i < 5; i++) {
      raised.push(t.raise('missed-dose'));
      t.clock.advance(60_000);
    }
    const seen: string[] = [];
    let before: string | null = null;
    for (let page = 0; page < 5; page++) {
      const response = await t.as('carer', { method: 'GET', url: `/api/alerts?status=all&limit=2${before === null ? '' : `&before=${before}`}` });
      expect(response.statusCode).toBe(200);
      const body = response.json<{ alerts: AlertJson[]; nextBefore: string | null }>();
      seen.push(...body.alerts.map((a) => a.id));
      before = body.nextBefore;
      if (before === null) break;
    }
    expect(seen).toEqual(raised.map((a) => a.id).reverse());
    for (const url of ['/api/alerts?before=yesterday', '/api/alerts?limit=0', '/api/alerts?limit=201', '/api/alerts?status=maybe', '/api/alerts?type=fire', '/api/alerts?colour=red']) {
      const response = await t.as('carer', { method: 'GET', url });
      expect(response.statusCode, url).toBe(400);
      expect(response.json<{ error: string }>().error, url).toBe('invalid_request');
    }
  });

  it('filters by type', async () => {
    t = await startCareHub();
    const exit = t.raise('night-exit', { deviceId: 'front-door' });
    t.raise('missed-dose');
    const response = await t.as('owner', { method: 'GET', url: '/api/alerts?type=night-exit' });
    expect(response.json<{ alerts: AlertJson[] }>().alerts.map((a) => a.id)).toEqual([exit.id]);
  });

  it("writes a location view to the audit log when an alert shows the person's last position", async () => {
    t = await startCareHub();
    const left = t.raise('left-safe-zone', { deviceId: 'mum-phone', details: { tracker: "Margaret's phone", lat: 51.52, lon: -0.11, accuracyM: 12 } });
    t.raise('missed-dose');
    const before = audit(t, 'location.viewed').length;
    const response = await t.as('family', { method: 'GET', url: `/api/alerts/${left.id}` });
    expect(response.json<AlertJson>().details).toMatchObject({ lat: 51.52, lon: -0.11 });
    const entries = audit(t, 'location.viewed');
    expect(entries).toHaveLength(before + 1);
    expect(entries[0]).toMatchObject({ userId: t.members.family.id, target: `alert:${left.id}`, details: { via: 'alert', alertIds: [left.id] } });
    // A list without a located alert is not a location view.
    await t.as('family', { method: 'GET', url: '/api/alerts?type=missed-dose' });
    expect(audit(t, 'location.viewed')).toHaveLength(before + 1);
  });
});

describe('alerts raised by real readings', () => {
  it('a night door opening committed through the hub is an alert with its raised entry, acknowledged over HTTP', async () => {
    t = await startCareHub();
    t.clock.set(Date.UTC(2026, 0, 5, 23, 10));
    await t.commit([door('front-door', t.clock.now(), true)]);
    const listed = (await t.as('owner', { method: 'GET', url: '/api/alerts?type=night-exit' })).json<{ alerts: AlertJson[] }>().alerts;
    expect(listed).toHaveLength(1);
    const id = (listed[0] as AlertJson).id;
    const acked = await t.as('carer', { method: 'POST', url: `/api/alerts/${id}/ack` });
    expect(acked.json<AlertWithTimeline>().timeline.map((e) => e.kind)).toEqual(['raised', 'acknowledged']);
  });
});
