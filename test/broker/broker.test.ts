import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { generate } from 'mqtt-packet';
import { allReadings, countRows } from '../support/database-file.js';
import { closed, connectClient, stillConnected } from '../support/mqtt-clients.js';
import type { createBroker } from '../../src/broker/broker.js';
import { startTestHub, type TestHub } from '../support/test-hub.js';

/**
 * The embedded broker through real mqtt.js clients over TCP: what is accepted lands in the SQLite
 * file before the PUBACK; every refusal leaves other clients connected and stores nothing.
 */
describe('embedded broker', () => {
  let t: TestHub;
  let bystander: MqttClient;
  const clients: MqttClient[] = [];

  async function connectAs(id: string, extra: Parameters<typeof connectClient>[1] = {}): Promise<MqttClient> {
    const { username, password } = t.credential(id);
    const client = await connectClient(t.mqttUrl, { username, password, clientId: `test-${id}-${clients.length}`, ...extra });
    clients.push(client);
    return client;
  }

  function refusedCount(reason: string): number {
    const metrics = t.hub.metrics.render();
    const match = metrics.match(new RegExp(`homeward_readings_total\\{reason="${reason}",result="refused"\\} (\\d+)`));
    return match ? Number(match[1]) : 0;
  }

  beforeEach(async () => {
    t = await startTestHub();
    bystander = await connectAs('back-door');
  });

  afterEach(async () => {
    // The bystander must have survived whatever the test did to the broker.
    expect(await stillConnected(bystander)).toBe(true);
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await t.stop();
  });

  it('commits a QoS 1 reading to the database file before the PUBACK', async () => {
    const door = await connectAs('front-door');
    await door.publishAsync('homeward/devices/front-door/door', JSON.stringify({ open: true, battery: 87 }), { qos: 1 });
    // The PUBACK has arrived: the row must already be on disk, readable by another connection.
    expect(countRows(t.dataDir, 'door_readings')).toBe(1);
    const phone = await connectAs('mum-phone');
    await phone.publishAsync('homeward/devices/mum-phone/tracker', JSON.stringify({ lat: 51.5, lon: -0.12, acc: 12, ts: 1_790_000_000 }), { qos: 1 });
    const pillbox = await connectAs('pillbox');
    await pillbox.publishAsync('homeward/devices/pillbox/pillbox', JSON.stringify({ compartment: 1, open: true }), { qos: 1 });
    expect(countRows(t.dataDir, 'position_readings')).toBe(1);
    expect(countRows(t.dataDir, 'pillbox_readings')).toBe(1);
    expect(t.hub.metrics.render()).toContain('homeward_readings_total{result="accepted"} 3');
  });

  it("never delivers messages under homeward/devices/ (positions included) to an integration subscribed to homeward/#, but delivers what the hub says", async () => {
    const integration = await connectAs('home-assistant');
    const received: string[] = [];
    integration.on('message', (topic) => received.push(topic));
    await integration.subscribeAsync('homeward/#', { qos: 1 });
    // Through the same path as the sentinel that follows, so its absence is not a matter of timing
    // (a device's own publish reaches subscribers later than a publish by the hub).
    await t.hub.broker.publish('homeward/devices/mum-phone/location', JSON.stringify({ lat: 51.5072, lon: -0.1276, acc: 10 }), { retain: false });
    await t.hub.broker.publish('homeward/alerts/sentinel', '{}', { retain: false });
    await expect.poll(() => received, { timeout: 5000 }).toContain('homeward/alerts/sentinel');
    expect(received.filter((topic) => topic.startsWith('homeward/devices/'))).toEqual([]);
  });

  it('refuses an anonymous connection with CONNACK 5 (not authorised)', async () => {
    const error = await connectClient(t.mqttUrl, { clientId: 'anon' }).catch((e: Error & { code?: number }) => e);
    expect((error as { code?: number }).code).toBe(5);
  });

  it('refuses a wrong password with CONNACK 4 (bad user name or password)', async () => {
    const error = await connectClient(t.mqttUrl, { username: 'front-door', password: 'not-the-password', clientId: 'guess' }).catch((e: Error) => e);
    expect((error as { code?: number }).code).toBe(4);
  });

  it('refuses a username that is no device of the household (unknown device)', async () => {
    const error = await connectClient(t.mqttUrl, { username: 'ghost-door', password: 'x', clientId: 'ghost' }).catch((e: Error) => e);
    expect((error as { code?: number }).code).toBe(4);
  });

  it("drops a publish to another device's topic, keeps the connection, stores nothing", async () => {
    const door = await connectAs('front-door');
    await door.publishAsync('homeward/devices/back-door/door', JSON.stringify({ open: true }), { qos: 1 });
    expect(await stillConnected(door)).toBe(true);
    expect(allReadings(t.dataDir)).toBe(0);
    expect(refusedCount('not_allowed')).toBe(1);
  });

  it('does not relay a refused publish to subscribers', async () => {
    // No client may receive a device's own messages any more (integrations excepted: see below), so watch
    // what aedes relays, the step every subscriber's delivery comes from.
    const relayed: string[] = [];
    const { aedes } = t.hub.broker as ReturnType<typeof createBroker>;
    aedes.on('publish', (packet, client) => {
      if (client !== null) relayed.push(`${packet.topic} ${packet.payload.toString()}`);
    });
    const door = await connectAs('front-door');
    await door.publishAsync('homeward/devices/front-door/door', 'not json', { qos: 1 });
    await door.publishAsync('homeward/devices/front-door/door', JSON.stringify({ open: true }), { qos: 1 });
    // The accepted one is relayed; the malformed one, published first, never is.
    await expect.poll(() => relayed, { timeout: 5000 }).toHaveLength(1);
    expect(relayed).toEqual(['homeward/devices/front-door/door {"open":true}']);
    expect(countRows(t.dataDir, 'door_readings')).toBe(1);
  });

  it('refuses subscriptions to #, $SYS and other devices with SUBACK 0x80, keeping the connection', async () => {
    const door = await connectAs('front-door');
    for (const topic of ['#', '$SYS/#', 'homeward/devices/back-door/commands/#', 'homeward/#']) {
      const granted = await door.subscribeAsync(topic, { qos: 1 }).catch((e: Error) => e);
      // mqtt.js reports a refused filter as granted QoS 128 (or an error, depending on version).
      const qos = Array.isArray(granted) ? granted[0]?.qos : 128;
      expect(qos, topic).toBe(128);
    }
    const own = await door.subscribeAsync('homeward/devices/front-door/commands/#', { qos: 1 });
    expect(own[0]?.qos).toBe(1);
    expect(await stillConnected(door)).toBe(true);
  });

  it('closes $SYS to integrations too', async () => {
    const integration = await connectAs('home-assistant');
    const refused = await integration.subscribeAsync('$SYS/#', { qos: 0 }).catch((e: Error) => e);
    expect(refused).toBeInstanceOf(Error);
    expect(await stillConnected(integration)).toBe(true);
    const allowed = await integration.subscribeAsync('homeassistant/#', { qos: 0 });
    expect(allowed[0]?.qos).toBe(0);
  });

  it('refuses a retained publish from a device and stores nothing', async () => {
    const door = await connectAs('front-door');
    await door.publishAsync('homeward/devices/front-door/door', JSON.stringify({ open: true }), { qos: 1, retain: true });
    expect(await stillConnected(door)).toBe(true);
    expect(allReadings(t.dataDir)).toBe(0);
    expect(refusedCount('retained')).toBe(1);
    // Nothing was retained either: a new subscriber gets no retained message.
    const integration = await connectAs('home-assistant');
    const got: string[] = [];
    integration.on('message', (topic) => got.push(topic));
    await integration.subscribeAsync('homeward/devices/#', { qos: 1 });
    await integration.publishAsync('homeward/commands/ping', 'x', { qos: 1 });
    expect(got).toEqual([]);
  });

  it("refuses a credential taking over another credential's client id (CONNACK 2), but lets a device reconnect as itself", async () => {
    const { username, password } = t.credential('front-door');
    const original = await connectClient(t.mqttUrl, { username, password, clientId: 'front-door-esp32' });
    clients.push(original);
    const thief = t.credential('back-door');
    const error = await connectClient(t.mqttUrl, { username: thief.username, password: thief.password, clientId: 'front-door-esp32' }).catch((e: Error) => e);
    expect((error as { code?: number }).code).toBe(2);
    expect(await stillConnected(original)).toBe(true);
    // The same credential may take over its own stale session (a device that rebooted).
    const rebooted = await connectClient(t.mqttUrl, { username, password, clientId: 'front-door-esp32' });
    clients.push(rebooted);
    await closed(original);
    expect(await stillConnected(rebooted)).toBe(true);
  });

  it('closes a connection that sends a packet over the size limit; others are unaffected; nothing stored', async () => {
    const { username, password } = t.credential('front-door');
    const socket = net.connect(t.mqttPort, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'big', keepalive: 30, username, password: Buffer.from(password) }));
    const huge = JSON.stringify({ open: true, padding: 'x'.repeat(20 * 1024) });
    socket.write(generate({ cmd: 'publish', topic: 'homeward/devices/front-door/door', payload: Buffer.from(huge), qos: 1, messageId: 1, retain: false, dup: false }));
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    expect(allReadings(t.dataDir)).toBe(0);
  });

  it('refuses a header announcing a huge packet before any of it is buffered', async () => {
    const socket = net.connect(t.mqttPort, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    // PUBLISH with Remaining Length 268,435,455 (the MQTT maximum), and no body.
    socket.write(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f]));
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    expect(socket.destroyed).toBe(true);
  });

  it('refuses malformed JSON and payloads that do not validate, counting each, keeping the connection', async () => {
    const door = await connectAs('front-door');
    await door.publishAsync('homeward/devices/front-door/door', '{"open": tru', { qos: 1 });
    await door.publishAsync('homeward/devices/front-door/door', JSON.stringify({ open: 'yes' }), { qos: 1 });
    await door.publishAsync('homeward/devices/front-door/tracker', JSON.stringify({ lat: 1, lon: 2 }), { qos: 1 });
    await door.publishAsync('homeward/devices/front-door/door', JSON.stringify({ open: true, ts: 1_790_000_000_000 }), { qos: 1 });
    expect(await stillConnected(door)).toBe(true);
    expect(allReadings(t.dataDir)).toBe(0);
    expect(refusedCount('malformed')).toBe(1);
    expect(refusedCount('invalid')).toBe(3);
  });

  it('refuses publishes to an unknown kind under its own topic', async () => {
    const door = await connectAs('front-door');
    await door.publishAsync('homeward/devices/front-door/toaster', JSON.stringify({ open: true }), { qos: 1 });
    expect(await stillConnected(door)).toBe(true);
    expect(refusedCount('unknown_topic')).toBe(1);
    expect(allReadings(t.dataDir)).toBe(0);
  });

  it('disconnects a device removed from the household, and its credential stops working', async () => {
    const door = await connectAs('front-door');
    const household = t.hub.household.export();
    t.hub.household.import({ ...household, devices: household.devices?.filter((d) => d.id !== 'front-door') });
    await closed(door);
    const { username, password } = t.credential('front-door');
    const error = await connectClient(t.mqttUrl, { username, password, clientId: 'again' }).catch((e: Error) => e);
    expect((error as { code?: number }).code).toBe(4);
  });

  it('a rotated password refuses the old one at once', async () => {
    const old = t.credential('front-door');
    const fresh = t.hub.credentials.rotate('front-door');
    expect(fresh?.password).not.toBe(old.password);
    const error = await connectClient(t.mqttUrl, { username: old.username, password: old.password, clientId: 'old' }).catch((e: Error) => e);
    expect((error as { code?: number }).code).toBe(4);
    const client = await connectClient(t.mqttUrl, { username: old.username, password: fresh?.password ?? '', clientId: 'new' });
    clients.push(client);
  });
});
