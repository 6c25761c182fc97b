import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config.js';
import type { Household } from '../../src/core/household.js';
import { openHome } from '../../src/hub.js';
import { fakeClock } from '../support/fake-clock-process.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { cliScript, freePort, spawnHub, waitForPort, type HubProcess } from '../support/hub-process.js';
import { connectClient } from '../support/mqtt-clients.js';
import { testDataDir } from '../support/test-hub.js';

/**
 * The whole hub as a process, its wall clock moved by libfaketime: killed with SIGKILL in the middle
 * of a dose window, restarted, and its clock jumped forward and back (issue 4, "Tests"). Each
 * deadline must fire once — not zero times, not twice.
 */
const execFileAsync = promisify(execFile);

const household: Household = {
  home: { name: 'Clock faults', timezone: 'Europe/London', lat: 51.5072, lon: -0.1276 },
  person: { name: 'Margaret' },
  zones: [{ id: 'home', name: 'Home', lat: 51.5072, lon: -0.1276, radiusM: 150 }],
  devices: [
    { id: 'front-door', name: 'Front door', kind: 'door', source: 'native', exit: true },
    { id: 'pillbox', name: 'Pill box', kind: 'pillbox', source: 'native', compartments: 2 },
  ],
  rules: {
    night: { start: '22:00', end: '07:00' },
    doorOpenTooLong: '10m',
    medication: [
      { name: 'Morning tablets', at: '08:00', window: '5m', compartment: 1 },
      { name: 'Evening tablets', at: '20:00', window: '5m', compartment: 2 },
    ],
  },
};

function alertKeys(dataDir: string): string[] {
  const db = new Database(path.join(dataDir, 'homeward.db'), { readonly: true });
  try {
    return (db.prepare('SELECT key FROM alerts ORDER BY raised_at, key').all() as Array<{ key: string }>).map((r) => r.key);
  } finally {
    db.close();
  }
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, withinMs = 15_000): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('rules under SIGKILL and clock jumps (whole process, libfaketime)', () => {
  let hub: HubProcess | undefined;
  afterEach(() => {
    hub?.child.kill('SIGKILL');
  });

  function prepare(): string {
    const dataDir = testDataDir();
    const home = openHome({ ...defaultConfig(), dataDir });
    home.household.import(household);
    home.close();
    return dataDir;
  }

  let httpPort = 0;
  async function start(dataDir: string, env: Record<string, string>): Promise<{ mqttPort: number }> {
    const mqttPort = await freePort();
    httpPort = await freePort();
    hub = spawnHub({ ...env, HOMEWARD_DATA_DIR: dataDir, HOMEWARD_MQTT_PORT: String(mqttPort), HOMEWARD_HTTP_PORT: String(httpPort) });
    await waitForPort(mqttPort);
    await waitForPort(httpPort);
    return { mqttPort };
  }

  /** Up to when every rule has judged its deadlines (homeward_rules_evaluated_until_seconds), in ms. */
  async function evaluatedUpTo(): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
    return Number(/^homeward_rules_evaluated_until_seconds (\S+)$/m.exec(text)?.[1] ?? 0) * 1000;
  }

  /** Waits until the hub's engine has ticked `count` more times (read from /metrics). */
  async function ticks(count: number): Promise<void> {
    const read = async () => Number(/^homeward_rule_ticks_total (\d+)$/m.exec(await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text())?.[1] ?? 0);
    const target = (await read()) + count;
    const deadline = Date.now() + 15_000;
    while ((await read()) < target) {
      if (Date.now() > deadline) throw new Error('the rule engine stopped ticking');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function kill(): Promise<void> {
    hub?.child.kill('SIGKILL');
    await hub?.exited;
    hub = undefined;
  }

  it('killed mid-window and restarted, still raises the missed dose on time, once', async () => {
    const dataDir = prepare();
    const clock = fakeClock(dataDir, '2026-01-15T07:58:00Z');
    await start(dataDir, clock.env);
    // The hub has evaluated into the window; then it dies.
    await until('a tick inside the window', async () => ((await evaluatedUpTo()) >= Date.parse('2026-01-15T07:58:00Z') ? true : undefined));
    await kill();
    expect(alertKeys(dataDir)).toEqual([]);

    // Back up two seconds before the window ends: the restarted hub must raise it as the end passes.
    clock.set('2026-01-15T08:04:58Z');
    await start(dataDir, clock.env);
    const keys = await until('the missed dose', () => {
      const k = alertKeys(dataDir);
      return k.some((key) => key.startsWith('missed-dose:')) ? k : undefined;
    });
    expect(keys.filter((k) => k.startsWith('missed-dose:'))).toHaveLength(1);

    // Killed again and restarted well after: not raised a second time.
    await kill();
    clock.set('2026-01-15T08:30:00Z');
    await start(dataDir, clock.env);
    await until('a tick after the restart', async () => ((await evaluatedUpTo()) >= Date.parse('2026-01-15T08:30:00Z') ? true : undefined));
    expect(alertKeys(dataDir).filter((k) => k.startsWith('missed-dose:'))).toHaveLength(1);
  }, 60_000);

  it('a forward jump fires each passed deadline once; a jump back fires nothing twice', async () => {
    const dataDir = prepare();
    const clock = fakeClock(dataDir, '2026-01-15T07:00:00Z');
    await start(dataDir, clock.env);
    await until('the first tick', async () => ((await evaluatedUpTo()) >= Date.parse('2026-01-15T07:00:00Z') ? true : undefined));
    // NTP syncs a Pi with no real-time clock: twelve and a half hours pass at once.
    clock.set('2026-01-15T20:30:00Z');
    const missed = await until('both missed doses', () => {
      const k = alertKeys(dataDir).filter((key) => key.startsWith('missed-dose:'));
      return k.length >= 2 ? k : undefined;
    });
    expect(missed.sort()).toEqual(['missed-dose:evening-tablets:2026-01-15', 'missed-dose:morning-tablets:2026-01-15']);

    // Back to the morning, then forward again past both windows: nothing is raised twice.
    // (Watermarks never move back, so "evaluated up to" proves the hub has ticked past 20:40 again.)
    clock.set('2026-01-15T07:30:00Z');
    await ticks(2);
    clock.set('2026-01-15T20:40:00Z');
    await until('a tick after 20:40', async () => ((await evaluatedUpTo()) >= Date.parse('2026-01-15T20:40:00Z') ? true : undefined));
    expect(alertKeys(dataDir).filter((k) => k.startsWith('missed-dose:'))).toHaveLength(2);
  }, 60_000);

  it('a door opened at 02:00 by the hub clock raises one night exit at once', async () => {
    const dataDir = prepare();
    const clock = fakeClock(dataDir, '2026-01-15T02:00:00Z');
    const { mqttPort } = await start(dataDir, clock.env);
    const home = openHome({ ...defaultConfig(), dataDir });
    const credential = home.credentials.reveal('front-door')!;
    home.close();
    const door = await connectClient(`mqtt://127.0.0.1:${mqttPort}`, { ...credential, clientId: 'door' });
    await door.publishAsync('homeward/devices/front-door/door', JSON.stringify({ open: true }), { qos: 1 });
    await door.endAsync();
    const keys = await until('the night exit', () => {
      const k = alertKeys(dataDir).filter((key) => key.startsWith('night-exit:'));
      return k.length > 0 ? k : undefined;
    }, 5000);
    expect(keys).toHaveLength(1);
    // status --json shows it in the contract's shape (DESIGN.md, "Commands").
    const { stdout } = await execFileAsync(process.execPath, [cliScript, 'status', '--json', '--data-dir', dataDir]);
    const status = JSON.parse(stdout) as { alerts: Array<Record<string, unknown>> };
    expect(status.alerts).toEqual([
      expect.objectContaining({ id: expect.any(String), type: 'night-exit', status: 'open', deviceId: 'front-door', raisedAt: expect.stringMatching(/^2026-01-15T02:0/) }),
    ]);
  }, 30_000);
});
