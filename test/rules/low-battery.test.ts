import { describe, expect, it } from 'vitest';
import type { Household } from '../../src/core/household.js';
import { lowBatteryRule } from '../../src/rules/low-battery.js';
import { emptyDeviceState } from '../../src/store/device-state-repo.js';
import { allKeys, createEngine, createWorld, doorReading, healthReading, openKeys } from './medication-view.js';

const M = 60_000;
const T0 = Date.parse('2026-01-15T08:00:00Z');

function household(lowBatteryPercent?: number): Household {
  return {
    home: { name: 'Test home', timezone: 'Europe/London' },
    person: { name: 'Margaret' },
    devices: [{ id: 'front-door', name: 'Front door', kind: 'door', source: 'native', exit: true }],
    rules: lowBatteryPercent === undefined ? {} : { lowBatteryPercent },
  };
}

interface Row {
  name: string;
  threshold?: number;
  /** Battery levels reported an hour apart (the first at T0). */
  levels: number[];
  /** Indexes (into levels) of the readings that started a raised notice. */
  raised: number[];
  open: number[];
}

const H = 60 * M;
const key = (index: number) => `low-battery:front-door:${T0 + index * H}`;

const rows: Row[] = [
  { name: 'below 20 % is a notice keyed by the first low reading', levels: [50, 19, 18], raised: [1], open: [1] },
  { name: '20 % exactly is not low', levels: [20, 20], raised: [], open: [] },
  { name: 'hovering at 19–21 % gives one notice, not one a day', levels: [19, 21, 19, 22, 18, 24, 19], raised: [0], open: [0] },
  { name: 'resolved only at threshold + 5 %', levels: [19, 24, 25], raised: [0], open: [] },
  { name: 'a new episode after recovery is a new notice', levels: [19, 26, 23, 18], raised: [0, 3], open: [3] },
  { name: "the care plan's threshold", threshold: 30, levels: [31, 29, 34], raised: [1], open: [1] },
  { name: "the care plan's threshold, recovered", threshold: 30, levels: [29, 35], raised: [0], open: [] },
];

describe('low-battery', () => {
  it.each(rows)('$name', (row) => {
    const world = createWorld(household(row.threshold), T0);
    const engine = createEngine(world, [lowBatteryRule]);
    row.levels.forEach((battery, i) => {
      world.now = T0 + i * H;
      engine.receive({ ...doorReading(T0 + i * H, false), battery });
      engine.setClock(T0 + i * H + M);
    });
    expect(allKeys(world, 'low-battery')).toEqual(row.raised.map(key));
    expect(openKeys(world, 'low-battery')).toEqual(row.open.map(key));
  });

  it('a notice with the level, resolved with the new level', () => {
    const world = createWorld(household(), T0);
    const engine = createEngine(world, [lowBatteryRule]);
    engine.receive(healthReading(T0, 'front-door', { battery: 17 }));
    expect(world.alerts.get(key(0))).toMatchObject({
      type: 'low-battery',
      severity: 'notice',
      deviceId: 'front-door',
      raisedAt: T0,
      title: 'Front door: battery low (17 %)',
      details: { battery: 17, threshold: 20 },
    });
    world.now = T0 + H;
    engine.receive(healthReading(T0 + H, 'front-door', { battery: 100 }));
    expect(world.alerts.get(key(0))).toMatchObject({ open: false, reason: 'battery at 100 %' });
  });

  it('an older reading that arrives late judges nothing', () => {
    const world = createWorld(household(), T0);
    const engine = createEngine(world, [lowBatteryRule]);
    engine.receive(healthReading(T0 + 2 * H, 'front-door', { battery: 60 }));
    engine.receive(healthReading(T0 + H, 'front-door', { battery: 12 }));
    expect(allKeys(world, 'low-battery')).toEqual([]);
  });

  it('readings without a battery level change nothing', () => {
    const world = createWorld(household(), T0);
    const engine = createEngine(world, [lowBatteryRule]);
    engine.receive(doorReading(T0, true));
    engine.setClock(T0 + H);
    expect(allKeys(world)).toEqual([]);
  });

  it('is judged on a tick from stored state when the reading was never shown to the rule', () => {
    const world = createWorld(household(), T0);
    const engine = createEngine(world, [lowBatteryRule]);
    world.states.set('front-door', { ...emptyDeviceState(1), lastSeenAt: T0, battery: 15, batteryAt: T0 });
    engine.setClock(T0 + M);
    expect(openKeys(world, 'low-battery')).toEqual([key(0)]);
  });

  it('known limit: resolved by hand while still low, it returns with the next low report (a new episode key)', () => {
    const world = createWorld(household(), T0);
    const engine = createEngine(world, [lowBatteryRule]);
    engine.receive(healthReading(T0, 'front-door', { battery: 15 }));
    const alert = world.alerts.get(key(0));
    if (alert !== undefined) alert.open = false;
    engine.setClock(T0 + M);
    expect(openKeys(world, 'low-battery')).toEqual([]);
    world.now = T0 + H;
    engine.receive(healthReading(T0 + H, 'front-door', { battery: 15 }));
    expect(openKeys(world, 'low-battery')).toEqual([key(1)]);
  });

  it("resolves a removed device's notice", () => {
    const world = createWorld(household(), T0);
    const engine = createEngine(world, [lowBatteryRule]);
    engine.receive(healthReading(T0, 'front-door', { battery: 15 }));
    world.household = { ...world.household, devices: [] };
    engine.setClock(T0 + M);
    expect(world.alerts.get(key(0))).toMatchObject({ open: false, reason: 'device removed from the household' });
  });
});
