import { EARLIEST_PLAUSIBLE_TIME } from '../alerts/rule-engine.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { addDays, localDate, zonedInstant } from '../core/local-time.js';
import type { PrunableTable } from '../store/retention-repo.js';
import type { SettingsRepo } from '../store/settings-repo.js';
import type { BatchedDeleter } from './batched-delete.js';
import { retentionDatasets, tablesOf, type RetentionDataset, type RetentionDays } from './retention-policy.js';

/**
 * Retention applied on a schedule (issue 5, item 8): once shortly after start (a hub that was off at
 * the quiet hour still prunes), then daily at a quiet local hour, and soon after the owner shortens a
 * period. Driven by the hub's clock: a coarse timer only asks "is it time?" (tick), so tests advance a
 * manual clock and call tick() instead of sleeping, and a clock that jumps is simply asked again.
 * Each run is logged and its counts kept in the settings table for GET /api/privacy/retention.
 */
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/**
 * 03:30 home time: after the evening's and the small hours' usual activity, before the morning doses
 * and the daily digest read the night's records; and the Pi is idle then.
 */
export const QUIET_MINUTES = 3 * 60 + 30;
/** Not at the very start: let the broker and the rules settle, and a crash loop not prune each time. */
export const START_DELAY_MS = 5 * MINUTE_MS;
const CHECK_EVERY_MS = MINUTE_MS;
const LAST_RUN_KEY = 'privacy.last-prune';

export type PruneTrigger = 'start' | 'daily' | 'retention-changed';

export interface PruneRun {
  trigger: PruneTrigger;
  startedAt: number;
  finishedAt: number;
  /** Per data type, what was older than this went: an ISO instant, or a local date for doses. */
  cutoffs: Record<RetentionDataset, string>;
  deleted: Record<PrunableTable, number>;
  /** Tables whose pruning failed this run, with why (the rest still ran). */
  failed: Partial<Record<PrunableTable, string>>;
}

export interface Pruner {
  start(): void;
  stop(): void;
  /** Runs a pruning if one is due by the clock; resolves with its report, or undefined if none was due. */
  tick(): Promise<PruneRun | undefined>;
  /** Brings the next run forward to START_DELAY_MS from now (a period was shortened). */
  soon(): void;
  nextRunAt(): number | undefined;
  lastRun(): PruneRun | undefined;
}

/** The next QUIET_MINUTES on the home's clock strictly after `now`. */
export function nextQuietTime(now: number, timezone: string): number {
  const today = localDate(now, timezone);
  const tonight = zonedInstant(today, QUIET_MINUTES, timezone);
  return tonight > now ? tonight : zonedInstant(addDays(today, 1), QUIET_MINUTES, timezone);
}

export function createPruner(deps: {
  deleter: BatchedDeleter;
  settings: SettingsRepo;
  clock: Clock;
  log: Logger;
  timezone(): string;
  retention(): RetentionDays;
}): Pruner {
  const { deleter, settings, clock, log } = deps;
  let timer: NodeJS.Timeout | undefined;
  let next: { at: number; trigger: PruneTrigger } | undefined;
  let running: Promise<PruneRun> | undefined;

  function cutoffsAt(now: number): { cutoffs: Record<RetentionDataset, string>; instants: Record<RetentionDataset, number> } {
    const days = deps.retention();
    const instants = {} as Record<RetentionDataset, number>;
    const cutoffs = {} as Record<RetentionDataset, string>;
    for (const dataset of retentionDatasets) {
      instants[dataset] = now - days[dataset] * DAY_MS;
      // Dose records are kept by the local date they were due on, not by an instant.
      cutoffs[dataset] = dataset === 'doses' ? localDate(instants[dataset], deps.timezone()) : new Date(instants[dataset]).toISOString();
    }
    return { cutoffs, instants };
  }

  async function run(trigger: PruneTrigger): Promise<PruneRun> {
    const startedAt = clock.now();
    const { cutoffs, instants } = cutoffsAt(startedAt);
    const deleted = {} as Record<PrunableTable, number>;
    const failed: Partial<Record<PrunableTable, string>> = {};
    for (const dataset of retentionDatasets) {
      for (const table of tablesOf[dataset]) {
        try {
          deleted[table] = await deleter.deleteOlder(table, dataset === 'doses' ? cutoffs.doses : instants[dataset]);
        } catch (error) {
          deleted[table] = 0;
          failed[table] = (error as Error).message;
          log.error({ table, err: error }, 'pruning failed for one table; the others still run');
        }
      }
    }
    const report: PruneRun = { trigger, startedAt, finishedAt: clock.now(), cutoffs, deleted, failed };
    try {
      settings.put(LAST_RUN_KEY, report, report.finishedAt, null);
    } catch (error) {
      log.error({ err: error }, 'could not keep the pruning report');
    }
    log.info({ trigger, deleted, failed, cutoffs }, 'retention: pruned records older than their retention period');
    return report;
  }

  function schedule(at: number, trigger: PruneTrigger): void {
    next = { at, trigger };
  }

  const pruner: Pruner = {
    start() {
      deleter.resume();
      schedule(clock.now() + START_DELAY_MS, 'start');
      timer = setInterval(() => void pruner.tick().catch((error: unknown) => log.error({ err: error }, 'pruning run failed')), CHECK_EVERY_MS);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
      next = undefined;
      deleter.stop();
    },
    async tick() {
      if (next === undefined || running !== undefined) return undefined;
      const now = clock.now();
      // A clock set back by days (a Pi without a real-time clock, corrected by NTP) must not postpone
      // pruning by as long: no run is ever more than a day and a bit away.
      if (next.at - now > DAY_MS + START_DELAY_MS) schedule(nextQuietTime(now, deps.timezone()), 'daily');
      // A Pi without a real-time clock boots in 1970 until NTP answers: wait for a believable time
      // rather than judge ages from it (the rule engine waits the same way).
      if (now < next.at || now < EARLIEST_PLAUSIBLE_TIME) return undefined;
      const trigger = next.trigger;
      schedule(nextQuietTime(now, deps.timezone()), 'daily');
      running = deleter.exclusive(() => run(trigger));
      try {
        return await running;
      } finally {
        running = undefined;
      }
    },
    soon() {
      if (next === undefined) return;
      const at = clock.now() + START_DELAY_MS;
      if (at < next.at) schedule(at, 'retention-changed');
    },
    nextRunAt: () => next?.at,
    lastRun() {
      const stored = settings.get(LAST_RUN_KEY)?.value;
      return typeof stored === 'object' && stored !== null ? (stored as PruneRun) : undefined;
    },
  };
  return pruner;
}
