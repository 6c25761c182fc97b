/**
 * The shapes of local times the circle stores: "HH:MM" (24-hour) times of day and "YYYY-MM-DD" dates,
 * both in home.timezone (DESIGN.md, "Rule semantics"), and the weekdays a rota shift can start on.
 */
export const CLOCK_TIME_PATTERN = '^([01][0-9]|2[0-3]):[0-5][0-9]$';
export const LOCAL_DATE_PATTERN = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$';

/** In the order people read a week; weekdayOf() numbers them from Sunday. */
export const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof weekdays)[number];

const BY_JS_DAY: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** The weekday of a JavaScript day number (0 = Sunday). */
export function weekdayName(jsDay: number): Weekday {
  return BY_JS_DAY[jsDay] as Weekday;
}

export function isClockTime(value: string): boolean {
  return new RegExp(CLOCK_TIME_PATTERN).test(value);
}

/** A real calendar date (not 2026-02-30). */
export function isLocalDate(value: string): boolean {
  if (!new RegExp(LOCAL_DATE_PATTERN).test(value)) return false;
  const [y, m, d] = value.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** Weekdays in reading order, each once. */
export function canonicalDays(days: readonly Weekday[]): Weekday[] {
  return weekdays.filter((day) => days.includes(day));
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Unix ms of an ISO 8601 date-time that names its offset ("…Z" or "…+01:00"); undefined otherwise.
 * Without an offset a time would be read in the hub's own zone, which is nobody's intention.
 */
export function parseInstant(value: string): number | undefined {
  if (!ISO_INSTANT.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}
