import { addDays, clockMinutes, localDate, weekdayOf, zonedInstant } from '../core/local-time.js';
import { weekdayName, type Weekday } from './clock-times.js';

/**
 * Who is on call at an instant (issue 6, item 2): the pure function the rota view and issue 6's
 * escalation ladder share. Shifts are in local wall time in home.timezone, so "Anna at night" is
 * 22:00–07:00 on the clock in the hall, whatever the season.
 *
 * An occurrence of a shift starts on a local date whose weekday is in `days`, at `start`, and ends at
 * `end` on that date, or on the next date when `end` is at or before `start` (past midnight; equal
 * times make a 24-hour shift). Both ends become instants with local-time.ts's "compatible" rule, so
 * across a DST change one shift's end and the next one's start are the same instant: no gap and no
 * overlap, even when the handover time is skipped (spring) or happens twice (autumn, first occurrence).
 *
 * A cover gives one occurrence (named by the date it starts) to someone else; a member who is away is
 * skipped, wherever their turn comes from. A person on call in several tiers answers in the first.
 */
export interface OnCallShift {
  id: number;
  userId: number;
  days: readonly Weekday[];
  /** "HH:MM", local. */
  start: string;
  end: string;
  /** 1 answers first; 2 is asked next, and so on. */
  tier: number;
}

export interface OnCallCover {
  shiftId: number;
  /** The local date ("YYYY-MM-DD") the covered occurrence starts on. */
  date: string;
  userId: number;
}

export interface AwaySpell {
  userId: number;
  /** Unix ms: away from `from` until (not including) `until`. */
  from: number;
  until: number;
}

export interface OnCallTier {
  tier: number;
  userIds: number[];
}

/** The instants [start, end) of the occurrence of `shift` that starts on local date `date`. */
export function shiftOccurrence(shift: Pick<OnCallShift, 'start' | 'end'>, date: string, timeZone: string): { start: number; end: number } {
  const start = clockMinutes(shift.start);
  const end = clockMinutes(shift.end);
  const endDate = end <= start ? addDays(date, 1) : date;
  return { start: zonedInstant(date, start, timeZone), end: zonedInstant(endDate, end, timeZone) };
}

export function onCallAt(
  at: number,
  timeZone: string,
  shifts: readonly OnCallShift[],
  covers: readonly OnCallCover[],
  away: readonly AwaySpell[],
): OnCallTier[] {
  const today = localDate(at, timeZone);
  // A shift lasts at most a day, so only occurrences starting yesterday or today can include `at`.
  const dates = [addDays(today, -1), today];
  const coverFor = new Map(covers.map((cover) => [`${cover.shiftId}@${cover.date}`, cover.userId]));
  const isAway = (userId: number) => away.some((spell) => spell.userId === userId && at >= spell.from && at < spell.until);

  const tierOf = new Map<number, number>();
  for (const date of dates) {
    const weekday = weekdayName(weekdayOf(date));
    for (const shift of shifts) {
      if (!shift.days.includes(weekday)) continue;
      const occurrence = shiftOccurrence(shift, date, timeZone);
      if (at < occurrence.start || at >= occurrence.end) continue;
      const userId = coverFor.get(`${shift.id}@${date}`) ?? shift.userId;
      if (isAway(userId)) continue;
      const known = tierOf.get(userId);
      if (known === undefined || shift.tier < known) tierOf.set(userId, shift.tier);
    }
  }

  const tiers = new Map<number, number[]>();
  for (const [userId, tier] of tierOf) tiers.set(tier, [...(tiers.get(tier) ?? []), userId]);
  return [...tiers.entries()].sort(([a], [b]) => a - b).map(([tier, userIds]) => ({ tier, userIds: userIds.sort((a, b) => a - b) }));
}
