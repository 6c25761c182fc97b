import type { Reply } from '../../api/types';
import type { Tone } from '../../ui/page';

export type TodaysDose = Reply<'/api/medication'>['today'][number];
export type ScheduledDose = Reply<'/api/medication'>['schedule'][number];
export type AdherenceDay = Reply<'/api/medication/adherence'>['days'][number];
export type DoseOutcome = AdherenceDay['doses'][number]['status'];

/** Today's dose as the circle says it: a word and a tone, never the colour alone. */
export const TODAY_WORDS: Record<TodaysDose['status'], [string, Tone]> = {
  taken: ['Taken', 'ok'],
  late: ['Taken late', 'warn'],
  missed: ['Missed', 'alert'],
  double: ['Taken twice?', 'alert'],
  due: ['Due', 'info'],
};

/** A recorded dose's outcome: word, tone and the mark the calendar shows beside the date. */
export const OUTCOME_WORDS: Record<DoseOutcome, { word: string; tone: Tone; mark: string }> = {
  'on-time': { word: 'On time', tone: 'ok', mark: '✓' },
  late: { word: 'Late', tone: 'warn', mark: 'L' },
  missed: { word: 'Missed', tone: 'alert', mark: '✗' },
  double: { word: 'Taken twice', tone: 'alert', mark: '2×' },
};

/** The order a day's summary picks its worst outcome in. */
export const OUTCOME_ORDER: readonly DoseOutcome[] = ['missed', 'double', 'late', 'on-time'];

const DAY_NAMES: Record<string, string> = { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat', sun: 'Sun' };
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export function daysWords(days: readonly string[] | null | undefined): string {
  if (!days || days.length === 0 || days.length === 7) return 'Every day';
  return WEEKDAYS.filter((d) => days.includes(d)).map((d) => DAY_NAMES[d]).join(', ');
}

/** The hub's durations ("60m", "1h30m", "90s") as minutes; undefined when unreadable. */
export function windowMinutes(window: string): number | undefined {
  if (!/^(\d+d)?(\d+h)?(\d+m)?(\d+s)?$/.test(window) || window === '') return undefined;
  const unit: Record<string, number> = { d: 1440, h: 60, m: 1, s: 1 / 60 };
  let minutes = 0;
  for (const match of window.matchAll(/(\d+)([dhms])/g)) minutes += Number(match[1]) * (unit[match[2] as string] ?? 0);
  return minutes;
}

/** "60m" → "1 hour", "90m" → "1 h 30 min", "45m" → "45 min". */
export function windowWords(window: string): string {
  const minutes = windowMinutes(window);
  if (minutes === undefined) return window;
  if (minutes < 1) return `${Math.round(minutes * 60)} s`;
  if (minutes % 60 === 0) return minutes === 60 ? '1 hour' : `${minutes / 60} hours`;
  return minutes > 60 ? `${Math.floor(minutes / 60)} h ${Math.round(minutes % 60)} min` : `${Math.round(minutes)} min`;
}

export function compartmentWords(compartment: number | undefined): string {
  return compartment === undefined || compartment === 0 ? 'the box' : `compartment ${compartment}`;
}

export function plural(count: number, word: string, many = `${word}s`): string {
  return `${count} ${count === 1 ? word : many}`;
}
