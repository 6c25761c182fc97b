import type { Household } from '../core/household.js';
import { clockMinutes, inDailyWindow, localClock, localDate, localMinutes } from '../core/local-time.js';

/** The night window as minutes since local midnight; it may span midnight. */
export interface NightWindow {
  start: number;
  end: number;
}

/** rules.night, or undefined when the care plan names no night (night-exit is then off). */
export function nightWindow(household: Household): NightWindow | undefined {
  const night = household.rules?.night;
  if (night === undefined) return undefined;
  return { start: clockMinutes(night.start), end: clockMinutes(night.end) };
}

/**
 * Whether an instant falls in the night window, [start, end) in local time of `timeZone`
 * (DESIGN.md, "Rule semantics": times are in home.timezone). Evaluated on the local wall clock, so
 * 22:00–07:00 is 22:00–07:00 on both sides of a DST change, however long that night is in hours.
 * start == end is an empty window (inDailyWindow), not a whole day.
 */
export function atNight(window: NightWindow, at: number, timeZone: string): boolean {
  return inDailyWindow(localMinutes(at, timeZone), window.start, window.end);
}


/** "YYYY-MM-DD HH:MM" on the home's clock. */
export function localDateTime(at: number, timeZone: string): string {
  return `${localDate(at, timeZone)} ${localClock(at, timeZone)}`;
}
