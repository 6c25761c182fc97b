import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countRows } from '../support/database-file.js';
import { connectClient } from '../support/mqtt-clients.js';
import { startTestHub, type TestHub } from '../support/test-hub.js';

const run = promisify(execFile);

/** Clients nobody here wrote, and MQTT over WebSocket on the HTTP port. */
describe('broker transports', () => {
  let t: TestHub;
  beforeEach(async () => {
    t = await startTestHub();
  });
  afterEach(async () => {
    await t.stop();
  });

  it("accepts QoS 1 readings from Debian's mosquitto_pub", async () => {
    const { username, password } = t.credential('front-door');
    for (const open of [true, false]) {
      await run('mosquitto_pub', [
        '-h', '127.0.0.1', '-p', String(t.mqttPort), '-q', '1', '-i', 'esp32-front-door',
        '-u', username, '-P', password,
        '-t', 'homeward/devices/front-door/door', '-m', JSON.stringify({ open, battery: 80 }),
      ]);
    }
    // mosquitto_pub exits after its PUBACK: both readings are already in the file.
    expect(countRows(t.dataDir, 'door_readings')).toBe(2);
  });

  it('refuses mosquitto_pub with a wrong password (it exits non-zero), storing nothing', async () => {
    const result = await run('mosquitto_pub', [
      '-h', '127.0.0.1', '-p', String(t.mqttPort), '-q', '1', '-u', 'front-door', '-P', 'wrong',
      '-t', 'homeward/devices/front-door/door', '-m', '{"open":true}',
    ]).catch((error: { code?: number; stderr?: string }) => error);
    expect((result as { code?: number }).code).not.toBe(0);
    expect(countRows(t.dataDir, 'door_readings')).toBe(0);
  });

  it('accepts a reading over MQTT over WebSocket at /mqtt on the HTTP port', async () => {
    const { username, password } = t.credential('mum-phone');
    const client = await connectClient(`ws://127.0.0.1:${t.httpPort}/mqtt`, { username, password, clientId: 'phone-ws' });
    await client.publishAsync('homeward/devices/mum-phone/tracker', JSON.stringify({ lat: 51.5, lon: -0.12, acc: 9 }), { qos: 1 });
    expect(countRows(t.dataDir, 'position_readings')).toBe(1);
    await client.endAsync();
  });

  it('refuses an anonymous WebSocket client with CONNACK 5', async () => {
    const error = await connectClient(`ws://127.0.0.1:${t.httpPort}/mqtt`, { clientId: 'anon-ws' }).catch((e: Error) => e);
    expect((error as { code?: number }).code).toBe(5);
  });

  it('gives a signed-in browser no MQTT rights: neither its session cookie, nor an account password, nor an API token is an MQTT credential', async () => {
    const owner = await t.hub.home.accounts.create({ email: 'anna@example.org', role: 'owner', password: 'kettle on the windowsill 7' });
    const login = await t.hub.http.inject({ method: 'POST', url: '/api/auth/login', payload: { email: owner.email, password: 'kettle on the windowsill 7' } });
    const cookie = String(login.headers['set-cookie']).split(';')[0] as string;
    const token = t.hub.home.apiTokens.issue(owner.id, 'script').token;
    const url = `ws://127.0.0.1:${t.httpPort}/mqtt`;
    const attempts = [
      { clientId: 'cookie-only', wsOptions: { headers: { cookie } } },
      { clientId: 'account', username: owner.email, password: 'kettle on the windowsill 7', wsOptions: { headers: { cookie } } },
      { clientId: 'token', username: owner.email, password: token },
      { clientId: 'token-as-user', username: token, password: token },
    ];
    for (const options of attempts) {
      const error = await connectClient(url, options).catch((e: Error) => e);
      expect((error as { code?: number }).code, options.clientId).toBeOneOf([4, 5]);
    }
  });
});
