import { rmSync } from 'node:fs';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import { createHub, type Hub } from '../../src/hub.js';
import { connectClient } from '../support/mqtt-clients.js';
import { startTestHub, testDataDir, testHubConfig, type TestHub } from '../support/test-hub.js';

/** The HTTP contract scripts and monitors rely on (DESIGN.md, "HTTP"), over a real socket. */
describe('health, metrics and OpenAPI', () => {
  let t: TestHub;
  let base: string;
  beforeAll(async () => {
    t = await startTestHub();
    base = `http://127.0.0.1:${t.httpPort}`;
  });
  afterAll(async () => {
    await t.stop();
  });

  it('GET /api/health reports status, version, uptime, MQTT clients and the database', async () => {
    const { username, password } = t.credential('front-door');
    const client = await connectClient(t.mqttUrl, { username, password, clientId: 'health-probe' });
    const response = await fetch(`${base}/api/health`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    // The clock as this machine has it (issue 7, item 6): its synchronisation is whatever timedatectl says here.
    const clock = body.clock as { ok: boolean; now: string; synchronised: boolean | null };
    expect(body).toEqual({
      status: clock.ok ? 'ok' : 'degraded',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      uptimeS: expect.any(Number),
      mqtt: { clients: 1 },
      db: { ok: true },
      clock: expect.objectContaining({ ok: expect.any(Boolean), now: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) }),
    });
    expect(Math.abs(Date.parse(clock.now) - Date.now())).toBeLessThan(60_000);
    await client.endAsync();
  });

  it('GET /metrics exposes the DESIGN.md metric names in Prometheus text format', async () => {
    const { username, password } = t.credential('front-door');
    const client = await connectClient(t.mqttUrl, { username, password, clientId: 'metrics-probe' });
    await client.publishAsync('homeward/devices/front-door/door', '{"open":true}', { qos: 1 });
    await client.publishAsync('homeward/devices/front-door/door', '{"open":', { qos: 1 });
    const response = await fetch(`${base}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toMatch(/^homeward_readings_total\{result="accepted"\} 1$/m);
    expect(text).toMatch(/^homeward_readings_total\{reason="malformed",result="refused"\} 1$/m);
    expect(text).toMatch(/^homeward_mqtt_clients 1$/m);
    expect(text).toContain('# TYPE homeward_alerts_total counter');
    expect(text).toContain('# TYPE homeward_ingest_commit_seconds histogram');
    expect(text).toMatch(/^homeward_ingest_commit_seconds_count 1$/m);
    await client.endAsync();
  });

  it('GET /api/docs is an OpenAPI document built from the route schemas', async () => {
    const response = await fetch(`${base}/api/docs`);
    expect(response.status).toBe(200);
    const doc = (await response.json()) as { openapi: string; paths: Record<string, { get?: { responses?: Record<string, unknown> } }> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.paths['/api/health']?.get?.responses?.['200']).toBeDefined();
    expect(doc.paths['/metrics']).toBeDefined();
  });

  it('answers an unknown route with a JSON 404, not a stack trace', async () => {
    const response = await fetch(`${base}/api/nothing-here`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'not_found', detail: 'GET /api/nothing-here is not a route of this hub' });
  });
});

/**
 * Issue 7, item 6: a wrong clock breaks Web Push (VAPID tokens carry an expiry), so /api/health shows
 * it: a hub on a manual clock, with a fake of the only thing outside it, the synchronisation probe.
 */
describe('the clock in /api/health', () => {
  const hubs: Hub[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const hub of hubs.splice(0)) await hub.stop();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  async function hubAt(now: number, synchronised: boolean | undefined): Promise<Hub> {
    const dataDir = testDataDir();
    dirs.push(dataDir);
    const hub = await createHub({ config: testHubConfig(dataDir, 'silent'), log: pino({ level: 'silent' }), clock: createManualClock(now), clockSync: async () => synchronised });
    hubs.push(hub);
    await hub.start();
    // The first probe is under way at start; let it answer.
    await new Promise((resolve) => setImmediate(resolve));
    return hub;
  }

  const health = async (hub: Hub) => {
    const response = await hub.http.inject({ method: 'GET', url: '/api/health' });
    return { status: response.statusCode, body: response.json() as { status: string; clock: Record<string, unknown> } };
  };

  it('is ok when the clock is plausible and synchronised', async () => {
    const { status, body } = await health(await hubAt(Date.UTC(2026, 5, 1, 12), true));
    expect(status).toBe(200);
    expect(body.status).toBe('ok');
    expect(body.clock).toEqual({ ok: true, now: '2026-06-01T12:00:00.000Z', synchronised: true });
  });

  it('is degraded (still 200) when the clock is not synchronised, with a plain fix', async () => {
    const { status, body } = await health(await hubAt(Date.UTC(2026, 5, 1, 12), false));
    expect(status).toBe(200);
    expect(body.status).toBe('degraded');
    expect(body.clock).toMatchObject({ ok: false, synchronised: false, problem: 'not-synchronised', fix: expect.stringContaining('timedatectl set-ntp true') });
  });

  it('is 503 when the clock is obviously wrong (a Pi booted offline): alerts are held back', async () => {
    const { status, body } = await health(await hubAt(Date.UTC(1970, 0, 1, 0, 1), undefined));
    expect(status).toBe(503);
    expect(body.status).toBe('degraded');
    expect(body.clock).toMatchObject({ ok: false, now: '1970-01-01T00:01:00.000Z', synchronised: null, problem: 'before-plausible', detail: expect.stringContaining('before 2026-01-01') });
  });
});
