import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient } from '../support/mqtt-clients.js';
import { startTestHub, type TestHub } from '../support/test-hub.js';

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
    expect(body).toEqual({ status: 'ok', version: expect.stringMatching(/^\d+\.\d+\.\d+/), uptimeS: expect.any(Number), mqtt: { clients: 1 }, db: { ok: true } });
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
    expect(await response.json()).toMatchObject({ statusCode: 404 });
  });
});
