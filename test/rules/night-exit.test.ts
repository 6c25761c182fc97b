import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Household } from '../../src/core/household.js';
import { nightExitRule } from '../../src/rules/night-exit.js';
import { createFakeView, createRuleHarness, doorReading, fixReading, pillboxReading } from './fake-view.js';
import { HOME, localAt, MINUTE, SECOND, wanderingHousehold } from './wandering-household.js';

function withNight(timezone: string, night: { start: string; end: string } | undefined): Household {
  const household = wanderingHousehold(timezone);
  household.rules = { ...household.rules, night };
  if (night === undefined) delete household.rules.night;
  return household;
}

/** Whether an exit-door opening at `at` raises a night-exit alert. */
function raisesAt(household: Household, at: number): boolean {
  const harness = createRuleHarness(nightExitRule, household, at);
  return harness.deliver(doorReading('front-door', at, true)).raised.length === 1;
}

describe('night-exit: the night window, [start, end) on the home clock', () => {
  const london = withNight('Europe/London', { start: '22:00', end: '07:00' });
  it.each([
    { local: '2025-01-15 21:59:59', raises: false, why: 'a second before the start' },
    { local: '2025-01-15 22:00:00', raises: true, why: 'start is inclusive' },
    { local: '2025-01-15 23:30:00', raises: true, why: 'before midnight' },
    { local: '2025-01-16 00:00:00', raises: true, why: 'midnight, inside a window spanning it' },
    { local: '2025-01-16 03:00:00', raises: true, why: 'after midnight' },
    { local: '2025-01-16 06:59:59', raises: true, why: 'the last second of the night' },
    { local: '2025-01-16 07:00:00', raises: false, why: 'end is exclusive' },
    { local: '2025-01-16 12:00:00', raises: false, why: 'midday' },
  ])('$local → $raises ($why)', ({ local, raises }) => {
    const [date, time] = local.split(' ') as [string, string];
    expect(raisesAt(london, localAt('Europe/London', date, time))).toBe(raises);
  });

  it.each([
    { time: '00:59:59', raises: false },
    { time: '01:00:00', raises: true },
    { time: '04:59:59', raises: true },
    { time: '05:00:00', raises: false },
    { time: '23:00:00', raises: false },
  ])('a window not spanning midnight, 01:00–05:00: $time → $raises', ({ time, raises }) => {
    const household = withNight('Europe/London', { start: '01:00', end: '05:00' });
    expect(raisesAt(household, localAt('Europe/London', '2025-01-16', time))).toBe(raises);
  });

  it.each(['00:00', '12:00', '22:00', '23:59'])('start == end is an empty window, never night (%s)', (time) => {
    const household = withNight('Europe/London', { start: '22:00', end: '22:00' });
    expect(raisesAt(household, localAt('Europe/London', '2025-01-16', time))).toBe(false);
  });

  it('no night window in the care plan → nothing', () => {
    expect(raisesAt(withNight('Europe/London', undefined), localAt('Europe/London', '2025-01-16', '03:00'))).toBe(false);
  });
});

describe('night-exit: DST nights, 22:00–07:00 local on both sides of the change', () => {
  it.each([
    // Europe/London, spring forward 2025-03-30 01:00 GMT → 02:00 BST.
    { tz: 'Europe/London', utc: '2025-03-29T21:59:59Z', local: 'Sat 21:59:59 GMT', raises: false },
    { tz: 'Europe/London', utc: '2025-03-29T22:00:00Z', local: 'Sat 22:00 GMT', raises: true },
    { tz: 'Europe/London', utc: '2025-03-30T00:59:59Z', local: '00:59:59 GMT, just before the gap', raises: true },
    { tz: 'Europe/London', utc: '2025-03-30T01:00:00Z', local: '02:00 BST, just after the gap', raises: true },
    { tz: 'Europe/London', utc: '2025-03-30T05:59:59Z', local: '06:59:59 BST', raises: true },
    { tz: 'Europe/London', utc: '2025-03-30T06:00:00Z', local: '07:00 BST (06:00 on the winter clock)', raises: false },
    // Europe/London, fall back 2025-10-26 02:00 BST → 01:00 GMT.
    { tz: 'Europe/London', utc: '2025-10-25T20:59:59Z', local: 'Sat 21:59:59 BST', raises: false },
    { tz: 'Europe/London', utc: '2025-10-25T21:00:00Z', local: 'Sat 22:00 BST', raises: true },
    { tz: 'Europe/London', utc: '2025-10-26T00:30:00Z', local: '01:30 BST, first of two', raises: true },
    { tz: 'Europe/London', utc: '2025-10-26T01:30:00Z', local: '01:30 GMT, second of two', raises: true },
    { tz: 'Europe/London', utc: '2025-10-26T06:30:00Z', local: '06:30 GMT (07:30 on the summer clock)', raises: true },
    { tz: 'Europe/London', utc: '2025-10-26T06:59:59Z', local: '06:59:59 GMT', raises: true },
    { tz: 'Europe/London', utc: '2025-10-26T07:00:00Z', local: '07:00 GMT', raises: false },
    // America/New_York, spring forward 2025-03-09 02:00 EST → 03:00 EDT.
    { tz: 'America/New_York', utc: '2025-03-09T02:59:59Z', local: 'Sat 21:59:59 EST', raises: false },
    { tz: 'America/New_York', utc: '2025-03-09T03:00:00Z', local: 'Sat 22:00 EST', raises: true },
    { tz: 'America/New_York', utc: '2025-03-09T06:59:59Z', local: '01:59:59 EST, just before the gap', raises: true },
    { tz: 'America/New_York', utc: '2025-03-09T07:00:00Z', local: '03:00 EDT, just after the gap', raises: true },
    { tz: 'America/New_York', utc: '2025-03-09T10:59:59Z', local: '06:59:59 EDT', raises: true },
    { tz: 'America/New_York', utc: '2025-03-09T11:00:00Z', local: '07:00 EDT (06:00 on the winter clock)', raises: false },
    // America/New_York, fall back 2025-11-02 02:00 EDT → 01:00 EST.
    { tz: 'America/New_York', utc: '2025-11-02T01:59:59Z', local: 'Sat 21:59:59 EDT', raises: false },
    { tz: 'America/New_York', utc: '2025-11-02T02:00:00Z', local: 'Sat 22:00 EDT', raises: true },
    { tz: 'America/New_York', utc: '2025-11-02T05:30:00Z', local: '01:30 EDT, first of two', raises: true },
    { tz: 'America/New_York', utc: '2025-11-02T06:30:00Z', local: '01:30 EST, second of two', raises: true },
    { tz: 'America/New_York', utc: '2025-11-02T11:30:00Z', local: '06:30 EST (07:30 on the summer clock)', raises: true },
    { tz: 'America/New_York', utc: '2025-11-02T11:59:59Z', local: '06:59:59 EST', raises: true },
    { tz: 'America/New_York', utc: '2025-11-02T12:00:00Z', local: '07:00 EST', raises: false },
  ])('$tz $utc = $local → $raises', ({ tz, utc, raises }) => {
    expect(raisesAt(withNight(tz, { start: '22:00', end: '07:00' }), Date.parse(utc))).toBe(raises);
  });

  it.each([
    { utc: '2025-03-09T06:59:59Z', local: '01:59:59 EST', raises: false },
    { utc: '2025-03-09T07:00:00Z', local: '03:00 EDT', raises: false },
  ])('a window inside the spring-forward gap (02:00–03:00 New York) is empty that night: $local', ({ utc, raises }) => {
    expect(raisesAt(withNight('America/New_York', { start: '02:00', end: '03:00' }), Date.parse(utc))).toBe(raises);
  });

  it.each([
    { utc: '2025-11-02T05:00:00Z', local: '01:00 EDT', raises: true },
    { utc: '2025-11-02T05:59:59Z', local: '01:59:59 EDT', raises: true },
    { utc: '2025-11-02T06:00:00Z', local: '01:00 EST (the hour again)', raises: true },
    { utc: '2025-11-02T06:59:59Z', local: '01:59:59 EST', raises: true },
    { utc: '2025-11-02T07:00:00Z', local: '02:00 EST', raises: false },
  ])('a window over the repeated hour (01:00–02:00 New York) covers both passes: $local', ({ utc, raises }) => {
    expect(raisesAt(withNight('America/New_York', { start: '01:00', end: '02:00' }), Date.parse(utc))).toBe(raises);
  });
});

describe('night-exit: which doors and readings', () => {
  const night = localAt('Europe/London', '2025-01-16', '02:10');

  it.each([
    { name: 'an exit door opening', reading: doorReading('front-door', night, true), raises: true },
    { name: 'the other exit door', reading: doorReading('back-door', night, true), raises: true },
    { name: 'a door that is not an exit', reading: doorReading('bathroom-door', night, true), raises: false },
    { name: 'an exit door closing', reading: doorReading('front-door', night, false), raises: false },
    { name: 'a device not in the household', reading: doorReading('garage-door', night, true), raises: false },
    { name: 'a tracker fix', reading: fixReading('mum-phone', night, HOME, 10), raises: false },
    { name: 'a pill box opening', reading: pillboxReading('pillbox', night, 1, true), raises: false },
  ])('$name → raises: $raises', ({ reading, raises }) => {
    const harness = createRuleHarness(nightExitRule, wanderingHousehold(), night);
    expect(harness.deliver(reading).raised).toHaveLength(raises ? 1 : 0);
  });

  it('exit: false is not an exit door', () => {
    const household = wanderingHousehold();
    household.devices = household.devices?.map((d) => (d.id === 'front-door' ? { ...d, exit: false } : d));
    const harness = createRuleHarness(nightExitRule, household, night);
    expect(harness.deliver(doorReading('front-door', night, true)).raised).toEqual([]);
  });

  it('raises an urgent alert at once, keyed by door and opening, with the door and local time', () => {
    const harness = createRuleHarness(nightExitRule, wanderingHousehold(), night + 40);
    const { raised } = harness.deliver(doorReading('front-door', night, true));
    expect(raised).toEqual([
      {
        type: 'night-exit',
        key: `night-exit:front-door:${night}`,
        severity: 'urgent',
        deviceId: 'front-door',
        at: night,
        title: 'Front door opened at 02:10',
        details: { door: 'Front door', openedAt: night, localTime: '02:10', localDateTime: '2025-01-16 02:10' },
      },
    ]);
  });

  it('closing the door does not resolve it: the person may be outside', () => {
    const harness = createRuleHarness(nightExitRule, wanderingHousehold(), night);
    harness.deliver(doorReading('front-door', night, true));
    expect(harness.deliver(doorReading('front-door', night + 30 * SECOND, false), night + 30 * SECOND)).toEqual({ raised: [], cleared: [] });
    expect(harness.open()).toHaveLength(1);
  });

  it('two openings in one night are two alerts', () => {
    const harness = createRuleHarness(nightExitRule, wanderingHousehold(), night);
    harness.deliver(doorReading('front-door', night, true));
    harness.deliver(doorReading('front-door', night + MINUTE, false), night + MINUTE);
    harness.deliver(doorReading('front-door', night + 40 * MINUTE, true), night + 40 * MINUTE);
    expect(harness.open().map((a) => a.key)).toEqual([`night-exit:front-door:${night}`, `night-exit:front-door:${night + 40 * MINUTE}`]);
  });

  it('a redelivered opening is the same key: raised once', () => {
    const view = createFakeView(wanderingHousehold(), night);
    const reading = doorReading('front-door', night, true);
    view.commit(reading);
    const first = nightExitRule.onReading?.(view, reading);
    view.apply(first ?? { raise: [], clear: [], doses: [] });
    // The rule itself says nothing the second time (the key was raised); the engine would ignore it anyway.
    expect(nightExitRule.onReading?.(view, reading).raise).toEqual([]);
    expect(view.alerts).toHaveLength(1);
  });

  it('a door already open since before this reading is a re-report, not an opening (once doorAt marks the change)', () => {
    const view = createFakeView(wanderingHousehold(), night);
    const propped = localAt('Europe/London', '2025-01-15', '21:00');
    view.setState('front-door', { doorOpen: true, doorAt: propped });
    expect(nightExitRule.onReading?.(view, doorReading('front-door', night, true)).raise).toEqual([]);
  });
});

describe('night-exit: late readings (decision: a night opening is news however late)', () => {
  it.each([
    { name: 'on time', openedAt: '02:10', deliveredAt: '02:10', lateMinutes: undefined },
    { name: 'ten minutes late is still on time', openedAt: '02:10', deliveredAt: '02:20', lateMinutes: undefined },
    { name: 'half an hour late', openedAt: '02:10', deliveredAt: '02:40', lateMinutes: 30 },
    { name: 'opened at night, heard of after the night ended', openedAt: '06:50', deliveredAt: '07:20', lateMinutes: 30 },
  ])('$name → raises, saying how late', ({ openedAt, deliveredAt, lateMinutes }) => {
    const at = localAt('Europe/London', '2025-01-16', openedAt);
    const harness = createRuleHarness(nightExitRule, wanderingHousehold(), at);
    const { raised } = harness.deliver(doorReading('front-door', at, true), localAt('Europe/London', '2025-01-16', deliveredAt));
    expect(raised).toHaveLength(1);
    expect(raised[0]?.at).toBe(at);
    expect(raised[0]?.details.reportedLateMinutes).toBe(lateMinutes);
    expect(raised[0]?.title).toBe(`Front door opened at ${openedAt}${lateMinutes === undefined ? '' : ` (reported ${lateMinutes} min late)`}`);
  });

  it('a late reading from after the night is not night, even if it arrives at night', () => {
    const at = localAt('Europe/London', '2025-01-15', '21:50');
    const harness = createRuleHarness(nightExitRule, wanderingHousehold(), at);
    expect(harness.deliver(doorReading('front-door', at, true), at + 30 * MINUTE).raised).toEqual([]);
  });
});

describe('night-exit: properties', () => {
  /** Local minutes by a different road than local-time.ts: Intl's hour and minute as numbers. */
  function oracleMinutes(at: number, timeZone: string): number {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', minute: 'numeric', hourCycle: 'h23' }).formatToParts(new Date(at));
    const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
    return get('hour') * 60 + get('minute');
  }
  const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  const zones = ['Europe/London', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'UTC'];
  const year2025 = fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2026, 0, 1) });

  it('an opening raises exactly when its local time is in [start, end), in any zone, on any day', () => {
    fc.assert(
      fc.property(year2025, fc.constantFrom(...zones), fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 0, max: 1439 }), (at, tz, start, end) => {
        const minutes = oracleMinutes(at, tz);
        const expected = start === end ? false : start < end ? minutes >= start && minutes < end : minutes >= start || minutes < end;
        expect(raisesAt(withNight(tz, { start: hhmm(start), end: hhmm(end) }), at)).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('a window and its complement split every instant: exactly one of [s, e) and [e, s) raises', () => {
    fc.assert(
      fc.property(year2025, fc.constantFrom(...zones), fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 1, max: 1439 }), (at, tz, start, length) => {
        const end = (start + length) % 1440;
        const night = raisesAt(withNight(tz, { start: hhmm(start), end: hhmm(end) }), at);
        const day = raisesAt(withNight(tz, { start: hhmm(end), end: hhmm(start) }), at);
        expect(night !== day).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
