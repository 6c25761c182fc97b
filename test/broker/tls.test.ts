import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isHomewardError } from '../../src/core/errors.js';
import { createHub } from '../../src/hub.js';
import { makeCertificates } from '../support/certificates.js';
import { countRows } from '../support/database-file.js';
import { freePort, spawnHub } from '../support/hub-process.js';
import { connectClient, stillConnected } from '../support/mqtt-clients.js';
import { householdBrokerFiles, removeMosquitto, startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import { testHousehold } from '../support/households.js';
import { startTestHub, testDataDir, testHubConfig, type TestHub } from '../support/test-hub.js';

const run = promisify(execFile);

/**
 * MQTT over TLS (issue 9, item 7) with a throwaway CA and a server certificate for 127.0.0.1 and
 * localhost, made here with openssl: the embedded broker's TLS listener admits and authenticates as TCP
 * does; clients that do not trust the CA, or speak plaintext to it, get nowhere; bad certificate or key
 * files stop the start with a message naming the file. And the hub as a client of an mqtts:// external
 * broker signed by a private CA (issue 9, item 6).
 */
let dir: string;
// ca.pem, server.pem / server.key (for 127.0.0.1 and localhost), other.pem / other.key: test/support/certificates.ts.
const file = (name: string) => path.join(dir, name);

beforeAll(async () => {
  dir = (await makeCertificates()).dir;
  writeFileSync(file('not-pem.txt'), 'this is not a certificate\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('MQTT over TLS from the embedded broker', () => {
  let t: TestHub;
  let tlsPort: number;
  beforeAll(async () => {
    t = await startTestHub({ config: (config) => (config.mqtt.tls = { port: 0, cert: file('server.pem'), key: file('server.key') }) });
    tlsPort = t.hub.broker.tlsPort()!;
    expect(tlsPort).toBeGreaterThan(0);
  });
  afterAll(async () => {
    await t.stop();
  });

  it('start() reports the TLS port beside the TCP one', async () => {
    expect(tlsPort).not.toBe(t.mqttPort);
  });

  it('commits a reading from a device that trusts the CA, before its PUBACK', async () => {
    const device = await connectClient(`mqtts://127.0.0.1:${tlsPort}`, { ...t.credential('front-door'), clientId: 'front-door-tls', ca: [readPem('ca.pem')] });
    try {
      await device.publishAsync('homeward/devices/front-door/door', JSON.stringify({ open: true, battery: 80 }), { qos: 1 });
      expect(countRows(t.dataDir, 'door_readings')).toBe(1);
    } finally {
      await device.endAsync();
    }
  });

  it('also by hostname (localhost is in the certificate)', async () => {
    const device = await connectClient(`mqtts://localhost:${tlsPort}`, { ...t.credential('back-door'), clientId: 'back-door-tls', ca: [readPem('ca.pem')] });
    await device.publishAsync('homeward/devices/back-door/door', JSON.stringify({ open: false }), { qos: 1 });
    expect(countRows(t.dataDir, 'door_readings')).toBe(2);
    await device.endAsync();
  });

  it('a client that does not trust the CA fails the handshake; nothing is stored', async () => {
    for (const ca of [undefined, [readPem('other.pem')]]) {
      const error = await connectClient(`mqtts://127.0.0.1:${tlsPort}`, { ...t.credential('front-door'), clientId: 'untrusting', ...(ca ? { ca } : {}) }).catch((e: Error) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as { code?: string }).code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/);
    }
    expect(countRows(t.dataDir, 'door_readings')).toBe(2);
  });

  it('a plaintext client on the TLS port gets no CONNACK, and other clients are unharmed', async () => {
    const watcher = await connectClient(`mqtts://127.0.0.1:${tlsPort}`, { ...t.credential('home-assistant'), clientId: 'ha-tls', ca: [readPem('ca.pem')] });
    const error = await connectClient(`mqtt://127.0.0.1:${tlsPort}`, { ...t.credential('front-door'), clientId: 'plaintext' }).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/closed before CONNACK|ECONNRESET/);
    expect(await stillConnected(watcher)).toBe(true);
    await watcher.endAsync();
  });

  it('refuses wrong credentials over TLS with CONNACK 4', async () => {
    const error = await connectClient(`mqtts://127.0.0.1:${tlsPort}`, { username: 'front-door', password: 'not its password', clientId: 'guess', ca: [readPem('ca.pem')] }).catch((e: Error) => e);
    expect((error as { code?: number }).code).toBe(4);
  });
});

function readPem(name: string): string {
  return readFileSync(file(name), 'utf8');
}

describe('bad certificate or key files', () => {
  const cases: Array<{ name: string; cert: () => string; key: () => string; message: RegExp }> = [
    { name: 'a missing certificate', cert: () => file('missing.pem'), key: () => file('server.key'), message: /cannot read the MQTT TLS certificate .*missing\.pem: no such file/ },
    { name: 'a certificate that is not PEM', cert: () => file('not-pem.txt'), key: () => file('server.key'), message: /MQTT TLS certificate .*not-pem\.txt is not a PEM file/ },
    { name: 'a key given as the certificate', cert: () => file('server.key'), key: () => file('server.key'), message: /MQTT TLS certificate .*server\.key holds no readable PEM certificate/ },
    { name: 'a key that is not PEM', cert: () => file('server.pem'), key: () => file('not-pem.txt'), message: /MQTT TLS key .*not-pem\.txt is not a PEM file/ },
    { name: "another certificate's key", cert: () => file('server.pem'), key: () => file('other.key'), message: /MQTT TLS key .*other\.key does not belong to the certificate .*server\.pem/ },
  ];
  for (const c of cases) {
    it(`stops the start on ${c.name}, naming the file`, async () => {
      const dataDir = testDataDir();
      try {
        const config = testHubConfig(dataDir, 'silent');
        config.mqtt.tls = { port: 0, cert: c.cert(), key: c.key() };
        const error = await createHub({ config, log: pino({ level: 'silent' }) }).catch((e: unknown) => e);
        expect(isHomewardError(error, 'HW_CONFIG_INVALID')).toBe(true);
        expect((error as Error).message).toMatch(c.message);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  }

  it('the built hub exits 2 with the message, not a stack trace', async () => {
    const dataDir = testDataDir();
    try {
      const hub = spawnHub({ HOMEWARD_DATA_DIR: dataDir, HOMEWARD_HTTP_PORT: '0', HOMEWARD_MQTT_PORT: '0', HOMEWARD_MQTT_TLS_CERT: file('server.pem'), HOMEWARD_MQTT_TLS_KEY: file('other.key') });
      const { code } = await hub.exited;
      expect(code).toBe(2);
      expect(hub.output()).toMatch(/homeward: the MQTT TLS key .*other\.key does not belong to the certificate/);
      expect(hub.output()).not.toMatch(/\n\s+at /);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('an mqtts:// external broker signed by a private CA', () => {
  let mosquitto: Mosquitto | undefined;
  let dataDir: string;
  let tlsPort: number;
  afterAll(async () => {
    await removeMosquitto(mosquitto);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the hub connects trusting HOMEWARD_MQTT_CA, and takes a device reading sent over TLS', async () => {
    dataDir = testDataDir();
    const config = testHubConfig(dataDir, 'silent');
    const { users, acl } = householdBrokerFiles(config, { username: 'homeward-hub', password: 'hub secret 1' }, testHousehold());
    tlsPort = await freePort();
    mosquitto = await startMosquitto({
      users,
      acl,
      extraConfig: [`listener ${tlsPort} 127.0.0.1`, `cafile ${file('ca.pem')}`, `certfile ${file('server.pem')}`, `keyfile ${file('server.key')}`],
    });
    config.mqtt.url = `mqtts://homeward-hub:${encodeURIComponent('hub secret 1')}@localhost:${tlsPort}`;
    config.mqtt.external.ca = file('ca.pem');
    const hub = await createHub({ config, log: pino({ level: 'silent' }) });
    try {
      await hub.start();
      await vi.waitFor(() => expect(hub.broker.connected()).toBe(true), { timeout: 5000, interval: 20 });
      await run('mosquitto_pub', ['-h', 'localhost', '-p', String(tlsPort), '--cafile', file('ca.pem'), '-q', '1', '-u', 'front-door', '-P', users['front-door']!, '-t', 'homeward/devices/front-door/door', '-m', '{"open":false}']);
      await vi.waitFor(() => expect(countRows(dataDir, 'door_readings')).toBe(1), { timeout: 5000, interval: 20 });
    } finally {
      await hub.stop();
    }
  });

  it('without the CA it stays disconnected (and says so in /api/health), but the hub still starts', async () => {
    const config = testHubConfig(dataDir, 'silent');
    config.mqtt.url = `mqtts://homeward-hub:${encodeURIComponent('hub secret 1')}@localhost:${tlsPort}`;
    const hub = await createHub({ config, log: pino({ level: 'silent' }) });
    try {
      await hub.start();
      expect(hub.broker.connected()).toBe(false);
      expect((await hub.http.inject({ method: 'GET', url: '/api/health' })).json()).toMatchObject({ status: 'degraded', mqtt: { connected: false, clients: 0 } });
    } finally {
      await hub.stop();
    }
  });
});
