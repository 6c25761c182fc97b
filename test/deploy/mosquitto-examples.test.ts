import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { brokerUsers, mosquittoAclText, mosquittoPasswordLine } from '../../src/broker/mosquitto-acl.js';
import type { CredentialSubject } from '../../src/core/device-source.js';
import { deviceSources } from '../../devices/registry.js';
import { makeCertificates, type TestCertificates } from '../support/certificates.js';
import { freePort } from '../support/hub-process.js';
import { connectClient } from '../support/mqtt-clients.js';
import { removeMosquitto, startMosquitto, type Mosquitto } from '../support/mosquitto.js';

/**
 * deploy/mosquitto's examples (issue 9, item 6) on Debian's real Mosquitto, as shipped but for paths
 * and ports: mosquitto.conf runs, refuses anonymous clients, takes devices over TLS, and keeps a
 * persistent session's QoS 1 queue across a restart; bridge.conf forwards this home's alerts to a
 * central broker under the home's prefix, over TLS, and nothing else.
 */
const deployDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'deploy', 'mosquitto');
const example = (name: string) => readFileSync(path.join(deployDir, name), 'utf8');

/** Replaces each `from` (which must be in the text: the example changed otherwise) with `to`. */
function adapt(text: string, replacements: Array<[string, string]>): string {
  let adapted = text;
  for (const [from, to] of replacements) {
    expect(adapted, `the example should contain ${JSON.stringify(from)}`).toContain(from);
    adapted = adapted.replace(from, to);
  }
  return adapted;
}

const FRONT_DOOR: CredentialSubject = {
  type: 'device',
  device: { id: 'front-door', name: 'Front door', kind: 'door', source: 'native', exit: true },
};
const PASSWORDS = { 'homeward-hub': 'hub password 1', 'front-door': 'door password 2' };
const subjects = new Map<string, CredentialSubject>([['front-door', FRONT_DOOR]]);

let certificates: TestCertificates;
const clients: MqttClient[] = [];
const brokers: Mosquitto[] = [];

async function client(url: string, options: IClientOptions): Promise<MqttClient> {
  const connected = await connectClient(url, options);
  clients.push(connected);
  return connected;
}

async function until(done: () => boolean): Promise<boolean> {
  for (let i = 0; i < 250 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  return done();
}

/** deploy/mosquitto/mosquitto.conf with this test's files, ports and log destination; `more` appended. */
async function homeBroker(more = ''): Promise<{ broker: Mosquitto; tlsPort: number }> {
  const tlsPort = await freePort();
  const acl = mosquittoAclText(brokerUsers(subjects, deviceSources, 'homeward-hub'), []);
  const passwords = Object.entries(PASSWORDS).map(([username, password]) => mosquittoPasswordLine(username, password)).join('\n') + '\n';
  const broker = await startMosquitto({
    users: {},
    passwordFileText: passwords,
    acl,
    configText: ({ port, dir, passwordFile, aclFile }) =>
      `user ${os.userInfo().username}\n` +
      adapt(example('mosquitto.conf'), [
        ['password_file /etc/mosquitto/homeward.passwd', `password_file ${passwordFile}`],
        ['acl_file /etc/mosquitto/homeward.acl', `acl_file ${aclFile}`],
        ['listener 1883 127.0.0.1', `listener ${port} 127.0.0.1`],
        ['listener 8883', `listener ${tlsPort} 127.0.0.1`],
        ['certfile /etc/mosquitto/certs/homeward.crt', `certfile ${certificates.serverCert}`],
        ['keyfile /etc/mosquitto/certs/homeward.key', `keyfile ${certificates.serverKey}`],
        ['persistence_location /var/lib/mosquitto/', `persistence_location ${dir}/`],
        ['log_dest syslog', 'log_dest stderr'],
      ]) +
      more,
  });
  brokers.push(broker);
  return { broker, tlsPort };
}

beforeAll(async () => {
  certificates = await makeCertificates();
});
afterEach(async () => {
  for (const connected of clients.splice(0)) await connected.endAsync(true);
  for (const broker of brokers.splice(0)) await removeMosquitto(broker);
});
afterAll(() => rmSync(certificates.dir, { recursive: true, force: true }));

describe('deploy/mosquitto/mosquitto.conf', () => {
  it('refuses anonymous clients, takes a device over TLS, and relays its reading to the hub on the loopback listener', async () => {
    const { broker, tlsPort } = await homeBroker();
    const anonymous = await connectClient(`mqtt://127.0.0.1:${broker.port}`, { clientId: 'anonymous' }).catch((error: Error) => error);
    expect((anonymous as { code?: number }).code).toBe(5);
    const plaintext = await connectClient(`mqtt://127.0.0.1:${tlsPort}`, { username: 'front-door', password: PASSWORDS['front-door'], clientId: 'plain' }).catch((error: Error) => error);
    expect(plaintext).toBeInstanceOf(Error);

    const hub = await client(`mqtt://127.0.0.1:${broker.port}`, { username: 'homeward-hub', password: PASSWORDS['homeward-hub'], clientId: 'hub' });
    const seen: string[] = [];
    hub.on('message', (topic, payload) => seen.push(`${topic} ${payload.toString()}`));
    await hub.subscribeAsync('homeward/devices/front-door/+', { qos: 1 });
    const door = await client(`mqtts://127.0.0.1:${tlsPort}`, { username: 'front-door', password: PASSWORDS['front-door'], clientId: 'door', ca: [readFileSync(certificates.ca)] });
    await door.publishAsync('homeward/devices/front-door/door', '{"open":true}', { qos: 1 });
    expect(await until(() => seen.length > 0)).toBe(true);
    expect(seen).toEqual(['homeward/devices/front-door/door {"open":true}']);
  });

  it("keeps the hub's queued QoS 1 readings across a restart of Mosquitto (persistence on)", async () => {
    const { broker, tlsPort } = await homeBroker();
    const session = { username: 'homeward-hub', password: PASSWORDS['homeward-hub'], clientId: 'homeward-hub', clean: false, protocolVersion: 5 as const, properties: { sessionExpiryInterval: 3600 } };
    const hub = await connectClient(`mqtt://127.0.0.1:${broker.port}`, session);
    await hub.subscribeAsync('homeward/devices/front-door/+', { qos: 1 });
    await hub.endAsync();
    const door = await connectClient(`mqtts://127.0.0.1:${tlsPort}`, { username: 'front-door', password: PASSWORDS['front-door'], clientId: 'door', ca: [readFileSync(certificates.ca)] });
    await door.publishAsync('homeward/devices/front-door/door', '{"open":false}', { qos: 1 });
    await door.endAsync();

    await broker.stop();
    await broker.start();
    const seen: string[] = [];
    // Listening before the CONNACK: the queued message follows it at once.
    const back = mqtt.connect(`mqtt://127.0.0.1:${broker.port}`, { ...session, reconnectPeriod: 0 });
    clients.push(back);
    back.on('message', (topic, payload) => seen.push(`${topic} ${payload.toString()}`));
    expect(await until(() => seen.length > 0)).toBe(true);
    expect(seen).toEqual(['homeward/devices/front-door/door {"open":false}']);
  });
});

describe('deploy/mosquitto/bridge.conf', () => {
  it("forwards this home's alerts and status to the central broker under the home's prefix, over TLS, and nothing else", async () => {
    const centralTls = await freePort();
    const central = await startMosquitto({
      users: { 'mums-house': 'bridge password 3', organisation: 'watcher password 4' },
      acl: ['user mums-house', 'topic write homes/mums-house/#', '', 'user organisation', 'topic read homes/#', ''].join('\n'),
      extraConfig: [`listener ${centralTls} 127.0.0.1`, `cafile ${certificates.ca}`, `certfile ${certificates.serverCert}`, `keyfile ${certificates.serverKey}`],
    });
    brokers.push(central);
    const organisation = await client(`mqtt://127.0.0.1:${central.port}`, { username: 'organisation', password: 'watcher password 4', clientId: 'organisation' });
    const seen: string[] = [];
    organisation.on('message', (topic, payload) => seen.push(`${topic} ${payload.toString()}`));
    await organisation.subscribeAsync('homes/#', { qos: 1 });

    const bridge = adapt(example('bridge.conf'), [
      ['address central.example.org:8883', `address 127.0.0.1:${centralTls}`],
      ['remote_password CHANGE-ME', 'remote_password bridge password 3'],
      ['bridge_cafile /etc/mosquitto/certs/central-ca.crt', `bridge_cafile ${certificates.ca}`],
    ]);
    const { broker: home } = await homeBroker('\n' + bridge);
    // The link's own notification says it is up.
    expect(await until(() => seen.includes('homes/mums-house/homeward/bridge 1'))).toBe(true);

    const hub = await client(`mqtt://127.0.0.1:${home.port}`, { username: 'homeward-hub', password: PASSWORDS['homeward-hub'], clientId: 'hub' });
    await hub.publishAsync('homeward/incidents/i1', '{"id":"i1"}', { qos: 1, retain: true });
    await hub.publishAsync('homeward/devices/front-door/door', '{"open":true}', { qos: 1 });
    await hub.publishAsync('homeward/alerts/a1', '{"id":"a1","type":"night-exit"}', { qos: 1, retain: true });
    await hub.publishAsync('homeward/status', 'online', { qos: 1, retain: true });
    expect(await until(() => seen.includes('homes/mums-house/homeward/status online'))).toBe(true);
    expect(seen.filter((line) => !line.startsWith('homes/mums-house/homeward/bridge '))).toEqual([
      'homes/mums-house/homeward/alerts/a1 {"id":"a1","type":"night-exit"}',
      'homes/mums-house/homeward/status online',
    ]);
  });
});
