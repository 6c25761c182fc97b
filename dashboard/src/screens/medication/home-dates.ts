/**
 * Dates as the hub keeps them: local dates (YYYY-MM-DD) and clock times in home.timezone, which may
 * not be this browser's zone (Anna reads Mum's calendar from Sydney). Dates are counted as plain
 * calendar days (UTC arithmetic on the date itself), so a DST change never skips or repeats one.
 */
const DAY_MS = 86_400_000;

function utcOf(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d);
}

function dateOfUtc(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  return dateOfUtc(utcOf(date) + days * DAY_MS);
}

/** Days from `from` to `to` (positive when `to` is later). */
export function daysBetween(from: string, to: string): number {
  return Math.round((utcOf(to) - utcOf(from)) / DAY_MS);
}

/** 0 = Monday … 6 = Sunday, as a British calendar starts its weeks. */
export function weekdayIndex(date: string): number {
  return (new Date(utcOf(date)).getUTCDay() + 6) % 7;
}

/** 'YYYY-MM' of a date. */
export function monthOf(date: string): string {
  return date.slice(0, 7);
}

export function addMonths(month: string, months: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m - 1 + months, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

export function monthDays(month: string): string[] {
  const first = `${month}-01`;
  const days: string[] = [];
  for (let date = first; monthOf(date) === month; date = addDays(date, 1)) days.push(date);
  return days;
}

const labels = new Map<string, Intl.DateTimeFormat>();
function formatter(key: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  let f = labels.get(key);
  if (f === undefined) {
    f = new Intl.DateTimeFormat(undefined, options);
    labels.set(key, f);
  }
  return f;
}

/** "Tue 3 Mar"; with `long`, "Tuesday 3 March 2026". */
export function dateLabel(date: string, long = false): string {
  const options: Intl.DateTimeFormatOptions = long
    ? { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }
    : { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' };
  return formatter(long ? 'long' : 'short', options).format(utcOf(date));
}

/** "3 Mar": for a chart's axis. */
export function shortDate(date: string): string {
  return formatter('day-month', { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(utcOf(date));
}

/** "March 2026". */
export function monthLabel(month: string): string {
  return formatter('month', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(utcOf(`${month}-01`));
}

/** Short weekday names, Monday first, in the browser's language. */
export function weekdayNames(style: 'short' | 'long' = 'short'): string[] {
  // 2024-01-01 was a Monday.
  return Array.from({ length: 7 }, (_, i) => formatter(`wd-${style}`, { weekday: style, timeZone: 'UTC' }).format(utcOf(addDays('2024-01-01', i))));
}

export interface HomeMoment {
  date: string;
  hour: number;
  minute: number;
}

/** The home's calendar date and wall-clock time at an instant. */
export function homeMoment(ms: number, timeZone: string): HomeMoment {
  const parts = formatter(`parts-${timeZone}`, {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(ms);
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const date = `${String(part('year')).padStart(4, '0')}-${String(part('month')).padStart(2, '0')}-${String(part('day')).padStart(2, '0')}`;
  return { date, hour: part('hour') % 24, minute: part('minute') };
}

/** "HH:MM" on the home's clock. */
export function homeClock(ms: number, timeZone: string): string {
  const { hour, minute } = homeMoment(ms, timeZone);
  return `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
}

/** The instant a wall-clock time on a home date happens (the later guess wins in a DST gap). */
export function homeInstant(date: string, clock: string, timeZone: string): number {
  const [h, m] = clock.split(':').map(Number) as [number, number];
  const wall = utcOf(date) + (h * 60 + m) * 60_000;
  let guess = wall;
  for (let i = 0; i < 2; i++) {
    const seen = homeMoment(guess, timeZone);
    const seenWall = utcOf(seen.date) + (seen.hour * 60 + seen.minute) * 60_000;
    guess += wall - seenWall;
  }
  return guess;
}

/** "HH:MM" on a 24-hour clock, as the hub's schedule takes it. */
export const CLOCK_PATTERN = /^([01]\d|2[0-3]):[0-5]\d$/;
