import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import { isHomewardError } from '../../src/core/errors.js';
import type { Household } from '../../src/core/household.js';
import { distanceM } from '../../src/ingest/gps-hygiene.js';
import { runScenario, type RunScenarioOptions, type ScenarioSummary } from '../../src/simulate/run-scenario.js';
import { findScenario } from '../../src/simulate/scenarios.js';
import { startTestHub, type TestHub } from '../support/test-hub.js';
import {
  doorRows,
  home,
  mixedHousehold,
  noSleep,
  pillboxRows,
  positionRows,
  refusedReadings,
  shellyHousehold,
  statusOf,
  traccarHousehold,
  zoneRadiusM,
} from './simulate-support.js';

/** Every scenario against a real in-process hub (real broker, HTTP and SQLite), as fast as possible. */

const hubs: TestHub[] = [];
afterEach(async () => {
  await Promise.all(hubs.splice(0).map((t) => t.stop()));
});

async function play(household: Household, scenario: string, options: Partial<RunScenarioOptions> = {}): Promise<{ t: TestHub; summary: ScenarioSummary }> {
  const t = await startTestHub({ household });
  hubs.push(t);
  const summary = await runScenario({
    household,
    credentialOf: (id) => t.credential(id),
    scenario,
    mqttUrl: t.mqttUrl,
    httpUrl: `http://127.0.0.1:${t.httpPort}`,
    speed: 0,
    sleep: noSleep,
    ...options,
  });
  return { t, summary };
}

const fromZoneCentre = (p: { lat: number; lon: number }) => distanceM(home.lat, home.lon, p.lat, p.lon);
const stepsOf = (name: string) => findScenario(name)!.steps;
const count = (name: string, role: string, key: string) => stepsOf(name).filter((s) => s.role === role && key in s.action).length;

describe('scenarios against a hub: Zigbee2MQTT door via its bridge, OwnTracks phone over MQTT, native pill box', () => {
  it('quiet-day: every door event, fix and lid stored; both doses taken once; everything inside the zone', async () => {
    const { t, summary } = await play(mixedHousehold(), 'quiet-day');
    expect(summary.devices).toEqual({ exitDoor: 'front-door', tracker: 'mum-phone', pillbox: 'pillbox' });
    expect(doorRows(t.dataDir, 'front-door')).toHaveLength(count('quiet-day', 'exitDoor', 'door'));
    expect(doorRows(t.dataDir, 'bedroom-window')).toHaveLength(0);
    const fixes = positionRows(t.dataDir, 'mum-phone');
    expect(fixes).toHaveLength(count('quiet-day', 'tracker', 'fix'));
    for (const fix of fixes) expect(fromZoneCentre(fix) + (fix.accuracyM ?? 0)).toBeLessThan(zoneRadiusM);
    const openings = pillboxRows(t.dataDir, 'pillbox').filter((r) => r.open === 1);
    expect(openings.map((r) => r.compartment)).toEqual([1, 2]);
    expect(statusOf(t, 'front-door')).toMatchObject({ online: true, state: 'closed' });
    expect(statusOf(t, 'mum-phone')).toMatchObject({ online: true, state: 'reporting', battery: 52 });
    expect(refusedReadings(t)).toEqual([]);
    // Bridged devices speak with the bridge's credential; the whole run used one connection per credential and closed it.
    expect(summary.sent.http).toBe(0);
    await vi.waitFor(() => expect(t.hub.broker.clientCount()).toBe(0));
  });

  it('night-exit-returns: door opened and closed twice at night; every fix inside the zone', async () => {
    const { t } = await play(mixedHousehold(), 'night-exit-returns');
    expect(doorRows(t.dataDir, 'front-door').map((r) => r.open)).toEqual([1, 0, 1, 0]);
    const fixes = positionRows(t.dataDir, 'mum-phone');
    expect(fixes).toHaveLength(count('night-exit-returns', 'tracker', 'fix'));
    for (const fix of fixes) expect(fromZoneCentre(fix) + (fix.accuracyM ?? 0)).toBeLessThan(zoneRadiusM);
    expect(refusedReadings(t)).toEqual([]);
  });

  it('night-exit-leaves-zone: door open then closed; then ≥ 4 fixes beyond the zone by more than their accuracy, over more than 2 minutes', async () => {
    const { t, summary } = await play(mixedHousehold(), 'night-exit-leaves-zone');
    const door = doorRows(t.dataDir, 'front-door');
    expect(door.map((r) => r.open)).toEqual([1, 0]);
    const outside = positionRows(t.dataDir, 'mum-phone').filter((fix) => fromZoneCentre(fix) - zoneRadiusM > (fix.accuracyM ?? 0));
    expect(outside.length).toBeGreaterThanOrEqual(4);
    expect(outside[outside.length - 1]!.at - outside[0]!.at).toBeGreaterThan(2 * 60_000);
    // The walk starts after the door closed, and goes steadily further.
    expect(outside[0]!.at).toBeGreaterThan(door[1]!.at);
    const distances = outside.map(fromZoneCentre);
    expect([...distances].sort((a, b) => a - b)).toEqual(distances);
    expect(distances[distances.length - 1]! - zoneRadiusM).toBeGreaterThan(550);
    // The summary says the same thing the database does.
    expect(summary.steps.filter((s) => (s.outsideZonesByM ?? -1) > 0)).toHaveLength(outside.length);
    // Timestamps are never in the hub's future, and the last step is stamped at the start of the run.
    expect(Math.max(...summary.steps.map((s) => s.at))).toBeLessThanOrEqual(Date.now());
    expect(refusedReadings(t)).toEqual([]);
  });

  it('missed-morning-dose: the box reports in but compartment 1 is never opened', async () => {
    const { t } = await play(mixedHousehold(), 'missed-morning-dose');
    const lids = pillboxRows(t.dataDir, 'pillbox');
    expect(lids.length).toBeGreaterThan(0);
    expect(lids.filter((r) => r.open === 1)).toEqual([]);
    expect(statusOf(t, 'pillbox')).toMatchObject({ online: true, battery: 85, state: 'closed' });
    expect(positionRows(t.dataDir, 'mum-phone')).toHaveLength(count('missed-morning-dose', 'tracker', 'fix'));
    expect(refusedReadings(t)).toEqual([]);
  });

  it('double-dose: compartment 1 opened twice, 38 minutes apart', async () => {
    const { t } = await play(mixedHousehold(), 'double-dose');
    const openings = pillboxRows(t.dataDir, 'pillbox').filter((r) => r.open === 1);
    expect(openings.map((r) => r.compartment)).toEqual([1, 1]);
    expect(openings[1]!.at - openings[0]!.at).toBe(38 * 60_000);
    expect(refusedReadings(t)).toEqual([]);
  });

  it('tracker-silent: three fixes, then the phone is offline (OwnTracks last will); the door carries on', async () => {
    const { t, summary } = await play(mixedHousehold(), 'tracker-silent');
    expect(positionRows(t.dataDir, 'mum-phone')).toHaveLength(3);
    expect(statusOf(t, 'mum-phone').online).toBe(false);
    expect(statusOf(t, 'front-door').online).toBe(true);
    const offline = summary.steps.find((s) => s.action === 'goes offline');
    expect(offline?.messages).toEqual([{ transport: 'mqtt', target: 'owntracks/margaret/phone' }]);
    expect(summary.steps.filter((s) => s.role === 'tracker').at(-1)).toBe(offline);
    expect(refusedReadings(t)).toEqual([]);
  });

  it('low-battery: the exit door and the phone end below 20 %', async () => {
    const { t } = await play(mixedHousehold(), 'low-battery');
    expect(statusOf(t, 'front-door').battery).toBe(17);
    expect(statusOf(t, 'mum-phone').battery).toBe(14);
    expect(statusOf(t, 'pillbox').battery).toBeNull();
    expect(refusedReadings(t)).toEqual([]);
  });
});

describe('scenarios with a Traccar Client watch over HTTP (native door and pill box)', () => {
  it('night-exit-leaves-zone: the watch posts its fixes with its secret and they are stored beyond the zone', async () => {
    const { t, summary } = await play(traccarHousehold(), 'night-exit-leaves-zone');
    expect(summary.sent.http).toBe(count('night-exit-leaves-zone', 'tracker', 'fix'));
    expect(summary.steps.find((s) => s.role === 'tracker')?.messages).toEqual([{ transport: 'http', target: 'POST /ingest/osmand' }]);
    const outside = positionRows(t.dataDir, 'gps-watch').filter((fix) => fromZoneCentre(fix) - zoneRadiusM > (fix.accuracyM ?? 0));
    expect(outside.length).toBeGreaterThanOrEqual(4);
    expect(doorRows(t.dataDir, 'front-door').map((r) => r.open)).toEqual([1, 0]);
    expect(refusedReadings(t)).toEqual([]);
  });

  it('tracker-silent: Traccar Client has no offline message, so the step says so and sends nothing', async () => {
    const { t, summary } = await play(traccarHousehold(), 'tracker-silent');
    const offline = summary.steps.find((s) => s.action === 'goes offline');
    expect(offline?.messages).toEqual([]);
    expect(offline?.note).toMatch(/heartbeat/);
    expect(positionRows(t.dataDir, 'gps-watch')).toHaveLength(3);
    // Only its heartbeat (30m of the hub's clock) can make it silent.
    expect(statusOf(t, 'gps-watch').online).toBe(true);
  });

  it('low-battery: the watch reports its battery through the OsmAnd JSON and ends below 20 %', async () => {
    const { t } = await play(traccarHousehold(), 'low-battery');
    expect(statusOf(t, 'gps-watch').battery).toBe(14);
    expect(statusOf(t, 'front-door').battery).toBe(17);
  });

  it('double-dose: the native box stores two openings of compartment 1', async () => {
    const { t } = await play(traccarHousehold(), 'double-dose');
    expect(pillboxRows(t.dataDir, 'pillbox').filter((r) => r.open === 1).map((r) => r.compartment)).toEqual([1, 1]);
  });
});

describe('what goes on the wire for an OsmAnd tracker', () => {
  it('posts with HTTP Basic and carries the secret as device_id, as a tracker that can send only an id would', async () => {
    const requests: Array<{ url: string; authorization: string | undefined; body: Record<string, unknown> }> = [];
    const server = http.createServer((request, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString()));
      request.on('end', () => {
        requests.push({ url: request.url ?? '', authorization: request.headers.authorization, body: JSON.parse(text) as Record<string, unknown> });
        response.end('');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const household = traccarHousehold();
      household.devices = household.devices!.filter((d) => d.kind === 'tracker');
      // Only the walk: this household has no door, and a scenario given as data may be any list of steps.
      const walk = findScenario('night-exit-leaves-zone')!;
      const trackerOnly = { ...walk, steps: walk.steps.filter((s) => s.role === 'tracker') };
      await runScenario({ household, credentialOf: (id) => ({ username: id, password: 'long-secret-0123456789' }), scenario: trackerOnly, httpUrl: `http://127.0.0.1:${port}`, speed: 0 });
      expect(requests).toHaveLength(trackerOnly.steps.length);
      for (const request of requests) {
        expect(request.url).toBe('/ingest/osmand');
        expect(request.authorization).toBe(`Basic ${Buffer.from('gps-watch:long-secret-0123456789').toString('base64')}`);
        expect(request.body.device_id).toBe('long-secret-0123456789');
        expect(JSON.stringify(request.body)).not.toContain('id=gps-watch');
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('scenarios with a Shelly door, an OwnTracks phone in HTTP mode and a one-lid box on a Tasmota bridge', () => {
  it('night-exit-leaves-zone: Shelly door events and OwnTracks HTTP fixes are stored', async () => {
    const { t, summary } = await play(shellyHousehold(), 'night-exit-leaves-zone');
    expect(doorRows(t.dataDir, 'front-door').map((r) => r.open)).toEqual([1, 0]);
    expect(summary.steps.find((s) => s.role === 'tracker')?.messages).toEqual([{ transport: 'http', target: 'POST /ingest/owntracks' }]);
    const outside = positionRows(t.dataDir, 'mum-phone').filter((fix) => fromZoneCentre(fix) - zoneRadiusM > (fix.accuracyM ?? 0));
    expect(outside.length).toBeGreaterThanOrEqual(4);
    expect(refusedReadings(t)).toEqual([]);
  });

  it('double-dose: the lid (compartment 0) opened twice, through the bridge', async () => {
    const { t, summary } = await play(shellyHousehold(), 'double-dose');
    expect(pillboxRows(t.dataDir, 'pillbox').filter((r) => r.open === 1).map((r) => r.compartment)).toEqual([0, 0]);
    expect(summary.steps.find((s) => s.role === 'pillbox')?.messages).toEqual([{ transport: 'mqtt', target: 'tele/SonoffZB/SENSOR' }]);
  });
});

describe('pacing and time', () => {
  it('at 60× waits one real second per simulated minute and stamps each message with the send time; the hub keeps the walk', async () => {
    const household = mixedHousehold();
    // The scenario's steps are minutes apart: at 60× the real stamps are seconds apart, which the hub's
    // 300 km/h plausibility check must still accept for an elderly walking pace.
    const clock = createManualClock(Date.now());
    const waits: number[] = [];
    const sleep = async (ms: number) => {
      waits.push(ms);
      clock.advance(ms);
    };
    const { t, summary } = await play(household, 'night-exit-leaves-zone', { speed: 60, clock, sleep });
    const steps = findScenario('night-exit-leaves-zone')!.steps;
    expect(summary.steps.map((s) => s.at - summary.steps[0]!.at)).toEqual(steps.map((s) => (s.atS * 1000) / 60));
    expect(waits.reduce((a, b) => a + b, 0)).toBeCloseTo((steps.at(-1)!.atS * 1000) / 60, 0);
    const outside = positionRows(t.dataDir, 'mum-phone').filter((fix) => fromZoneCentre(fix) - zoneRadiusM > (fix.accuracyM ?? 0));
    expect(outside).toHaveLength(5);
    expect(refusedReadings(t)).toEqual([]);
  });

  it('stops at once when aborted, and closes its connections', async () => {
    const household = mixedHousehold();
    const controller = new AbortController();
    let steps = 0;
    const run = play(household, 'quiet-day', {
      speed: 60,
      signal: controller.signal,
      onStep: () => {
        if (++steps === 3) controller.abort();
      },
    });
    await expect(run).rejects.toThrow(/abort/i);
    expect(steps).toBe(3);
    await vi.waitFor(() => expect(hubs[0]!.hub.broker.clientCount()).toBe(0));
  });
});

describe('refusals, before anything is sent', () => {
  const options = (household: Household, scenario = 'double-dose'): RunScenarioOptions => ({
    household,
    credentialOf: () => ({ username: 'x', password: 'y' }),
    scenario,
    mqttUrl: 'mqtt://127.0.0.1:1',
    speed: 0,
  });

  async function codeOf(work: Promise<unknown>): Promise<string | undefined> {
    try {
      await work;
      return undefined;
    } catch (error) {
      return isHomewardError(error) ? `${error.code}: ${error.message}` : String(error);
    }
  }

  it('a household without the device a scenario needs: HW_NOT_FOUND naming it', async () => {
    const household = mixedHousehold();
    household.devices = household.devices!.filter((d) => d.kind !== 'pillbox');
    expect(await codeOf(runScenario(options(household)))).toMatch(/^HW_NOT_FOUND: .*"double-dose" needs a pill box/);
    household.devices = household.devices.map((d) => ({ ...d, exit: false }));
    expect(await codeOf(runScenario(options(household, 'night-exit-returns')))).toMatch(/^HW_NOT_FOUND: .*needs an exit door/);
  });

  it('an unknown scenario or a bad speed: HW_USAGE', async () => {
    expect(await codeOf(runScenario(options(mixedHousehold(), 'sleepwalk')))).toMatch(/^HW_USAGE: unknown scenario "sleepwalk"; known: quiet-day, /);
    expect(await codeOf(runScenario({ ...options(mixedHousehold()), speed: -1 }))).toMatch(/^HW_USAGE: speed/);
    expect(await codeOf(runScenario({ ...options(mixedHousehold()), speed: Number.NaN }))).toMatch(/^HW_USAGE: speed/);
  });

  it('fixes with no home position and no zone: HW_USAGE', async () => {
    const household = mixedHousehold();
    household.home = { name: 'Nowhere', timezone: 'UTC' };
    household.zones = [];
    expect(await codeOf(runScenario(options(household, 'night-exit-leaves-zone')))).toMatch(/^HW_USAGE: .*"home": \{"lat", "lon"\}/);
  });

  it('a wrong credential: the run fails with the broker\'s refusal, and leaves no connection behind', async () => {
    const household = mixedHousehold();
    const t = await startTestHub({ household });
    hubs.push(t);
    const run = runScenario({
      household,
      credentialOf: (id) => ({ username: id, password: 'wrong' }),
      scenario: 'double-dose',
      mqttUrl: t.mqttUrl,
      speed: 0,
    });
    await expect(run).rejects.toThrow(/MQTT connection to .* as "mum-phone" failed: .*Bad username or password/);
    await vi.waitFor(() => expect(t.hub.broker.clientCount()).toBe(0));
  });

  it('a wrong HTTP credential: the 401 is the error', async () => {
    const household = traccarHousehold();
    const t = await startTestHub({ household });
    hubs.push(t);
    const run = runScenario({
      household,
      credentialOf: (id) => (id === 'gps-watch' ? { username: id, password: 'wrong' } : t.credential(id)),
      scenario: 'tracker-silent',
      mqttUrl: t.mqttUrl,
      httpUrl: `http://127.0.0.1:${t.httpPort}`,
      speed: 0,
    });
    await expect(run).rejects.toThrow(/POST \/ingest\/osmand answered 401/);
    await vi.waitFor(() => expect(t.hub.broker.clientCount()).toBe(0));
  });
});
