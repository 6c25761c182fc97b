import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { householdWith, startHomeHub, type HomeHub } from './home-fixture.js';

/** Devices and bridges over HTTP: health for everyone, provisioning for installers, never a coordinate. */
let t: HomeHub;
beforeEach(async () => {
  t = await startHomeHub({
    household: householdWith((h) => {
      h.bridges = [{ id: 'zigbee', source: 'zigbee2mqtt', baseTopic: 'zigbee2mqtt' }];
      h.devices!.push({ id: 'kitchen-door', name: 'Kitchen door', kind: 'door', source: 'zigbee2mqtt', bridge: 'zigbee', topic: 'zigbee2mqtt/Kitchen Door' });
      h.devices!.push({ id: 'mum-tracker', name: 'GPS tracker', kind: 'tracker', source: 'traccar', heartbeat: '30m' });
    }),
  });
});
afterEach(async () => {
  await t.stop();
});

const deviceIds = () => (t.hub.household.view().household.devices ?? []).map((d) => d.id);

describe('GET /api/devices', () => {
  it('shows every role each device’s health and problems, and never a coordinate', async () => {
    t.ingest([
      { kind: 'door', deviceId: 'front-door', at: t.clock.now(), atFromDevice: false, open: true, battery: 12, linkQuality: 140 },
      { kind: 'position', deviceId: 'mum-phone', at: t.clock.now(), atFromDevice: false, lat: 51.5123, lon: -0.1234, accuracyM: 8, battery: 80 },
    ]);
    for (const role of ['owner', 'family', 'carer', 'installer', 'viewer'] as const) {
      const response = await t.as(role, { method: 'GET', url: '/api/devices' });
      expect(response.statusCode, role).toBe(200);
      expect(response.body).not.toMatch(/51\.51|0\.123|"lat"|"lon"/);
    }
    const { devices } = (await t.as('installer', { method: 'GET', url: '/api/devices' })).json() as { devices: Array<Record<string, unknown>> };
    const front = devices.find((d) => d.id === 'front-door');
    expect(front).toMatchObject({ kind: 'door', source: 'native', online: true, battery: 12, signal: 140, state: 'open', exit: true, heartbeat: '26h', lastSeen: new Date(t.clock.now()).toISOString() });
    expect(front?.problems).toEqual([{ code: 'low-battery', detail: 'battery at 12 % (below 20 %)' }]);
    expect(devices.find((d) => d.id === 'mum-phone')).toMatchObject({ state: 'reporting', problems: [] });
    expect(devices.find((d) => d.id === 'back-door')?.problems).toEqual([{ code: 'never-heard', detail: 'no message from it since it was added' }]);
    expect(devices.find((d) => d.id === 'kitchen-door')).toMatchObject({ bridge: 'zigbee', topic: 'zigbee2mqtt/Kitchen Door' });
  });

  it('calls a device past its heartbeat offline', async () => {
    t.ingest([{ kind: 'door', deviceId: 'front-door', at: t.clock.now(), atFromDevice: false, open: false }]);
    t.clock.advance(27 * 3_600_000);
    const { devices } = (await t.as('installer', { method: 'GET', url: '/api/devices' })).json() as { devices: Array<{ id: string; online: boolean; problems: Array<{ code: string }> }> };
    const front = devices.find((d) => d.id === 'front-door')!;
    expect(front.online).toBe(false);
    expect(front.problems.map((p) => p.code)).toEqual(['offline']);
  });
});

describe('GET /api/devices/discovered', () => {
  it('lists what the broker saw that no device claims, for installers and the owner only', async () => {
    t.hub.store.discovery.record({ topic: 'zigbee2mqtt/Hall Window', source: 'zigbee2mqtt', bridgeId: 'zigbee', suggested: { name: 'Hall Window', source: 'zigbee2mqtt', bridge: 'zigbee', topic: 'zigbee2mqtt/Hall Window' } }, t.clock.now());
    t.hub.store.discovery.record({ topic: 'zigbee2mqtt/Kitchen Door', source: 'zigbee2mqtt', bridgeId: 'zigbee', suggested: { name: 'Kitchen Door' } }, t.clock.now());
    const response = await t.as('installer', { method: 'GET', url: '/api/devices/discovered' });
    expect(response.statusCode).toBe(200);
    const { devices } = response.json() as { devices: Array<{ topic: string; suggested: { id: string } }> };
    expect(devices.map((d) => d.topic)).toEqual(['zigbee2mqtt/Hall Window']);
    expect(devices[0]?.suggested.id).toBe('hall-window');
    for (const role of ['family', 'carer', 'viewer'] as const) expect((await t.as(role, { method: 'GET', url: '/api/devices/discovered' })).statusCode, role).toBe(403);
  });
});

describe('adding, changing and removing devices', () => {
  const hallWindow = { id: 'hall-window', name: 'Hall window', kind: 'door', source: 'zigbee2mqtt', bridge: 'zigbee', topic: 'zigbee2mqtt/Hall Window' };

  it('lets an installer (without household.write) add, change and remove a device; only devices change; each audited', async () => {
    const person = t.hub.household.view().household.person;
    const added = await t.as('installer', { method: 'POST', url: '/api/devices', payload: hallWindow });
    expect(added.statusCode, added.body).toBe(201);
    expect(added.json()).toEqual({ device: hallWindow, revision: 2 });
    expect(deviceIds()).toContain('hall-window');

    const changed = await t.as('installer', { method: 'PUT', url: '/api/devices/hall-window', headers: { 'if-match': '"2"' }, payload: { ...hallWindow, id: undefined, name: 'Landing window', heartbeat: '26h' } });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(t.hub.household.view().devicesById.get('hall-window')).toMatchObject({ name: 'Landing window', heartbeat: '26h' });

    const removed = await t.as('installer', { method: 'DELETE', url: '/api/devices/hall-window' });
    expect(removed.statusCode).toBe(204);
    expect(deviceIds()).not.toContain('hall-window');
    expect(t.hub.household.view().household.person).toEqual(person);

    const installer = t.users.get('installer')!.id;
    expect(t.audited('device.added')).toEqual([{ userId: installer, target: 'device:hall-window', details: { kind: 'door', source: 'zigbee2mqtt', revision: 2 } }]);
    expect(t.audited('device.changed')[0]?.details).toEqual({ fields: ['heartbeat', 'name'], revision: 3 });
    expect(t.audited('device.removed')).toEqual([{ userId: installer, target: 'device:hall-window', details: { revision: 4 } }]);
  });

  it('refuses a device whose id is taken (409), an invalid one (400 naming the field), and unknown ids (404); nothing changes', async () => {
    const before = t.revision();
    const taken = await t.as('installer', { method: 'POST', url: '/api/devices', payload: { ...hallWindow, id: 'zigbee' } });
    expect(taken.statusCode).toBe(409);
    expect(taken.json()).toMatchObject({ error: 'id_taken' });
    const noBridge = await t.as('installer', { method: 'POST', url: '/api/devices', payload: { ...hallWindow, bridge: 'nowhere' } });
    expect(noBridge.statusCode).toBe(400);
    expect((noBridge.json() as { problems: Array<{ path: string }> }).problems.map((p) => p.path)).toContain('/devices/6/bridge');
    const badKind = await t.as('installer', { method: 'POST', url: '/api/devices', payload: { ...hallWindow, kind: 'kettle' } });
    expect(badKind.statusCode).toBe(400);
    expect(badKind.json()).toMatchObject({ error: 'invalid_request' });
    expect((await t.as('installer', { method: 'PUT', url: '/api/devices/no-such', payload: { name: 'x', kind: 'door', source: 'native' } })).json()).toMatchObject({ error: 'device_unknown' });
    expect((await t.as('installer', { method: 'DELETE', url: '/api/devices/no-such' })).statusCode).toBe(404);
    const stale = await t.as('installer', { method: 'DELETE', url: '/api/devices/back-door', headers: { 'if-match': '"0"' } });
    expect(stale.statusCode).toBe(409);
    expect(t.revision()).toBe(before);
    expect(deviceIds()).toContain('back-door');
  });

  it('refuses family, carers and viewers', async () => {
    for (const role of ['family', 'carer', 'viewer'] as const) {
      expect((await t.as(role, { method: 'POST', url: '/api/devices', payload: hallWindow })).statusCode, role).toBe(403);
      expect((await t.as(role, { method: 'DELETE', url: '/api/devices/back-door' })).statusCode, role).toBe(403);
    }
    expect(deviceIds()).toContain('back-door');
  });

  it('manages bridges too, and will not remove one a device still uses', async () => {
    const inUse = await t.as('installer', { method: 'DELETE', url: '/api/bridges/zigbee' });
    expect(inUse.statusCode).toBe(409);
    expect(inUse.json()).toMatchObject({ error: 'bridge_in_use' });
    const added = await t.as('installer', { method: 'POST', url: '/api/bridges', payload: { id: 'tasmota', source: 'tasmota', baseTopic: 'tele' } });
    expect(added.statusCode, added.body).toBe(201);
    expect((await t.as('installer', { method: 'PUT', url: '/api/bridges/tasmota', payload: { source: 'tasmota', baseTopic: 'tasmota' } })).statusCode).toBe(200);
    const { bridges } = (await t.as('viewer', { method: 'GET', url: '/api/bridges' })).json() as { bridges: Array<{ id: string; baseTopic: string; devices: number }> };
    expect(bridges).toEqual([
      expect.objectContaining({ id: 'zigbee', devices: 1 }),
      expect.objectContaining({ id: 'tasmota', baseTopic: 'tasmota', devices: 0 }),
    ]);
    expect((await t.as('installer', { method: 'DELETE', url: '/api/bridges/tasmota' })).statusCode).toBe(204);
    expect(t.audited('bridge.removed')).toHaveLength(1);
  });
});

describe('credentials', () => {
  it('shows a device’s credential to an installer, never cached, and audits the view', async () => {
    const response = await t.as('installer', { method: 'GET', url: '/api/devices/front-door/credentials' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(t.hub.credentials.reveal('front-door'));
    expect(response.headers['cache-control']).toBe('no-store');
    expect(t.audited('credentials.viewed')).toEqual([{ userId: t.users.get('installer')!.id, target: 'device:front-door', details: {} }]);
  });

  it('gives a Traccar tracker its OsmAnd identifier, and a bridged device its bridge’s name instead', async () => {
    const tracker = (await t.as('owner', { method: 'GET', url: '/api/devices/mum-tracker/credentials' })).json() as { password: string; osmandId: string };
    expect(tracker.osmandId).toBe(tracker.password);
    expect(t.hub.credentials.verify('mum-tracker', tracker.osmandId)).toBe(true);
    const bridged = await t.as('installer', { method: 'GET', url: '/api/devices/kitchen-door/credentials' });
    expect(bridged.statusCode).toBe(409);
    expect(bridged.json()).toMatchObject({ error: 'reached_through_bridge' });
    const bridge = await t.as('installer', { method: 'GET', url: '/api/bridges/zigbee/credentials' });
    expect(bridge.json()).toEqual(t.hub.credentials.reveal('zigbee'));
  });

  it('refuses everyone but installers and the owner', async () => {
    for (const role of ['family', 'carer', 'viewer'] as const) {
      const response = await t.as(role, { method: 'GET', url: '/api/devices/front-door/credentials' });
      expect(response.statusCode, role).toBe(403);
      expect(response.body).not.toContain(t.hub.credentials.reveal('front-door')!.password);
    }
    expect(t.audited('credentials.viewed')).toEqual([]);
  });
});
