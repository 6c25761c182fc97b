import { describe, expect, it } from 'vitest';
import type { Household } from '../../src/core/household.js';
import type { Reading } from '../../src/core/readings.js';
import { inactivityRule } from '../../src/rules/inactivity.js';
import { allKeys, createEngine, createWorld, doorReading, instant, openKeys, pillboxOpening } from './medication-view.js';

const LONDON = 'Europe/London';
const NEW_YORK = 'America/New_York';

function household(inactivity: { by: string; since?: string } | undefined, timezone = LONDON): Household {
  return {
    home: { name: 'Test home', timezone },
    person: { name: 'Margaret' },
    devices: [
      { id: 'front-door', name: 'Front door', kind: 'door', source: 'native', exit: true },
      { id: 'pillbox', name: 'Pill box', kind: 'pillbox', source: 'native' },
    ],
    rules: inactivity === undefined ? {} : { inactivity },
  };
}

/** The clock reaches `at`; with `event`, that reading (stamped `stamped`, else `at`) is committed first. */
type Step = { at: string; event?: 'door-open' | 'door-close' | 'pillbox-open'; stamped?: string };

interface Row {
  name: string;
  timezone?: string;
  inactivity?: { by: string; since?: string };
  start: string;
  steps: Step[];
  raised: string[];
  open?: string[];
  /** Instant each raised alert carries, as local or ISO text. */
  raisedAt?: string[];
  reasons?: string[];
}

const byTen = { by: '10:00' };

const rows: Row[] = [
  { name: 'no opening by 10:00: a warning at 10:00', inactivity: byTen, start: '2026-01-15 06:00', steps: [{ at: '2026-01-15 10:30' }], raised: ['inactivity:2026-01-15'], raisedAt: ['2026-01-15 10:00'] },
  { name: 'not before 10:00', inactivity: byTen, start: '2026-01-15 06:00', steps: [{ at: '2026-01-15 09:59:59.999' }], raised: [] },
  { name: 'a door opening in the morning', inactivity: byTen, start: '2026-01-15 06:00', steps: [{ at: '2026-01-15 07:00', event: 'door-open' }, { at: '2026-01-15 11:00' }], raised: [] },
  { name: 'a pill-box opening counts too', inactivity: byTen, start: '2026-01-15 06:00', steps: [{ at: '2026-01-15 07:00', event: 'pillbox-open' }, { at: '2026-01-15 11:00' }], raised: [] },
  { name: 'an opening exactly at 10:00 counts', inactivity: byTen, start: '2026-01-15 06:00', steps: [{ at: '2026-01-15 10:00', event: 'door-open' }, { at: '2026-01-15 11:00' }], raised: [] },
  { name: 'an opening exactly at `since` counts', inactivity: { by: '10:00', since: '06:00' }, start: '2026-01-15 05:00', steps: [{ at: '2026-01-15 06:00', event: 'door-open' }, { at: '2026-01-15 11:00' }], raised: [] },
  { name: 'an opening before `since` does not', inactivity: { by: '10:00', since: '06:00' }, start: '2026-01-15 05:00', steps: [{ at: '2026-01-15 05:59', event: 'door-open' }, { at: '2026-01-15 11:00' }], raised: ['inactivity:2026-01-15'] },
  { name: 'a door closing is not activity', inactivity: byTen, start: '2026-01-15 06:00', steps: [{ at: '2026-01-15 08:00', event: 'door-close' }, { at: '2026-01-15 11:00' }], raised: ['inactivity:2026-01-15'] },
  {
    name: 'an opening later that day resolves it',
    inactivity: byTen,
    start: '2026-01-15 06:00',
    steps: [{ at: '2026-01-15 10:30' }, { at: '2026-01-15 11:30', event: 'door-open' }],
    raised: ['inactivity:2026-01-15'],
    open: [],
    reasons: ['a door opened at 11:30'],
  },
  {
    name: 'an opening the next day does not resolve it (and passes the next check)',
    inactivity: byTen,
    start: '2026-01-15 06:00',
    steps: [{ at: '2026-01-15 10:30' }, { at: '2026-01-16 07:00', event: 'door-open' }, { at: '2026-01-16 11:00' }],
    raised: ['inactivity:2026-01-15'],
  },
  {
    name: '`since` after `by` starts the evening before',
    inactivity: { by: '10:00', since: '22:00' },
    start: '2026-01-14 20:00',
    steps: [{ at: '2026-01-14 23:00', event: 'door-open' }, { at: '2026-01-15 11:00' }],
    raised: [],
  },
  {
    name: 'a clock jump over days judges each date once',
    inactivity: byTen,
    start: '2026-01-15 06:00',
    steps: [{ at: '2026-01-18 12:00' }, { at: '2026-01-18 12:00:01' }, { at: '2026-01-16 00:00' }, { at: '2026-01-18 13:00' }],
    raised: ['inactivity:2026-01-15', 'inactivity:2026-01-16', 'inactivity:2026-01-17', 'inactivity:2026-01-18'],
  },
  {
    name: 'judged late (hub down) with activity later that day already stored: nothing',
    inactivity: byTen,
    start: '2026-01-15 09:00',
    steps: [{ at: '2026-01-15 12:00', event: 'door-open', stamped: '2026-01-15 11:00' }],
    raised: [],
  },
  { name: 'no inactivity in the care plan: nothing', start: '2026-01-15 06:00', steps: [{ at: '2026-01-17 12:00' }], raised: [] },
  {
    name: 'London autumn: a check at 01:30 happens once, at the first 01:30',
    inactivity: { by: '01:30' },
    start: '2026-10-24 22:00',
    steps: [{ at: '2026-10-25T00:29:00Z' }, { at: '2026-10-25T00:30:00Z' }, { at: '2026-10-25T01:30:00Z' }, { at: '2026-10-25T03:00:00Z' }],
    raised: ['inactivity:2026-10-25'],
    raisedAt: ['2026-10-25T00:30:00Z'],
  },
  {
    name: 'London spring: a check at 01:30 moves to 02:30 BST',
    inactivity: { by: '01:30' },
    start: '2026-03-28 22:00',
    steps: [{ at: '2026-03-29T01:29:00Z' }, { at: '2026-03-29T01:30:00Z' }],
    raised: ['inactivity:2026-03-29'],
    raisedAt: ['2026-03-29T01:30:00Z'],
  },
  {
    name: 'New York spring: a check at 02:30 moves to 03:30 EDT',
    timezone: NEW_YORK,
    inactivity: { by: '02:30' },
    start: '2026-03-07 22:00',
    steps: [{ at: '2026-03-08T07:29:00Z' }, { at: '2026-03-08T07:30:00Z' }],
    raised: ['inactivity:2026-03-08'],
    raisedAt: ['2026-03-08T07:30:00Z'],
  },
  {
    name: 'New York autumn: a check at 01:30 happens once, at the first (EDT)',
    timezone: NEW_YORK,
    inactivity: { by: '01:30' },
    start: '2026-10-31 22:00',
    steps: [{ at: '2026-11-01T05:30:00Z' }, { at: '2026-11-01T06:30:00Z' }, { at: '2026-11-01T12:00:00Z' }],
    raised: ['inactivity:2026-11-01'],
    raisedAt: ['2026-11-01T05:30:00Z'],
  },
];

function reading(event: NonNullable<Step['event']>, at: number): Reading {
  if (event === 'pillbox-open') return pillboxOpening(at);
  return doorReading(at, event === 'door-open');
}

describe('inactivity', () => {
  it.each(rows)('$name', (row) => {
    const timezone = row.timezone ?? LONDON;
    const world = createWorld(household(row.inactivity, timezone), instant(row.start, timezone));
    const engine = createEngine(world, [inactivityRule]);
    for (const step of row.steps) {
      const now = instant(step.at, timezone);
      if (step.event !== undefined) {
        world.now = now;
        engine.receive(reading(step.event, step.stamped === undefined ? now : instant(step.stamped, timezone)));
      }
      engine.setClock(now);
    }
    expect(allKeys(world, 'inactivity')).toEqual(row.raised);
    expect(openKeys(world, 'inactivity')).toEqual(row.open ?? row.raised);
    if (row.raisedAt !== undefined) expect([...world.alerts.values()].map((a) => a.raisedAt)).toEqual(row.raisedAt.map((t) => instant(t, timezone)));
    if (row.reasons !== undefined) expect([...world.alerts.values()].map((a) => a.reason)).toEqual(row.reasons);
  });

  it('a warning in plain words', () => {
    const world = createWorld(household({ by: '10:00', since: '06:00' }), instant('2026-01-15 06:00', LONDON));
    createEngine(world, [inactivityRule]).setClock(instant('2026-01-15 10:00', LONDON));
    expect(world.alerts.get('inactivity:2026-01-15')).toMatchObject({ severity: 'warning', title: 'No door or pill-box opening between 06:00 and 10:00' });
  });

  it('resolves on a tick from stored readings when the opening was never shown to the rule', () => {
    const world = createWorld(household(byTen), instant('2026-01-15 06:00', LONDON));
    const engine = createEngine(world, [inactivityRule]);
    engine.setClock(instant('2026-01-15 10:30', LONDON));
    world.readings.push(doorReading(instant('2026-01-15 10:40', LONDON), true));
    engine.setClock(instant('2026-01-15 10:45', LONDON));
    expect(openKeys(world, 'inactivity')).toEqual([]);
  });
});
