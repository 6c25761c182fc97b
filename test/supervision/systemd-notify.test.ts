import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import { createHub, type Hub } from '../../src/hub.js';
import { judgeHubHealth } from '../../src/supervision/hub-health.js';
import { createSystemdNotify } from '../../src/supervision/systemd-notify.js';
import { testHousehold } from '../support/households.js';
import { freePort, spawnHub, type HubProcess } from '../support/hub-process.js';
import { openNotifySocket, type NotifySocket } from '../support/notify-socket.js';
import { recordingLogger } from '../support/recording-logger.js';
import { testDataDir, testHubConfig } from '../support/test-hub.js';

const NIGHT = Date.UTC(2026, 5, 1, 2, 0, 0);
/** WatchdogSec=60 in deploy/homeward.service, as systemd passes it. */
const WATCHDOG_USEC = 60_000_000;

let socket: NotifySocket | undefined;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await socket?.close();
  socket = undefined;
});

function logLines() {
  const lines: Array<{ level: string; msg: string }> = [];
  return { lines, log: recordingLogger((level, msg) => lines.push({ level, msg: msg ?? '' })) };
}

const watchdogBeats = (s: NotifySocket) => s.datagrams().filter((d) => d.split('\n').includes('WATCHDOG=1')).length;

/** A notifier over the real judgement: a manual clock, and rules that have judged up to `evaluatedUntil`. */
function rulesAt(notifySocket: string, options: { binary?: string } = {}) {
  const clock = createManualClock(NIGHT);
  const rules = { evaluatedUntil: NIGHT as number | undefined };
  const { lines, log } = logLines();
  const notify = createSystemdNotify({
    notifySocket,
    watchdogUsec: WATCHDOG_USEC,
    health: () => judgeHubHealth({ now: () => clock.now(), databaseAnswers: () => true, brokerUp: () => true, evaluatedUntil: () => rules.evaluatedUntil }),
    log,
    ...options,
  });
  cleanups.push(() => notify.stop());
  return { clock, rules, lines, notify };
}

describe('systemd notifications through the real systemd-notify (issue 9, item 2)', () => {
  it('says READY=1 with a status, then feeds the watchdog while the hub is healthy', async () => {
    socket = await openNotifySocket();
    const { notify } = rulesAt(socket.path);
    expect(notify.enabled).toBe(true);
    await notify.ready('Listening: MQTT on port 1883, dashboard at http://127.0.0.1:8080');
    expect(await socket.waitFor('READY=1')).toBe('READY=1\nSTATUS=Listening: MQTT on port 1883, dashboard at http://127.0.0.1:8080');
    expect(await notify.tick()).toBe('fed');
    // The status stays READY's line while all is well: nothing new to say.
    expect(await socket.waitFor('WATCHDOG=1')).toBe('WATCHDOG=1');
    // systemd-notify waited for the receiver to process each message (its barrier), as systemd would.
    // Waited for, not counted at once: this process reads the receiver's lines when it next gets round to it.
    expect(await socket.waitFor('BARRIER=1', { nth: 2 })).toBe('BARRIER=1');
  });

  it('starves the watchdog, says why, and logs an error when the rules stop judging deadlines; feeds it again once they catch up', async () => {
    socket = await openNotifySocket();
    const { notify, clock, rules, lines } = rulesAt(socket.path);
    expect(await notify.tick()).toBe('fed');
    await socket.waitFor('WATCHDOG=1');

    // The clock goes on; the rules stay where they were: a missed dose now would go unnoticed.
    clock.advance(2 * 60_000);
    expect(await notify.tick()).toBe('starved');
    const status = await socket.waitFor('STATUS=Unhealthy: the rule engine has not judged deadlines (missed doses, doors left open) for 2m');
    expect(status).not.toContain('WATCHDOG=1');
    expect(watchdogBeats(socket)).toBe(1);
    expect(lines).toContainEqual({
      level: 'error',
      msg: 'not feeding the systemd watchdog, so systemd restarts the hub: the rule engine has not judged deadlines (missed doses, doors left open) for 2m',
    });

    rules.evaluatedUntil = clock.now();
    expect(await notify.tick()).toBe('fed');
    expect(await socket.waitFor('WATCHDOG=1', { nth: 2 })).toBe('WATCHDOG=1\nSTATUS=Healthy');
  });

  it('still feeds the watchdog while the clock is not set: a restart cannot set it', async () => {
    socket = await openNotifySocket();
    const { notify, clock, rules, lines } = rulesAt(socket.path);
    clock.set(Date.UTC(1970, 0, 1, 0, 1));
    rules.evaluatedUntil = undefined;
    expect(await notify.tick()).toBe('fed');
    expect(await socket.waitFor('WATCHDOG=1')).toMatch(/^WATCHDOG=1\nSTATUS=Unhealthy: the clock is not set yet/);
    expect(lines.filter((l) => l.level === 'warn' && l.msg.includes('a restart would not cure it'))).toHaveLength(1);
  });

  it('never runs two systemd-notify at once: a beat while one runs is skipped', async () => {
    socket = await openNotifySocket();
    const { notify } = rulesAt(socket.path);
    const [first, second] = await Promise.all([notify.tick(), notify.tick()]);
    expect([first, second]).toEqual(['fed', 'busy']);
    // READY and STOPPING are not skipped: they wait their turn.
    const [third] = await Promise.all([notify.tick(), notify.stopping()]);
    expect(third).toBe('fed');
    expect(await socket.waitFor('STOPPING=1')).toBe('STOPPING=1\nSTATUS=Stopping');
    // Everything before STOPPING=1 has arrived: one beat from the pair, one from the third.
    expect(watchdogBeats(socket)).toBe(2);
  });

  describe('with a stand-in for systemd-notify that records each run', () => {
    let dir: string;
    let binary: string;
    let trace: string;
    beforeAll(() => {
      dir = testDataDir();
      binary = path.join(dir, 'systemd-notify');
      trace = path.join(dir, 'runs');
      writeFileSync(binary, `#!/bin/sh\necho "$NOTIFY_SOCKET $*" >> '${trace}'\n`);
      chmodSync(binary, 0o755);
      return () => rmSync(dir, { recursive: true, force: true });
    });

    it('spawns nothing at all when not run by systemd (no NOTIFY_SOCKET)', async () => {
      rmSync(trace, { force: true });
      const { notify } = rulesAt('', { binary });
      expect(notify.enabled).toBe(false);
      notify.start();
      await notify.ready('Listening');
      expect(await notify.tick()).toBe('off');
      await notify.stopping();
      expect(existsSync(trace)).toBe(false);
    });

    it('runs it with only NOTIFY_SOCKET in its environment when systemd is there', async () => {
      rmSync(trace, { force: true });
      const { notify } = rulesAt('/run/systemd/notify', { binary });
      await notify.ready('Listening');
      expect(readFileSync(trace, 'utf8')).toBe('/run/systemd/notify READY=1 STATUS=Listening\n');
    });
  });

  it('a missing systemd-notify: one warning, no crash, and no further attempts', async () => {
    const { notify, lines } = rulesAt('/run/systemd/notify', { binary: '/nonexistent/systemd-notify' });
    await notify.ready('Listening');
    expect(await notify.tick()).toBe('off');
    await notify.stopping();
    expect(lines.filter((l) => l.level === 'warn')).toEqual([
      { level: 'warn', msg: '/nonexistent/systemd-notify is missing: systemd will not hear that the hub is ready or alive (install the systemd package)' },
    ]);
  });
});

describe('the hub feeds the watchdog from its own health', () => {
  let hub: Hub | undefined;
  afterEach(async () => {
    await hub?.stop();
    hub = undefined;
  });

  it('feeds it at start, and starves it (logging why) once its rule engine stops ticking', async () => {
    socket = await openNotifySocket();
    const dataDir = testDataDir();
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const config = testHubConfig(dataDir, 'silent');
    config.systemd = { notifySocket: socket.path, watchdogUsec: WATCHDOG_USEC };
    const clock = createManualClock(NIGHT);
    const { lines, log } = logLines();
    hub = await createHub({ config, log, clock, clockSync: () => Promise.resolve(true) });
    hub.household.import(testHousehold());
    await hub.start();
    expect(await socket.waitFor('WATCHDOG=1')).toBe('WATCHDOG=1\nSTATUS=Healthy');
    await hub.supervision.systemd.ready('test');

    // A rule engine that no longer ticks (its timer gone), while the night goes on.
    hub.engine.stop();
    clock.advance(5 * 60_000);
    expect(await hub.supervision.systemd.tick()).toBe('starved');
    await socket.waitFor('STATUS=Unhealthy: the rule engine has not judged deadlines (missed doses, doors left open) for 5m');
    expect(watchdogBeats(socket)).toBe(1);
    expect(lines.some((l) => l.level === 'error' && l.msg.startsWith('not feeding the systemd watchdog'))).toBe(true);

    // One tick catches every deadline up (rule-engine.ts): trusted again.
    hub.engine.tick();
    expect(await hub.supervision.systemd.tick()).toBe('fed');
    expect(await socket.waitFor('WATCHDOG=1', { nth: 2 })).toBe('WATCHDOG=1\nSTATUS=test');
  });
});

describe('the built hub as systemd runs it', () => {
  let running: HubProcess | undefined;
  afterEach(() => {
    if (running !== undefined && running.child.exitCode === null) running.child.kill('SIGKILL');
    running = undefined;
  });

  it('sends READY=1 once MQTT and HTTP listen, feeds the watchdog, and sends STOPPING=1 on SIGTERM', async () => {
    socket = await openNotifySocket();
    const dataDir = testDataDir();
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const mqttPort = await freePort();
    const httpPort = await freePort();
    running = spawnHub({
      HOMEWARD_DATA_DIR: dataDir,
      HOMEWARD_MQTT_PORT: String(mqttPort),
      HOMEWARD_HTTP_PORT: String(httpPort),
      NOTIFY_SOCKET: socket.path,
      WATCHDOG_USEC: String(WATCHDOG_USEC),
    });
    const ready = await socket.waitFor('READY=1', { withinMs: 20_000 });
    expect(ready).toBe(`READY=1\nSTATUS=Listening: MQTT on port ${mqttPort}, dashboard at http://127.0.0.1:${httpPort}`);
    // Already listening when systemd hears READY=1: one attempt each, no waiting.
    await expect(connectOnce(mqttPort)).resolves.toBe(true);
    await expect(connectOnce(httpPort)).resolves.toBe(true);
    expect(await socket.waitFor('WATCHDOG=1')).toBe('WATCHDOG=1\nSTATUS=Healthy');
    expect(socket.datagrams()).not.toContainEqual(expect.stringContaining('STOPPING=1'));

    running.child.kill('SIGTERM');
    expect(await socket.waitFor('STOPPING=1')).toBe('STOPPING=1\nSTATUS=Stopping');
    expect(await running.exited).toEqual({ code: 0, signal: null });
  });
});

function connectOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const connection = net.connect(port, '127.0.0.1');
    connection.once('connect', () => {
      connection.destroy();
      resolve(true);
    });
    connection.once('error', () => resolve(false));
  });
}
