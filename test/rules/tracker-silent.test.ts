import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Household } from '../../src/core/household.js';
import type { Reading } from '../../src/core/readings.js';
import { trackerSilentRule } from '../../src/rules/tracker-silent.js';
import { createFakeView, createRuleHarness, fixReading, north, type RuleHarness } from './fake-view.js';
import { HOME, HOME_RADIUS_M, localAt, MINUTE, SECOND, wanderingHousehold } from './wandering-household.js';

const T = localAt('Europe/London', '2025-01-16', '02:00');
const PHONE = 'mum-phone'; // heartbeat 30m
const WATCH = 'mum-watch'; // no heartbeat
const key = (device: string, lastSeenAt: number) => `tracker-silent:${device}:${lastSeenAt}`;

/** Fixes [seconds after T, metres beyond the home zone's edge, accuracy], each received at its own time. */
function lastHeard(fixes: ReadonlyArray<[number, number, number]>, device = PHONE, household: Household = wanderingHousehold()): RuleHarness {
  const harness = createRuleHarness(trackerSilentRule, household, T - SECOND);
  for (const [seconds, beyond, accuracyM] of fixes) {
    harness.deliver(fixReading(device, T + seconds * SECOND, north(HOME, HOME_RADIUS_M + beyond), accuracyM), T + seconds * SECOND);
  }
  return harness;
}

describe('tracker-silent: silent after being outside (urgent) vs inside (warning, on its heartbeat)', () => {
  it.each([
    { name: 'outside, 9m59s of silence', fixes: [[0, 200, 10]], device: PHONE, tickTo: 10 * MINUTE - SECOND, expect: undefined },
    { name: 'outside, 10 minutes of silence', fixes: [[0, 200, 10]], device: PHONE, tickTo: 10 * MINUTE, expect: ['urgent', 10 * MINUTE] },
    { name: 'inside, 10 minutes of silence', fixes: [[0, -50, 10]], device: PHONE, tickTo: 10 * MINUTE, expect: undefined },
    { name: 'inside, 29m59s of silence', fixes: [[0, -50, 10]], device: PHONE, tickTo: 30 * MINUTE - SECOND, expect: undefined },
    { name: 'inside, silent for its 30m heartbeat', fixes: [[0, -50, 10]], device: PHONE, tickTo: 30 * MINUTE, expect: ['warning', 30 * MINUTE] },
    { name: 'inside, no heartbeat: never', fixes: [[0, -50, 10]], device: WATCH, tickTo: 24 * 60 * MINUTE, expect: undefined },
    { name: 'outside, no heartbeat: still urgent after 10m', fixes: [[0, 200, 10]], device: WATCH, tickTo: 10 * MINUTE, expect: ['urgent', 10 * MINUTE] },
    { name: 'outside then an ambiguous fix: last certain fix outside', fixes: [[0, 200, 10], [60, 30, 50]], device: PHONE, tickTo: 11 * MINUTE, expect: ['urgent', 11 * MINUTE] },
    { name: 'inside then an ambiguous fix: last certain fix inside', fixes: [[0, -50, 10], [60, 30, 50]], device: PHONE, tickTo: 20 * MINUTE, expect: undefined },
    { name: 'outside, then back inside', fixes: [[0, 200, 10], [60, -50, 10]], device: PHONE, tickTo: 20 * MINUTE, expect: undefined },
  ] as Array<{ name: string; fixes: Array<[number, number, number]>; device: string; tickTo: number; expect: [string, number] | undefined }>)(
    '$name',
    ({ fixes, device, tickTo, expect: expected }) => {
      const harness = lastHeard(fixes, device);
      const lastSeen = T + (fixes.at(-1)?.[0] ?? 0) * SECOND;
      const { raised } = harness.tickThrough(T + tickTo, 5 * SECOND);
      if (expected === undefined) {
        expect(raised).toEqual([]);
      } else {
        expect(raised.map((d) => [d.key, d.severity, d.at])).toEqual([[key(device, lastSeen), expected[0], T + expected[1]]]);
      }
    },
  );

  it('the alert says when it was last heard from and where', () => {
    const harness = lastHeard([[0, 200, 10]]);
    const [draft] = harness.tick(T + 10 * MINUTE).raised;
    const last = north(HOME, HOME_RADIUS_M + 200);
    expect(draft).toEqual({
      type: 'tracker-silent',
      key: key(PHONE, T),
      severity: 'urgent',
      deviceId: PHONE,
      at: T + 10 * MINUTE,
      title: "Margaret's phone has gone silent outside the safe zone (nothing since 02:00)",
      details: {
        tracker: "Margaret's phone",
        lastSeenAt: T,
        lastSeenLocal: '02:00',
        silentFor: '10m',
        lastKnown: 'outside every safe zone',
        lat: last.lat,
        lon: last.lon,
        accuracyM: 10,
        positionAt: T,
        beyondM: 200,
        nearestZone: 'Home',
      },
    });
  });

  it.each([
    { name: 'trackerSilentAfter 5m', silentAfter: '5m', heartbeat: '30m', due: 5 * MINUTE },
    { name: 'a heartbeat shorter than trackerSilentAfter: outside is never slower than inside', silentAfter: '10m', heartbeat: '3m', due: 3 * MINUTE },
  ])('outside: $name', ({ silentAfter, heartbeat, due }) => {
    const household = wanderingHousehold();
    household.rules = { ...household.rules, trackerSilentAfter: silentAfter };
    household.devices = household.devices?.map((d) => (d.id === PHONE ? { ...d, heartbeat } : d));
    const harness = lastHeard([[0, 200, 10]], PHONE, household);
    expect(harness.tickThrough(T + 30 * MINUTE, SECOND).raised.map((d) => [d.severity, d.at])).toEqual([['urgent', T + due]]);
  });

  it('no zones: only the heartbeat (warning)', () => {
    const household = { ...wanderingHousehold(), zones: [] };
    const harness = lastHeard([[0, 5000, 10]], PHONE, household);
    expect(harness.tickThrough(T + 40 * MINUTE, 10 * SECOND).raised.map((d) => [d.severity, d.at])).toEqual([['warning', T + 30 * MINUTE]]);
  });

  it('a tracker never heard from is silent since it joined: a warning one heartbeat later', () => {
    const harness = createRuleHarness(trackerSilentRule, wanderingHousehold(), T);
    harness.view.setAddedAt(PHONE, T - 3 * 3_600_000);
    harness.view.setAddedAt(WATCH, T - 3 * 3_600_000);
    const { raised } = harness.tick(T + SECOND);
    expect(raised.map((d) => [d.key, d.severity, d.at])).toEqual([[key(PHONE, T - 3 * 3_600_000), 'warning', T - 150 * MINUTE]]);
    expect(raised[0]?.title).toBe("Margaret's phone has not reported since it was added at 23:00");
    expect(raised[0]?.details).toMatchObject({ neverHeard: true, addedAt: T - 3 * 3_600_000 });
    expect(raised[0]?.details).not.toHaveProperty('lat');
  });

  it('a tracker never heard from and not known to the store raises nothing', () => {
    const harness = createRuleHarness(trackerSilentRule, wanderingHousehold(), T);
    expect(harness.tick(T + 5 * 3_600_000).raised).toEqual([]);
  });

  it('silence is measured from receipt: a message with an old device time still counts as heard from', () => {
    const harness = lastHeard([[0, 200, 10]]);
    harness.deliver({ kind: 'health', deviceId: PHONE, at: T - 3_600_000, atFromDevice: true, battery: 40 }, T + 8 * MINUTE);
    expect(harness.tickThrough(T + 17 * MINUTE, SECOND).raised).toEqual([]);
    expect(harness.tick(T + 18 * MINUTE).raised.map((d) => d.key)).toEqual([key(PHONE, T + 8 * MINUTE)]);
  });
});

describe('tracker-silent: exact across restarts and clock jumps', () => {
  it('re-derived after a restart: the same key, raised once', () => {
    const view = createFakeView(wanderingHousehold(), T);
    view.commit(fixReading(PHONE, T, north(HOME, 400), 10), T);
    const first = trackerSilentRule.onTick?.(view, T + 9 * MINUTE, T + 11 * MINUTE);
    const again = trackerSilentRule.onTick?.(view, T + 2 * MINUTE, T + 12 * MINUTE);
    expect(first?.raise.map((d) => d.key)).toEqual([key(PHONE, T)]);
    expect(again?.raise.map((d) => d.key)).toEqual([key(PHONE, T)]);
    view.apply(first ?? { raise: [], clear: [], doses: [] });
    expect(view.apply(again ?? { raise: [], clear: [], doses: [] }).raised).toEqual([]);
  });

  it('a clock jump forward fires once, at the deadline; back and forward again fires nothing more', () => {
    const harness = lastHeard([[0, 200, 10]]);
    expect(harness.tick(T + 6 * 3_600_000).raised.map((d) => d.at)).toEqual([T + 10 * MINUTE]);
    expect(harness.tick(T + MINUTE).raised).toEqual([]);
    expect(harness.tickThrough(T + 7 * 3_600_000, MINUTE).raised).toEqual([]);
    expect(harness.view.alerts).toHaveLength(1);
  });
});

describe('tracker-silent: any later message clears it', () => {
  const messages: Array<{ name: string; reading: Reading }> = [
    { name: 'a fix', reading: fixReading(PHONE, T + 20 * MINUTE, north(HOME, 500), 10) },
    { name: 'a battery report', reading: { kind: 'health', deviceId: PHONE, at: T + 20 * MINUTE, atFromDevice: true, battery: 12 } },
    { name: 'coming online', reading: { kind: 'health', deviceId: PHONE, at: T + 20 * MINUTE, atFromDevice: false, online: true } },
  ];
  it.each(messages)('$name → "reporting again"', ({ reading }) => {
    const harness = lastHeard([[0, 200, 10]]);
    harness.tick(T + 15 * MINUTE);
    expect(harness.deliver(reading, T + 20 * MINUTE).cleared).toEqual([{ key: key(PHONE, T), at: T + 20 * MINUTE, reason: 'reporting again' }]);
  });

  it('a last will ("offline", sent by the broker, not the tracker) neither clears it nor raises the silence again', () => {
    const harness = lastHeard([[0, 200, 10]]);
    harness.tick(T + 15 * MINUTE);
    const lwt: Reading = { kind: 'health', deviceId: PHONE, at: T + 16 * MINUTE, atFromDevice: false, online: false };
    expect(harness.deliver(lwt, T + 16 * MINUTE).cleared).toEqual([]);
    expect(harness.tickThrough(T + 60 * MINUTE, 10 * SECOND).raised).toEqual([]);
    expect(harness.open().map((a) => a.key)).toEqual([key(PHONE, T)]);
  });

  it('another tracker reporting clears nothing', () => {
    const harness = lastHeard([[0, 200, 10]]);
    harness.tick(T + 15 * MINUTE);
    expect(harness.deliver(fixReading(WATCH, T + 20 * MINUTE, HOME, 10), T + 20 * MINUTE).cleared).toEqual([]);
  });

  it('silent again after reporting again: a new silence, a new key', () => {
    const harness = lastHeard([[0, 200, 10]]);
    harness.tick(T + 15 * MINUTE);
    harness.deliver(fixReading(PHONE, T + 20 * MINUTE, north(HOME, 500), 10), T + 20 * MINUTE);
    expect(harness.tickThrough(T + 40 * MINUTE, 10 * SECOND).raised.map((d) => d.key)).toEqual([key(PHONE, T + 20 * MINUTE)]);
    expect(harness.view.alerts.map((a) => a.status)).toEqual(['resolved', 'open']);
  });
});

describe('tracker-silent: properties', () => {
  it('a tracker that keeps reporting within its limits is never silent, wherever it is', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ gapS: fc.integer({ min: 1, max: 9 * 60 }), beyondM: fc.integer({ min: -150, max: 2000 }), tickEveryS: fc.integer({ min: 1, max: 120 }) }), {
          minLength: 1,
          maxLength: 30,
        }),
        (steps) => {
          const harness = createRuleHarness(trackerSilentRule, wanderingHousehold(), T - SECOND);
          let at = T;
          for (const { gapS, beyondM, tickEveryS } of steps) {
            harness.deliver(fixReading(PHONE, at, north(HOME, HOME_RADIUS_M + beyondM), 10), at);
            harness.tickThrough(at + gapS * SECOND - 1, tickEveryS * SECOND);
            at += gapS * SECOND;
          }
          expect(harness.view.alerts).toEqual([]);
        },
      ),
      { numRuns: 150 },
    );
  });
});
