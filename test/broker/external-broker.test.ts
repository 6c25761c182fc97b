import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SUBSCRIPTIONS_SETTING } from '../../src/broker/external-broker.js';
import type { HubConfig } from '../../src/config.js';
import { createManualClock, type ManualClock } from '../../src/core/clock.js';
import type { Household } from '../../src/core/household.js';
import { createHub, openHome, type Hub } from '../../src/hub.js';
import { COMMAND_RESULT_TOPIC } from '../../src/integrations/home-assistant.js';
import { watch, type Watcher } from '../integrations/mqtt-watch.js';
import { countRows } from '../support/database-file.js';
import { freePort, spawnHub, waitForPort } from '../support/hub-process.js';
import { connectClient } from '../support/mqtt-clients.js';
import { householdBrokerFiles, removeMosquitto, startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import { testHousehold } from '../support/households.js';
import { startLossyRelay } from '../support/lossy-relay.js';
import { testDataDir, testHubConfig } from '../support/test-hub.js';

const run = promisify(execFile);

/**
 * External-broker mode end to end (issue 9, item 6): the hub as a client of Debian's real Mosquitto,
 * whose password file and ACL (from `brokerUsers`, the same policy the embedded broker enforces) decide
 * who may publish where. Devices publish with mosquitto_pub and mqtt.js; the hub commits, alerts, and
 * publishes its alerts back on Mosquitto; readings published while the hub is stopped wait in its
 * persistent session; a failed commit is not acknowledged, so Mosquitto sends the reading again.
 *
 * The clock is a manual one at 02:00 in London (inside the night window), so a door opening is a night exit.
 */
const T0 = Date.UTC(2026, 0, 15, 2, 0);
const HUB_USER = 'homeward-hub';
const HUB_PASSWORD = randomBytes(12).toString('base64url');

function household(change: (h: Household) => void = () => {}): Household {
  const h = testHousehold();
  h.devices = [
    ...(h.devices ?? []),
    { id: 'hall-door', name: 'Hall door', kind: 'door', source: 'zigbee2mqtt', bridge: 'zigbee', topic: 'zigbee2mqtt/Hall Door', exit: true },
    // HTTP only (Traccar Client): no MQTT rights, and HTTP ingest works as with the embedded broker.
    { id: 'mum-tracker', name: 'GPS watch', kind: 'tracker', source: 'traccar' },
  ];
  h.bridges = [{ id: 'zigbee', source: 'zigbee2mqtt', baseTopic: 'zigbee2mqtt' }];
  change(h);
  return h;
}

/** The broker's users (the hub's and every household credential's) and the ACL generated for them. */
const brokerFiles = (config: HubConfig, household?: Household) => householdBrokerFiles(config, { username: HUB_USER, password: HUB_PASSWORD }, household);

function readingsCounted(hub: Hub, result: 'accepted' | 'refused', reason?: string): number {
  const labels = reason === undefined ? `result="${result}"` : `reason="${reason}",result="${result}"`;
  const match = hub.metrics.render().match(new RegExp(`homeward_readings_total\\{${labels}\\} (\\d+)`));
  return match ? Number(match[1]) : 0;
}

function gauge(hub: Hub, name: string): number | undefined {
  const match = hub.metrics.render().match(new RegExp(`^${name} (\\d+)$`, 'm'));
  return match ? Number(match[1]) : undefined;
}

describe('the hub as a client of an external Mosquitto', () => {
  let dataDir: string;
  let config: HubConfig;
  let clock: ManualClock;
  let mosquitto: Mosquitto;
  let hub: Hub;
  let watcher: Watcher;
  const opened: Array<{ endAsync(force?: boolean): Promise<void> }> = [];

  const credentials = () => brokerFiles(config).users;
  const device = (id: string) => ({ username: id, password: credentials()[id]! });
  const broker = () => ({ mqttUrl: `mqtt://127.0.0.1:${mosquitto.port}`, credential: (id: string) => device(id) });

  async function startHub(): Promise<Hub> {
    const started = await createHub({ config, log: pino({ level: 'silent' }), clock, clockSync: async () => true });
    await started.start();
    await vi.waitFor(() => expect(started.broker.connected()).toBe(true), { timeout: 5000, interval: 20 });
    return started;
  }

  /** Publishes as a device with Debian's mosquitto_pub (QoS 1: it exits after Mosquitto's PUBACK); null sends an empty payload. */
  async function publish(id: string, topic: string, payload: string | null, extra: string[] = []): Promise<void> {
    const { username, password } = device(id);
    const message = payload === null ? ['-n'] : ['-m', payload];
    await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(mosquitto.port), '-q', '1', '-i', `pub-${id}`, '-u', username, '-P', password, '-t', topic, ...message, ...extra]);
  }

  /** Waits (bounded) until the hub has committed `count` door readings in all. */
  const doorReadings = (count: number) => vi.waitFor(() => expect(countRows(dataDir, 'door_readings')).toBe(count), { timeout: 5000, interval: 20 });

  beforeAll(async () => {
    dataDir = testDataDir();
    clock = createManualClock(T0);
    config = testHubConfig(dataDir, 'silent');
    const files = brokerFiles(config, household());
    mosquitto = await startMosquitto({ users: files.users, acl: files.acl, extraConfig: ['sys_interval 1'] });
    config.mqtt.url = mosquitto.url(HUB_USER, HUB_PASSWORD);
    config.mqtt.external.clientId = 'homeward-test-hub';
    hub = await startHub();
    watcher = await watch(broker(), ['homeward/alerts/#', COMMAND_RESULT_TOPIC], { clientId: 'home-assistant' });
  });
  afterEach(async () => {
    for (const client of opened.splice(0)) await client.endAsync(true);
  });
  afterAll(async () => {
    await watcher?.end();
    await hub?.stop();
    await removeMosquitto(mosquitto);
    rmSync(dataDir, { recursive: true, force: true });
  }, 20_000);

  it('a door opening at night, from mosquitto_pub and from mqtt.js, raises night exits that reach a subscriber on Mosquitto', async () => {
    const accepted = readingsCounted(hub, 'accepted');
    await publish('front-door', 'homeward/devices/front-door/door', JSON.stringify({ open: true, battery: 90 }));
    const zigbee = await connectClient(broker().mqttUrl, { ...device('zigbee'), clientId: 'zigbee2mqtt', protocolVersion: 4 });
    opened.push(zigbee);
    // Zigbee2MQTT: contact false means open; the bridge's base topic is claimed by the bridge.
    await zigbee.publishAsync('zigbee2mqtt/Hall Door', JSON.stringify({ contact: false, battery: 100, linkquality: 120 }), { qos: 1 });
    await doorReadings(2);
    expect(readingsCounted(hub, 'accepted')).toBe(accepted + 2);

    const nightExits = hub.store.alerts.open().filter((alert) => alert.type === 'night-exit');
    expect(nightExits.map((alert) => alert.deviceId).sort()).toEqual(['front-door', 'hall-door']);
    for (const alert of nightExits) {
      expect(await watcher.until(() => watcher.json<{ id: string }>(`homeward/alerts/${alert.id}`)?.id === alert.id)).toBe(true);
    }
    expect(gauge(hub, 'homeward_mqtt_broker_connected')).toBe(1);
  });

  it('refuses a malformed payload and counts it; the hub stays connected and stores nothing', async () => {
    const before = countRows(dataDir, 'door_readings');
    const malformed = readingsCounted(hub, 'refused', 'malformed');
    await publish('front-door', 'homeward/devices/front-door/door', 'the door is open');
    await vi.waitFor(() => expect(readingsCounted(hub, 'refused', 'malformed')).toBe(malformed + 1), { timeout: 5000, interval: 20 });
    expect(countRows(dataDir, 'door_readings')).toBe(before);
    expect(hub.broker.connected()).toBe(true);
  });

  it('refuses a retained device publish as the embedded broker does, and never replays a retained message as a new reading', async () => {
    const before = countRows(dataDir, 'door_readings');
    const retained = readingsCounted(hub, 'refused', 'retained');
    await publish('back-door', 'homeward/devices/back-door/door', JSON.stringify({ open: true }), ['-r']);
    await vi.waitFor(() => expect(readingsCounted(hub, 'refused', 'retained')).toBe(retained + 1), { timeout: 5000, interval: 20 });
    // Mosquitto keeps it retained; a restarted hub is not handed it again as if the door had just opened.
    await hub.stop();
    hub = await startHub();
    await publish('front-door', 'homeward/devices/front-door/door', JSON.stringify({ open: false }));
    await doorReadings(before + 1);
    expect(readingsCounted(hub, 'refused', 'retained')).toBe(0);
    // Clears the retained message (an empty retained payload), which the hub likewise refuses as retained.
    await publish('back-door', 'homeward/devices/back-door/door', null, ['-r']);
  });

  it('commits QoS 1 readings published while the hub was stopped, once it starts again (its persistent session)', async () => {
    const before = countRows(dataDir, 'pillbox_readings');
    await hub.stop();
    expect(hub.broker.connected()).toBe(false);
    for (const compartment of [1, 2, 1]) await publish('pillbox', 'homeward/devices/pillbox/pillbox', JSON.stringify({ compartment, open: true }));
    expect(countRows(dataDir, 'pillbox_readings')).toBe(before);
    hub = await startHub();
    await vi.waitFor(() => expect(countRows(dataDir, 'pillbox_readings')).toBe(before + 3), { timeout: 5000, interval: 20 });
  });

  it('does not acknowledge a reading whose commit failed: Mosquitto sends it again and it is stored once', async () => {
    const before = countRows(dataDir, 'position_readings');
    // A real lock on the real database file: another connection holds the write lock, so the hub's
    // commit fails with SQLITE_BUSY (at once, rather than after the usual 5 s busy timeout).
    hub.store.db.pragma('busy_timeout = 0');
    const blocker = new Database(path.join(dataDir, 'homeward.db'));
    blocker.exec('BEGIN IMMEDIATE');
    try {
      await publish('mum-phone', 'homeward/devices/mum-phone/tracker', JSON.stringify({ lat: 51.5073, lon: -0.1277, acc: 8 }));
      // The failed commit drops the connection (no PUBACK): that is how Mosquitto learns to send it again.
      await vi.waitFor(() => expect(hub.broker.connected()).toBe(false), { timeout: 5000, interval: 5 });
      expect(countRows(dataDir, 'position_readings')).toBe(before);
    } finally {
      blocker.exec('ROLLBACK');
      blocker.close();
      hub.store.db.pragma('busy_timeout = 5000');
    }
    await vi.waitFor(() => expect(countRows(dataDir, 'position_readings')).toBe(before + 1), { timeout: 10_000, interval: 20 });
    expect(hub.broker.connected()).toBe(true);
  });

  it('a reading committed whose PUBACK never reached Mosquitto comes again under the same packet id, and is stored once', async () => {
    // Zigbee2MQTT sends no time of its own: the hall door's opening is stamped on receipt, so only the
    // packet id Mosquitto resends it under tells the resend apart (ingest/mqtt-delivery.ts).
    await hub.stop();
    const relay = await startLossyRelay(mosquitto.port);
    const direct = config.mqtt.url;
    config.mqtt.url = direct!.replace(`:${mosquitto.port}`, `:${relay.port}`);
    try {
      hub = await startHub();
      const before = countRows(dataDir, 'door_readings');
      const duplicates = readingsCounted(hub, 'refused', 'duplicate');
      relay.hold('server'); // the hub's PUBACK will die on the wire
      await publish('zigbee', 'zigbee2mqtt/Hall Door', JSON.stringify({ contact: false, battery: 90 }));
      await doorReadings(before + 1);
      relay.cut();
      relay.release();
      // The hub reconnects to its persistent session; Mosquitto sends the unacknowledged message again.
      await vi.waitFor(() => expect(readingsCounted(hub, 'refused', 'duplicate')).toBe(duplicates + 1), { timeout: 10_000, interval: 20 });
      expect(countRows(dataDir, 'door_readings')).toBe(before + 1);
    } finally {
      await hub.stop();
      await relay.close();
      config.mqtt.url = direct;
      hub = await startHub();
    }
  });

  it('follows a household change: subscribes to a new device, drops a removed one', async () => {
    const next = household((h) => {
      h.devices = [...(h.devices ?? []).filter((d) => d.id !== 'back-door'), { id: 'side-door', name: 'Side door', kind: 'door', source: 'native', exit: false }];
    });
    hub.household.import(next);
    const files = brokerFiles(config);
    await mosquitto.reload(files.users, files.acl);
    expect(hub.store.settings.get(SUBSCRIPTIONS_SETTING)?.value).toContain('homeward/devices/side-door/+');

    // The back door's topic, written by the hub's own user (the only one Mosquitto still lets write there):
    // had the hub kept its subscription, this would arrive and be refused as nobody's.
    const unclaimed = readingsCounted(hub, 'refused', 'unknown_topic');
    const hubUser = await connectClient(broker().mqttUrl, { username: HUB_USER, password: HUB_PASSWORD, clientId: 'hub-user-probe' });
    opened.push(hubUser);
    const before = countRows(dataDir, 'door_readings');
    // The subscription is in place once a side-door reading arrives; Mosquitto routes in order, so by then
    // anything sent to the back door's topic before it would have arrived too.
    await vi.waitFor(
      async () => {
        await hubUser.publishAsync('homeward/devices/back-door/door', JSON.stringify({ open: true }), { qos: 1 });
        await publish('side-door', 'homeward/devices/side-door/door', JSON.stringify({ open: true }));
        expect(countRows(dataDir, 'door_readings')).toBeGreaterThan(before);
      },
      { timeout: 5000, interval: 100 },
    );
    expect(readingsCounted(hub, 'refused', 'unknown_topic')).toBe(unclaimed);
    expect(hub.store.settings.get(SUBSCRIPTIONS_SETTING)?.value).not.toContain('homeward/devices/back-door/+');
  });

  it('a device removed while the hub was stopped is unsubscribed at the next start, though the session kept its filter', async () => {
    await hub.stop();
    const home = openHome(config);
    home.household.import(household((h) => (h.devices = (h.devices ?? []).filter((d) => d.id !== 'back-door' && d.id !== 'pillbox'))));
    home.close();
    hub = await startHub();
    const unclaimed = readingsCounted(hub, 'refused', 'unknown_topic');
    const hubUser = await connectClient(broker().mqttUrl, { username: HUB_USER, password: HUB_PASSWORD, clientId: 'hub-user-probe' });
    opened.push(hubUser);
    await vi.waitFor(() => expect(hub.store.settings.get(SUBSCRIPTIONS_SETTING)?.value).not.toContain('homeward/devices/pillbox/+'), { timeout: 5000, interval: 20 });
    const before = countRows(dataDir, 'pillbox_readings');
    const doors = countRows(dataDir, 'door_readings');
    await hubUser.publishAsync('homeward/devices/pillbox/pillbox', JSON.stringify({ compartment: 1, open: true }), { qos: 1 });
    await publish('front-door', 'homeward/devices/front-door/door', JSON.stringify({ open: true }));
    await doorReadings(doors + 1);
    expect(readingsCounted(hub, 'refused', 'unknown_topic')).toBe(unclaimed);
    expect(countRows(dataDir, 'pillbox_readings')).toBe(before);
    hub.household.import(household());
    const files = brokerFiles(config);
    await mosquitto.reload(files.users, files.acl);
  });

  it('carries out commands from homeward/commands/# as the household’s only integration, and answers on Mosquitto', async () => {
    const alert = hub.store.alerts.open().find((row) => row.type === 'night-exit' && row.acknowledgedAt === null);
    expect(alert).toBeDefined();
    await watcher.client.publishAsync('homeward/commands/acknowledge', JSON.stringify({ alert: alert!.id }), { qos: 1 });
    const answer = () => watcher.messages.find((m) => m.topic === COMMAND_RESULT_TOPIC && m.payload.includes(alert!.id));
    expect(await watcher.until(() => answer() !== undefined)).toBe(true);
    expect(JSON.parse(answer()!.payload)).toMatchObject({ command: 'acknowledge', ok: true, alert: alert!.id });
    expect(hub.store.alertEvents.firstOf(alert!.id, 'acknowledged')?.details).toMatchObject({ integration: 'home-assistant' });
    // A command published as the hub's own answer topic is not a command (and the hub's answers do not loop back).
    expect(watcher.messages.filter((m) => m.topic === COMMAND_RESULT_TOPIC && m.payload.includes(alert!.id))).toHaveLength(1);
  });

  it('a command is attributed to "external-broker" when the household has several integrations: the broker does not say who sent it', async () => {
    hub.household.import(household((h) => (h.integrations = [...(h.integrations ?? []), { id: 'node-red', kind: 'node-red' }])));
    const key = 'door-open-too-long:two-integrations';
    hub.alerts.commit({ raise: [{ type: 'door-open-too-long', key, severity: 'urgent', deviceId: 'front-door', at: T0, title: 'two integrations', details: {} }], clear: [], doses: [] });
    const id = hub.store.alerts.byKey(key)!.id;
    try {
      await watcher.client.publishAsync('homeward/commands/acknowledge', JSON.stringify({ alert: id }), { qos: 1 });
      expect(await watcher.until(() => watcher.messages.some((m) => m.topic === COMMAND_RESULT_TOPIC && m.payload.includes(id)))).toBe(true);
      expect(hub.store.alertEvents.firstOf(id, 'acknowledged')?.details).toMatchObject({ integration: 'external-broker' });
    } finally {
      hub.household.import(household());
    }
  });

  it('HTTP ingest (OsmAnd) works as with the embedded broker', async () => {
    const before = countRows(dataDir, 'position_readings');
    const query = new URLSearchParams({ id: device('mum-tracker').password, lat: '51.5074', lon: '-0.1278', timestamp: String(T0 / 1000), accuracy: '10' });
    const response = await hub.http.inject({ method: 'GET', url: `/ingest/osmand?${query.toString()}` });
    expect(response.statusCode).toBe(200);
    expect(countRows(dataDir, 'position_readings')).toBe(before + 1);
  });

  it('every alert published reaches the subscriber, while devices keep publishing', async () => {
    const zigbee = await connectClient(broker().mqttUrl, { ...device('zigbee'), clientId: 'zigbee2mqtt-burst', protocolVersion: 4 });
    opened.push(zigbee);
    const keys: string[] = [];
    for (let i = 0; i < 40; i++) {
      const key = `door-open-too-long:burst:${i}`;
      keys.push(key);
      hub.alerts.commit({ raise: [{ type: 'door-open-too-long', key, severity: 'urgent', deviceId: 'front-door', at: T0 + i * 3_600_000, title: `burst ${i}`, details: {} }], clear: [], doses: [] });
      void zigbee.publishAsync('zigbee2mqtt/Hall Door', JSON.stringify({ contact: i % 2 === 0, battery: 100 }), { qos: 0 });
    }
    const ids = keys.map((key) => hub.store.alerts.byKey(key)!.id);
    expect(await watcher.until(() => ids.every((id) => watcher.latest.has(`homeward/alerts/${id}`)))).toBe(true);
  });

  it('shows the broker as down while Mosquitto is away, and reconnects with what it published meanwhile', async () => {
    await mosquitto.stop();
    await vi.waitFor(() => expect(hub.broker.connected()).toBe(false), { timeout: 5000, interval: 20 });
    const health = await hub.http.inject({ method: 'GET', url: '/api/health' });
    expect(health.json()).toMatchObject({ status: 'degraded', mqtt: { clients: 0, connected: false } });
    expect(gauge(hub, 'homeward_mqtt_broker_connected')).toBe(0);
    // Raised while the broker is away: published once it is back.
    const key = 'door-open-too-long:while-away';
    hub.alerts.commit({ raise: [{ type: 'door-open-too-long', key, severity: 'urgent', deviceId: 'front-door', at: T0, title: 'while away', details: {} }], clear: [], doses: [] });
    const id = hub.store.alerts.byKey(key)!.id;

    await mosquitto.start();
    await vi.waitFor(() => expect(hub.broker.connected()).toBe(true), { timeout: 10_000, interval: 50 });
    const later = await watch(broker(), ['homeward/alerts/#'], { clientId: 'home-assistant-later' });
    try {
      expect(await later.until(() => later.json<{ id: string }>(`homeward/alerts/${id}`)?.id === id)).toBe(true);
      expect((await hub.http.inject({ method: 'GET', url: '/api/health' })).json()).toMatchObject({ mqtt: { connected: true } });
      // Mosquitto's own count of its clients ($SYS, every second here): the hub and this subscriber.
      await vi.waitFor(() => expect(hub.broker.clientCount()).toBe(2), { timeout: 5000, interval: 50 });
    } finally {
      await later.end();
    }
  }, 20_000);
});

describe('the built hub with HOMEWARD_MQTT_URL', () => {
  let mosquitto: Mosquitto | undefined;
  let dataDir: string;
  afterAll(async () => {
    await removeMosquitto(mosquitto);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('connects to Mosquitto, serves /api/health and takes readings through it', async () => {
    dataDir = testDataDir();
    const config = testHubConfig(dataDir, 'silent');
    const files = brokerFiles(config, household());
    mosquitto = await startMosquitto({ users: files.users, acl: files.acl });
    const httpPort = await freePort();
    const hubProcess = spawnHub({ HOMEWARD_DATA_DIR: dataDir, HOMEWARD_HTTP_PORT: String(httpPort), HOMEWARD_MQTT_URL: mosquitto.url(HUB_USER, HUB_PASSWORD), HOMEWARD_LOG_LEVEL: 'info' });
    try {
      await waitForPort(httpPort, undefined, hubProcess);
      await vi.waitFor(
        async () => {
          const health = (await (await fetch(`http://127.0.0.1:${httpPort}/api/health`)).json()) as { mqtt: { connected?: boolean } };
          expect(health.mqtt.connected).toBe(true);
        },
        { timeout: 5000, interval: 50 },
      );
      expect(hubProcess.output()).toContain(`MQTT through mqtt://${HUB_USER}@127.0.0.1:${mosquitto.port}`);
      expect(hubProcess.output()).not.toContain(HUB_PASSWORD);
      await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(mosquitto.port), '-q', '1', '-u', 'front-door', '-P', files.users['front-door']!, '-t', 'homeward/devices/front-door/door', '-m', '{"open":false}']);
      await vi.waitFor(() => expect(countRows(dataDir, 'door_readings')).toBe(1), { timeout: 5000, interval: 20 });
    } finally {
      hubProcess.child.kill('SIGTERM');
      await hubProcess.exited;
    }
  }, 20_000);
});
