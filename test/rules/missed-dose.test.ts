import { describe, expect, it } from 'vitest';
import type { Household, Medication } from '../../src/core/household.js';
import { doubleDoseRule } from '../../src/rules/double-dose.js';
import { missedDoseRule } from '../../src/rules/missed-dose.js';
import { allKeys, doseStatuses, instant, openKeys, play, type Step } from './medication-view.js';

const LONDON = 'Europe/London';
const NEW_YORK = 'America/New_York';

const morning: Medication = { name: 'Morning tablets', at: '08:00', window: '60m', compartment: 1 };
const evening: Medication = { name: 'Evening tablets', at: '20:00', window: '60m', compartment: 2 };
const heart: Medication = { name: 'Heart', at: '08:00', window: '60m', compartment: 1 };
const night: Medication = { name: 'Night', at: '01:30', window: '30m', compartment: 1 };

function household(medication: Medication[], timezone = LONDON): Household {
  return {
    home: { name: 'Test home', timezone },
    person: { name: 'Margaret' },
    devices: [{ id: 'pillbox', name: 'Pill box', kind: 'pillbox', source: 'native', compartments: 2 }],
    rules: { medication },
  };
}

interface Row {
  name: string;
  timezone?: string;
  medication: Medication[];
  start: string;
  steps: Step[];
  /** Every missed-dose key ever raised. */
  raised: string[];
  /** Of those, the ones still open at the end. */
  open?: string[];
  /** Every DoseRecord, "dose|date" → status. */
  doses: Record<string, string>;
  /** Why alerts were resolved, key → reason. */
  reasons?: Record<string, string>;
}

const M15 = 'missed-dose:morning-tablets:2026-01-15';

const rows: Row[] = [
  // Window boundaries: [at - window, at + window], both ends included.
  {
    name: 'an opening exactly at the window start counts',
    medication: [morning],
    start: '2026-01-15 06:00',
    steps: [{ at: '2026-01-15 07:00', open: 1 }, { at: '2026-01-15 10:00' }],
    raised: [],
    doses: { 'morning-tablets|2026-01-15': 'on-time' },
  },
  {
    name: 'an opening exactly at the window end counts',
    medication: [morning],
    start: '2026-01-15 06:00',
    steps: [{ at: '2026-01-15 09:00', open: 1 }, { at: '2026-01-15 10:00' }],
    raised: [],
    doses: { 'morning-tablets|2026-01-15': 'on-time' },
  },
  {
    name: 'an opening a millisecond before the start does not',
    medication: [morning],
    start: '2026-01-15 06:00',
    steps: [{ at: '2026-01-15 06:59:59.999', open: 1 }, { at: '2026-01-15 10:00' }],
    raised: [M15],
    open: [M15],
    doses: { 'morning-tablets|2026-01-15': 'missed' },
  },
  {
    name: 'an opening a millisecond after the end is late, and resolves the alert',
    medication: [morning],
    start: '2026-01-15 06:00',
    steps: [{ at: '2026-01-15 09:00' }, { at: '2026-01-15 09:00:00.001', open: 1 }, { at: '2026-01-15 10:00' }],
    raised: [M15],
    open: [],
    doses: { 'morning-tablets|2026-01-15': 'late' },
    reasons: { [M15]: 'taken late at 09:00' },
  },
  {
    name: 'an opening just after the end, committed before any tick judged the deadline: late, no alert',
    medication: [morning],
    start: '2026-01-15 06:00',
    steps: [{ at: '2026-01-15 08:59' }, { at: '2026-01-15 09:00:00.001', open: 1 }, { at: '2026-01-15 10:00' }],
    raised: [],
    doses: { 'morning-tablets|2026-01-15': 'late' },
  },
  {
    name: "an opening on the hub's first morning says nothing about the day before it watched",
    medication: [morning],
    start: '2026-01-15 06:00',
    steps: [{ at: '2026-01-15 06:30', open: 1 }, { at: '2026-01-15 10:00' }],
    raised: [M15],
    doses: { 'morning-tablets|2026-01-15': 'missed' },
  },
  {
    name: 'nothing is raised before the window ends',
    medication: [morning],
    start: '2026-01-15 06:00',
    steps: [{ at: '2026-01-15 08:59:59.999' }],
    raised: [],
    doses: {},
  },
  // Compartments and one-lid boxes.
  {
    name: 'an opening of another compartment does not count',
    medication: [morning],
    start: '2026-01-15 06:00',
    steps: [{ at: '2026-01-15 08:00', open: 2 }, { at: '2026-01-15 10:00' }],
    raised: [M15],
    open: [M15],
    doses: { 'morning-tablets|2026-01-15': 'missed' },
  },
  {
    name: "the box's one lid (compartment 0) counts for a compartment dose",
    medication: [morning],
    start: '2026-01-15 06:00',
    steps: [{ at: '2026-01-15 08:00', open: 0 }, { at: '2026-01-15 10:00' }],
    raised: [],
    doses: { 'morning-tablets|2026-01-15': 'on-time' },
  },
  {
    name: 'a one-lid dose (no compartment) is taken by any opening',
    medication: [{ name: 'Morning tablets', at: '08:00', window: '60m' }],
    start: '2026-01-15 06:00',
    steps: [{ at: '2026-01-15 08:10', open: 2 }, { at: '2026-01-15 10:00' }],
    raised: [],
    doses: { 'morning-tablets|2026-01-15': 'on-time' },
  },
  // Days of the week (2026-01-15 is a Thursday, 2026-01-19 a Monday).
  {
    name: 'a Monday dose is not due on a Thursday',
    medication: [{ ...morning, days: ['mon'] }],
    start: '2026-01-15 06:00',
    steps: [{ at: '2026-01-15 12:00' }],
    raised: [],
    doses: {},
  },
  {
    name: 'a Monday dose is due on a Monday',
    medication: [{ ...morning, days: ['mon'] }],
    start: '2026-01-19 06:00',
    steps: [{ at: '2026-01-19 12:00' }],
    raised: ['missed-dose:morning-tablets:2026-01-19'],
    doses: { 'morning-tablets|2026-01-19': 'missed' },
  },
  // Overlapping doses.
  {
    name: 'two doses in one compartment with one window are one alert naming both',
    medication: [heart, { ...heart, name: 'Vitamin D' }],
    start: '2026-01-15 06:00',
    steps: [{ at: '2026-01-15 10:00' }],
    raised: ['missed-dose:heart:2026-01-15'],
    doses: { 'heart|2026-01-15': 'missed', 'vitamin-d|2026-01-15': 'missed' },
  },
  {
    name: 'one opening takes both doses of a shared compartment',
    medication: [heart, { ...heart, name: 'Vitamin D' }],
    start: '2026-01-15 06:00',
    steps: [{ at: '2026-01-15 08:05', open: 1 }, { at: '2026-01-15 10:00' }],
    raised: [],
    doses: { 'heart|2026-01-15': 'on-time', 'vitamin-d|2026-01-15': 'on-time' },
  },
  {
    name: 'overlapping windows, same compartment: an opening in both counts for both',
    medication: [heart, { ...heart, name: 'Calcium', at: '08:30' }],
    start: '2026-01-15 06:00',
    steps: [{ at: '2026-01-15 08:15', open: 1 }, { at: '2026-01-15 10:00' }],
    raised: [],
    doses: { 'heart|2026-01-15': 'on-time', 'calcium|2026-01-15': 'on-time' },
  },
  {
    name: 'overlapping windows, same compartment: an opening in one window only',
    medication: [heart, { ...heart, name: 'Calcium', at: '08:30' }],
    start: '2026-01-15 06:00',
    steps: [{ at: '2026-01-15 07:10', open: 1 }, { at: '2026-01-15 10:00' }],
    raised: ['missed-dose:calcium:2026-01-15'],
    doses: { 'heart|2026-01-15': 'on-time', 'calcium|2026-01-15': 'missed' },
  },
  {
    name: 'overlapping windows, different compartments: each needs its own opening',
    medication: [heart, { ...heart, name: 'Statin', compartment: 2 }],
    start: '2026-01-15 06:00',
    steps: [{ at: '2026-01-15 08:00', open: 1 }, { at: '2026-01-15 10:00' }],
    raised: ['missed-dose:statin:2026-01-15'],
    doses: { 'heart|2026-01-15': 'on-time', 'statin|2026-01-15': 'missed' },
  },
  // Taken late: one opening is one dose, the latest it can be.
  {
    name: 'one lid, doses at 08:00 and 13:00: an opening at 14:30 is the 13:00 dose late',
    medication: [
      { name: 'Morning', at: '08:00', window: '60m' },
      { name: 'Lunch', at: '13:00', window: '60m' },
      { name: 'Evening', at: '20:00', window: '60m' },
    ],
    start: '2026-01-15 06:00',
    steps: [{ at: '2026-01-15 09:30' }, { at: '2026-01-15 14:10' }, { at: '2026-01-15 14:30', open: 0 }, { at: '2026-01-15 15:00' }],
    raised: ['missed-dose:morning:2026-01-15', 'missed-dose:lunch:2026-01-15'],
    open: ['missed-dose:morning:2026-01-15'],
    doses: { 'morning|2026-01-15': 'missed', 'lunch|2026-01-15': 'late' },
    reasons: { 'missed-dose:lunch:2026-01-15': 'taken late at 14:30' },
  },
  {
    name: "another compartment's opening after the window is not this dose late",
    medication: [morning, evening],
    start: '2026-01-15 06:00',
    steps: [{ at: '2026-01-15 10:00', open: 2 }, { at: '2026-01-15 11:00' }],
    raised: [M15],
    open: [M15],
    doses: { 'morning-tablets|2026-01-15': 'missed' },
  },
  {
    name: "the next morning before its window: yesterday's dose late",
    medication: [morning],
    start: '2026-01-15 06:00',
    steps: [{ at: '2026-01-15 10:00' }, { at: '2026-01-16 06:59', open: 1 }, { at: '2026-01-16 10:00' }],
    raised: [M15, 'missed-dose:morning-tablets:2026-01-16'],
    open: ['missed-dose:morning-tablets:2026-01-16'],
    doses: { 'morning-tablets|2026-01-15': 'late', 'morning-tablets|2026-01-16': 'missed' },
  },
  {
    name: "the next morning inside its window: today's dose, yesterday's stays missed",
    medication: [morning],
    start: '2026-01-15 06:00',
    steps: [{ at: '2026-01-16 07:30', open: 1 }, { at: '2026-01-16 10:00' }],
    raised: [M15],
    open: [M15],
    doses: { 'morning-tablets|2026-01-15': 'missed', 'morning-tablets|2026-01-16': 'on-time' },
  },
  // Readings that arrive late, restarts and clock jumps.
  {
    name: 'a buffered reading stamped inside the window, arriving after the deadline, resolves it',
    medication: [morning],
    start: '2026-01-15 06:00',
    steps: [{ at: '2026-01-15 09:30' }, { at: '2026-01-15 09:40', open: 1, stamped: '2026-01-15 08:50' }],
    raised: [M15],
    open: [],
    doses: { 'morning-tablets|2026-01-15': 'on-time' },
    reasons: { [M15]: 'taken at 08:50' },
  },
  {
    name: 'a late opening already stored when the deadline is judged (hub was down) raises nothing',
    medication: [morning],
    start: '2026-01-15 08:30',
    steps: [{ at: '2026-01-15 10:00', open: 1, stamped: '2026-01-15 09:20' }],
    raised: [],
    doses: { 'morning-tablets|2026-01-15': 'late' },
  },
  {
    name: 'a restart mid-window (watermark kept) still judges the deadline once',
    medication: [morning],
    start: '2026-01-15 07:30',
    steps: [{ at: '2026-01-15 08:10' }, { at: '2026-01-15 09:05' }, { at: '2026-01-15 09:05' }, { at: '2026-01-15 09:06' }],
    raised: [M15],
    doses: { 'morning-tablets|2026-01-15': 'missed' },
  },
  {
    name: 'a clock jump over three days raises each missed dose exactly once',
    medication: [morning, evening],
    start: '2026-01-15 07:00',
    steps: [{ at: '2026-01-18 12:00' }, { at: '2026-01-18 12:01' }, { at: '2026-01-15 07:00' }, { at: '2026-01-18 13:00' }],
    raised: [
      'missed-dose:morning-tablets:2026-01-15',
      'missed-dose:evening-tablets:2026-01-15',
      'missed-dose:morning-tablets:2026-01-16',
      'missed-dose:evening-tablets:2026-01-16',
      'missed-dose:morning-tablets:2026-01-17',
      'missed-dose:evening-tablets:2026-01-17',
      'missed-dose:morning-tablets:2026-01-18',
    ],
    doses: {
      'morning-tablets|2026-01-15': 'missed',
      'evening-tablets|2026-01-15': 'missed',
      'morning-tablets|2026-01-16': 'missed',
      'evening-tablets|2026-01-16': 'missed',
      'morning-tablets|2026-01-17': 'missed',
      'evening-tablets|2026-01-17': 'missed',
      'morning-tablets|2026-01-18': 'missed',
    },
  },
  {
    name: 'a clock set back after the deadline judges nothing again',
    medication: [morning],
    start: '2026-01-15 06:00',
    steps: [{ at: '2026-01-15 10:00' }, { at: '2026-01-15 07:00' }, { at: '2026-01-15 09:30' }, { at: '2026-01-15 11:00' }],
    raised: [M15],
    doses: { 'morning-tablets|2026-01-15': 'missed' },
  },
  // DST, Europe/London: autumn 2026-10-25 (01:00–02:00 happens twice), spring 2026-03-29 (01:00–02:00 missing).
  {
    name: 'London autumn: the 01:30 dose is judged once, at the end of the first 01:30 window',
    medication: [night],
    start: '2026-10-24 22:00',
    steps: [
      { at: '2026-10-25T00:59:59Z' },
      { at: '2026-10-25T01:00:00Z' },
      { at: '2026-10-25T01:30:00Z' },
      { at: '2026-10-25T02:00:00Z' },
      { at: '2026-10-25T06:00:00Z' },
    ],
    raised: ['missed-dose:night:2026-10-25'],
    doses: { 'night|2026-10-25': 'missed' },
  },
  {
    name: 'London autumn: an opening at the first 01:15 is on time',
    medication: [night],
    start: '2026-10-24 22:00',
    steps: [{ at: '2026-10-25T00:15:00Z', open: 1 }, { at: '2026-10-25T06:00:00Z' }],
    raised: [],
    doses: { 'night|2026-10-25': 'on-time' },
  },
  {
    name: 'London autumn: an opening at the second 01:30 is late',
    medication: [night],
    start: '2026-10-24 22:00',
    steps: [{ at: '2026-10-25T01:00:00Z' }, { at: '2026-10-25T01:30:00Z', open: 1 }, { at: '2026-10-25T06:00:00Z' }],
    raised: ['missed-dose:night:2026-10-25'],
    open: [],
    doses: { 'night|2026-10-25': 'late' },
    reasons: { 'missed-dose:night:2026-10-25': 'taken late at 01:30' },
  },
  {
    name: 'London spring: the 01:30 dose moves to 02:30 BST; an opening at 02:15 BST is on time',
    medication: [night],
    start: '2026-03-28 22:00',
    steps: [{ at: '2026-03-29T01:15:00Z', open: 1 }, { at: '2026-03-29T06:00:00Z' }],
    raised: [],
    doses: { 'night|2026-03-29': 'on-time' },
  },
  {
    name: 'London spring: with no opening the gap dose is missed at 03:00 BST, not skipped',
    medication: [night],
    start: '2026-03-28 22:00',
    steps: [{ at: '2026-03-29T01:59:59.999Z' }, { at: '2026-03-29T02:00:00Z' }],
    raised: ['missed-dose:night:2026-03-29'],
    doses: { 'night|2026-03-29': 'missed' },
  },
  // DST, America/New_York: autumn 2026-11-01, spring 2026-03-08.
  {
    name: 'New York autumn: on time at the first 01:30 (EDT)',
    timezone: NEW_YORK,
    medication: [{ ...night, window: '20m' }],
    start: '2026-10-31 22:00',
    steps: [{ at: '2026-11-01T05:30:00Z', open: 1 }, { at: '2026-11-01T12:00:00Z' }],
    raised: [],
    doses: { 'night|2026-11-01': 'on-time' },
  },
  {
    name: 'New York autumn: the second 01:30 (EST) is late, and the dose is raised once',
    timezone: NEW_YORK,
    medication: [{ ...night, window: '20m' }],
    start: '2026-10-31 22:00',
    steps: [{ at: '2026-11-01T05:51:00Z' }, { at: '2026-11-01T06:30:00Z', open: 1 }, { at: '2026-11-01T12:00:00Z' }],
    raised: ['missed-dose:night:2026-11-01'],
    open: [],
    doses: { 'night|2026-11-01': 'late' },
    reasons: { 'missed-dose:night:2026-11-01': 'taken late at 01:30' },
  },
  {
    name: 'New York spring: a 02:30 dose is due at 03:30 EDT; an opening then is on time',
    timezone: NEW_YORK,
    medication: [{ ...night, at: '02:30', window: '20m' }],
    start: '2026-03-07 22:00',
    steps: [{ at: '2026-03-08T07:30:00Z', open: 1 }, { at: '2026-03-08T12:00:00Z' }],
    raised: [],
    doses: { 'night|2026-03-08': 'on-time' },
  },
  {
    name: 'New York spring: an opening at 01:30 EST is before the shifted window',
    timezone: NEW_YORK,
    medication: [{ ...night, at: '02:30', window: '20m' }],
    start: '2026-03-07 22:00',
    steps: [{ at: '2026-03-08T06:30:00Z', open: 1 }, { at: '2026-03-08T07:50:00Z' }],
    raised: ['missed-dose:night:2026-03-08'],
    doses: { 'night|2026-03-08': 'missed' },
  },
];

describe('missed-dose', () => {
  it.each(rows)('$name', (row) => {
    const { world } = play(household(row.medication, row.timezone), [missedDoseRule, doubleDoseRule], row.start, row.steps);
    expect(allKeys(world, 'missed-dose')).toEqual(row.raised);
    expect(openKeys(world, 'missed-dose')).toEqual(row.open ?? row.raised);
    expect(doseStatuses(world)).toEqual(row.doses);
    for (const [key, reason] of Object.entries(row.reasons ?? {})) expect(world.alerts.get(key)?.reason).toBe(reason);
    // Exactness comes from the watermark, not only from the engine's de-duplication: each key proposed once.
    const proposals = world.proposed.filter((d) => d.type === 'missed-dose').map((d) => d.key);
    expect(proposals).toEqual([...new Set(proposals)]);
  });

  it('raises a warning at the window end, naming the dose and its window', () => {
    const { world } = play(household([morning]), [missedDoseRule], '2026-01-15 06:00', [{ at: '2026-01-15 09:30' }]);
    const alert = world.alerts.get(M15);
    expect(alert).toMatchObject({
      type: 'missed-dose',
      severity: 'warning',
      raisedAt: instant('2026-01-15 09:00', LONDON),
      title: 'Missed dose: Morning tablets (due 08:00, box not opened by 09:00)',
      details: {
        doses: ['Morning tablets'],
        doseSlugs: ['morning-tablets'],
        date: '2026-01-15',
        windowStart: instant('2026-01-15 07:00', LONDON),
        windowEnd: instant('2026-01-15 09:00', LONDON),
        compartment: 1,
      },
    });
    expect(world.doses.get('morning-tablets|2026-01-15')).toEqual({ dose: 'morning-tablets', date: '2026-01-15', status: 'missed', at: instant('2026-01-15 09:00', LONDON) });
  });

  it('a dose a carer recorded by hand before the deadline counts as taken: no alert, and "missed" does not overwrite it', () => {
    const engine = play(household([morning]), [missedDoseRule], '2026-01-15 06:00', [{ at: '2026-01-15 08:10' }]);
    engine.world.doses.set('morning-tablets|2026-01-15', { dose: 'morning-tablets', date: '2026-01-15', status: 'on-time', at: instant('2026-01-15 08:05', LONDON) });
    engine.setClock(instant('2026-01-15 09:30', LONDON));
    expect(allKeys(engine.world, 'missed-dose')).toEqual([]);
    expect(doseStatuses(engine.world)).toEqual({ 'morning-tablets|2026-01-15': 'on-time' });
    // The evening dose of the same day was not recorded: it is still missed.
    const both = play(household([morning, evening]), [missedDoseRule], '2026-01-15 06:00', [{ at: '2026-01-15 08:10' }]);
    both.world.doses.set('morning-tablets|2026-01-15', { dose: 'morning-tablets', date: '2026-01-15', status: 'on-time', at: instant('2026-01-15 08:05', LONDON) });
    both.setClock(instant('2026-01-15 21:30', LONDON));
    expect(allKeys(both.world, 'missed-dose')).toEqual(['missed-dose:evening-tablets:2026-01-15']);
  });

  it('a Pi clock jumping from 1970 judges only the last week of doses', () => {
    const world = play(household([morning, evening]), [missedDoseRule], '1970-01-01 00:00', [{ at: '2026-01-18 12:00' }]).world;
    // Evening of the 11th (ends 21:00, within the week before 12:00 on the 18th) to the morning of the 18th.
    expect(allKeys(world, 'missed-dose')).toHaveLength(1 + 6 * 2 + 1);
    expect(allKeys(world, 'missed-dose')[0]).toBe('missed-dose:evening-tablets:2026-01-11');
  });

  it('resolves from stored openings on a tick when the reading was never shown to the rule', () => {
    const engine = play(household([morning]), [missedDoseRule], '2026-01-15 06:00', [{ at: '2026-01-15 09:30' }]);
    // Committed, but the engine crashed before calling the rule.
    engine.world.readings.push({ kind: 'pillbox', deviceId: 'pillbox', at: instant('2026-01-15 09:45', LONDON), atFromDevice: true, compartment: 1, open: true });
    engine.setClock(instant('2026-01-15 10:00', LONDON));
    expect(openKeys(engine.world, 'missed-dose')).toEqual([]);
    expect(engine.world.alerts.get(M15)?.reason).toBe('taken late at 09:45');
    expect(engine.world.doses.get('morning-tablets|2026-01-15')?.status).toBe('late');
  });

  it('two entries of the same medicine on one day keep separate alerts', () => {
    const paracetamol: Medication = { name: 'Paracetamol', at: '08:00', window: '60m', compartment: 1 };
    const plan = [paracetamol, { ...paracetamol, at: '20:00', compartment: 2 }];
    const { world } = play(household(plan), [missedDoseRule], '2026-01-15 06:00', [{ at: '2026-01-15 22:00' }]);
    expect(allKeys(world, 'missed-dose')).toEqual(['missed-dose:paracetamol-0800:2026-01-15', 'missed-dose:paracetamol-2000:2026-01-15']);
  });
});
