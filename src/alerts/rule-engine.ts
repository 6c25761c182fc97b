import { nothing, type RuleOutcome } from '../core/alerts.js';
import type { Clock } from '../core/clock.js';
import type { DeviceState } from '../core/device-state.js';
import type { Logger } from '../core/logger.js';
import type { Reading } from '../core/readings.js';
import type { HouseholdService } from '../household/household-service.js';
import type { Rule, RuleView } from '../rules/rule.js';
import type { AlertRow } from '../store/alerts-repo.js';
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

  function view(now: number): RuleView {
    return buildRuleView({ now, household: household.view(), store, states: options.states(), addedAt: (id) => addedAt.get(id) });
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

  function runInTransaction(work: (collect: (changes: { raised: AlertRow[]; resolved: AlertRow[] }) => void) => void): void {
    const all = { raised: [] as AlertRow[], resolved: [] as AlertRow[] };
    try {
      store.transaction(() =>
        work((changes) => {
          all.raised.push(...changes.raised);
          all.resolved.push(...changes.resolved);
        }),
      );
    } catch (error) {
      // Nothing was stored; the next tick (or the next reading) will derive the same conditions again.
      log.error({ err: error }, 'could not store rule outcomes; will retry');
      return;
    }
    alerts.announce(all);
  }

  return {
    onReadings(readings) {
      if (readings.length === 0) return;
      const current = view(clock.now());
      runInTransaction((collect) => {
        for (const reading of readings) {
          for (const rule of rules) {
            if (rule.onReading === undefined) continue;
            const outcome = ask(rule, 'reading', () => rule.onReading?.(current, reading));
            if (outcome !== undefined) collect(alerts.apply(outcome));
          }
        }
      });
    },

    ticks: () => ticks,

    tick() {
      ticks++;
      const now = clock.now();
      if (now < EARLIEST_PLAUSIBLE_TIME) {
        if (ticks === 1 || ticks % 60 === 0) log.warn({ now: new Date(now).toISOString() }, 'the clock is not set yet: deadlines wait for it');
        return;
      }
      const current = view(now);
      runInTransaction((collect) => {
        for (const rule of rules) {
          if (rule.onTick === undefined) continue;
          const from = store.ruleState.watermark(rule.id);
          if (from === undefined) {
            // A new rule (or a new hub) starts from now: it does not replay a history it never watched.
            store.ruleState.advance(rule.id, now);
            continue;
          }
          if (now <= from) continue;
          const outcome = ask(rule, 'tick', () => rule.onTick?.(current, from, now));
          if (outcome === undefined) continue;
          collect(alerts.apply(outcome));
          store.ruleState.advance(rule.id, now);
        }
      });
    },

    householdChanged() {
      refreshAddedAt();
      const ids = new Set(household.view().devicesById.keys());
      runInTransaction((collect) => collect(alerts.resolveForRemovedDevices(ids, clock.now())));
    },

    start(everyMs = 1000) {
      refreshAddedAt();
      this.tick();
      timer = setInterval(() => this.tick(), everyMs);
      timer.unref();
    },

    stop() {
      clearInterval(timer);
    },
  };
}
