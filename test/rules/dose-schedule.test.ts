import { describe, expect, it } from 'vitest';
import type { Medication } from '../../src/core/household.js';
import {
  DEADLINE_LOOKBACK_MS,
  distinctOpenings,
  doseSlots,
  doseSlugs,
  doseWindow,
  lateTaking,
  opensDose,
  windowContaining,
  windowsEndingIn,
} from '../../src/rules/dose-schedule.js';
import { instant, pillboxOpening } from './medication-view.js';

const LONDON = 'Europe/London';
const NEW_YORK = 'America/New_York';
const iso = (ms: number) => new Date(ms).toISOString();
const med = (m: Partial<Medication> & Pick<Medication, 'at'>): Medication => ({ name: 'Tablets', window: '60m', ...m });

describe('doseWindow', () => {
  it.each([
    // An ordinary winter day in London: GMT.
    ['winter London', LONDON, med({ at: '08:00' }), '2026-01-15', '2026-01-15T07:00:00.000Z', '2026-01-15T09:00:00.000Z'],
    ['summer London (BST)', LONDON, med({ at: '08:00' }), '2026-07-15', '2026-07-15T06:00:00.000Z', '2026-07-15T08:00:00.000Z'],
    // Autumn change: 01:30 happens twice; the window is around the FIRST (BST, 00:30Z), once.
    ['London autumn 01:30 → first occurrence', LONDON, med({ at: '01:30', window: '30m' }), '2026-10-25', '2026-10-25T00:00:00.000Z', '2026-10-25T01:00:00.000Z'],
    // Spring change: 01:30 does not exist; it moves forward by the gap to 02:30 BST (01:30Z).
    ['London spring 01:30 → 02:30 BST', LONDON, med({ at: '01:30', window: '30m' }), '2026-03-29', '2026-03-29T01:00:00.000Z', '2026-03-29T02:00:00.000Z'],
    // A window straddling the spring change is real elapsed time: 02:00 BST ± 60m is 00:00Z–02:00Z.
    ['London window across the spring change', LONDON, med({ at: '02:00' }), '2026-03-29', '2026-03-29T00:00:00.000Z', '2026-03-29T02:00:00.000Z'],
    ['New York autumn 01:30 → first (EDT)', NEW_YORK, med({ at: '01:30', window: '20m' }), '2026-11-01', '2026-11-01T05:10:00.000Z', '2026-11-01T05:50:00.000Z'],
    ['New York spring 02:30 → 03:30 EDT', NEW_YORK, med({ at: '02:30', window: '20m' }), '2026-03-08', '2026-03-08T07:10:00.000Z', '2026-03-08T07:50:00.000Z'],
    // A window may start on the previous local date; it belongs to the date it is due on.
    ['dose just after midnight', LONDON, med({ at: '00:15', window: '30m' }), '2026-01-15', '2026-01-14T23:45:00.000Z', '2026-01-15T00:45:00.000Z'],
  ])('%s', (_name, timezone, medication, date, start, end) => {
    const window = doseWindow(medication, timezone, date);
    expect(window && { date: window.date, start: iso(window.start), end: iso(window.end) }).toEqual({ date, start, end });
  });

  it.each([
    // 2026-01-15 is a Thursday, 2026-01-19 a Monday.
    [['thu'], '2026-01-15', true],
    [['mon', 'wed'], '2026-01-15', false],
    [['mon'], '2026-01-19', true],
    [undefined, '2026-01-17', true],
  ] as const)('days %j on %s → scheduled: %s', (days, date, scheduled) => {
    const medication = med({ at: '08:00', ...(days === undefined ? {} : { days: [...days] }) });
    expect(doseWindow(medication, LONDON, date) !== undefined).toBe(scheduled);
  });

  it('compartment absent is 0 (a one-lid box)', () => {
    expect(doseWindow(med({ at: '08:00' }), LONDON, '2026-01-15')?.compartment).toBe(0);
    expect(doseWindow(med({ at: '08:00', compartment: 3 }), LONDON, '2026-01-15')?.compartment).toBe(3);
  });
});

describe('windowsEndingIn', () => {
  const morning = med({ at: '08:00' });
  const ends = (medication: Medication, timezone: string, from: string, to: string) =>
    windowsEndingIn(medication, timezone, instant(from, timezone), instant(to, timezone)).map((w) => w.date);

  it.each([
    ['(from, to] holds the end', '2026-01-15 08:59', '2026-01-15 09:00', ['2026-01-15']],
    ['an end equal to from belongs to the tick before', '2026-01-15 09:00', '2026-01-15 09:01', []],
    ['before the end', '2026-01-15 08:00', '2026-01-15 08:59:59.999', []],
    ['a jump over three days gives each date once', '2026-01-15 07:00', '2026-01-18 12:00', ['2026-01-15', '2026-01-16', '2026-01-17', '2026-01-18']],
    ['backwards is nothing', '2026-01-18 12:00', '2026-01-15 07:00', []],
    ['empty is nothing', '2026-01-15 09:00', '2026-01-15 09:00', []],
  ])('%s', (_name, from, to, dates) => {
    expect(ends(morning, LONDON, from, to)).toEqual(dates);
  });

  it('honours days of the week across a jump', () => {
    const mondays = med({ at: '08:00', days: ['mon'] });
    expect(ends(mondays, LONDON, '2026-01-17 00:00', '2026-01-23 23:00')).toEqual(['2026-01-19']);
    // Past the week of look-back (DEADLINE_LOOKBACK_MS) only the last Monday is judged.
    expect(ends(mondays, LONDON, '2026-01-10 00:00', '2026-01-27 00:00')).toEqual(['2026-01-26']);
  });

  it('the 01:30 autumn dose ends once however the night is sliced', () => {
    const night = med({ at: '01:30', window: '30m' });
    const start = Date.parse('2026-10-24T22:00:00Z');
    const dates: string[] = [];
    for (let t = start; t < start + 8 * 3_600_000; t += 60_000) dates.push(...windowsEndingIn(night, LONDON, t, t + 60_000).map((w) => w.date));
    expect(dates).toEqual(['2026-10-25']);
  });

  it('the spring-gap dose is evaluated at the shifted time, not skipped', () => {
    const night = med({ at: '01:30', window: '30m' });
    const hits = windowsEndingIn(night, LONDON, Date.parse('2026-03-28T23:00:00Z'), Date.parse('2026-03-29T06:00:00Z'));
    expect(hits.map((w) => iso(w.end))).toEqual(['2026-03-29T02:00:00.000Z']);
  });

  it('a clock jump from 1970 scans only the last week, quickly', () => {
    const to = instant('2026-01-18 12:00', LONDON);
    const began = performance.now();
    const windows = windowsEndingIn(morning, LONDON, 0, to);
    expect(performance.now() - began).toBeLessThan(200);
    expect(windows.map((w) => w.date)).toEqual(['2026-01-12', '2026-01-13', '2026-01-14', '2026-01-15', '2026-01-16', '2026-01-17', '2026-01-18']);
    expect(windows.every((w) => w.end > to - DEADLINE_LOOKBACK_MS)).toBe(true);
  });
});

describe('windowContaining', () => {
  const heart = med({ name: 'Heart', at: '08:00', compartment: 1 });
  const calcium = med({ name: 'Calcium', at: '08:30', compartment: 1 });
  const evening = med({ name: 'Evening', at: '20:00', compartment: 2 });
  it.each([
    ['2026-01-15 06:59:59.999', []],
    ['2026-01-15 07:00', ['Heart']],
    ['2026-01-15 08:15', ['Heart', 'Calcium']],
    ['2026-01-15 09:00', ['Heart', 'Calcium']],
    ['2026-01-15 09:00:00.001', ['Calcium']],
    ['2026-01-15 20:30', ['Evening']],
    ['2026-01-15 21:00:00.001', []],
  ])('%s → %j', (at, names) => {
    expect(windowContaining([heart, calcium, evening], LONDON, instant(at, LONDON)).map((w) => w.medication.name)).toEqual(names);
  });
});

describe('opensDose', () => {
  it.each([
    [0, 0, true],
    [0, 3, true], // a one-lid dose: any opening
    [2, 0, true], // the box's one lid gives access to every compartment
    [2, 2, true],
    [2, 1, false],
  ])('dose compartment %i, opening of %i → %s', (dose, opening, counts) => {
    expect(opensDose(dose, opening)).toBe(counts);
  });
});

describe('distinctOpenings (fumbles)', () => {
  const t0 = instant('2026-01-15 08:00', LONDON);
  it.each([
    ['one', [0], [0]],
    ['a fumble 5 s later', [0, 5_000], [0]],
    ['exactly 60 s later is still the fumble', [0, 60_000], [0]],
    ['61 s later is a second opening', [0, 61_000], [0, 61_000]],
    ['a chain is measured from its first opening', [0, 40_000, 80_000], [0, 80_000]],
    ['order of arrival does not matter', [61_000, 0], [0, 61_000]],
  ])('%s', (_name, offsets, distinct) => {
    expect(distinctOpenings(offsets.map((o) => pillboxOpening(t0 + o))).map((o) => o.at - t0)).toEqual(distinct);
  });
});

describe('doseSlots', () => {
  it('groups doses sharing compartment and window, keeps overlapping ones apart', () => {
    const plan = [
      med({ name: 'Heart', at: '08:00', compartment: 1 }),
      med({ name: 'Vitamin D', at: '08:00', compartment: 1 }),
      med({ name: 'Calcium', at: '08:30', compartment: 1 }),
      med({ name: 'Statin', at: '08:00', compartment: 2 }),
    ];
    const windows = plan.map((m) => doseWindow(m, LONDON, '2026-01-15')!);
    expect(doseSlots(windows).map((slot) => slot.map((w) => w.medication.name))).toEqual([['Heart', 'Vitamin D'], ['Calcium'], ['Statin']]);
  });
});

describe('doseSlugs', () => {
  it.each([
    [[med({ name: 'Morning tablets', at: '08:00' })], ['morning-tablets']],
    [[med({ name: '  Crème (heart) ', at: '08:00' })], ['creme-heart']],
    [[med({ name: '!!!', at: '08:00' })], ['dose']],
    // The same medicine twice a day must never share a key, or the evening's missed alert is lost.
    [[med({ name: 'Paracetamol', at: '08:00' }), med({ name: 'Paracetamol', at: '20:00' })], ['paracetamol-0800', 'paracetamol-2000']],
    [[med({ name: 'Paracetamol', at: '08:00', compartment: 1 }), med({ name: 'paracetamol', at: '08:00', compartment: 2 })], ['paracetamol-0800-c1', 'paracetamol-0800-c2']],
    [[med({ name: 'X', at: '08:00' }), med({ name: 'X', at: '08:00' })], ['x-0800-c0-1', 'x-0800-c0-2']],
  ])('%j → %j', (plan, slugs) => {
    expect(doseSlugs(plan)).toEqual(slugs);
  });
});

describe('lateTaking', () => {
  const box = [
    med({ name: 'Morning', at: '08:00' }),
    med({ name: 'Lunch', at: '13:00' }),
    med({ name: 'Evening', at: '20:00' }),
  ];
  const morning = doseWindow(box[0]!, LONDON, '2026-01-15')!;
  const lunch = doseWindow(box[1]!, LONDON, '2026-01-15')!;
  const at = (text: string) => pillboxOpening(instant(text, LONDON));
  it.each([
    ['before the next window: late', morning, ['2026-01-15 10:30'], '2026-01-15 10:30'],
    ['at the window end: not late (it was on time)', morning, ['2026-01-15 09:00'], undefined],
    ['after the lunch window began: lunch, not morning', morning, ['2026-01-15 14:30'], undefined],
    ['the lunch dose takes that opening late', lunch, ['2026-01-15 14:30'], '2026-01-15 14:30'],
    ['the first of several qualifying openings', morning, ['2026-01-15 11:00', '2026-01-15 10:00'], '2026-01-15 10:00'],
  ] as const)('%s', (_name, window, openings, expected) => {
    const late = lateTaking(window, box, LONDON, openings.map(at));
    expect(late === undefined ? undefined : late.at).toBe(expected === undefined ? undefined : instant(expected, LONDON));
  });

  it('a weekly dose is late for at most a day', () => {
    const weekly = [med({ name: 'Weekly', at: '08:00', days: ['mon'] })];
    const monday = doseWindow(weekly[0]!, LONDON, '2026-01-19')!;
    expect(lateTaking(monday, weekly, LONDON, [at('2026-01-20 08:30')])?.at).toBe(instant('2026-01-20 08:30', LONDON));
    expect(lateTaking(monday, weekly, LONDON, [at('2026-01-20 09:30')])).toBeUndefined();
  });
});
