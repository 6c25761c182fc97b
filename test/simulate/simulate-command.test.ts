import { afterEach, describe, expect, it } from 'vitest';
import { scenarios } from '../../src/simulate/scenarios.js';
import { runCli } from '../support/hub-process.js';
import { startTestHub, testDataDir, type TestHub } from '../support/test-hub.js';
import { doorRows, mixedHousehold, positionRows, refusedReadings, statusOf, traccarHousehold, zoneRadiusM, home } from './simulate-support.js';
import { distanceM } from '../../src/ingest/gps-hygiene.js';

/** `homeward simulate` as a script runs it: the built CLI in a child process, against a hub in this process. */

const homeward = (args: string[], env: Record<string, string> = {}) => runCli(args, { HOMEWARD_LOG_LEVEL: 'warn', ...env }, { timeoutMs: 30_000 });

const hubs: TestHub[] = [];
afterEach(async () => {
  await Promise.all(hubs.splice(0).map((t) => t.stop()));
});

describe('homeward simulate', () => {
  it('--help lists every scenario with one line each and explains time; the top-level help mentions it', async () => {
    const run = await homeward(['simulate', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: homeward simulate SCENARIO/);
    for (const scenario of scenarios) expect(run.stdout).toMatch(new RegExp(`^  ${scenario.name} +from ${scenario.startAt}  ${scenario.summary.slice(0, 20)}`, 'm'));
    expect(run.stdout).toContain('faketime');
    expect((await homeward(['--help'])).stdout).toMatch(/^ {2}simulate SCENARIO/m);
  });

  it('an unknown or missing scenario exits 2 with the list; a bad speed or option exits 2', async () => {
    const unknown = await homeward(['simulate', 'sleepwalk']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown scenario "sleepwalk"');
    for (const scenario of scenarios) expect(unknown.stderr).toContain(scenario.name);
    const missing = await homeward(['simulate']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('double-dose');
    const dataDir = testDataDir();
    expect((await homeward(['simulate', 'double-dose', '--speed', 'fast', '--data-dir', dataDir])).code).toBe(2);
    expect((await homeward(['simulate', 'double-dose', '--colour', '--data-dir', dataDir])).code).toBe(2);
  });

  it('plays night-exit-leaves-zone at --speed 0 against a running hub, with the default URLs from the config, and prints JSON', async () => {
    const t = await startTestHub({ household: mixedHousehold() });
    hubs.push(t);
    const run = await homeward(['simulate', 'night-exit-leaves-zone', '--speed', '0', '--json', '--data-dir', t.dataDir], {
      HOMEWARD_MQTT_PORT: String(t.mqttPort),
      HOMEWARD_HTTP_PORT: String(t.httpPort),
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as { scenario: string; devices: Record<string, string>; sent: { mqtt: number; http: number }; startAt: string };
    expect(summary).toMatchObject({ scenario: 'night-exit-leaves-zone', startAt: '01:55', devices: { exitDoor: 'front-door', tracker: 'mum-phone' } });
    expect(summary.sent).toEqual({ mqtt: 9, http: 0 });
    expect(doorRows(t.dataDir, 'front-door').map((r) => r.open)).toEqual([1, 0]);
    const outside = positionRows(t.dataDir, 'mum-phone').filter((f) => distanceM(home.lat, home.lon, f.lat, f.lon) - zoneRadiusM > (f.accuracyM ?? 0));
    expect(outside.length).toBeGreaterThanOrEqual(4);
    expect(refusedReadings(t)).toEqual([]);
  });

  it('prints each step as it is sent, with --mqtt and --http given, over HTTP for a Traccar watch', async () => {
    const t = await startTestHub({ household: traccarHousehold() });
    hubs.push(t);
    const run = await homeward(['simulate', 'low-battery', '--speed', 'max', '--mqtt', t.mqttUrl, '--http', `http://127.0.0.1:${t.httpPort}`, '--data-dir', t.dataDir]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Simulating low-battery as fast as possible/);
    expect(run.stdout).toMatch(/^16:00:00 +tracker +gps-watch +fix \d+ m from home \(±\d+ m\), battery 14 % +→ POST \/ingest\/osmand$/m);
    expect(run.stdout).toMatch(/^15:00:00 +exitDoor +front-door +battery report \(door closed\), battery 17 % +→ homeward\/devices\/front-door\/door$/m);
    expect(run.stdout).toMatch(/^Sent 7 MQTT and 5 HTTP messages for 12 steps\.$/m);
    expect(statusOf(t, 'gps-watch').battery).toBe(14);
    expect(statusOf(t, 'front-door').battery).toBe(17);
  });

  it('a household without a pill box: double-dose exits 3 naming what is missing, and sends nothing', async () => {
    const household = mixedHousehold();
    household.devices = household.devices!.filter((d) => d.kind !== 'pillbox');
    const t = await startTestHub({ household });
    hubs.push(t);
    const run = await homeward(['simulate', 'double-dose', '--speed', '0', '--mqtt', t.mqttUrl, '--data-dir', t.dataDir]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('needs a pill box');
    expect(positionRows(t.dataDir, 'mum-phone')).toEqual([]);
  });

  it('a hub that is not there: exit 1 with the connection error, promptly', async () => {
    const t = await startTestHub({ household: mixedHousehold() });
    hubs.push(t);
    const dataDir = t.dataDir;
    const mqttUrl = t.mqttUrl;
    await t.hub.stop();
    const run = await homeward(['simulate', 'double-dose', '--speed', '0', '--mqtt', mqttUrl, '--data-dir', dataDir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^homeward: simulate double-dose stopped: MQTT connection to mqtt:\/\/127\.0\.0\.1:\d+ as "mum-phone" failed: .*ECONNREFUSED/);
    expect(run.stderr).not.toContain('    at ');
  });
});
