/**
 * The daily digest's words (issue 6, item 7): one plain-language line a member can read over
 * breakfast — "Up 07:10 · 3 of 3 doses on time · no night exits · Anna handled 1 alert" — and the
 * weekly view of who was woken how often, so the load is shared fairly (../shared/seeds: protecting
 * carers from burnout; acknowledging each other's efforts).
 *
 * Pure: the facts are gathered elsewhere (digest-facts.ts) from stored history, in home.timezone; a
 * day there runs from the end of one night to the end of the next, so the morning's digest tells of
 * yesterday and the night just gone.
 * Good news is said plainly too: a digest that only ever reports problems teaches people to dread it.
 */
export interface DayFacts {
  /** Local date, YYYY-MM-DD. */
  date: string;
  personName: string;
  /** Local HH:MM of the first door or pill-box opening after the night ended; undefined if none was seen. */
  upAt: string | undefined;
  /**
   * The day's scheduled doses: taken on time, taken late, still due (the day is not over), and the
   * names of those missed or possibly taken twice.
   */
  doses: { scheduled: number; onTime: number; late: number; pending: number; missed: string[]; double: string[] };
  nightExits: number;
  /** Minutes out of every safe zone, when a tracker says so; undefined without a tracker. */
  minutesOut: number | undefined;
  /** Who said "I'm on it", and how often, in the order they did. */
  handledBy: Array<{ name: string; alerts: number }>;
  /** Alerts of the day nobody acknowledged (they resolved by themselves or are still open). */
  unacknowledged: number;
  careNotes: number;
  /** Devices that need an installer (silent, low battery), by name. */
  sensorProblems: string[];
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function dosesPart(doses: DayFacts['doses']): string | undefined {
  if (doses.scheduled === 0) return undefined;
  const parts = [`${doses.onTime} of ${doses.scheduled} doses on time`];
  if (doses.late > 0) parts.push(`${doses.late} late`);
  if (doses.pending > 0) parts.push(`${doses.pending} still due`);
  if (doses.missed.length > 0) parts.push(`missed: ${doses.missed.join(', ')}`);
  if (doses.double.length > 0) parts.push(`possible double dose: ${doses.double.join(', ')}`);
  return parts.join(', ');
}

function durationPart(minutes: number): string {
  if (minutes < 60) return plural(Math.round(minutes), 'minute');
  const hours = Math.floor(minutes / 60);
  const rest = Math.round(minutes % 60);
  return rest === 0 ? plural(hours, 'hour') : `${hours} h ${String(rest).padStart(2, '0')} min`;
}

/** The one-line summary, parts joined with " · ". */
export function digestLine(facts: DayFacts): string {
  const parts: string[] = [];
  parts.push(facts.upAt === undefined ? 'no morning activity seen' : `Up ${facts.upAt}`);
  const doses = dosesPart(facts.doses);
  if (doses !== undefined) parts.push(doses);
  parts.push(facts.nightExits === 0 ? 'no night exits' : plural(facts.nightExits, 'night exit'));
  if (facts.minutesOut !== undefined) parts.push(facts.minutesOut === 0 ? 'stayed home' : `out for ${durationPart(facts.minutesOut)}`);
  for (const helper of facts.handledBy) parts.push(`${helper.name} handled ${plural(helper.alerts, 'alert')}`);
  if (facts.unacknowledged > 0) parts.push(`${plural(facts.unacknowledged, 'alert')} nobody acknowledged`);
  if (facts.careNotes > 0) parts.push(plural(facts.careNotes, 'care note'));
  if (facts.sensorProblems.length > 0) parts.push(`needs attention: ${facts.sensorProblems.join(', ')}`);
  return parts.join(' · ');
}

/** A title for the notification: the person and the day, in words ("Margaret · Thursday 15 January"). */
export function digestTitle(facts: DayFacts): string {
  const [year, month, day] = facts.date.split('-').map(Number) as [number, number, number];
  const when = new Intl.DateTimeFormat('en-GB', { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' }).format(new Date(Date.UTC(year, month - 1, day)));
  return `${facts.personName} · ${when}`;
}

/** Who was woken how often over a week: night-time notifications per member, most first. */
export interface WokenCount {
  name: string;
  nights: number;
  notifications: number;
}

export function wokenLine(counts: readonly WokenCount[]): string {
  const woken = counts.filter((c) => c.notifications > 0).sort((a, b) => b.nights - a.nights || b.notifications - a.notifications || a.name.localeCompare(b.name));
  if (woken.length === 0) return 'Nobody was woken at night this week.';
  return `Woken at night this week: ${woken.map((c) => `${c.name} ${plural(c.nights, 'night')} (${plural(c.notifications, 'alert')})`).join(', ')}.`;
}
