import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { brokerCheck } from '../../../src/cli/doctor/broker-check.js';
import { freePort, waitForPort } from '../../support/hub-process.js';
import { removeMosquitto, startMosquitto } from '../../support/mosquitto.js';
import { startTestHub, type TestHub } from '../../support/test-hub.js';
import { doctorConfig, runCheck } from './doctor-support.js';
import { selfSignedCertificate } from './certificates.js';

/**
 * The broker check (issue 9, items 5–7) against real brokers: the hub's own (startTestHub, with its
 * TLS listener), Debian's Mosquitto as an external broker or as another program on the port, and
 * ports where nothing, or something that is not MQTT, listens. Every probe is a real mqtt.js CONNECT.
 */
let certDir: string;
let certificate: { cert: string; key: string };
const stops: Array<() => Promise<void>> = [];

beforeAll(() => {
  certDir = mkdtempSync(path.join(os.tmpdir(), 'homeward-doctor-certs-'));
  certificate = selfSignedCertificate(certDir, 30);
});
afterAll(() => rmSync(certDir, { recursive: true, force: true }));
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

async function hub(configure?: Parameters<typeof startTestHub>[0]): Promise<TestHub> {
  const started = await startTestHub(configure);
  stops.push(() => started.stop());
  return started;
}

/** Debian's Mosquitto (test/support/mosquitto.ts): with users, or taking anyone; with a TLS listener when given a certificate. */
async function mosquitto(options: { users?: Record<string, string>; tls?: { cert: string; key: string } } = {}): Promise<{ port: number; tlsPort: number }> {
  const tlsPort = await freePort();
  const extraConfig = options.users === undefined ? ['allow_anonymous true'] : [];
  if (options.tls !== undefined) extraConfig.push(`listener ${tlsPort} 127.0.0.1`, `certfile ${options.tls.cert}`, `keyfile ${options.tls.key}`);
  const started = await startMosquitto({ users: options.users ?? {}, acl: 'pattern read #\n', extraConfig });
  stops.push(() => removeMosquitto(started));
  if (options.tls !== undefined) await waitForPort(tlsPort, 5000);
  return { port: started.port, tlsPort };
}

function configWith(change: (config: ReturnType<typeof doctorConfig>) => void) {
  const config = doctorConfig();
  stops.push(async () => rmSync(config.dataDir, { recursive: true, force: true }));
  change(config);
  return config;
}

describe('broker check: the embedded broker', () => {
  it('is a problem when nothing listens on the MQTT port', async () => {
    const port = await freePort();
    const found = await runCheck(brokerCheck, configWith((c) => (c.mqtt.port = port)));
    expect(found).toMatchObject({
      name: 'broker',
      level: 'problem',
      finding: `nothing answers MQTT on 127.0.0.1:${port} (connect ECONNREFUSED 127.0.0.1:${port}): devices cannot deliver readings`,
      fix: expect.stringContaining('start the hub: `sudo systemctl start homeward`'),
    });
  });

  it('is fine when the hub listens: its refusal of a connection without a password proves it is there (bound to every address, too)', async () => {
    const running = await hub();
    for (const host of ['127.0.0.1', '0.0.0.0']) {
      const found = await runCheck(brokerCheck, configWith((c) => ((c.mqtt.port = running.mqttPort), (c.host = host))));
      expect(found).toEqual({ name: 'broker', ok: true, level: 'ok', finding: `MQTT answers on 127.0.0.1:${running.mqttPort} (and refuses a connection without a password, as it should)` });
    }
  });

  it('is a problem when what listens is not MQTT (no CONNACK within the time-out)', async () => {
    // Reads what it is sent and never answers.
    const silent = net.createServer((socket) => socket.resume());
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    stops.push(() => new Promise((resolve) => silent.close(() => resolve())));
    const port = (silent.address() as net.AddressInfo).port;
    const found = await runCheck(brokerCheck, configWith((c) => (c.mqtt.port = port)), { timeoutMs: 500 });
    expect(found).toMatchObject({ level: 'problem', finding: `nothing answers MQTT on 127.0.0.1:${port} (no answer within 0.5 s): devices cannot deliver readings` });
  });

  it('is a problem when another broker holds the port and takes anyone (a system Mosquitto)', async () => {
    const other = await mosquitto();
    const found = await runCheck(brokerCheck, configWith((c) => (c.mqtt.port = other.port)));
    expect(found).toMatchObject({
      level: 'problem',
      finding: `127.0.0.1:${other.port} accepts a connection without a password: that is not Homeward's broker (it refuses anonymous devices), so devices there reach another program`,
      fix: expect.stringContaining('sudo systemctl disable --now mosquitto'),
    });
  });
});

describe('broker check: MQTT over TLS', () => {
  it('checks the TLS port too when a certificate is configured: the hub\'s TLS listener answers', async () => {
    const tlsPort = await freePort();
    const running = await hub({ config: (c) => (c.mqtt.tls = { port: tlsPort, cert: certificate.cert, key: certificate.key }) });
    const found = await runCheck(brokerCheck, configWith((c) => ((c.mqtt.port = running.mqttPort), (c.mqtt.tls = { port: tlsPort, ...certificate }))));
    expect(found).toMatchObject({ level: 'ok', finding: `MQTT answers on 127.0.0.1:${running.mqttPort} (and refuses a connection without a password, as it should); MQTT over TLS answers on 127.0.0.1:${tlsPort} (and refuses a connection without a password, as it should)` });
  });

  it('is a problem when the plain port answers but nothing listens on the TLS port', async () => {
    const running = await hub();
    const tlsPort = await freePort();
    const found = await runCheck(brokerCheck, configWith((c) => ((c.mqtt.port = running.mqttPort), (c.mqtt.tls = { port: tlsPort, ...certificate }))));
    expect(found.level).toBe('problem');
    expect(found.finding).toMatch(new RegExp(`^nothing answers MQTT over TLS on 127\\.0\\.0\\.1:${tlsPort} .*; MQTT answers on`));
    expect(found.fix).toContain('HOMEWARD_MQTT_TLS_PORT');
  });

  it('warns two weeks before the certificate expires, and is a problem once it has', async () => {
    const tlsPort = await freePort();
    const running = await hub({ config: (c) => (c.mqtt.tls = { port: tlsPort, ...certificate }) });
    const config = configWith((c) => ((c.mqtt.port = running.mqttPort), (c.mqtt.tls = { port: tlsPort, ...certificate })));
    const expires = Date.parse(new X509Certificate(readFileSync(certificate.cert)).validTo);

    const soon = await runCheck(brokerCheck, config, { now: expires - 5 * 86_400_000 });
    expect(soon).toMatchObject({ level: 'warning', finding: expect.stringMatching(/^the MQTT TLS certificate expires in 5 days \(\d{4}-\d\d-\d\d\)/), fix: expect.stringContaining(`renew the certificate ${certificate.cert}`) });
    const past = await runCheck(brokerCheck, config, { now: expires + 86_400_000 });
    expect(past).toMatchObject({ level: 'problem', finding: expect.stringMatching(/^the MQTT TLS certificate expired on \d{4}-\d\d-\d\d: devices refuse to connect over TLS/) });
    expect((await runCheck(brokerCheck, config)).level).toBe('ok');
  });

  it('is a problem when the key does not belong to the certificate', async () => {
    const other = selfSignedCertificate(certDir, 30, 'other');
    const running = await hub();
    const found = await runCheck(brokerCheck, configWith((c) => ((c.mqtt.port = running.mqttPort), (c.mqtt.tls = { port: 8883, cert: certificate.cert, key: other.key }))));
    expect(found).toMatchObject({ level: 'problem', finding: expect.stringContaining(`the MQTT TLS key ${other.key} does not belong to the certificate ${certificate.cert}`) });
  });
});

describe('broker check: an external broker (HOMEWARD_MQTT_URL)', () => {
  it('is fine when the broker accepts the hub\'s credentials', async () => {
    const external = await mosquitto({ users: { hub: 'right horse battery' } });
    const found = await runCheck(brokerCheck, configWith((c) => (c.mqtt.url = `mqtt://hub:${encodeURIComponent('right horse battery')}@127.0.0.1:${external.port}`)));
    expect(found).toEqual({ name: 'broker', ok: true, level: 'ok', finding: `the external broker mqtt://hub@127.0.0.1:${external.port} accepts the hub's credentials` });
  });

  it('is a problem when it refuses them, and never prints the password', async () => {
    const external = await mosquitto({ users: { hub: 'right horse battery' } });
    const found = await runCheck(brokerCheck, configWith((c) => (c.mqtt.url = `mqtt://hub:wrong-password@127.0.0.1:${external.port}`)));
    expect(found).toMatchObject({ level: 'problem', finding: expect.stringMatching(new RegExp(`^the external broker mqtt://hub@127\\.0\\.0\\.1:${external.port} refuses the hub's credentials \\(.+\\): no reading reaches the hub$`)) });
    expect(JSON.stringify(found)).not.toContain('wrong-password');
  });

  it('is a problem when it cannot be reached', async () => {
    const port = await freePort();
    const found = await runCheck(brokerCheck, configWith((c) => (c.mqtt.url = `mqtt://hub:pw@127.0.0.1:${port}`)));
    expect(found).toMatchObject({ level: 'problem', finding: `cannot reach the external broker mqtt://hub@127.0.0.1:${port} (connect ECONNREFUSED 127.0.0.1:${port}): no reading reaches the hub` });
  });

  it('over mqtts://, trusts the broker only with its CA (HOMEWARD_MQTT_CA)', async () => {
    const external = await mosquitto({ users: { hub: 'pw' }, tls: certificate });
    const url = `mqtts://hub:pw@127.0.0.1:${external.tlsPort}`;
    const without = await runCheck(brokerCheck, configWith((c) => (c.mqtt.url = url)));
    expect(without).toMatchObject({ level: 'problem', finding: expect.stringMatching(/^cannot reach the external broker mqtts:\/\/hub@127\.0\.0\.1:\d+ \(self[- ]signed certificate\)/), fix: expect.stringContaining('HOMEWARD_MQTT_CA') });
    const withCa = await runCheck(brokerCheck, configWith((c) => ((c.mqtt.url = url), (c.mqtt.external.ca = certificate.cert))));
    expect(withCa).toMatchObject({ level: 'ok', finding: `the external broker mqtts://hub@127.0.0.1:${external.tlsPort} accepts the hub's credentials` });
  });
});
