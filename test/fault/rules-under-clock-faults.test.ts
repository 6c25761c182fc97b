import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { Household } from '../../src/core/household.js';
import { fakeClock } from '../support/fake-clock-process.js';
import { connectDevice, homeWith, startHubProcess, type RunningHub } from '../support/faked-hub.js';
import { cliScript } from '../support/hub-process.js';
import { evaluatedPast, ruleTicks, storedAlerts, until, watchDeadline } from '../support/rule-watch.js';

/**
 * The whole hub as a process, its wall clock moved by libfaketime (issue 4, "Tests"; issue 10, "Clock
 * jumps of ±12 h … under faketime: every deadline evaluated exactly once"). Each deadline must fire
 * once — not zero times, not twice — and at its time: test/support/rule-watch.ts checks, from /metrics,
 * that an alert appears only once the hub has judged past its deadline, and at once then.
 * DST days are in dst-days.test.ts; a restart in the middle of a dose window in restart-mid-deadline.test.ts.
 */
const execFileAsync = promisify(execFile);
/** After a clock move the hub ticks within a second: set the clock this long before a deadline, to see it wait. */
const LEAD_MS = 1500;
const at = (iso: string) => Date.parse(iso);

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

describe('rules under clock jumps (whole process, libfaketime)', () => {
  let hub: RunningHub | undefined;
  let door: MqttClient | undefined;
  afterEach(async () => {
    await door?.endAsync(true);
    door = undefined;
    hub?.process.child.kill('SIGKILL');
    await hub?.process.exited;
    hub = undefined;
  });

  it('jumps of ±12 h: a deadline passed by the backward clock fires nothing, each later one fires once, at its time', async () => {
    const dataDir = homeWith(household);
    const clock = fakeClock(dataDir, '2026-01-15T07:58:00Z');
    hub = await startHubProcess({ ...clock.env, HOMEWARD_DATA_DIR: dataDir });
    const { httpPort } = hub;
    await evaluatedPast(httpPort, at('2026-01-15T07:58:00Z'));

    // −12 h, then on past the evening dose of the day before: that deadline is behind the hub's judgement, not ahead of it.
    clock.set('2026-01-14T19:58:00Z');
    await ruleTicks(httpPort, 1);
    clock.set('2026-01-14T20:05:30Z');
    await ruleTicks(httpPort, 1);
    expect(storedAlerts(dataDir)).toEqual([]);

    // +12 h, to just before the morning window ends: raised as it ends.
    const morningEnd = at('2026-01-15T08:05:00Z');
    clock.set(new Date(morningEnd - LEAD_MS).toISOString());
    const morning = await watchDeadline(httpPort, dataDir, morningEnd, 'missed-dose:morning-tablets:', morningEnd - LEAD_MS);
    expect(morning.sawItBefore).toBe(true);
    expect(morning.alerts.map((alert) => [alert.key, alert.raisedAt])).toEqual([['missed-dose:morning-tablets:2026-01-15', morningEnd]]);

    // +12 h straight past the evening window: judged once, at the deadline it passed.
    clock.set('2026-01-15T20:05:30Z');
    await evaluatedPast(httpPort, at('2026-01-15T20:05:30Z'));
    expect(storedAlerts(dataDir).map((alert) => [alert.key, alert.raisedAt])).toEqual([
      ['missed-dose:morning-tablets:2026-01-15', morningEnd],
      ['missed-dose:evening-tablets:2026-01-15', at('2026-01-15T20:05:00Z')],
    ]);

    // −12 h and +12 h again, across both deadlines: nothing twice.
    clock.set('2026-01-15T08:05:30Z');
    await ruleTicks(httpPort, 1);
    clock.set('2026-01-15T20:10:00Z');
    await evaluatedPast(httpPort, at('2026-01-15T20:10:00Z'));
    expect(storedAlerts(dataDir).map((alert) => alert.key)).toEqual(['missed-dose:morning-tablets:2026-01-15', 'missed-dose:evening-tablets:2026-01-15']);
  }, 30_000);

  it('a door opened at 02:00 by the hub clock raises one night exit at once', async () => {
    const dataDir = homeWith(household);
    const clock = fakeClock(dataDir, '2026-01-15T02:00:00Z');
    hub = await startHubProcess({ ...clock.env, HOMEWARD_DATA_DIR: dataDir });
    door = await connectDevice(dataDir, hub.mqttPort, 'front-door');
    await door.publishAsync('homeward/devices/front-door/door', JSON.stringify({ open: true }), { qos: 1 });
    const keys = await until('the night exit', () => {
      const k = storedAlerts(dataDir).filter((alert) => alert.type === 'night-exit');
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
