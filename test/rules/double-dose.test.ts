import { describe, expect, it } from 'vitest';
import type { Household, Medication } from '../../src/core/household.js';
import { doubleDoseRule } from '../../src/rules/double-dose.js';
import { missedDoseRule } from '../../src/rules/missed-dose.js';
import { allKeys, createEngine, createWorld, doseStatuses, instant, pillboxOpening, play, type Step } from './medication-view.js';

const LONDON = 'Europe/London';
const morning: Medication = { name: 'Morning tablets', at: '08:00', window: '60m', compartment: 1 };
const evening: Medication = { name: 'Evening tablets', at: '20:00', window: '60m', compartment: 2 };
const heart: Medication = { name: 'Heart', at: '08:00', window: '60m', compartment: 1 };
const night: Medication = { name: 'Night', at: '01:30', window: '30m', compartment: 1 };

function household(medication: Medication[]): Household {
  return {
    home: { name: 'Test home', timezone: LONDON },
    person: { name: 'Margaret' },
    devices: [{ id: 'pillbox', name: 'Pill box', kind: 'pillbox', source: 'native', compartments: 2 }],
    rules: { medication },
  };
}

const D15 = 'double-dose:morning-tablets:2026-01-15';
const opens = (compartment: number, ...times: string[]): Step[] => times.map((t) => ({ at: `2026-01-15 ${t}`, open: compartment }));

interface Row {
  name: string;
  medication?: Medication[];
  start?: string;
  steps: Step[];
  raised: string[];
  doses: Record<string, string>;
}

const rows: Row[] = [
  {
    name: 'a second opening of the compartment inside the window',
    steps: opens(1, '07:42', '08:20'),
    raised: [D15],
    doses: { 'morning-tablets|2026-01-15': 'double' },
  },
  {
    name: 'a fumble: the lid opened twice in 5 s is one opening',
    steps: opens(1, '07:42', '07:42:05'),
    raised: [],
    doses: { 'morning-tablets|2026-01-15': 'on-time' },
  },
  {
    name: 'exactly 60 s apart is still a fumble',
    steps: opens(1, '07:42', '07:43'),
    raised: [],
    doses: { 'morning-tablets|2026-01-15': 'on-time' },
  },
  {
    name: '61 s apart is a second opening',
    steps: opens(1, '07:42', '07:43:01'),
    raised: [D15],
    doses: { 'morning-tablets|2026-01-15': 'double' },
  },
  {
    name: 'a fumble is measured from its first opening, so a long chain still shows a second',
    steps: opens(1, '07:42', '07:42:40', '07:43:20'),
    raised: [D15],
    doses: { 'morning-tablets|2026-01-15': 'double' },
  },
  {
    name: 'a third opening adds no second notice',
    steps: opens(1, '07:10', '07:40', '08:10'),
    raised: [D15],
    doses: { 'morning-tablets|2026-01-15': 'double' },
  },
  {
    name: 'one opening in the window and one after it is not a double',
    steps: opens(1, '08:30', '09:30'),
    raised: [],
    doses: { 'morning-tablets|2026-01-15': 'on-time' },
  },
  {
    name: 'one opening before the window and one inside it is not a double',
    steps: opens(1, '06:50', '07:10'),
    raised: [],
    doses: { 'morning-tablets|2026-01-15': 'on-time' },
  },
  {
    name: 'openings at both ends of the window are a double',
    steps: opens(1, '07:00', '09:00'),
    raised: [D15],
    doses: { 'morning-tablets|2026-01-15': 'double' },
  },
  {
    name: 'another compartment opened as well is not a double',
    medication: [morning, evening],
    steps: [...opens(1, '07:42'), ...opens(2, '08:20')],
    raised: [],
    doses: { 'morning-tablets|2026-01-15': 'on-time' },
  },
  {
    name: 'one-lid dose: any two openings of the box',
    medication: [{ name: 'Morning tablets', at: '08:00', window: '60m' }],
    steps: [...opens(1, '07:42'), ...opens(2, '08:20')],
    raised: [D15],
    doses: { 'morning-tablets|2026-01-15': 'double' },
  },
  {
    name: "the box's lid (compartment 0) then the compartment",
    steps: [...opens(0, '07:42'), ...opens(1, '08:20')],
    raised: [D15],
    doses: { 'morning-tablets|2026-01-15': 'double' },
  },
  {
    name: 'two doses sharing a compartment and a window: one notice naming both',
    medication: [heart, { ...heart, name: 'Vitamin D' }],
    steps: opens(1, '07:42', '08:20'),
    raised: ['double-dose:heart:2026-01-15'],
    doses: { 'heart|2026-01-15': 'double', 'vitamin-d|2026-01-15': 'double' },
  },
  {
    name: 'overlapping windows in one compartment are judged apart: two openings in both are a double of each',
    medication: [heart, { ...heart, name: 'Calcium', at: '08:30' }],
    steps: opens(1, '07:40', '08:40'),
    raised: ['double-dose:heart:2026-01-15', 'double-dose:calcium:2026-01-15'],
    doses: { 'heart|2026-01-15': 'double', 'calcium|2026-01-15': 'double' },
  },
  {
    name: 'overlapping windows in one compartment: a second opening only in the later window is no double',
    medication: [heart, { ...heart, name: 'Calcium', at: '08:30' }],
    steps: opens(1, '07:10', '09:20'),
    raised: [],
    doses: { 'heart|2026-01-15': 'on-time', 'calcium|2026-01-15': 'on-time' },
  },
  {
    name: 'London autumn: two openings in the first 01:00–02:00 are a double',
    medication: [night],
    start: '2026-10-24 22:00',
    steps: [{ at: '2026-10-25T00:15:00Z', open: 1 }, { at: '2026-10-25T00:45:00Z', open: 1 }],
    raised: ['double-dose:night:2026-10-25'],
    doses: { 'night|2026-10-25': 'double' },
  },
  {
    name: 'London autumn: an opening in the repeated hour is after the window, not a double',
    medication: [night],
    start: '2026-10-24 22:00',
    steps: [{ at: '2026-10-25T00:45:00Z', open: 1 }, { at: '2026-10-25T01:15:00Z', open: 1 }],
    raised: [],
    doses: { 'night|2026-10-25': 'on-time' },
  },
];

describe('double-dose', () => {
  it.each(rows)('$name', (row) => {
    const steps: Step[] = [...row.steps, { at: row.start === undefined ? '2026-01-15 12:00' : '2026-10-25 12:00' }];
    const { world } = play(household(row.medication ?? [morning]), [missedDoseRule, doubleDoseRule], row.start ?? '2026-01-15 06:00', steps);
    expect(allKeys(world, 'double-dose')).toEqual(row.raised);
    expect(allKeys(world, 'missed-dose')).toEqual([]);
    expect(doseStatuses(world)).toEqual(row.doses);
  });

  it('raises a notice at the second opening, while the box is still in her hand', () => {
    const world = createWorld(household([morning]), instant('2026-01-15 07:00', LONDON));
    const engine = createEngine(world, [missedDoseRule, doubleDoseRule]);
    for (const t of ['2026-01-15 07:42', '2026-01-15 08:20']) {
      engine.setClock(instant(t, LONDON));
      engine.receive(pillboxOpening(instant(t, LONDON), 1));
    }
    expect(world.alerts.get(D15)).toMatchObject({
      type: 'double-dose',
      severity: 'notice',
      open: true,
      raisedAt: instant('2026-01-15 08:20', LONDON),
      title: 'Possible double dose: Morning tablets (box opened at 07:42 and 08:20)',
      details: { doses: ['Morning tablets'], date: '2026-01-15', compartment: 1 },
    });
  });

  it('is judged again at the window end from stored openings (a reading never shown to the rule)', () => {
    const world = createWorld(household([morning]), instant('2026-01-15 07:00', LONDON));
    const engine = createEngine(world, [doubleDoseRule]);
    world.readings.push(pillboxOpening(instant('2026-01-15 07:42', LONDON), 1), pillboxOpening(instant('2026-01-15 08:20', LONDON), 1));
    engine.setClock(instant('2026-01-15 08:59', LONDON));
    expect(allKeys(world, 'double-dose')).toEqual([]);
    engine.setClock(instant('2026-01-15 09:00', LONDON));
    expect(allKeys(world, 'double-dose')).toEqual([D15]);
  });
});
