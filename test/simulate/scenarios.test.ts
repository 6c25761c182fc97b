import { describe, expect, it } from 'vitest';
import type { Household, HouseholdDevice } from '../../src/core/household.js';
import type { PositionReading } from '../../src/core/readings.js';
import { defaultGpsHygiene, distanceM, screenFix } from '../../src/ingest/gps-hygiene.js';
import { emptyDeviceState, type DeviceState } from '../../src/store/device-state-repo.js';
import { demoHousehold } from '../../src/simulate/demo-household.js';
import { placeFix, positionFrame, outsideZonesByM } from '../../src/simulate/positions.js';
import { doseCompartment } from '../../src/simulate/run-scenario.js';
import { durationS, findScenario, scenarios, type ScenarioStep } from '../../src/simulate/scenarios.js';

/** The scenarios as data: each must show its rule (DESIGN.md, "Rule semantics") what it needs to see. */

const frame = positionFrame(demoHousehold);
const zone = demoHousehold.zones![0]!;

/** Seconds of the day at which a step happens, given the time of day the scenario is written for. */
function timeOfDay(startAt: string, atS: number): number {
  const [h = 0, m = 0] = startAt.split(':').map(Number);
  return (h * 3600 + m * 60 + atS) % 86_400;
}

const hm = (text: string) => {
  const [h = 0, m = 0] = text.split(':').map(Number);
  return h * 3600 + m * 60;
};

function fixesOf(steps: readonly ScenarioStep[]) {
  return steps.flatMap((step) => {
    if (step.role !== 'tracker' || !('fix' in step.action)) return [];
    const point = placeFix(frame, step.action.fix);
    return [{ atS: step.atS, ...point, accuracyM: step.action.fix.accuracyM, outsideM: outsideZonesByM(frame, point)! }];
  });
}

describe('every scenario', () => {
  it.each(scenarios.map((s) => [s.name, s] as const))('%s: starts at 0, in order, no two steps of a role within a second', (_name, scenario) => {
    expect(scenario.steps[0]?.atS).toBe(0);
    expect(scenario.startAt).toMatch(/^([01]\d|2[0-3]):[0-5]\d$/);
    const times = scenario.steps.map((s) => s.atS);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    for (const role of ['exitDoor', 'tracker', 'pillbox'] as const) {
      const own = scenario.steps.filter((s) => s.role === role).map((s) => s.atS);
      for (let i = 1; i < own.length; i++) expect(own[i]! - own[i - 1]!).toBeGreaterThanOrEqual(1);
    }
    for (const step of scenario.steps) {
      const battery = 'battery' in step.action ? step.action.battery : step.battery;
      if (battery !== undefined) expect(battery).toBeGreaterThanOrEqual(0);
      if (battery !== undefined) expect(battery).toBeLessThanOrEqual(100);
    }
  });

  it.each(scenarios.map((s) => [s.name, s] as const))('%s: every fix passes the hub\'s GPS hygiene, as fast as possible and at the default 60×', (_name, scenario) => {
    for (const speed of [1, 60]) {
      let previous: DeviceState | undefined;
      for (const fix of fixesOf(scenario.steps)) {
        const at = 1_790_000_000_000 + (fix.atS * 1000) / speed;
        const reading: PositionReading = { deviceId: 'phone', kind: 'position', at, atFromDevice: true, lat: fix.lat, lon: fix.lon, accuracyM: fix.accuracyM };
        expect(screenFix(reading, previous, at, defaultGpsHygiene), `${fix.atS}s at ${speed}×`).toEqual({ keep: true });
        previous = { ...emptyDeviceState(1), lat: fix.lat, lon: fix.lon, accuracyM: fix.accuracyM, positionAt: at };
      }
    }
  });

  it('has a one-line summary and a name for the command line', () => {
    expect(new Set(scenarios.map((s) => s.name)).size).toBe(scenarios.length);
    for (const s of scenarios) {
      expect(s.name).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(s.summary.length).toBeLessThanOrEqual(80);
      expect(s.summary).not.toContain('\n');
    }
    expect(scenarios.map((s) => s.name)).toEqual([
      'quiet-day',
      'night-exit-returns',
      'night-exit-leaves-zone',
      'missed-morning-dose',
      'double-dose',
      'tracker-silent',
      'low-battery',
    ]);
  });
});

describe('what each rule needs to see', () => {
  const inNight = (seconds: number) => seconds >= hm('22:00') || seconds < hm('07:00');

  it('at home, every fix is inside the home zone by more than its accuracy (no scenario but one leaves)', () => {
    for (const scenario of scenarios.filter((s) => s.name !== 'night-exit-leaves-zone')) {
      for (const fix of fixesOf(scenario.steps)) expect(-fix.outsideM, `${scenario.name} ${fix.atS}s`).toBeGreaterThan(fix.accuracyM);
    }
  });

  it('night-exit-leaves-zone: the door opens at night and closes, then ≥ 2 consecutive fixes beyond the zone by more than their accuracy, for more than 2 minutes', () => {
    const scenario = findScenario('night-exit-leaves-zone')!;
    const door = scenario.steps.filter((s) => s.role === 'exitDoor' && 'door' in s.action);
    expect(door.map((s) => ('door' in s.action ? s.action.door : undefined))).toEqual(['open', 'closed']);
    expect(inNight(timeOfDay(scenario.startAt, door[0]!.atS))).toBe(true);
    const fixes = fixesOf(scenario.steps);
    const outside = fixes.filter((f) => f.outsideM > f.accuracyM);
    expect(outside.map((f) => Math.round(f.outsideM))).toEqual([50, 150, 300, 450, 600]);
    // Consecutive: once outside, every later fix is outside too.
    expect(fixes.slice(fixes.indexOf(outside[0]!))).toEqual(outside);
    expect(outside.at(-1)!.atS - outside[0]!.atS).toBeGreaterThan(120);
    expect(outside[0]!.atS).toBeGreaterThan(door[1]!.atS);
    for (const f of outside) expect(f.accuracyM).toBeLessThanOrEqual(15);
  });

  it('night-exit-returns: the door opens at night, she goes out and comes back in through it', () => {
    const scenario = findScenario('night-exit-returns')!;
    const door = scenario.steps.filter((s) => s.role === 'exitDoor');
    expect(door.map((s) => ('door' in s.action ? s.action.door : undefined))).toEqual(['open', 'closed', 'open', 'closed']);
    for (const step of door) expect(inNight(timeOfDay(scenario.startAt, step.atS))).toBe(true);
    const furthest = Math.max(...fixesOf(scenario.steps).map((f) => distanceM(zone.lat, zone.lon, f.lat, f.lon)));
    expect(furthest).toBeGreaterThan(30);
  });

  it('double-dose: the morning compartment opens twice inside the 08:00 ± 60m window', () => {
    const scenario = findScenario('double-dose')!;
    const openings = scenario.steps.filter((s) => s.role === 'pillbox' && 'pillbox' in s.action && s.action.pillbox.open);
    expect(openings).toHaveLength(2);
    for (const step of openings) {
      expect('pillbox' in step.action && step.action.pillbox.dose).toBe('morning');
      const at = timeOfDay(scenario.startAt, step.atS);
      expect(at).toBeGreaterThanOrEqual(hm('07:00'));
      expect(at).toBeLessThanOrEqual(hm('09:00'));
    }
  });

  it('missed-morning-dose: no morning opening from before the window opens until after it closes', () => {
    const scenario = findScenario('missed-morning-dose')!;
    expect(scenario.steps.some((s) => 'pillbox' in s.action)).toBe(false);
    expect(timeOfDay(scenario.startAt, 0)).toBeLessThan(hm('07:00'));
    expect(timeOfDay(scenario.startAt, durationS(scenario))).toBeGreaterThan(hm('09:00'));
    // The box still reports in, so the alert cannot be blamed on a dead sensor.
    expect(scenario.steps.some((s) => s.role === 'pillbox')).toBe(true);
  });

  it('tracker-silent: after its offline message the tracker says nothing for longer than a 30m heartbeat', () => {
    const scenario = findScenario('tracker-silent')!;
    const tracker = scenario.steps.filter((s) => s.role === 'tracker');
    expect(tracker.filter((s) => 'fix' in s.action).length).toBeGreaterThanOrEqual(3);
    expect(tracker.at(-1)!.action).toEqual({ offline: true });
    expect(durationS(scenario) - tracker.at(-1)!.atS).toBeGreaterThan(30 * 60);
  });

  it('low-battery: the exit door and the tracker end below 20 %', () => {
    const scenario = findScenario('low-battery')!;
    for (const role of ['exitDoor', 'tracker'] as const) {
      const last = scenario.steps.filter((s) => s.role === role).at(-1)!;
      const battery = 'battery' in last.action ? last.action.battery : last.battery;
      expect(battery).toBeLessThan(20);
    }
  });

  it('quiet-day: both doses inside their windows, door used by day only', () => {
    const scenario = findScenario('quiet-day')!;
    const openings = scenario.steps.flatMap((s) => ('pillbox' in s.action && s.action.pillbox.open ? [{ dose: s.action.pillbox.dose, at: timeOfDay(scenario.startAt, s.atS) }] : []));
    expect(openings.map((o) => o.dose)).toEqual(['morning', 'evening']);
    expect(Math.abs(openings[0]!.at - hm('08:00'))).toBeLessThanOrEqual(3600);
    expect(Math.abs(openings[1]!.at - hm('20:00'))).toBeLessThanOrEqual(3600);
    for (const step of scenario.steps.filter((s) => s.role === 'exitDoor')) expect(inNight(timeOfDay(scenario.startAt, step.atS))).toBe(false);
  });
});

describe('positions and doses', () => {
  it('places fixes beyond the home zone\'s edge in metres the hub agrees with', () => {
    for (const beyondZoneM of [50, 150, 600]) {
      const point = placeFix(frame, { beyondZoneM, bearingDeg: 60, accuracyM: 10 });
      expect(distanceM(zone.lat, zone.lon, point.lat, point.lon) - (zone.radiusM ?? 0)).toBeCloseTo(beyondZoneM, 0);
    }
    const near = placeFix(frame, { northM: 30, eastM: 40, accuracyM: 10 });
    expect(distanceM(zone.lat, zone.lon, near.lat, near.lon)).toBeCloseTo(50, 0);
  });

  it('without home.lat/lon, measures from the first zone', () => {
    const household: Household = { ...demoHousehold, home: { name: 'x', timezone: 'UTC' }, zones: [{ id: 'z', name: 'Z', lat: 48.85, lon: 2.35, radiusM: 80 }] };
    expect(positionFrame(household).home).toEqual({ lat: 48.85, lon: 2.35 });
  });

  it('finds the morning and evening compartments from the medication list, else compartments 1 and 2, else the lid', () => {
    const box: HouseholdDevice = { id: 'box', name: 'Box', kind: 'pillbox', source: 'native', compartments: 4 };
    const household = (medication: NonNullable<Household['rules']>['medication']): Household => ({ ...demoHousehold, rules: { medication } });
    const evening = { name: 'E', at: '19:00', window: '30m', compartment: 4 };
    const morning = { name: 'M', at: '07:30', window: '30m', compartment: 3 };
    expect(doseCompartment(household([evening, morning]), box, 'morning')).toBe(3);
    expect(doseCompartment(household([evening, morning]), box, 'evening')).toBe(4);
    expect(doseCompartment(household([]), box, 'morning')).toBe(1);
    expect(doseCompartment(household([]), box, 'evening')).toBe(2);
    expect(doseCompartment(household([{ ...morning, compartment: 1 }]), box, 'evening')).toBe(2);
    expect(doseCompartment(household([]), { ...box, compartments: undefined }, 'evening')).toBe(0);
    expect(doseCompartment(household([{ name: 'M', at: '08:00', window: '1h' }]), { ...box, compartments: undefined }, 'morning')).toBe(0);
  });
});
