import { describe, expect, it } from 'vitest';
import type { Household } from '../../src/core/household.js';
import type { Reading } from '../../src/core/readings.js';
import { creditedForDowntime, sensorSilentRule } from '../../src/rules/sensor-silent.js';
import { emptyDeviceState } from '../../src/store/device-state-repo.js';
import { allKeys, createEngine, createWorld, doorReading, healthReading, openKeys, pillboxOpening } from './medication-view.js';

const H = 3_600_000;
const M = 60_000;
const T0 = Date.parse('2026-01-15T08:00:00Z');

function household(): Household {
  return {
    home: { name: 'Test home', timezone: 'Europe/London' },
    person: { name: 'Margaret' },
    devices: [
      { id: 'front-door', name: 'Front door', kind: 'door', source: 'native', exit: true, heartbeat: '26h' },
      { id: 'back-door', name: 'Back door', kind: 'door', source: 'native' },
      { id: 'mum-phone', name: "Margaret's phone", kind: 'tracker', source: 'native', heartbeat: '30m' },
      { id: 'pillbox', name: 'Pill box', kind: 'pillbox', source: 'native', heartbeat: '2h' },
    ],
  };
}

/** At `t` (ms after T0): a message from a device, or only the clock moving. */
type Step = { t: number; hear?: Reading };

interface Row {
  name: string;
  steps: Step[];
  /** Every sensor-silent key ever raised, with the silence start as ms after T0. */
  raised: [string, number][];
  open: [string, number][];
  reasons?: string[];
}

const key = ([device, since]: [string, number]) => `sensor-silent:${device}:${T0 + since}`;
const hear = (t: number, reading: (at: number) => Reading): Step => ({ t, hear: reading(T0 + t) });
const pillbox = (at: number) => pillboxOpening(at, 1);
const door = (at: number) => doorReading(at, false);

const rows: Row[] = [
  {
    name: 'never heard from: not yet silent a millisecond before one heartbeat after it was added',
    steps: [{ t: 2 * H - 1 }],
    raised: [],
    open: [],
  },
  {
    name: 'never heard from: silent one heartbeat after it was added',
    steps: [{ t: 2 * H }],
    raised: [['pillbox', 0]],
    open: [['pillbox', 0]],
  },
  {
    name: 'silence counts from the last message',
    steps: [hear(30 * M, pillbox), { t: 2 * H + 29 * M }, { t: 2 * H + 30 * M }],
    raised: [['pillbox', 30 * M]],
    open: [['pillbox', 30 * M]],
  },
  {
    name: 'any later message resolves it: heard again',
    steps: [{ t: 2 * H }, hear(3 * H, (at) => healthReading(at, 'pillbox', { battery: 80 }))],
    raised: [['pillbox', 0]],
    open: [],
    reasons: ['heard again'],
  },
  {
    name: 'an "offline" from a last will or bridge is not hearing from it',
    steps: [{ t: 2 * H }, hear(3 * H, (at) => healthReading(at, 'pillbox', { online: false })), { t: 6 * H }],
    raised: [['pillbox', 0]],
    open: [['pillbox', 0]],
  },
  {
    name: 'after an "offline", the next real message resolves it',
    steps: [{ t: 2 * H }, hear(3 * H, (at) => healthReading(at, 'pillbox', { online: false })), hear(4 * H, pillbox)],
    raised: [['pillbox', 0]],
    open: [],
  },
  {
    name: 'a device declared offline is reported a heartbeat after the declaration',
    steps: [hear(10 * M, pillbox), hear(20 * M, (at) => healthReading(at, 'pillbox', { online: false })), { t: 2 * H + 20 * M }],
    raised: [['pillbox', 20 * M]],
    open: [['pillbox', 20 * M]],
  },
  {
    name: 'one alert per silence however often it is judged (ticks, restarts, a clock set back)',
    steps: [{ t: 2 * H }, { t: 2 * H + 1 }, { t: 2 * H + 1 }, { t: H }, { t: 5 * H }],
    raised: [['pillbox', 0]],
    open: [['pillbox', 0]],
  },
  {
    name: 'a new silence after it was heard again is a new alert',
    steps: [{ t: 2 * H }, hear(3 * H, pillbox), { t: 5 * H }],
    raised: [['pillbox', 0], ['pillbox', 3 * H]],
    open: [['pillbox', 3 * H]],
  },
  {
    name: 'a long heartbeat: the door is silent after 26 h, the pill box after 2 h each time',
    steps: [hear(0, door), { t: 3 * H }, hear(25 * H, pillbox), { t: 26 * H }],
    raised: [['pillbox', 0], ['front-door', 0]],
    open: [['front-door', 0]],
  },
  {
    name: 'a clock jump forward past the heartbeat raises at once, one alert',
    steps: [hear(0, pillbox), { t: 30 * 24 * H }, { t: 30 * 24 * H + M }],
    raised: [['front-door', 0], ['pillbox', 0]],
    open: [['front-door', 0], ['pillbox', 0]],
  },
];

describe('sensor-silent', () => {
  it.each(rows)('$name', (row) => {
    // Only the pill box and the door matter here; the door is heard from at the start unless a row says otherwise.
    const world = createWorld(household(), T0);
    const engine = createEngine(world, [sensorSilentRule]);
    if (!row.steps.some((s) => s.hear?.deviceId === 'front-door')) engine.receive(doorReading(T0, false));
    for (const step of row.steps) {
      if (step.hear !== undefined) {
        world.now = T0 + step.t;
        engine.receive(step.hear);
      }
      engine.setClock(T0 + step.t);
    }
    expect(allKeys(world, 'sensor-silent')).toEqual(row.raised.map(key));
    expect(openKeys(world, 'sensor-silent')).toEqual(row.open.map(key));
    const reasons = [...world.alerts.values()].flatMap((a) => (a.reason === undefined ? [] : [a.reason]));
    if (row.reasons !== undefined) expect(reasons).toEqual(row.reasons);
  });

  it('leaves trackers to tracker-silent and ignores devices without a heartbeat', () => {
    const world = createWorld(household(), T0);
    const engine = createEngine(world, [sensorSilentRule]);
    engine.setClock(T0 + 48 * H);
    const devices = [...world.alerts.values()].map((a) => a.deviceId);
    expect(devices).toEqual(['front-door', 'pillbox']);
  });

  it('raises a fault for installers, at the deadline, naming the device', () => {
    const world = createWorld(household(), T0);
    const engine = createEngine(world, [sensorSilentRule]);
    engine.receive(pillboxOpening(T0, 1));
    engine.setClock(T0 + 27 * H);
    expect(world.alerts.get(`sensor-silent:pillbox:${T0}`)).toMatchObject({
      type: 'sensor-silent',
      severity: 'fault',
      deviceId: 'pillbox',
      raisedAt: T0 + 2 * H,
      title: 'Pill box has sent nothing for 2h',
      details: { silentSince: T0, heartbeat: '2h', neverHeard: false },
    });
    expect(world.alerts.get(`sensor-silent:front-door:${T0}`)?.title).toBe('Front door has not been heard from since it was added');
  });

  it('resolves on a tick from stored state when the message was never shown to the rule', () => {
    const world = createWorld(household(), T0);
    const engine = createEngine(world, [sensorSilentRule]);
    engine.setClock(T0 + 3 * H);
    expect(openKeys(world, 'sensor-silent')).toEqual([`sensor-silent:pillbox:${T0}`]);
    // Committed by ingest, but the engine never called onReading (a crash in between).
    world.states.set('pillbox', { ...emptyDeviceState(9), lastSeenAt: T0 + 3 * H + 1, online: true });
    engine.setClock(T0 + 4 * H);
    expect(openKeys(world, 'sensor-silent')).toEqual([]);
  });

  it("resolves a removed device's alert, and one whose heartbeat was removed", () => {
    const world = createWorld(household(), T0);
    const engine = createEngine(world, [sensorSilentRule]);
    engine.setClock(T0 + 30 * H);
    expect(openKeys(world, 'sensor-silent')).toHaveLength(2);
    world.household = {
      ...world.household,
      devices: (world.household.devices ?? []).filter((d) => d.id !== 'pillbox').map((d) => (d.id === 'front-door' ? { ...d, heartbeat: undefined } : d)),
    };
    engine.setClock(T0 + 30 * H + M);
    expect(openKeys(world, 'sensor-silent')).toEqual([]);
    expect([...world.alerts.values()].map((a) => a.reason)).toEqual(['no longer watched', 'no longer watched']);
  });
});

describe("the hub's own downtime is not a device's silence", () => {
  const down = { from: T0 + 10 * H, to: T0 + 40 * H };
  it.each([
    ['heard before the hub stopped: the time it was down is credited', T0 + 9 * H, T0 + 39 * H],
    ['heard just as it stopped', T0 + 10 * H - 1, T0 + 40 * H - 1],
    ['heard after it started again: nothing to credit', T0 + 41 * H, T0 + 41 * H],
    ['heard at the very instant it stopped judging', T0 + 10 * H, T0 + 10 * H],
  ])('%s', (_name, lastHeard, credited) => {
    expect(creditedForDowntime(lastHeard, down)).toBe(credited);
  });

  it('with no downtime known, silence runs from the last message', () => {
    expect(creditedForDowntime(T0, undefined)).toBe(T0);
  });
});
