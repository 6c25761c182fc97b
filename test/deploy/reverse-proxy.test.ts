import http from 'node:http';
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { startCaddy, proxyRequest, type RunningCaddy } from '../support/caddy.js';
import { countRows } from '../support/database-file.js';
import { connectClient } from '../support/mqtt-clients.js';
import { recordingLogger } from '../support/recording-logger.js';
import { startTestHub, type TestHub } from '../support/test-hub.js';

/**
 * deploy/Caddyfile, run by Debian's Caddy in front of a real hub (issue 9, item 3): what a phone
 * elsewhere gets through it, and what the hub believes about who is asking. The phone is played from
 * 127.0.0.2 and a stranger talking to the hub directly from 127.0.0.3, so neither looks like the proxy
 * (127.0.0.1).
 */
const PHONE = '127.0.0.2';
const STRANGER = '127.0.0.3';
const PUBLIC_URL = 'https://hub.homeward.test';
const OWNER = { email: 'anna@example.org', password: 'kettle on the windowsill 7' };

/** Signs in through Caddy from the phone, optionally claiming another address; returns the answer. */
function signInThroughProxy(caddy: RunningCaddy, headers: Record<string, string> = {}) {
  return proxyRequest(caddy, {
    method: 'POST',
    path: '/api/auth/login',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(OWNER),
    localAddress: PHONE,
  });
}

/** The address the audit log gave the newest sign-in. */
function lastSignInAddress(t: TestHub): unknown {
  return t.hub.store.audit.recent(50).find((entry) => entry.action === 'session.started')?.details.address;
}

/** Reads a server-sent-event stream through Caddy until an event named `name` has arrived, or gives up. */
function eventStream(caddy: RunningCaddy, cookie: string) {
  let received = '';
  let status = 0;
  const request = https.get({ hostname: caddy.domain, port: caddy.httpsPort, path: '/api/events', headers: { accept: 'text/event-stream', cookie }, ca: caddy.ca, lookup: caddy.lookup, agent: false, localAddress: PHONE }, (response) => {
    status = response.statusCode ?? 0;
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => (received += chunk));
  });
  request.on('error', () => undefined);
  return {
    status: () => status,
    async arrived(name: string, withinMs = 5000): Promise<string> {
      const deadline = Date.now() + withinMs;
      for (;;) {
        const at = received.indexOf(`event: ${name}\n`);
        if (at >= 0) return received.slice(at, received.indexOf('\n\n', at));
        if (Date.now() > deadline) throw new Error(`no "${name}" event through Caddy within ${withinMs} ms (a buffering proxy holds events back); got: ${JSON.stringify(received)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    close: () => request.destroy(),
  };
}

/** A test hub with an owner, and Caddy in front of it; the hub is stopped again if Caddy cannot start. */
async function hubBehindCaddy(options: Parameters<typeof startTestHub>[0]): Promise<{ t: TestHub; caddy: RunningCaddy }> {
  const t = await startTestHub(options);
  try {
    await t.hub.home.accounts.create({ email: OWNER.email, role: 'owner', password: OWNER.password });
    return { t, caddy: await startCaddy({ upstreamPort: t.httpPort }) };
  } catch (error) {
    await t.stop();
    throw error;
  }
}

describe('the hub behind deploy/Caddyfile, trusting it (HOMEWARD_TRUSTED_PROXIES=127.0.0.1)', () => {
  let t: TestHub;
  let caddy: RunningCaddy;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    ({ t, caddy } = await hubBehindCaddy({
      config: (c) => {
        c.publicUrl = PUBLIC_URL;
        c.http.trustedProxies = ['127.0.0.1'];
      },
    }));
  });
  afterAll(async () => {
    for (const client of clients) client.end(true);
    await caddy?.stop();
    await t?.stop();
  });

  it('answers /api/health over https with HSTS, once, and keeps /metrics for the home network', async () => {
    const health = await proxyRequest(caddy, { path: '/api/health', localAddress: PHONE });
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: expect.stringMatching(/^(ok|degraded)$/), db: { ok: true } });
    expect(health.headers['strict-transport-security']).toBe('max-age=31536000');
    // The hub's own headers pass through.
    expect(health.headers['content-security-policy']).toContain("default-src 'self'");

    const metrics = await proxyRequest(caddy, { path: '/metrics', localAddress: PHONE });
    expect(metrics.status).toBe(404);
    expect(metrics.body).not.toContain('homeward_');
    // Caddy's own answers carry HSTS too, not only the hub's.
    expect(metrics.headers['strict-transport-security']).toBe('max-age=31536000');
    const direct = await fetch(`http://127.0.0.1:${t.httpPort}/metrics`);
    expect(direct.status).toBe(200);
  });

  it('sends a plain-http visitor to https', async () => {
    const answer = await new Promise<http.IncomingMessage>((resolve, reject) =>
      http.get({ hostname: caddy.domain, port: caddy.httpPort, path: '/dashboard', lookup: caddy.lookup, agent: false }, resolve).on('error', reject),
    );
    answer.resume();
    expect(answer.statusCode).toBe(308);
    expect(answer.headers.location).toMatch(/^https:\/\/hub\.homeward\.test(:\d+)?\/dashboard$/);
  });

  it("signs in with a Secure cookie and records the phone's address, not the proxy's nor one the phone made up", async () => {
    const answer = await signInThroughProxy(caddy, { 'x-forwarded-for': '203.0.113.9' });
    expect(answer.status).toBe(200);
    const cookie = String(answer.headers['set-cookie']);
    expect(cookie).toMatch(/^homeward_session=/);
    expect(cookie.split('; ')).toContain('Secure');
    expect(lastSignInAddress(t)).toBe(PHONE);
  });

  it('does not believe X-Forwarded-For from a client that talks to the hub directly', async () => {
    const answer = await new Promise<{ status: number }>((resolve, reject) => {
      const request = http.request(
        {
          host: '127.0.0.1',
          port: t.httpPort,
          method: 'POST',
          path: '/api/auth/login',
          localAddress: STRANGER,
          agent: false,
          headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.7', 'x-forwarded-proto': 'https' },
        },
        (response) => {
          response.resume();
          resolve({ status: response.statusCode ?? 0 });
        },
      );
      request.on('error', reject);
      request.end(JSON.stringify(OWNER));
    });
    expect(answer.status).toBe(200);
    expect(lastSignInAddress(t)).toBe(STRANGER);
  });

  it('delivers a live event through Caddy as it happens (server-sent events are not buffered)', async () => {
    const signedIn = await signInThroughProxy(caddy);
    const cookie = String(signedIn.headers['set-cookie']).split(';')[0] as string;
    const stream = eventStream(caddy, cookie);
    try {
      await stream.arrived('ready');
      expect(stream.status()).toBe(200);
      const door = t.credential('front-door');
      const sensor = await connectClient(t.mqttUrl, { username: door.username, password: door.password, clientId: 'front-door-sse' });
      clients.push(sensor);
      await sensor.publishAsync('homeward/devices/front-door/door', JSON.stringify({ open: true, battery: 90 }), { qos: 1 });
      const event = await stream.arrived('door');
      expect(event).toContain('"deviceId":"front-door"');
      expect(event).toContain('"open":true');
    } finally {
      stream.close();
    }
  });

  it("commits a phone's reading sent as MQTT over WebSocket through Caddy (wss://…/mqtt)", async () => {
    const before = countRows(t.dataDir, 'position_readings');
    const phone = t.credential('mum-phone');
    const client = await connectClient(`wss://${caddy.domain}:${caddy.httpsPort}/mqtt`, {
      username: phone.username,
      password: phone.password,
      clientId: 'mum-phone-wss',
      wsOptions: { ca: caddy.ca, lookup: caddy.lookup, localAddress: PHONE },
    });
    clients.push(client);
    await client.publishAsync('homeward/devices/mum-phone/tracker', JSON.stringify({ lat: 51.5073, lon: -0.1277, acc: 9 }), { qos: 1 });
    // The PUBACK came back through Caddy: the reading is already in the file (DESIGN.md, principle 2).
    expect(countRows(t.dataDir, 'position_readings')).toBe(before + 1);
  });
});

describe('the hub behind deploy/Caddyfile without HOMEWARD_TRUSTED_PROXIES', () => {
  let t: TestHub;
  let caddy: RunningCaddy;
  const warnings: string[] = [];

  beforeAll(async () => {
    // No public URL either: only a believed X-Forwarded-Proto could tell the hub it is reached over https.
    ({ t, caddy } = await hubBehindCaddy({ log: recordingLogger((level, msg) => level === 'warn' && warnings.push(msg ?? '')) }));
  });
  afterAll(async () => {
    await caddy?.stop();
    await t?.stop();
  });

  it('sees every visitor as the proxy, cannot tell it is reached over https, and says which setting fixes it, once', async () => {
    const answer = await signInThroughProxy(caddy);
    expect(answer.status).toBe(200);
    expect(lastSignInAddress(t)).toBe('127.0.0.1');
    expect(String(answer.headers['set-cookie']).split('; ')).not.toContain('Secure');
    await signInThroughProxy(caddy);
    const hints = warnings.filter((w) => w.includes('HOMEWARD_TRUSTED_PROXIES'));
    expect(hints).toHaveLength(1);
    expect(hints[0]).toContain('Set HOMEWARD_TRUSTED_PROXIES=127.0.0.1');
  });
});
