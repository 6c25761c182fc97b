import { nothing, type RuleOutcome } from '../core/alerts.js';
import { addDays, clockMinutes, localClock, localDate, zonedInstant } from '../core/local-time.js';
import type { Reading } from '../core/readings.js';
import type { Rule, RuleView } from './rule.js';

/**
 * Inactivity (issue 4; rules.inactivity in household.ts): the "fridge not opened by 10" check. No door
 * or pill-box opening between `since` (default 00:00) and `by` on a local date → warning at `by`,
 * key `inactivity:<date>`; an opening later that local day resolves it.
 *
 * The period is [since, by], both in home.timezone on the same date; a `since` at or after `by`
 * (22:00 → 10:00) starts the evening before, so an equal pair means the whole day before `by`.
 * DST follows zonedInstant (local-time.ts): a `by` inside the spring gap moves forward by the gap,
 * a `by` that happens twice is the first.
 *
 * Exactly once (DESIGN.md principle 1): the deadline `by` is judged by the one tick whose (from, to]
 * holds it, and no more than a week back (as dose-schedule.ts, DEADLINE_LOOKBACK_MS: a Pi whose clock
 * jumps from 1970 must not walk 20,000 dates). A deadline judged late — the hub was down or the clock
 * jumped — raises nothing if activity later that day is already stored: she is up and about.
 */

const TYPE = 'inactivity';
const DAY_MS = 86_400_000;
const LOOKBACK_MS = 7 * DAY_MS;

export function inactivityKey(date: string): string {
  return `${TYPE}:${date}`;
}

interface Period {
  date: string;
  since: number;
  by: number;
  /** Local midnight ending the date: "later that day" runs to here. */
  dayEnd: number;
}

function periodOn(date: string, since: string, by: string, timezone: string): Period {
  const sinceMinutes = clockMinutes(since);
  const byMinutes = clockMinutes(by);
  const sinceDate = sinceMinutes < byMinutes ? date : addDays(date, -1);
  return {
    date,
    since: zonedInstant(sinceDate, sinceMinutes, timezone),
    by: zonedInstant(date, byMinutes, timezone),
    dayEnd: zonedInstant(addDays(date, 1), 0, timezone),
  };
}

function isOpening(reading: Reading): boolean {
  return (reading.kind === 'door' || reading.kind === 'pillbox') && reading.open;
}

function numberDetail(details: Record<string, unknown>, name: string): number | undefined {
  const value = details[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export const inactivityRule: Rule = {
  id: TYPE,

  onReading(view: RuleView, reading: Reading): RuleOutcome {
    const outcome = nothing();
    if (!isOpening(reading)) return outcome;
    for (const alert of view.openAlerts(TYPE)) {
      const by = numberDetail(alert.details, 'by');
      const dayEnd = numberDetail(alert.details, 'dayEnd');
      if (by === undefined || dayEnd === undefined || reading.at <= by || reading.at >= dayEnd) continue;
      outcome.clear.push({ key: alert.key, at: view.now, reason: `${reading.kind === 'door' ? 'a door' : 'the pill box'} opened at ${localClock(reading.at, view.timezone)}` });
    }
    return outcome;
  },

  onTick(view: RuleView, from: number, to: number): RuleOutcome {
    const outcome = nothing();
    const config = view.household.rules?.inactivity;
    if (config !== undefined && to > from) {
      const since = config.since ?? '00:00';
      const lower = Math.max(from, to - LOOKBACK_MS);
      const last = addDays(localDate(to, view.timezone), 1);
      for (let date = addDays(localDate(lower, view.timezone), -1); date <= last; date = addDays(date, 1)) {
        const period = periodOn(date, since, config.by, view.timezone);
        if (period.by <= lower || period.by > to) continue;
        if (view.activityCount(period.since, period.by + 1) > 0) continue;
        if (view.activityCount(period.by + 1, period.dayEnd) > 0) continue;
        outcome.raise.push({
          type: TYPE,
          key: inactivityKey(date),
          severity: 'warning',
          at: period.by,
          title: `No door or pill-box opening between ${since} and ${config.by}`,
          details: { date, since: period.since, by: period.by, dayEnd: period.dayEnd },
        });
      }
    }
    // An opening the engine committed without showing us (a crash in between) still resolves it.
    for (const alert of view.openAlerts(TYPE)) {
      const by = numberDetail(alert.details, 'by');
      const dayEnd = numberDetail(alert.details, 'dayEnd');
      if (by === undefined || dayEnd === undefined) continue;
      if (view.activityCount(by + 1, dayEnd) > 0) outcome.clear.push({ key: alert.key, at: view.now, reason: 'activity later that day' });
    }
    return outcome;
  },
};
