import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { beyondAllZonesM } from '../../src/core/geo.js';
import type { Household, Zone } from '../../src/core/household.js';
import type { PositionReading } from '../../src/core/readings.js';
import { leftSafeZoneRule } from '../../src/rules/left-safe-zone.js';
import { createRuleHarness, doorReading, east, fixReading, north, type RuleHarness } from './fake-view.js';
import { HOME, HOME_RADIUS_M, localAt, MINUTE, SECOND, wanderingHousehold } from './wandering-household.js';

const T = localAt('Europe/London', '2025-01-16', '14:00');
const PHONE = 'mum-phone';
const key = (startSeconds: number) => `left-safe-zone:${PHONE}:${T + startSeconds * SECOND}`;

/** [seconds after T, metres beyond the home zone's edge (negative: inside), accuracy] */
type Step = [seconds: number, beyondM: number, accuracyM: number | undefined];
const fixAt = ([seconds, beyondM, accuracyM]: Step, device = PHONE): PositionReading =>
  fixReading(device, T + seconds * SECOND, north(HOME, HOME_RADIUS_M + beyondM), accuracyM);

/** Delivers each fix at its own time, ticking every second in between, then ticks on to `until`. */
function run(steps: readonly Step[], until: number, household: Household = wanderingHousehold()): RuleHarness {
  const harness = createRuleHarness(leftSafeZoneRule, household, T - SECOND);
  for (const step of steps) {
    harness.tickThrough(T + step[0] * SECOND - 1, SECOND);
    harness.deliver(fixAt(step), T + step[0] * SECOND);
  }
  harness.tickThrough(T + until * SECOND, SECOND);
  return harness;
}

describe('left-safe-zone: two consecutive outside fixes, or 2 minutes outside', () => {
  it.each([
    { name: 'one outside fix, 1 min 59 s later', steps: [[0, 100, 10]], until: 119, raisedAt: undefined, start: 0 },
    { name: 'one outside fix, 2 minutes later (a single fix)', steps: [[0, 100, 10]], until: 120, raisedAt: 120, start: 0 },
    { name: 'two consecutive outside fixes', steps: [[0, 100, 10], [30, 120, 10]], until: 30, raisedAt: 30, start: 0 },
    { name: 'one outside fix then inside', steps: [[0, 100, 10], [30, -20, 10]], until: 600, raisedAt: undefined, start: 0 },
    { name: 'inside, then outside twice', steps: [[0, -50, 10], [30, 100, 10], [60, 100, 10]], until: 60, raisedAt: 60, start: 30 },
    { name: 'outside, ambiguous, outside: not consecutive; 2 minutes settle it', steps: [[0, 100, 10], [30, 20, 50], [60, 100, 10]], until: 600, raisedAt: 120, start: 0 },
    { name: 'outside, ambiguous for 10 minutes: still out after 2 minutes', steps: [[0, 100, 10], [30, 20, 50], [90, 20, 50]], until: 600, raisedAt: 120, start: 0 },
    { name: 'within accuracy of the edge for 10 minutes', steps: [[0, 30, 50], [60, 30, 50], [120, 40, 50], [300, 45, 50]], until: 600, raisedAt: undefined, start: 0 },
    { name: 'no accuracy reported: any metre beyond the edge is outside', steps: [[0, 5, undefined], [30, 5, undefined]], until: 30, raisedAt: 30, start: 0 },
    { name: 'outside, back inside after 1 minute, out again', steps: [[0, 100, 10], [60, -20, 10], [90, 100, 10]], until: 209, raisedAt: undefined, start: 90 },
    { name: '…and 2 minutes into the second excursion', steps: [[0, 100, 10], [60, -20, 10], [90, 100, 10]], until: 210, raisedAt: 210, start: 90 },
  ] as Array<{ name: string; steps: Step[]; until: number; raisedAt: number | undefined; start: number }>)('$name', ({ steps, until, raisedAt, start }) => {
    const harness = run(steps, until);
    const raised = harness.view.alerts;
    if (raisedAt === undefined) {
      expect(raised).toEqual([]);
    } else {
      expect(raised.map((a) => [a.key, a.at])).toEqual([[key(start), T + raisedAt * SECOND]]);
      expect(raised[0]?.severity).toBe('urgent');
    }
  });

  it.each([
    { name: 'metres == accuracy: not outside, never raises', delta: 0, raises: false },
    { name: 'a millimetre more than the accuracy: outside, raises', delta: -0.001, raises: true },
  ])('accuracy exactly at the zone edge — $name', ({ delta, raises }) => {
    const point = north(HOME, HOME_RADIUS_M + 60);
    const metres = beyondAllZonesM(wanderingHousehold().zones ?? [], point.lat, point.lon).metres;
    const harness = createRuleHarness(leftSafeZoneRule, wanderingHousehold(), T);
    harness.deliver(fixReading(PHONE, T, point, metres + delta), T);
    harness.deliver(fixReading(PHONE, T + 30 * SECOND, point, metres + delta), T + 30 * SECOND);
    harness.tickThrough(T + 10 * MINUTE, SECOND);
    expect(harness.view.alerts).toHaveLength(raises ? 1 : 0);
  });

  it('the alert carries the last position, how far beyond the nearest zone, and since when', () => {
    const harness = run([[0, -50, 10], [30, 100, 10], [60, 240, 15]], 60);
    const alert = harness.view.alerts[0];
    const last = north(HOME, HOME_RADIUS_M + 240);
    expect(alert?.title).toBe("Margaret may have left the safe zone: Margaret's phone is 240 m beyond Home");
    expect(alert?.details).toEqual({
      tracker: "Margaret's phone",
      lat: last.lat,
      lon: last.lon,
      accuracyM: 15,
      at: T + 60 * SECOND,
      localTime: '14:01',
      beyondM: 240,
      nearestZone: 'Home',
      outsideSince: T + 30 * SECOND,
      outsideSinceLocal: '14:00',
      because: 'two consecutive fixes outside every zone',
    });
  });

  it('a tick after downtime covers an excursion whose 2 minutes ended while the hub was down', () => {
    const harness = createRuleHarness(leftSafeZoneRule, wanderingHousehold(), T - SECOND);
    harness.deliver(fixAt([0, 100, 10]), T);
    const { raised } = harness.tick(T + 30 * MINUTE);
    expect(raised.map((d) => [d.key, d.at, d.details.because])).toEqual([[key(0), T + 2 * MINUTE, 'outside every zone for 2 minutes']]);
  });
});

describe('left-safe-zone: re-entering resolves it', () => {
  it('an inside fix resolves it: "back in Home"', () => {
    const harness = run([[0, 100, 10], [30, 100, 10]], 30);
    expect(harness.deliver(fixAt([60, -10, 10]), T + 60 * SECOND).cleared).toEqual([{ key: key(0), at: T + 60 * SECOND, reason: 'back in Home' }]);
    expect(harness.open()).toEqual([]);
  });

  it('an ambiguous fix resolves nothing; the inside fix after it does', () => {
    const harness = run([[0, 100, 10], [30, 100, 10]], 30);
    expect(harness.deliver(fixAt([60, 20, 50]), T + 60 * SECOND).cleared).toEqual([]);
    expect(harness.open()).toHaveLength(1);
    expect(harness.deliver(fixAt([90, -1, 50]), T + 90 * SECOND).cleared.map((c) => c.reason)).toEqual(['back in Home']);
  });

  it('back in another zone names it', () => {
    const household = wanderingHousehold();
    household.zones = [...(household.zones ?? []), { id: 'church', name: "St Mary's church", ...north(HOME, 800), radiusM: 50 }];
    const harness = run([[0, 300, 10], [30, 100, 10]], 30, household);
    expect(harness.view.alerts[0]?.details).toMatchObject({ beyondM: 100, nearestZone: 'Home' }); // the church's edge is 500 m away
    expect(harness.deliver(fixReading(PHONE, T + 600 * SECOND, north(HOME, 790), 5), T + 600 * SECOND).cleared.map((c) => c.reason)).toEqual([
      "back in St Mary's church",
    ]);
  });

  it('a new excursion after returning is a new alert with a new key', () => {
    const harness = run([[0, 100, 10], [30, 100, 10], [60, -10, 10], [90, 100, 10], [120, 100, 10]], 120);
    expect(harness.view.alerts.map((a) => [a.key, a.status])).toEqual([
      [key(0), 'resolved'],
      [key(90), 'open'],
    ]);
  });

  it('a long excursion (an hour of fixes every 30 s) is one alert', () => {
    const steps: Step[] = [[0, -50, 10]];
    for (let s = 30; s <= 3600; s += 30) steps.push([s, 100 + s / 10, s % 90 === 0 ? 200 : 10]); // some fixes ambiguous
    expect(run(steps, 3700).view.alerts.map((a) => a.key)).toEqual([key(30)]);
  });

  it('resolved by the care circle while still out: the same excursion is not raised again', () => {
    const harness = run([[0, 100, 10], [30, 100, 10]], 30);
    harness.view.apply({ raise: [], clear: [{ key: key(0), at: T + 40 * SECOND, reason: 'Anna is with her' }], doses: [] });
    for (let s = 60; s <= 900; s += 30) harness.deliver(fixAt([s, 100 + s, 10]), T + s * SECOND);
    harness.tickThrough(T + 20 * MINUTE, SECOND);
    expect(harness.view.alerts).toHaveLength(1);
  });

  it('a tick resolves an alert whose inside fix was committed but never evaluated (say, across a crash)', () => {
    const harness = run([[0, 100, 10], [30, 100, 10]], 30);
    harness.view.commit(fixAt([60, -10, 10]), T + 60 * SECOND);
    expect(harness.tick(T + 61 * SECOND).cleared).toEqual([{ key: key(0), at: T + 60 * SECOND, reason: 'back in Home' }]);
  });
});

describe('left-safe-zone: out-of-order fixes are judged by their own time', () => {
  it.each([
    {
      name: 'a late old inside fix does not resolve an excursion that newer fixes show is still going on',
      delivered: [[0, -50, 10], [30, 100, 10], [60, 100, 10], [45, -10, 10]],
      open: [key(30)],
    },
    {
      name: 'a late old outside fix behind a newer inside one does not raise',
      delivered: [[0, -50, 10], [60, -50, 10], [30, 100, 10]],
      open: [],
    },
    {
      name: 'a late old outside fix that only joins history behind an inside fix raises nothing either, whatever its age',
      delivered: [[0, -50, 10], [200, -50, 10], [30, 100, 10], [40, 100, 10]],
      open: [],
    },
    {
      name: 'a late outside fix next to a newer outside fix is two consecutive outside fixes: raised, keyed by the earlier',
      delivered: [[0, -50, 10], [60, 100, 10], [30, 100, 10]],
      open: [key(30)],
    },
    {
      name: 'a late fix that moves the excursion start earlier does not raise the same walk twice',
      delivered: [[0, -50, 10], [30, 100, 10], [60, 100, 10], [20, 100, 10]],
      open: [key(30)],
    },
    {
      name: 'a late inside fix behind only a newer ambiguous fix resolves (the newest certain fix is inside)',
      delivered: [[0, 100, 10], [30, 100, 10], [90, 20, 50], [60, -10, 10]],
      open: [],
    },
    {
      name: 'a late fix that is the newest by its own time does resolve',
      delivered: [[0, 100, 10], [30, 100, 10], [60, -10, 10]],
      open: [],
    },
  ] as Array<{ name: string; delivered: Step[]; open: string[] }>)('$name', ({ delivered, open }) => {
    const harness = createRuleHarness(leftSafeZoneRule, wanderingHousehold(), T - SECOND);
    let now = T;
    for (const step of delivered) {
      now = Math.max(now, T + step[0] * SECOND) + SECOND; // each arrives a second after the newest so far
      harness.deliver(fixAt(step), now);
    }
    harness.tick(now); // a tick where the last reading left the clock, not 2 minutes on
    expect(harness.open().map((a) => a.key)).toEqual(open);
    expect(harness.view.alerts.length).toBeLessThanOrEqual(1);
  });

  it('a single outside fix delivered 5 minutes late, with nothing newer, raises on arrival (2 minutes have passed)', () => {
    const harness = createRuleHarness(leftSafeZoneRule, wanderingHousehold(), T - SECOND);
    const { raised } = harness.deliver(fixAt([0, 100, 10]), T + 5 * MINUTE);
    expect(raised.map((d) => [d.key, d.at])).toEqual([[key(0), T + 2 * MINUTE]]);
  });
});

describe('left-safe-zone: zones and devices', () => {
  /** An L-shaped garden as the only zone: 300 m square with the north-east 200 m square cut out. */
  function gardenHousehold(): Household {
    const at = (n: number, e: number) => east(north(HOME, n), e);
    const corner = (n: number, e: number): [number, number] => [at(n, e).lat, at(n, e).lon];
    const garden: Zone = { id: 'garden', name: 'Care home garden', ...at(50, 50), polygon: [corner(0, 0), corner(0, 300), corner(100, 300), corner(100, 100), corner(300, 100), corner(300, 0)] };
    return { ...wanderingHousehold(), zones: [garden] };
  }
  const inGarden = (n: number, e: number) => east(north(HOME, n), e);

  it.each([
    { name: 'in the lower bar of the L', point: inGarden(50, 250), raises: false },
    { name: 'in the upper bar (outside any circle around the label point)', point: inGarden(250, 50), raises: false },
    { name: 'deep in the notch', point: inGarden(200, 250), raises: true },
    { name: '10 m into the notch with 20 m accuracy', point: inGarden(110, 250), raises: false },
    { name: 'beyond the south-west corner', point: inGarden(-30, -40), raises: true },
  ])('polygon zone: two fixes $name → raises: $raises', ({ point, raises }) => {
    const harness = createRuleHarness(leftSafeZoneRule, gardenHousehold(), T);
    harness.deliver(fixReading(PHONE, T, point, 20), T);
    harness.deliver(fixReading(PHONE, T + 30 * SECOND, point, 20), T + 30 * SECOND);
    expect(harness.view.alerts).toHaveLength(raises ? 1 : 0);
    if (raises) {
      expect(harness.deliver(fixReading(PHONE, T + 60 * SECOND, inGarden(50, 50), 20), T + 60 * SECOND).cleared.map((c) => c.reason)).toEqual([
        'back in Care home garden',
      ]);
    }
  });

  it('no zones → nothing', () => {
    const household = { ...wanderingHousehold(), zones: [] };
    expect(run([[0, 5000, 10], [30, 5000, 10]], 600, household).view.alerts).toEqual([]);
  });

  it('positions from a device that is not a tracker are ignored; other readings too', () => {
    const household = wanderingHousehold();
    const harness = createRuleHarness(leftSafeZoneRule, household, T);
    harness.deliver(fixAt([0, 500, 10], 'front-door'), T);
    harness.deliver(fixAt([30, 500, 10], 'front-door'), T + 30 * SECOND);
    harness.deliver(doorReading('front-door', T + 40 * SECOND, true), T + 40 * SECOND);
    harness.tickThrough(T + 10 * MINUTE, SECOND);
    expect(harness.view.alerts).toEqual([]);
  });

  it('each tracker has its own excursion', () => {
    const harness = createRuleHarness(leftSafeZoneRule, wanderingHousehold(), T);
    harness.deliver(fixAt([0, 100, 10], 'mum-watch'), T);
    harness.deliver(fixAt([10, -50, 10], PHONE), T + 10 * SECOND);
    harness.deliver(fixAt([30, 100, 10], 'mum-watch'), T + 30 * SECOND);
    expect(harness.view.alerts.map((a) => a.key)).toEqual([`left-safe-zone:mum-watch:${T}`]);
  });
});

describe('left-safe-zone: properties', () => {
  const zones = wanderingHousehold().zones ?? [];
  /** A fix somewhere within 400 m of home, at a bearing, with an accuracy. */
  const anyFix = fc.record({
    gapS: fc.integer({ min: 1, max: 180 }),
    bearing: fc.double({ min: 0, max: 2 * Math.PI, noNaN: true }),
    distanceM: fc.double({ min: 0, max: 400, noNaN: true }),
    accuracyM: fc.integer({ min: 0, max: 150 }),
  });
  const place = (f: { bearing: number; distanceM: number }) => east(north(HOME, f.distanceM * Math.cos(f.bearing)), f.distanceM * Math.sin(f.bearing));

  it('never raises while every fix is within its accuracy of a zone, in any order, over any ticks', () => {
    fc.assert(
      fc.property(fc.array(anyFix, { minLength: 1, maxLength: 25 }), fc.integer({ min: 0, max: 1_000_000 }), (fixes, seed) => {
        let at = T;
        const readings = fixes.map((f) => {
          at += f.gapS * SECOND;
          const point = place(f);
          const metres = beyondAllZonesM(zones, point.lat, point.lon).metres;
          return fixReading(PHONE, at, point, Math.max(f.accuracyM, Math.ceil(metres)));
        });
        const order = shuffled(readings, seed);
        const harness = createRuleHarness(leftSafeZoneRule, wanderingHousehold(), T);
        for (const reading of order) {
          harness.tickThrough(Math.max(harness.view.now, reading.at), 7 * SECOND);
          harness.deliver(reading, Math.max(harness.view.now, reading.at));
        }
        harness.tickThrough(at + 30 * MINUTE, 20 * SECOND);
        expect(harness.view.alerts).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('whatever the delivery order: at most one alert open at a time, and once settled one is open exactly when the last certain fix is outside', () => {
    fc.assert(
      fc.property(fc.array(anyFix, { minLength: 1, maxLength: 25 }), fc.integer({ min: 0, max: 1_000_000 }), (fixes, seed) => {
        let at = T;
        const readings = fixes.map((f) => {
          at += f.gapS * SECOND;
          return fixReading(PHONE, at, place(f), f.accuracyM);
        });
        const harness = createRuleHarness(leftSafeZoneRule, wanderingHousehold(), T);
        for (const reading of shuffled(readings, seed)) {
          harness.deliver(reading, Math.max(harness.view.now, reading.at) + SECOND);
          harness.tick(harness.view.now);
          expect(harness.open().length).toBeLessThanOrEqual(1);
        }
        harness.tickThrough(at + 10 * MINUTE, 30 * SECOND);
        // The oracle: the newest fix (by its own time) that is certainly inside or certainly outside.
        const certain = [...readings].reverse().find((r) => {
          const metres = beyondAllZonesM(zones, r.lat, r.lon).metres;
          return metres <= 0 || metres > (r.accuracyM ?? 0);
        });
        const outside = certain !== undefined && beyondAllZonesM(zones, certain.lat, certain.lon).metres > 0;
        expect(harness.open()).toHaveLength(outside ? 1 : 0);
      }),
      { numRuns: 200 },
    );
  });
});

/** A deterministic shuffle (the seed comes from fast-check, so failures shrink and replay). */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const result = [...items];
  let state = seed || 1;
  for (let i = result.length - 1; i > 0; i--) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    const j = state % (i + 1);
    [result[i], result[j]] = [result[j] as T, result[i] as T];
  }
  return result;
}
