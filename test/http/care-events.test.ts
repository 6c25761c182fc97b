import { afterEach, describe, expect, it } from 'vitest';
import type { AlertJson } from '../../src/core/alerts.js';
import { door, fix, startCareHub, NAMES, type CareHub } from './care-hub.js';
import { openEventStream, type SseEvent, type SseStream } from './sse-client.js';

/**
 * GET /api/events over a real listening port, read as a phone's EventSource reads it (issue 5,
 * item 7: "SSE events filtered by role"): what each role receives, the audit entry for a stream that
 * carries positions, and the stream ending when the session or the role does.
 */
let t: CareHub | undefined;
const streams: SseStream[] = [];
afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close();
  await t?.stop();
  t = undefined;
});

const NIGHT = Date.UTC(2026, 0, 5, 23, 0);

async function listening(): Promise<{ hub: CareHub; port: number }> {
  const hub = await startCareHub();
  await hub.hub.http.listen({ port: 0, host: '127.0.0.1' });
  const address = hub.hub.http.server.address();
  return { hub, port: typeof address === 'object' && address !== null ? address.port : 0 };
}

async function streamFor(hub: CareHub, port: number, role: keyof CareHub['members']): Promise<SseStream> {
  const stream = await openEventStream(port, { cookie: hub.members[role].cookie });
  streams.push(stream);
  expect(stream.status, role).toBe(200);
  await stream.next((e) => e.event === 'ready');
  return stream;
}

const isAlert = (type: string) => (e: SseEvent) => e.event === 'alert' && (e.data as AlertJson).type === type;

describe('live events', () => {
  it('carries a door reading committed through the hub to an owner, as a door event and a device event', async () => {
    const { hub, port } = await listening();
    t = hub;
    const owner = await streamFor(hub, port, 'owner');
    expect(owner.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(owner.headers['content-security-policy']).toBeDefined();

    await hub.commit([door('front-door', hub.clock.now(), true)]);
    const opened = await owner.next((e) => e.event === 'door');
    expect(opened.data).toEqual({ deviceId: 'front-door', at: new Date(hub.clock.now()).toISOString(), open: true });
    expect(opened.id).toMatch(/^\d+$/);
    const device = await owner.next((e) => e.event === 'device' && (e.data as { id: string }).id === 'front-door');
    expect(device.data).toMatchObject({ id: 'front-door', state: 'open', online: true });
    expect(device.data).not.toHaveProperty('lat');
  });

  it("gives an installer the fault alert and device health, never a position, a door reading or a night exit", async () => {
    const { hub, port } = await listening();
    t = hub;
    const installer = await streamFor(hub, port, 'installer');
    const owner = await streamFor(hub, port, 'owner');
    expect(hub.hub.store.audit.recent(100).filter((e) => e.action === 'location.viewed' && e.userId === hub.members.installer.id)).toEqual([]);

    hub.clock.set(NIGHT);
    await hub.commit([door('front-door', NIGHT, true), fix('mum-phone', NIGHT, 51.52, -0.11)]);
    const silent = hub.raise('sensor-silent', { deviceId: 'back-door', details: { deviceName: 'Back door' } });

    await owner.next(isAlert('night-exit'));
    await owner.next((e) => e.event === 'position');
    const fault = await installer.next(isAlert('sensor-silent'));
    expect((fault.data as AlertJson).id).toBe(silent.id);
    // Positions and door readings are flushed together with device health: once the device events are
    // here, anything else from that flush would be too.
    await installer.next((e) => e.event === 'device' && (e.data as { id: string }).id === 'mum-phone');
    await installer.next((e) => e.event === 'device' && (e.data as { id: string }).id === 'front-door');
    expect(installer.named('position')).toEqual([]);
    expect(installer.named('door')).toEqual([]);
    expect(installer.named('incident')).toEqual([]);
    expect(installer.named('alert').map((e) => (e.data as AlertJson).type)).toEqual(['sensor-silent']);
    expect(JSON.stringify(installer.events)).not.toContain('51.52');
  });

  it('gives a viewer positions and writes the audit entry for it when the stream opens', async () => {
    const { hub, port } = await listening();
    t = hub;
    const viewer = await streamFor(hub, port, 'viewer');
    const audit = hub.hub.store.audit.recent(100).filter((e) => e.action === 'location.viewed');
    expect(audit.map((e) => [e.userId, e.details.via])).toEqual([[hub.members.viewer.id, 'events']]);

    await hub.commit([fix('mum-phone', hub.clock.now(), 51.5075, -0.1279)]);
    const position = await viewer.next((e) => e.event === 'position');
    expect(position.data).toEqual({ deviceId: 'mum-phone', at: new Date(hub.clock.now()).toISOString(), lat: 51.5075, lon: -0.1279, accuracyM: 10 });
  });

  it("shows every member who is on it: an acknowledgement reaches the other members' streams", async () => {
    const { hub, port } = await listening();
    t = hub;
    const alert = hub.raise('night-exit', { deviceId: 'front-door' });
    const owner = await streamFor(hub, port, 'owner');
    const viewer = await streamFor(hub, port, 'viewer');
    const installer = await streamFor(hub, port, 'installer');
    expect((await hub.as('family', { method: 'POST', url: `/api/alerts/${alert.id}/ack` })).statusCode).toBe(200);
    for (const stream of [owner, viewer]) {
      const acked = await stream.next((e) => e.event === 'alert' && (e.data as AlertJson).acknowledgedBy !== null);
      expect((acked.data as AlertJson).acknowledgedBy).toEqual({ id: hub.members.family.id, name: NAMES.family });
      const incident = await stream.next((e) => e.event === 'incident');
      expect(incident.data).toMatchObject({ id: alert.incidentId, acknowledgedBy: { name: NAMES.family } });
    }
    // A care-log note written meanwhile reaches the viewer too; the installer gets neither.
    await hub.as('carer', { method: 'POST', url: '/api/care-log', payload: { kind: 'note', text: 'On my way to the church' } });
    const note = await viewer.next((e) => e.event === 'care-log');
    expect(note.data).toMatchObject({ change: 'added', note: { text: 'On my way to the church', author: { name: NAMES.carer } } });
    await hub.raise('low-battery', { deviceId: 'pillbox' });
    await installer.next(isAlert('low-battery'));
    expect(installer.named('alert').map((e) => (e.data as AlertJson).type)).toEqual(['low-battery']);
    expect(installer.named('care-log')).toEqual([]);
  });

  it("keeps the person's last position in a left-safe-zone alert for a role with positions.read", async () => {
    const { hub, port } = await listening();
    t = hub;
    const owner = await streamFor(hub, port, 'owner');
    hub.raise('left-safe-zone', { deviceId: 'mum-phone', details: { tracker: "Margaret's phone", lat: 51.52, lon: -0.11, accuracyM: 12 } });
    const left = await owner.next(isAlert('left-safe-zone'));
    expect((left.data as AlertJson).details).toMatchObject({ lat: 51.52, lon: -0.11 });
  });
});

describe('when a stream ends', () => {
  it('ends when its person signs out everywhere (the session is revoked)', async () => {
    const { hub, port } = await listening();
    t = hub;
    const owner = await streamFor(hub, port, 'owner');
    const out = await hub.as('owner', { method: 'POST', url: '/api/auth/logout-everywhere' });
    expect(out.statusCode).toBe(200);
    await owner.ended;
    expect(owner.named('end').map((e) => e.data)).toEqual([{ reason: 'session_ended' }]);
    expect(hub.hub.api.care.routes.liveFeed.count()).toBe(0);
    // And the revoked cookie opens no new one.
    const again = await openEventStream(port, { cookie: hub.members.owner.cookie });
    streams.push(again);
    expect(again.status).toBe(401);
  });

  it('ends at once when its person’s role changes, and when an API token is revoked', async () => {
    const { hub, port } = await listening();
    t = hub;
    const carer = await streamFor(hub, port, 'carer');
    const issued = hub.hub.home.apiTokens.issue(hub.members.family.id, 'kitchen tablet');
    const tokenStream = await openEventStream(port, { authorization: `Bearer ${issued.token}` });
    streams.push(tokenStream);
    expect(tokenStream.status).toBe(200);
    await tokenStream.next((e) => e.event === 'ready');

    hub.hub.store.users.setRole(hub.members.carer.id, 'viewer');
    hub.hub.bus.emit('circleChanged', { what: 'members' });
    await carer.ended;
    expect(carer.named('end').map((e) => e.data)).toEqual([{ reason: 'role_changed' }]);

    hub.hub.home.apiTokens.revoke(hub.members.family.id, issued.apiToken.id);
    await tokenStream.ended;
    expect(tokenStream.named('end').map((e) => e.data)).toEqual([{ reason: 'token_revoked' }]);
  });

  it('ends every stream when the hub stops, so it can close', async () => {
    const { hub, port } = await listening();
    t = hub;
    const owner = await streamFor(hub, port, 'owner');
    await hub.stop();
    await owner.ended;
    expect(owner.named('end').map((e) => e.data)).toEqual([{ reason: 'hub_stopping' }]);
  });

  it('refuses a stream to nobody (401)', async () => {
    const { hub, port } = await listening();
    t = hub;
    const anonymous = await openEventStream(port, {});
    streams.push(anonymous);
    expect(anonymous.status).toBe(401);
  });
});
