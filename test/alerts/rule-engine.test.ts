import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createAlertService } from '../../src/alerts/alert-service.js';
import { createRuleEngine, presented } from '../../src/alerts/rule-engine.js';
import { defaultConfig } from '../../src/config.js';
import { nothing, type AlertJson } from '../../src/core/alerts.js';
import { createManualClock } from '../../src/core/clock.js';
import { createEventBus } from '../../src/core/event-bus.js';
import type { Logger } from '../../src/core/logger.js';
import { createMetricsRegistry } from '../../src/core/metrics.js';
import { openHome } from '../../src/hub.js';
import type { Rule } from '../../src/rules/rule.js';
import { testHousehold } from '../support/households.js';
import { recordingLogger } from '../support/recording-logger.js';
import { testDataDir } from '../support/test-hub.js';

const HOUR = 3_600_000;
const START = Date.UTC(2026, 0, 15, 0, 0, 0);

/** A rule with a deadline every hour on the hour: each one passed raises its own alert, keyed by the hour. */
const hourly: Rule = {
  id: 'hourly',
  onTick(view, from, to) {
    const outcome = nothing();
    for (let h = Math.floor(from / HOUR) + 1; h * HOUR <= to; h++) {
      outcome.raise.push({ type: 'inactivity', key: `hourly:${h}`, severity: 'notice', at: h * HOUR, title: `hour ${h}`, details: {} });
    }
    return outcome;
  },
};

function setUp(rules: Rule[], dataDir = testDataDir(), log: Logger = pino({ level: 'silent' })) {
  const clock = createManualClock(START);
  const bus = createEventBus((_o, _e, error) => {
    throw error;
  });
  const home = openHome({ ...defaultConfig(), dataDir }, clock, bus);
  home.household.import(testHousehold());
  const changes: AlertJson[] = [];
  bus.on('alertChanged', 'test', ({ alert }) => changes.push(alert));
  const metrics = createMetricsRegistry();
  const alerts = createAlertService({ store: home.store, bus, log: pino({ level: 'silent' }), alertsTotal: metrics.counter('homeward_alerts_total', 'x') });
  const engine = createRuleEngine({ rules, store: home.store, household: home.household, states: () => new Map(), alerts, clock, log });
  return { clock, home, engine, changes, metrics, dataDir };
}

describe('rule engine', () => {
  it('starts a new rule from now: it does not replay history it never watched', () => {
    const { engine, home } = setUp([hourly]);
    engine.tick();
    expect(home.store.alerts.open()).toEqual([]);
    home.close();
  });

  it('fires each deadline that passed once, across a forward clock jump', () => {
    const { engine, clock, home, changes } = setUp([hourly]);
    engine.tick();
    clock.advance(5 * HOUR + 1);
    engine.tick();
    const firstHour = Math.floor(START / HOUR);
    expect(home.store.alerts.open().map((a) => a.key)).toEqual([1, 2, 3, 4, 5].map((n) => `hourly:${firstHour + n}`));
    engine.tick();
    expect(changes).toHaveLength(5);
    home.close();
  });

  it('fires nothing twice when the clock steps back and comes forward again', () => {
    const { engine, clock, home, changes } = setUp([hourly]);
    engine.tick();
    clock.advance(3 * HOUR);
    engine.tick();
    expect(changes).toHaveLength(3);
    clock.advance(-2.5 * HOUR);
    engine.tick();
    clock.advance(2.5 * HOUR);
    engine.tick();
    expect(changes).toHaveLength(3);
    clock.advance(HOUR);
    engine.tick();
    expect(changes).toHaveLength(4);
    home.close();
  });

  it('after a restart, catches up the deadlines missed while down, once', () => {
    const first = setUp([hourly]);
    first.engine.tick();
    first.clock.advance(HOUR);
    first.engine.tick();
    expect(first.changes).toHaveLength(1);
    first.home.close();

    const second = setUp([hourly], first.dataDir);
    second.clock.set(START + 4 * HOUR);
    second.engine.tick();
    expect(second.changes.map((a) => a.title)).toEqual([2, 3, 4].map((n) => `hour ${Math.floor(START / HOUR) + n}`));
    expect(second.home.store.alerts.open()).toHaveLength(4);
    second.home.close();
  });

  it('tells rules how long the hub was down: from where it stopped judging to its first tick after', () => {
    const seen: ({ from: number; to: number } | undefined)[] = [];
    const watcher: Rule = { id: 'watcher', onTick: (view) => (seen.push(view.hubDowntime), nothing()) };
    const first = setUp([watcher]);
    first.engine.tick();
    first.clock.advance(HOUR);
    first.engine.tick();
    first.engine.stop(); // persists the watermark, as a clean stop does
    first.home.close();
    // A new hub has no stored watermark: no downtime to speak of (its first tick only sets the watermark).
    expect(seen).toEqual([{ from: START, to: START }]);

    const second = setUp([watcher], first.dataDir);
    second.clock.set(START + 30 * HOUR);
    second.engine.tick();
    second.clock.advance(HOUR);
    second.engine.tick();
    // Fixed at the first tick after the start; later ticks see the same stretch.
    expect(seen.slice(1)).toEqual([
      { from: START + HOUR, to: START + 30 * HOUR },
      { from: START + HOUR, to: START + 30 * HOUR },
    ]);
    second.home.close();
  });

  it('keeps one alert per key even when a rule raises it again, and resolves it by key', () => {
    const sticky: Rule = {
      id: 'sticky',
      onReading: (view, reading) => {
        const outcome = nothing();
        if (reading.kind === 'door' && reading.open) outcome.raise.push({ type: 'door-open-too-long', key: `sticky:${reading.deviceId}`, severity: 'warning', deviceId: reading.deviceId, at: view.now, title: 'open', details: {} });
        if (reading.kind === 'door' && !reading.open) outcome.clear.push({ key: `sticky:${reading.deviceId}`, at: view.now, reason: 'door closed' });
        return outcome;
      },
    };
    const { engine, home, changes, metrics } = setUp([sticky]);
    const open = { kind: 'door' as const, deviceId: 'front-door', at: START, atFromDevice: false, open: true };
    engine.onReadings([open, open]);
    engine.onReadings([open]);
    expect(home.store.alerts.open()).toHaveLength(1);
    engine.onReadings([{ ...open, open: false }]);
    expect(home.store.alerts.open()).toHaveLength(0);
    expect(changes.map((c) => c.status)).toEqual(['open', 'resolved']);
    expect(changes[1]?.resolution).toBe('door closed');
    expect(metrics.render()).toContain('homeward_alerts_total{type="door-open-too-long"} 1');
    // Resolved is not forgotten: the same key is never raised again.
    engine.onReadings([open]);
    expect(home.store.alerts.open()).toHaveLength(0);
    home.close();
  });

  it('groups wandering alerts within an hour into one incident, and starts a new one after', () => {
    const raiseAt: Rule = {
      id: 'raise',
      onReading: (_view, reading) => {
        const outcome = nothing();
        const type = reading.deviceId === 'front-door' ? 'night-exit' : 'left-safe-zone';
        outcome.raise.push({ type, key: `${type}:${reading.at}`, severity: 'urgent', at: reading.at, title: type, details: {} });
        return outcome;
      },
    };
    const { engine, home } = setUp([raiseAt]);
    const door = (at: number) => ({ kind: 'door' as const, deviceId: 'front-door', at, atFromDevice: false, open: true });
    const fix = (at: number) => ({ kind: 'position' as const, deviceId: 'mum-phone', at, atFromDevice: false, lat: 1, lon: 1 });
    engine.onReadings([door(START), fix(START + 20 * 60_000)]);
    engine.onReadings([fix(START + 3 * HOUR)]);
    const incidents = home.store.alerts.open().map((a) => a.incidentId);
    expect(incidents[0]).toBe(incidents[1]);
    expect(incidents[2]).not.toBe(incidents[0]);
    home.close();
  });

  it('a rule that throws does not stop the others', () => {
    const broken: Rule = { id: 'broken', onTick: () => { throw new Error('bug'); } };
    const { engine, clock, home } = setUp([broken, hourly]);
    engine.tick();
    clock.advance(HOUR);
    engine.tick();
    expect(home.store.alerts.open()).toHaveLength(1);
    home.close();
  });

  it('retries storing watermarks a minute later, not at every tick, when the database refuses writes (a full disk, issue 10)', () => {
    const errors: string[] = [];
    const { engine, home } = setUp([hourly], testDataDir(), recordingLogger((level, msg) => level === 'error' && errors.push(msg ?? '')));
    home.store.db.pragma('query_only = ON');
    for (let i = 0; i < 10; i++) engine.tick();
    expect(errors).toEqual(['could not store rule watermarks; will retry']);
    home.store.db.pragma('query_only = OFF');
    home.close();
  });

  it("resolves a removed device's alerts", () => {
    const perDevice: Rule = {
      id: 'per-device',
      onReading: (view, reading) => ({ ...nothing(), raise: [{ type: 'low-battery', key: `lb:${reading.deviceId}`, severity: 'notice', deviceId: reading.deviceId, at: view.now, title: 'low', details: {} }] }),
    };
    const { engine, home } = setUp([perDevice]);
    engine.onReadings([{ kind: 'health', deviceId: 'back-door', at: START, atFromDevice: false, battery: 5 }]);
    const household = home.household.export();
    home.household.import({ ...household, devices: household.devices?.filter((d) => d.id !== 'back-door') });
    engine.householdChanged();
    expect(home.store.alerts.byKey('lb:back-door')).toMatchObject({ status: 'resolved', resolution: 'device removed from the household' });
    home.close();
  });

  it('judges no deadline while the clock is not set (a Pi booting in 1970), and sets no watermark then', () => {
    const { engine, clock, home, changes } = setUp([hourly]);
    clock.set(Date.UTC(1970, 0, 1, 0, 0, 5));
    engine.tick();
    expect(home.store.ruleState.watermark('hourly')).toBeUndefined();
    // NTP answers: the first believable tick starts the watermark, nothing from 1970 onwards is "missed".
    clock.set(START);
    engine.tick();
    clock.advance(HOUR);
    engine.tick();
    expect(changes).toHaveLength(1);
    home.close();
  });

  it('presents every door and pill-box reading, but of fixes and health only each device\'s newest in a batch', () => {
    const fix = (deviceId: string, at: number) => ({ kind: 'position' as const, deviceId, at, atFromDevice: false, lat: 1, lon: 1 });
    const door = (at: number, open: boolean) => ({ kind: 'door' as const, deviceId: 'front-door', at, atFromDevice: false, open });
    const batch = [fix('a', 3), door(1, true), fix('a', 5), fix('b', 2), door(2, false), fix('a', 4)];
    expect(presented(batch)).toEqual([door(1, true), fix('a', 5), fix('b', 2), door(2, false)]);
  });
});
