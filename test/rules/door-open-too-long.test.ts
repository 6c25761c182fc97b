import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Household } from '../../src/core/household.js';
import { doorOpenTooLongRule } from '../../src/rules/door-open-too-long.js';
import { createFakeView, createRuleHarness, doorReading } from './fake-view.js';
import { localAt, MINUTE, SECOND, wanderingHousehold } from './wandering-household.js';

const T = localAt('Europe/London', '2025-01-16', '10:00'); // a weekday morning: warning, not urgent
const LIMIT = 10 * MINUTE;
const key = (door: string, openedAt: number) => `door-open-too-long:${door}:${openedAt}`;

function openedAt(at: number, door = 'front-door', household: Household = wanderingHousehold()) {
  const harness = createRuleHarness(doorOpenTooLongRule, household, at);
  harness.deliver(doorReading(door, at, true));
  return harness;
}

describe('door-open-too-long: the deadline, doorAt + limit, checked against (from, to]', () => {
  it.each([
    { name: 'a millisecond before the deadline', to: T + LIMIT - 1, raises: false },
    { name: 'exactly at the deadline', to: T + LIMIT, raises: true },
    { name: 'well after it (a tick after downtime)', to: T + 3 * 3_600_000, raises: true },
  ])('$name → raises: $raises', ({ to, raises }) => {
    const harness = openedAt(T);
    const { raised } = harness.tick(to);
    expect(raised).toHaveLength(raises ? 1 : 0);
    if (raises) {
      expect(raised[0]).toEqual({
        type: 'door-open-too-long',
        key: key('front-door', T),
        severity: 'warning',
        deviceId: 'front-door',
        at: T + LIMIT,
        title: 'Front door has been open for more than 10m',
        details: { door: 'Front door', openedAt: T, openedLocal: '10:00', limit: '10m' },
      });
    }
  });

  it('ticking every second raises once, at the deadline', () => {
    const harness = openedAt(T);
    const { raised } = harness.tickThrough(T + 30 * MINUTE, SECOND);
    expect(raised.map((draft) => draft.at)).toEqual([T + LIMIT]);
    expect(harness.view.now).toBe(T + 30 * MINUTE);
  });

  it('a door closed before the deadline never raises', () => {
    const harness = openedAt(T);
    harness.tickThrough(T + 9 * MINUTE, SECOND);
    harness.deliver(doorReading('front-door', T + 10 * MINUTE - 1, false), T + 10 * MINUTE - 1);
    expect(harness.tickThrough(T + 60 * MINUTE, SECOND).raised).toEqual([]);
  });

  it('a door closed exactly at the deadline has not stayed open past it', () => {
    const harness = openedAt(T);
    harness.deliver(doorReading('front-door', T + LIMIT, false), T + LIMIT);
    expect(harness.tick(T + LIMIT).raised).toEqual([]);
  });

  it('re-derived after a restart: the same key, raised once', () => {
    // The first run ticks up to 12 minutes and raises. The hub restarts from its stored state with a
    // watermark (its last checkpoint) before the deadline, so it derives the deadline again.
    const first = createFakeView(wanderingHousehold(), T + 12 * MINUTE);
    first.commit(doorReading('front-door', T, true), T);
    const before = doorOpenTooLongRule.onTick?.(first, T + 9 * MINUTE, T + 12 * MINUTE);
    const restarted = createFakeView(wanderingHousehold(), T + 13 * MINUTE);
    restarted.commit(doorReading('front-door', T, true), T);
    const rederived = doorOpenTooLongRule.onTick?.(restarted, T + 5 * MINUTE, T + 13 * MINUTE);
    expect(before?.raise.map((d) => d.key)).toEqual([key('front-door', T)]);
    expect(rederived?.raise.map((d) => d.key)).toEqual(before?.raise.map((d) => d.key));
    expect(rederived?.raise.map((d) => d.at)).toEqual([T + LIMIT]);
    // The engine ignores a key ever raised: in one store, the second derivation adds nothing.
    first.apply(before ?? { raise: [], clear: [], doses: [] });
    expect(first.apply(rederived ?? { raise: [], clear: [], doses: [] }).raised).toEqual([]);
    expect(first.alerts).toHaveLength(1);
  });

  it('a restart in the middle of the countdown still fires on time, and once', () => {
    const harness = openedAt(T);
    harness.tickThrough(T + 5 * MINUTE, SECOND);
    // Down from 5 to 25 minutes: the first tick after the restart covers (watermark, now].
    const restarted = createRuleHarness(doorOpenTooLongRule, harness.view.household, harness.watermark, harness.view);
    expect(restarted.tick(T + 25 * MINUTE).raised.map((d) => d.at)).toEqual([T + LIMIT]);
    expect(restarted.tickThrough(T + 60 * MINUTE, SECOND).raised).toEqual([]);
  });

  it('a clock jump forward fires once; a jump back fires nothing again', () => {
    const harness = openedAt(T);
    expect(harness.tick(T + 2 * 3_600_000).raised).toHaveLength(1);
    expect(harness.tick(T + 5 * MINUTE).raised).toEqual([]); // back: the engine calls nothing
    expect(harness.tickThrough(T + 3 * 3_600_000, MINUTE).raised).toEqual([]);
    expect(harness.view.alerts).toHaveLength(1);
  });

  it('a late open reading whose deadline is already past raises at the next tick', () => {
    const harness = createRuleHarness(doorOpenTooLongRule, wanderingHousehold(), T);
    harness.tickThrough(T + 14 * MINUTE, SECOND);
    // Opened at T, heard of at T+15m: the deadline (T+10m) lies before the next tick's `from`.
    expect(harness.deliver(doorReading('front-door', T, true), T + 15 * MINUTE).raised).toEqual([]);
    expect(harness.watermark).toBe(T + 14 * MINUTE);
    const { raised } = harness.tick(T + 15 * MINUTE + SECOND);
    expect(raised.map((d) => [d.key, d.at])).toEqual([[key('front-door', T), T + LIMIT]]);
  });
});

describe('door-open-too-long: which doors, which care plan', () => {
  it.each([
    { door: 'front-door', raises: true },
    { door: 'back-door', raises: true },
    { door: 'bathroom-door', raises: false },
  ])('$door → raises: $raises', ({ door, raises }) => {
    expect(openedAt(T, door).tick(T + LIMIT).raised).toHaveLength(raises ? 1 : 0);
  });

  it('no doorOpenTooLong in the care plan → nothing', () => {
    const household = wanderingHousehold();
    delete household.rules?.doorOpenTooLong;
    expect(openedAt(T, 'front-door', household).tick(T + 5 * 3_600_000).raised).toEqual([]);
  });

  it('a shorter limit takes effect at the next tick, for a door already open', () => {
    const harness = openedAt(T);
    harness.tick(T + 4 * MINUTE);
    harness.view.household = { ...harness.view.household, rules: { ...harness.view.household.rules, doorOpenTooLong: '3m' } };
    expect(harness.tick(T + 4 * MINUTE + SECOND).raised.map((d) => d.at)).toEqual([T + 3 * MINUTE]);
  });

  it.each([
    { name: 'deadline at night (London)', tz: 'Europe/London', date: '2025-01-16', opened: '21:55', severity: 'urgent' },
    { name: 'deadline by day', tz: 'Europe/London', date: '2025-01-16', opened: '06:55', severity: 'warning' },
    { name: 'deadline 06:55 BST on the spring-forward morning', tz: 'Europe/London', date: '2025-03-30', opened: '06:45', severity: 'urgent' },
    { name: 'deadline 07:05 BST on the spring-forward morning', tz: 'Europe/London', date: '2025-03-30', opened: '06:55', severity: 'warning' },
    { name: 'deadline 06:55 EST on the fall-back morning (New York)', tz: 'America/New_York', date: '2025-11-02', opened: '06:45', severity: 'urgent' },
    { name: 'deadline 07:05 EST on the fall-back morning (New York)', tz: 'America/New_York', date: '2025-11-02', opened: '06:55', severity: 'warning' },
  ])('severity: $name → $severity', ({ tz, date, opened, severity }) => {
    const at = localAt(tz, date, opened);
    const harness = openedAt(at, 'front-door', wanderingHousehold(tz));
    expect(harness.tick(at + LIMIT).raised.map((d) => d.severity)).toEqual([severity]);
  });
});

describe('door-open-too-long: closing resolves it', () => {
  it('a close reading resolves the open alert: "door closed"', () => {
    const harness = openedAt(T);
    harness.tick(T + 12 * MINUTE);
    const { cleared } = harness.deliver(doorReading('front-door', T + 13 * MINUTE, false), T + 13 * MINUTE);
    expect(cleared).toEqual([{ key: key('front-door', T), at: T + 13 * MINUTE, reason: 'door closed' }]);
    expect(harness.open()).toEqual([]);
  });

  it("a close reading of another door resolves nothing", () => {
    const harness = openedAt(T);
    harness.tick(T + 12 * MINUTE);
    expect(harness.deliver(doorReading('back-door', T + 13 * MINUTE, false), T + 13 * MINUTE).cleared).toEqual([]);
    expect(harness.open()).toHaveLength(1);
  });

  it("a late close from before a reopening leaves the reopening's alert open", () => {
    const harness = openedAt(T);
    // Opened at T, closed at T+1m (that reading is delayed), reopened at T+2m. Until the close arrives
    // the hub has seen only "open" since T, so its countdown runs from T; the late close, older than
    // the newest report, must not clear it.
    harness.deliver(doorReading('front-door', T + 2 * MINUTE, true), T + 2 * MINUTE);
    expect(harness.tick(T + 12 * MINUTE).raised.map((d) => d.key)).toEqual([key('front-door', T)]);
    expect(harness.deliver(doorReading('front-door', T + MINUTE, false), T + 13 * MINUTE).cleared).toEqual([]);
    expect(harness.open()).toHaveLength(1);
  });

  it('a tick resolves an alert whose door state reads closed (a close evaluated by no one, say across a crash)', () => {
    const harness = openedAt(T);
    harness.tick(T + 12 * MINUTE);
    harness.view.commit(doorReading('front-door', T + 13 * MINUTE, false)); // committed, onReading never ran
    expect(harness.tick(T + 14 * MINUTE).cleared).toEqual([{ key: key('front-door', T), at: T + 13 * MINUTE, reason: 'door closed' }]);
  });

  it('opened again after closing: a new episode, a new key', () => {
    const harness = openedAt(T);
    harness.tick(T + 12 * MINUTE);
    harness.deliver(doorReading('front-door', T + 13 * MINUTE, false), T + 13 * MINUTE);
    harness.deliver(doorReading('front-door', T + 20 * MINUTE, true), T + 20 * MINUTE);
    expect(harness.tickThrough(T + 31 * MINUTE, SECOND).raised.map((d) => d.key)).toEqual([key('front-door', T + 20 * MINUTE)]);
  });

  it('one open alert per door: a re-report of "open" does not raise the same opening again', () => {
    // applyReading moves doorAt on a same-state re-report today; the open alert stands for the opening.
    const harness = openedAt(T);
    harness.tick(T + 12 * MINUTE);
    harness.deliver(doorReading('front-door', T + 15 * MINUTE, true), T + 15 * MINUTE);
    expect(harness.tickThrough(T + 60 * MINUTE, SECOND).raised).toEqual([]);
    expect(harness.open().map((a) => a.key)).toEqual([key('front-door', T)]);
  });
});

describe('door-open-too-long: properties', () => {
  it('over random openings, closings and tick cadences: one alert per opening that outlived the limit by a tick, none for shorter ones', () => {
    const step = fc.record({ gap: fc.integer({ min: 1, max: 25 * 60 }), tickEvery: fc.integer({ min: 1, max: 90 }) });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 12 }), (steps) => {
        const harness = createRuleHarness(doorOpenTooLongRule, wanderingHousehold(), T - SECOND);
        const episodes: Array<{ openedAt: number; closedAt: number }> = [];
        let at = T;
        let open = false;
        let maxGap = 0;
        for (const { gap, tickEvery } of steps) {
          open = !open;
          harness.deliver(doorReading('front-door', at, open), at);
          if (open) episodes.push({ openedAt: at, closedAt: Infinity });
          else (episodes.at(-1) as { closedAt: number }).closedAt = at;
          const next = at + gap * SECOND;
          harness.tickThrough(next - 1, tickEvery * SECOND); // every tick strictly before the next reading
          maxGap = Math.max(maxGap, tickEvery * SECOND);
          at = next;
        }
        const end = at;
        const keys = harness.view.alerts.map((a) => a.key);
        expect(new Set(keys).size).toBe(keys.length);
        for (const episode of episodes) {
          const lasted = Math.min(episode.closedAt, end - 1) - episode.openedAt;
          const raised = keys.includes(key('front-door', episode.openedAt));
          if (lasted < LIMIT) expect(raised).toBe(false);
          if (lasted >= LIMIT + maxGap + SECOND) expect(raised).toBe(true);
        }
        for (const k of keys) expect(episodes.some((e) => k === key('front-door', e.openedAt))).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});
