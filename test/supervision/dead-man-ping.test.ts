import { rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetricsRegistry } from '../../src/core/metrics.js';
import { createDeadManPing, type DeadManPing } from '../../src/supervision/dead-man-ping.js';
import type { HubHealth } from '../../src/supervision/hub-health.js';
import { freePort, spawnHub, waitForPort } from '../support/hub-process.js';
import { recordingLogger } from '../support/recording-logger.js';
import { startTestHub, testDataDir, type TestHub } from '../support/test-hub.js';

interface Received {
  method: string;
  url: string;
  contentType: string | undefined;
  body: string;
}

/** A healthchecks-style service on 127.0.0.1 that records every request; it can refuse or never answer. */
async function pingService(options: { port?: number; status?: number; silent?: boolean } = {}) {
  const requests: Received[] = [];
  const hanging: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', contentType: req.headers['content-type'], body });
      if (options.silent === true) hanging.push(res);
      else res.writeHead(options.status ?? 200, { 'content-type': 'text/plain' }).end('OK');
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const service = {
    requests,
    url: `http://127.0.0.1:${port}`,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  cleanups.push(() => service.close());
  return service;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const healthy: HubHealth = { ok: true, problems: [], restartMayHelp: false };
const stuck: HubHealth = {
  ok: false,
  problems: ['the database does not answer', 'the rule engine has not judged deadlines (missed doses, doors left open) for 5m'],
  restartMayHelp: true,
};

function pinger(url: string, options: { timeoutMs?: number } = {}) {
  let health = healthy;
  const lines: Array<{ level: string; msg: string }> = [];
  const metrics = createMetricsRegistry();
  const ping: DeadManPing = createDeadManPing({
    url,
    everyS: 60,
    health: () => health,
    log: recordingLogger((level, msg) => lines.push({ level, msg: msg ?? '' })),
    pings: metrics.counter('homeward_supervision_ping_total', 'pings'),
    ...options,
  });
  cleanups.push(() => ping.stop());
  return { ping, lines, metrics, setHealth: (next: HubHealth) => (health = next) };
}

describe('the dead-man ping (issue 9, item 8)', () => {
  it('GETs the URL while the hub is healthy, and POSTs <url>/fail with the problems when it is not', async () => {
    const service = await pingService();
    const { ping, setHealth, lines, metrics } = pinger(`${service.url}/ping/5f2b0c1e-check`);
    expect(ping.enabled).toBe(true);
    expect(await ping.tick()).toBe('up');
    setHealth(stuck);
    expect(await ping.tick()).toBe('fail');
    setHealth(healthy);
    expect(await ping.tick()).toBe('up');

    expect(service.requests).toEqual([
      { method: 'GET', url: '/ping/5f2b0c1e-check', contentType: undefined, body: '' },
      {
        method: 'POST',
        url: '/ping/5f2b0c1e-check/fail',
        contentType: 'text/plain; charset=utf-8',
        body: 'the database does not answer\nthe rule engine has not judged deadlines (missed doses, doors left open) for 5m',
      },
      { method: 'GET', url: '/ping/5f2b0c1e-check', contentType: undefined, body: '' },
    ]);
    expect(lines).toEqual([
      {
        level: 'warn',
        msg: `told 127.0.0.1:${service.url.split(':')[2]} the hub is unhealthy: the database does not answer; the rule engine has not judged deadlines (missed doses, doors left open) for 5m`,
      },
      { level: 'info', msg: `the dead-man ping to 127.0.0.1:${service.url.split(':')[2]} works again: the hub is healthy` },
    ]);
    expect(metrics.render()).toContain('homeward_supervision_ping_total{result="up"} 2');
    expect(metrics.render()).toContain('homeward_supervision_ping_total{result="fail"} 1');
  });

  it("speaks Uptime Kuma's push URLs: the URL as given when healthy, status=down with the problems when not", async () => {
    const service = await pingService();
    const { ping, setHealth } = pinger(`${service.url}/api/push/Xk3tq9?status=up&msg=OK&ping=`);
    expect(await ping.tick()).toBe('up');
    setHealth(stuck);
    expect(await ping.tick()).toBe('fail');
    expect(service.requests[0]).toMatchObject({ method: 'GET', url: '/api/push/Xk3tq9?status=up&msg=OK&ping=' });
    const down = new URL(service.requests[1]?.url ?? '', service.url);
    expect(service.requests[1]?.method).toBe('GET');
    expect(down.pathname).toBe('/api/push/Xk3tq9');
    expect(down.searchParams.get('status')).toBe('down');
    expect(down.searchParams.get('msg')).toBe(stuck.problems.join('; '));
  });

  it('a service that is down: logged once, never thrown, and the next tick goes on — and says when it works again', async () => {
    const port = await freePort();
    const { ping, lines, metrics } = pinger(`http://127.0.0.1:${port}/ping/check`);
    expect(await ping.tick()).toBe('error');
    expect(await ping.tick()).toBe('error');
    expect(await ping.tick()).toBe('error');
    expect(lines).toEqual([
      { level: 'warn', msg: `the dead-man ping to 127.0.0.1:${port} failed (ECONNREFUSED): the service will report the hub as down` },
    ]);
    expect(metrics.render()).toContain('homeward_supervision_ping_total{result="error"} 3');

    const service = await pingService({ port });
    expect(await ping.tick()).toBe('up');
    expect(service.requests).toHaveLength(1);
    expect(lines.at(-1)).toEqual({ level: 'info', msg: `the dead-man ping to 127.0.0.1:${port} works again: the hub is healthy` });
  });

  it('a service that refuses the check (HTTP 404, an unknown check) is logged with the status', async () => {
    const service = await pingService({ status: 404 });
    const { ping, lines } = pinger(`${service.url}/ping/unknown`);
    expect(await ping.tick()).toBe('error');
    expect(lines).toEqual([{ level: 'warn', msg: expect.stringContaining('failed (HTTP 404)') }]);
  });

  it('a service that never answers: one ping in flight at most, given up after the time-out, logged once', async () => {
    const service = await pingService({ silent: true });
    const { ping, lines, metrics } = pinger(`${service.url}/ping/check`, { timeoutMs: 300 });
    const first = ping.tick();
    // While the first waits, the next minute's ping is skipped rather than piled up.
    expect(await ping.tick()).toBe('busy');
    expect(await first).toBe('error');
    expect(await ping.tick()).toBe('error');
    expect(service.requests).toHaveLength(2);
    expect(lines).toEqual([{ level: 'warn', msg: expect.stringContaining('failed (no answer within 0.3 s)') }]);
    expect(metrics.render()).toContain('homeward_supervision_ping_total{result="busy"} 1');
  });

  it('refuses, by name, a ping URL that could never be sent', () => {
    expect(() => pinger('http://:80/ping/check')).toThrow(/^HOMEWARD_PING_URL "http:\/\/:80\/ping\/check" is not a URL; copy the ping URL/);
    expect(() => pinger('https://anna:secret@hc-ping.com/5f2b0c1e')).toThrow('HOMEWARD_PING_URL must not hold a user name or password: the ping cannot send them');
  });

  it('is off when no ping URL is set: nothing is sent', async () => {
    const { ping } = pinger('');
    expect(ping.enabled).toBe(false);
    ping.start();
    expect(await ping.tick()).toBe('off');
  });
});

describe('the hub pings from its own health', () => {
  let running: TestHub | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  it('pings at start and counts it in /metrics', async () => {
    const service = await pingService();
    running = await startTestHub({ config: (config) => (config.supervision = { pingUrl: `${service.url}/ping/hub-check`, everyS: 60 }) });
    await waitUntil(() => service.requests.length > 0);
    expect(service.requests[0]).toMatchObject({ method: 'GET', url: '/ping/hub-check' });
    const metrics = await (await fetch(`http://127.0.0.1:${running.httpPort}/metrics`)).text();
    expect(metrics).toContain('homeward_supervision_ping_total{result="up"} 1');
    expect(running.hub.supervision.health()).toEqual({ ok: true, problems: [], restartMayHelp: false });
  });

  it('a ping service that is down leaves the hub running and serving', async () => {
    const port = await freePort();
    const lines: Array<{ level: string; msg: string }> = [];
    running = await startTestHub({
      config: (config) => (config.supervision = { pingUrl: `http://127.0.0.1:${port}/ping/hub-check`, everyS: 60 }),
      log: recordingLogger((level, msg) => lines.push({ level, msg: msg ?? '' })),
    });
    await waitUntil(() => lines.some((l) => l.msg.startsWith('the dead-man ping')));
    expect(lines.filter((l) => l.msg.startsWith('the dead-man ping'))).toEqual([
      { level: 'warn', msg: `the dead-man ping to 127.0.0.1:${port} failed (ECONNREFUSED): the service will report the hub as down` },
    ]);
    expect((await fetch(`http://127.0.0.1:${running.httpPort}/api/health`)).status).toBe(200);
  });
});

describe('the built hub with a ping URL that cannot be sent', () => {
  it('does not start: exit 2 with the reason; the same data directory starts cleanly once the URL is fixed', async () => {
    const dataDir = testDataDir();
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const hub = spawnHub({ HOMEWARD_DATA_DIR: dataDir, HOMEWARD_MQTT_PORT: String(await freePort()), HOMEWARD_HTTP_PORT: String(await freePort()), HOMEWARD_PING_URL: 'http://:80/ping' });
    expect((await hub.exited).code).toBe(2);
    expect(hub.output()).toContain('homeward: HOMEWARD_PING_URL "http://:80/ping" is not a URL');
    // Nothing changed: the same data directory starts a healthy hub once the URL is fixed.
    const httpPort = await freePort();
    const again = spawnHub({ HOMEWARD_DATA_DIR: dataDir, HOMEWARD_MQTT_PORT: String(await freePort()), HOMEWARD_HTTP_PORT: String(httpPort) });
    cleanups.push(async () => {
      again.child.kill('SIGTERM');
      await again.exited;
    });
    await waitForPort(httpPort, 20_000, again);
    expect((await fetch(`http://127.0.0.1:${httpPort}/api/health`)).status).toBe(200);
  });
});

/** Waits for a real event (a request arriving, a line logged), bounded. */
async function waitUntil(condition: () => boolean, withinMs = 5000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
