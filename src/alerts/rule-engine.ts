import { nothing, type RuleOutcome } from '../core/alerts.js';
import type { Clock } from '../core/clock.js';
import type { DeviceState } from '../core/device-state.js';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../core/logger.js';
import type { Reading } from '../core/readings.js';
import type { HouseholdService } from '../household/household-service.js';
import type { Rule, RuleView } from '../rules/rule.js';
import type { Store } from '../store/store.js';
import type { AlertService } from './alert-service.js';
import { buildRuleView } from './rule-view.js';

/**
 * Runs the rules: on every committed reading (so a night exit alerts within milliseconds of its
 * commit) and on a tick that evaluates each rule's deadlines in (watermark, now].
 *
 * Why watermarks and not timers (issue 4, DESIGN.md principle 1): timers die with the process and
 * know nothing of wall-clock jumps. The watermark is stored in the same transaction as the alerts a
 * tick raised, so after a restart the next tick covers exactly what was missed; a forward jump
 * covers every deadline in between once; a backward jump leaves the watermark where it was, so
 * nothing is evaluated twice — and alert keys guard the rest.
 */
/**
 * Before this instant the wall clock is not believable: a Raspberry Pi has no real-time clock and
 * boots in 1970 (or at its last shutdown) until NTP answers. Judging deadlines then would set a
 * watermark in the past and, once NTP corrects the clock, declare a week of doses missed.
 */
export const EARLIEST_PLAUSIBLE_TIME = Date.UTC(2026, 0, 1);

export interface RuleEngine {
  onReadings(readings: readonly Reading[]): void;
  tick(): void;
  /** Ticks run so far (exposed in /metrics, so a test or a monitor can see the engine is alive). */
  ticks(): number;
  /** The earliest instant every rule has judged its deadlines up to; undefined before the first tick. */
  evaluatedUntil(): number | undefined;
  /** After an import: new devices' join times, and a removed device's alerts resolve. */
  householdChanged(): void;
  /** Starts ticking every `everyMs` (1 s by default): deadlines fire within a second of passing. */
  start(everyMs?: number): void;
  stop(): void;
}

export function createRuleEngine(options: {
  rules: readonly Rule[];
  store: Store;
  household: HouseholdService;
  states: () => ReadonlyMap<number, DeviceState>;
  alerts: AlertService;
  clock: Clock;
  log: Logger;
}): RuleEngine {
  const { rules, store, household, alerts, clock, log } = options;
  let timer: NodeJS.Timeout | undefined;
  let ticks = 0;
  const addedAt = new Map<string, number>();
  const refreshAddedAt = () => {
    addedAt.clear();
    for (const row of store.devices.all()) addedAt.set(row.id, row.addedAt);
  };
  refreshAddedAt();

  // Set at the first tick with a believable clock: from the earliest stored watermark (where the
  // previous run stopped judging, a minute stale at most) to now.
  let hubDowntime: { from: number; to: number } | undefined;

  function view(now: number): RuleView {
    return buildRuleView({ now, household: household.view(), store, alerts, states: options.states(), addedAt: (id) => addedAt.get(id), hubDowntime });
  }

  /** One rule's answer, or nothing: a rule that throws must not stop the others from seeing the event. */
  function ask(rule: Rule, question: string, run: () => RuleOutcome | undefined): RuleOutcome | undefined {
    try {
      return run() ?? nothing();
    } catch (error) {
      log.error({ rule: rule.id, question, err: error }, 'rule failed');
      return undefined;
    }
  }

  /** Stores an outcome (its own small transaction, only when it changes something) and announces it. */
  function commit(outcome: RuleOutcome): boolean {
    try {
      alerts.commit(outcome);
      return true;
    } catch (error) {
      // Nothing was stored; the next tick (or the next reading) will derive the same conditions again.
      log.error({ err: error }, 'could not store rule outcomes; will retry');
      return false;
    }
  }

  // Watermarks live in memory and reach the database every minute, or at once when a tick raised or
  // cleared something. A restart may so re-judge up to a minute of deadlines: alert keys make that
  // harmless, and it spares an SD card a write every second.
  const watermarks = new Map<string, number>();
  let persistedAt = -Infinity;
  const PERSIST_EVERY_MS = 60_000;

  function watermarkOf(ruleId: string): number | undefined {
    if (!watermarks.has(ruleId)) {
      const stored = store.ruleState.watermark(ruleId);
      if (stored !== undefined) watermarks.set(ruleId, stored);
    }
    return watermarks.get(ruleId);
  }

  function persistWatermarks(): void {
    try {
      store.transaction(() => {
        for (const [ruleId, at] of watermarks) store.ruleState.advance(ruleId, at);
      });
      persistedAt = performance.now();
    } catch (error) {
      // Retried a minute later, not at every tick: a full disk (issue 10) would log this every second.
      persistedAt = performance.now();
      log.error({ err: error }, 'could not store rule watermarks; will retry');
    }
  }

  return {
    onReadings(readings) {
      if (readings.length === 0) return;
      const current = view(clock.now());
      for (const reading of presented(readings)) {
        for (const rule of rules) {
          if (rule.onReading === undefined) continue;
          const outcome = ask(rule, 'reading', () => rule.onReading?.(current, reading));
          if (outcome !== undefined) commit(outcome);
        }
      }
    },

    /** The earliest point up to which every rule has judged its deadlines (for /metrics and tests). */
    evaluatedUntil: () => {
      const ids = rules.filter((r) => r.onTick !== undefined).map((r) => watermarkOf(r.id));
      return ids.some((w) => w === undefined) ? undefined : Math.min(...(ids as number[]));
    },

    ticks: () => ticks,

    tick() {
      ticks++;
      const now = clock.now();
      if (now < EARLIEST_PLAUSIBLE_TIME) {
        if (ticks === 1 || ticks % 60 === 0) log.warn({ now: new Date(now).toISOString() }, 'the clock is not set yet: deadlines wait for it');
        return;
      }
      if (hubDowntime === undefined) {
        const stored = rules.filter((r) => r.onTick !== undefined).map((r) => watermarkOf(r.id)).filter((w): w is number => w !== undefined);
        const from = stored.length > 0 ? Math.min(...stored) : now;
        hubDowntime = { from: Math.min(from, now), to: now };
      }
      const current = view(now);
      let changed = false;
      for (const rule of rules) {
        if (rule.onTick === undefined) continue;
        const from = watermarkOf(rule.id);
        if (from === undefined) {
          // A new rule (or a new hub) starts from now: it does not replay a history it never watched.
          watermarks.set(rule.id, now);
          changed = true;
          continue;
        }
        // A clock that stepped back judges nothing until it passes the watermark again.
        if (now <= from) continue;
        const outcome = ask(rule, 'tick', () => rule.onTick?.(current, from, now));
        if (outcome === undefined || !commit(outcome)) continue;
        if (outcome.raise.length > 0 || outcome.clear.length > 0 || outcome.doses.length > 0) changed = true;
        watermarks.set(rule.id, now);
      }
      if (changed || performance.now() - persistedAt >= PERSIST_EVERY_MS) persistWatermarks();
    },

    householdChanged() {
      refreshAddedAt();
      try {
        alerts.resolveForRemovedDevices(new Set(household.view().devicesById.keys()), clock.now());
      } catch (error) {
        log.error({ err: error }, 'could not resolve the alerts of removed devices');
      }
    },

    start(everyMs = 1000) {
      refreshAddedAt();
      this.tick();
      timer = setInterval(() => this.tick(), everyMs);
      timer.unref();
    },

    stop() {
      clearInterval(timer);
      persistWatermarks();
    },
  };
}

/**
 * The readings a batch presents to the rules. Every door and pill-box reading counts (each opening is
 * an event), but of a device's fixes and health reports in one batch only the newest: the zone rules
 * judge from stored fixes, and battery or "heard from" is the latest that matters. Under a burst this
 * turns thousands of evaluations into one per device.
 */
export function presented(readings: readonly Reading[]): Reading[] {
  const newest = new Map<string, Reading>();
  for (const reading of readings) {
    if (reading.kind !== 'position' && reading.kind !== 'health') continue;
    const key = `${reading.kind}:${reading.deviceId}`;
    const seen = newest.get(key);
    if (seen === undefined || reading.at >= seen.at) newest.set(key, reading);
  }
  return readings.filter((r) => (r.kind !== 'position' && r.kind !== 'health') || newest.get(`${r.kind}:${r.deviceId}`) === r);
}
