import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Household } from '../../src/core/household.js';
import { countRows } from '../support/database-file.js';
import { connectClient } from '../support/mqtt-clients.js';
import { startTestHub, type TestHub } from '../support/test-hub.js';

const run = promisify(execFile);

interface Fixture {
  topic?: string;
  payload?: unknown;
  body?: unknown;
  query?: Record<string, string>;
  method?: 'GET' | 'POST';
  retain?: boolean;
}

function fixture(source: string, name: string): Fixture {
  return JSON.parse(readFileSync(new URL(`../../devices/${source}/fixtures/${name}.json`, import.meta.url), 'utf8')) as Fixture;
}

function payloadText(f: Fixture): string {
  return typeof f.payload === 'string' ? f.payload : JSON.stringify(f.payload);
}

/** One household with a device of every source, each claimed by the topic its fixtures use. */
const household: Household = {
  home: { name: 'Every sensor', timezone: 'Europe/London' },
  person: { name: 'Margaret' },
  bridges: [
    { id: 'zigbee', source: 'zigbee2mqtt', baseTopic: 'zigbee2mqtt' },
    { id: 'sonoff-zb', source: 'tasmota', baseTopic: 'SonoffZB' },
    { id: 'blu-gw', source: 'shelly', baseTopic: 'blu-gateway' },
  ],
  devices: [
    { id: 'window-a', name: 'Window A', kind: 'door', source: 'zigbee2mqtt', bridge: 'zigbee', topic: 'zigbee2mqtt/window-a' },
    { id: 'bedroom-window', name: 'Bedroom window', kind: 'door', source: 'zigbee2mqtt', bridge: 'zigbee', topic: 'zigbee2mqtt/Bedroom Window' },
    { id: 'door-sensor', name: 'Kitchen door', kind: 'door', source: 'tasmota', bridge: 'sonoff-zb', topic: 'SonoffZB/door_sensor' },
    { id: 'front-door', name: 'Front door', kind: 'door', source: 'shelly', topic: 'shellies/shellydw2-A1B2C3', exit: true },
    { id: 'patio-door', name: 'Patio door', kind: 'door', source: 'shelly', bridge: 'blu-gw', topic: 'blu-gateway/3c:2e:f5:71:d5:2a' },
    { id: 'mum-phone', name: "Margaret's phone", kind: 'tracker', source: 'owntracks', topic: 'owntracks/margaret/phone' },
    { id: 'mum-tracker', name: 'GPS watch', kind: 'tracker', source: 'traccar' },
  ],
};

describe('every device source end to end', () => {
  let t: TestHub;
  let base: string;
  beforeAll(async () => {
    t = await startTestHub({ household });
    base = `http://127.0.0.1:${t.httpPort}`;
  });
  afterAll(async () => {
    await t.stop();
  });

  async function mosquittoPub(username: string, f: Fixture): Promise<void> {
    const { password } = t.credential(username);
    const args = ['-h', '127.0.0.1', '-p', String(t.mqttPort), '-q', '1', '-u', username, '-P', password, '-t', f.topic!, '-m', payloadText(f)];
    if (f.retain) args.push('-r');
    await run('mosquitto_pub', args);
  }

  it("takes Zigbee2MQTT fixtures from Debian's mosquitto_pub under the bridge's credential", async () => {
    await mosquittoPub('zigbee', fixture('zigbee2mqtt', 'state-mccgq11lm-open'));
    await mosquittoPub('zigbee', fixture('zigbee2mqtt', 'state-snzb04p-with-update'));
    // Retained availability (as Zigbee2MQTT always publishes it) and bridge state are accepted, not stored as readings.
    await mosquittoPub('zigbee', fixture('zigbee2mqtt', 'availability-json-offline'));
    await mosquittoPub('zigbee', fixture('zigbee2mqtt', 'bridge-state-legacy'));
    expect(countRows(t.dataDir, 'door_readings')).toBe(2);
    const state = t.hub.home.deviceStatuses(t.hub.commit.states(), Date.now());
    expect(state.find((d) => d.id === 'window-a')).toMatchObject({ online: false });
    expect(state.find((d) => d.id === 'bedroom-window')).toMatchObject({ state: 'closed' });
    // The bridge itself said it is online (bridge/state), and was heard from.
    expect(t.hub.store.bridges.all().find((b) => b.id === 'zigbee')).toMatchObject({ online: true, lastSeenAt: expect.any(Number) });
  });

  it("records a bridge going offline from its own state topic (Tasmota's LWT)", async () => {
    const bridge = await connectClient(t.mqttUrl, { ...t.credential('sonoff-zb'), clientId: 'SonoffZB-lwt' });
    const f = fixture('tasmota', 'lwt-offline-bridge');
    await bridge.publishAsync(f.topic!, payloadText(f), { qos: 1, retain: true });
    await bridge.endAsync();
    expect(t.hub.store.bridges.all().find((b) => b.id === 'sonoff-zb')).toMatchObject({ online: false });
  });

  it('takes OwnTracks fixtures from mosquitto_pub in MQTT mode', async () => {
    const location = fixture('owntracks', 'android-location-extended');
    await mosquittoPub('mum-phone', { ...location, topic: 'owntracks/margaret/phone' });
    expect(countRows(t.dataDir, 'position_readings')).toBe(1);
    await mosquittoPub('mum-phone', { ...fixture('owntracks', 'booklet-lwt'), topic: 'owntracks/margaret/phone' });
    const phone = t.hub.home.deviceStatuses(t.hub.commit.states(), Date.now()).find((d) => d.id === 'mum-phone');
    expect(phone?.online).toBe(false);
  });

  it('takes OwnTracks HTTP mode with HTTP Basic and answers with a JSON array', async () => {
    const { username, password } = t.credential('mum-phone');
    const body = fixture('owntracks', 'booklet-http-minimal-location').body ?? fixture('owntracks', 'booklet-http-minimal-location').payload;
    const response = await fetch(`${base}/ingest/owntracks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([]);
    expect(countRows(t.dataDir, 'position_readings')).toBe(2);
  });

  it('refuses OwnTracks HTTP without the right credential (401) and stores nothing', async () => {
    const before = countRows(t.dataDir, 'position_readings');
    const response = await fetch(`${base}/ingest/owntracks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from('mum-phone:wrong').toString('base64')}` },
      body: JSON.stringify({ _type: 'location', lat: 51.5, lon: -0.1, tst: 1_790_000_000 }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect(countRows(t.dataDir, 'position_readings')).toBe(before);
  });

  it('takes Traccar Client / OsmAnd by its secret identifier (query and JSON), and refuses an unknown one', async () => {
    const secret = t.credential('mum-tracker').password;
    const before = countRows(t.dataDir, 'position_readings');
    const query = { ...fixture('traccar', 'traccar-test-query-seconds').query, id: secret };
    const get = await fetch(`${base}/ingest/osmand?${new URLSearchParams(query).toString()}`);
    expect(get.status).toBe(200);
    const json = fixture('traccar', 'traccar-test-json-client');
    const post = await fetch(`${base}/ingest/osmand`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...(json.body as object), device_id: secret }),
    });
    expect(post.status).toBe(200);
    expect(countRows(t.dataDir, 'position_readings')).toBe(before + 2);
    const stranger = await fetch(`${base}/ingest/osmand?${new URLSearchParams({ ...query, id: '123456' }).toString()}`);
    expect(stranger.status).toBe(401);
    expect(countRows(t.dataDir, 'position_readings')).toBe(before + 2);
  });

  it('takes the OsmAnd form-encoded POST too', async () => {
    const secret = t.credential('mum-tracker').password;
    const before = countRows(t.dataDir, 'position_readings');
    const response = await fetch(`${base}/ingest/osmand`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ id: secret, lat: '60.001', lon: '30.001', timestamp: '1377177300' }).toString(),
    });
    expect(response.status).toBe(200);
    expect(countRows(t.dataDir, 'position_readings')).toBe(before + 1);
  });

  it('answers a malformed OsmAnd fix with 400 and a reason', async () => {
    const secret = t.credential('mum-tracker').password;
    const response = await fetch(`${base}/ingest/osmand?id=${secret}&lat=north&lon=30`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid' });
  });

  it('takes Tasmota ZbReceived with Contact 1 as open', async () => {
    const before = countRows(t.dataDir, 'door_readings');
    const client = await connectClient(t.mqttUrl, { ...t.credential('sonoff-zb'), clientId: 'SonoffZB' });
    const f = fixture('tasmota', 'zbreceived-contact-open');
    await client.publishAsync(f.topic!, payloadText(f), { qos: 1 });
    await client.endAsync();
    expect(countRows(t.dataDir, 'door_readings')).toBe(before + 1);
    expect(t.hub.home.deviceStatuses(t.hub.commit.states(), Date.now()).find((d) => d.id === 'door-sensor')?.state).toBe('open');
  });

  it('takes Shelly Gen1 door/window and a BLU sensor through a gateway', async () => {
    const before = countRows(t.dataDir, 'door_readings');
    const shelly = await connectClient(t.mqttUrl, { ...t.credential('front-door'), clientId: 'shellydw2-A1B2C3' });
    const open = fixture('shelly', 'gen1-dw2-state-open');
    await shelly.publishAsync(open.topic!, payloadText(open), { qos: 1 });
    await shelly.endAsync();
    const gateway = await connectClient(t.mqttUrl, { ...t.credential('blu-gw'), clientId: 'blu-gateway' });
    const blu = fixture('shelly', 'blu-gateway-notify-status-open');
    await gateway.publishAsync(blu.topic!, payloadText(blu), { qos: 1 });
    await gateway.endAsync();
    expect(countRows(t.dataDir, 'door_readings')).toBe(before + 2);
  });

  it("keeps a bridge inside its base topic: Zigbee2MQTT's credential cannot speak for an OwnTracks phone", async () => {
    const before = countRows(t.dataDir, 'position_readings');
    const bridge = await connectClient(t.mqttUrl, { ...t.credential('zigbee'), clientId: 'z2m' });
    await bridge.publishAsync('owntracks/margaret/phone', JSON.stringify({ _type: 'location', lat: 1, lon: 1, tst: 1_790_000_000 }), { qos: 1 });
    await bridge.endAsync();
    expect(countRows(t.dataDir, 'position_readings')).toBe(before);
  });
});
