import type { Medication } from '../core/household.js';
import { parseDuration } from '../core/duration.js';
import { addDays, clockMinutes, localDate, weekdayOf, zonedInstant } from '../core/local-time.js';
import type { PillboxReading } from '../core/readings.js';

/**
 * Dose windows: when each dose in the care plan may be taken (DESIGN.md, "Rule semantics", missed
 * dose). Shared by missed-dose and double-dose so both judge the same windows and the same openings.
 *
 * A dose's window on a local date is [due - window, due + window], both ends included, where `due` is
 * `at` on that date in home.timezone. zonedInstant's compatible disambiguation gives the DST
 * behaviour the issue asks for: at the autumn change a dose at 01:30 is ONE window (the first 01:30);
 * inside the spring-forward gap it moves forward by the gap (01:30 → 02:30 BST), never skipped. The
 * window is real elapsed time either side of `due` ("60m" is sixty minutes even across a change).
 */

const DAY_MS = 86_400_000;

/**
 * How far back from `to` a tick looks for deadlines. A Raspberry Pi without a real-time clock can
 * jump from 1970 (or from last week) to today when NTP syncs; the engine then hands over a (from, to]
 * spanning decades. Deadlines older than this are history for the adherence record, not alerts
 * someone should act on now, and the scan must stay a few dozen dates long, never 20,000.
 */
export const DEADLINE_LOOKBACK_MS = 7 * DAY_MS;

/**
 * Two openings of a lid within this long of the first of them are one opening: a lid fumbled, or a
 * contact sensor that bounces, opens twice in a few seconds, and that must not read as a double dose
 * (DESIGN.md principle 3). A real second dose means closing the box and coming back to it.
 */
export const FUMBLE_MS = 60_000;

/** The late period is at most this long: an opening a day after the window is not this dose any more. */
export const LATE_LIMIT_MS = DAY_MS;

const WEEKDAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** One scheduled dose on one local date. Times are Unix ms. */
export interface DoseWindow {
  medication: Medication;
  /** The local date (home.timezone) the dose is due on, YYYY-MM-DD; a window may start the day before. */
  date: string;
  /** 0 = the whole box (one-lid box): any opening counts. */
  compartment: number;
  due: number;
  start: number;
  end: number;
}

function windowMs(medication: Medication): number {
  return parseDuration(medication.window) ?? 0;
}

/**
 * zonedInstant is a handful of Intl calls, and every tick asks again for the same few dates: remember
 * them (principle 4, a Pi Zero's slow cores). Pure input → output, so a cache cannot change an answer;
 * bounded, so a hub that runs for years does not grow.
 */
const dueCache = new Map<string, number>();
const DUE_CACHE_SIZE = 4096;

function dueInstant(date: string, at: string, timezone: string): number {
  const key = `${timezone}|${date}|${at}`;
  let due = dueCache.get(key);
  if (due === undefined) {
    due = zonedInstant(date, clockMinutes(at), timezone);
    if (dueCache.size >= DUE_CACHE_SIZE) dueCache.clear();
    dueCache.set(key, due);
  }
  return due;
}

/** The dose's window on a local date, or undefined when `days` leaves that date out. */
export function doseWindow(medication: Medication, timezone: string, date: string): DoseWindow | undefined {
  const days = medication.days;
  if (days !== undefined && !days.includes(WEEKDAY_NAMES[weekdayOf(date)] ?? 'sun')) return undefined;
  const due = dueInstant(date, medication.at, timezone);
  const half = windowMs(medication);
  return { medication, date, compartment: medication.compartment ?? 0, due, start: due - half, end: due + half };
}

/** Windows of one dose on every local date from `first` to `last` (inclusive), oldest first. */
function windowsOnDates(medication: Medication, timezone: string, first: string, last: string): DoseWindow[] {
  const windows: DoseWindow[] = [];
  for (let date = first; date <= last; date = addDays(date, 1)) {
    const window = doseWindow(medication, timezone, date);
    if (window !== undefined) windows.push(window);
  }
  return windows;
}

/**
 * Windows of one dose whose `pick` instant falls in (from, to]. Local dates are scanned from the one
 * a day before `from` to the one a day after `to` (a window may start on the previous date, and offsets
 * move dates by hours), but never further back than DEADLINE_LOOKBACK_MS before `to`.
 */
function windowsWithInstantIn(
  medication: Medication,
  timezone: string,
  from: number,
  to: number,
  pick: (window: DoseWindow) => number,
): DoseWindow[] {
  if (!(to > from)) return [];
  const lower = Math.max(from, to - DEADLINE_LOOKBACK_MS);
  const half = windowMs(medication);
  const first = addDays(localDate(lower - half, timezone), -1);
  const last = addDays(localDate(to + half, timezone), 1);
  return windowsOnDates(medication, timezone, first, last).filter((w) => pick(w) > lower && pick(w) <= to);
}

/**
 * The dose's windows whose END falls in (from, to]: the missed-dose deadlines a tick must judge
 * (rule.ts: the engine hands each deadline to exactly one tick). Ends before `to - DEADLINE_LOOKBACK_MS`
 * are left out on purpose (see DEADLINE_LOOKBACK_MS).
 */
export function windowsEndingIn(medication: Medication, timezone: string, from: number, to: number): DoseWindow[] {
  return windowsWithInstantIn(medication, timezone, from, to, (w) => w.end);
}

/** The dose's windows whose START falls in (from, to] (the end of a late period; see lateTaking). */
export function windowsStartingIn(medication: Medication, timezone: string, from: number, to: number): DoseWindow[] {
  return windowsWithInstantIn(medication, timezone, from, to, (w) => w.start);
}

/**
 * Every window, of every dose in the plan, with start ≤ at ≤ end. Several, when doses overlap (two
 * tablets due at 08:00, or 08:00 and 08:30 with hour-long windows); care-plan order.
 */
export function windowContaining(medications: readonly Medication[], timezone: string, at: number): DoseWindow[] {
  return windowsAround(medications, timezone, at, at);
}

/** Windows of every dose that overlap [from, to] at all (start ≤ to and end ≥ from), care-plan order. */
export function windowsAround(medications: readonly Medication[], timezone: string, from: number, to: number): DoseWindow[] {
  const windows: DoseWindow[] = [];
  for (const medication of medications) {
    const half = windowMs(medication);
    const first = addDays(localDate(from - half, timezone), -1);
    const last = addDays(localDate(to + half, timezone), 1);
    for (const window of windowsOnDates(medication, timezone, first, last)) {
      if (window.start <= to && window.end >= from) windows.push(window);
    }
  }
  return windows;
}

/**
 * Whether an opening counts for a dose: a dose in compartment 0 (a one-lid box) is taken by any
 * opening; an opening of compartment 0 is the box's one lid (Zigbee2MQTT, Tasmota and Shelly contact
 * sensors report only that, readings.ts), which gives access to every dose in it; otherwise the
 * compartments must be the same. Medication entries name no device, so with two boxes an opening of
 * compartment 2 of either counts for a compartment-2 dose.
 */
export function opensDose(doseCompartment: number, openingCompartment: number): boolean {
  return doseCompartment === 0 || openingCompartment === 0 || doseCompartment === openingCompartment;
}

/** Merges fumbles (FUMBLE_MS): returns the first opening of each cluster, oldest first. */
export function distinctOpenings(openings: readonly PillboxReading[], fumbleMs: number = FUMBLE_MS): PillboxReading[] {
  const sorted = [...openings].sort((a, b) => a.at - b.at);
  const distinct: PillboxReading[] = [];
  let clusterStart = -Infinity;
  for (const opening of sorted) {
    if (opening.at - clusterStart <= fumbleMs) continue;
    distinct.push(opening);
    clusterStart = opening.at;
  }
  return distinct;
}

/** Openings among `openings` that count for a dose in `compartment`. */
export function openingsFor(compartment: number, openings: readonly PillboxReading[]): PillboxReading[] {
  return openings.filter((o) => opensDose(compartment, o.compartment));
}

/**
 * Doses that share a compartment and the very same window (two tablets kept together and due
 * together) are one slot: one opening takes them all, so each slot gets one missed or double-dose
 * alert naming all its doses, keyed by its first dose in care-plan order. Doses whose windows only
 * overlap stay apart. Input in care-plan order; each slot keeps it.
 */
export function doseSlots(windows: readonly DoseWindow[]): DoseWindow[][] {
  const slots = new Map<string, DoseWindow[]>();
  for (const window of windows) {
    const id = `${window.compartment}/${window.start}/${window.end}`;
    const slot = slots.get(id);
    if (slot === undefined) slots.set(id, [window]);
    else slot.push(window);
  }
  return [...slots.values()];
}

/**
 * The opening that counts as this dose "taken late", if any: the first opening after the window's
 * end that counts for the dose, provided no other window that opening would count for (this dose's
 * next one included) has started in between, and no later than LATE_LIMIT_MS after the end.
 * So with one lid and doses at 08:00 and 13:00, an opening at 14:30 is the 13:00 dose late, not the
 * 08:00 one: one opening is one dose taken, and a missed 08:00 heart tablet stays missed.
 * `openings` must include every opening in (end, end + LATE_LIMIT_MS] known so far.
 */
export function lateTaking(
  window: Pick<DoseWindow, 'compartment' | 'end'>,
  medications: readonly Medication[],
  timezone: string,
  openings: readonly PillboxReading[],
): PillboxReading | undefined {
  const limit = window.end + LATE_LIMIT_MS;
  const candidates = openingsFor(window.compartment, openings)
    .filter((o) => o.at > window.end && o.at <= limit)
    .sort((a, b) => a.at - b.at);
  if (candidates.length === 0) return undefined;
  const laterStarts = medications.flatMap((m) => windowsStartingIn(m, timezone, window.end, limit));
  return candidates.find((o) => !laterStarts.some((w) => w.start <= o.at && opensDose(w.compartment, o.compartment)));
}

/** Lower-case letters and digits of a name, dashes between words ("Morning tablets" → "morning-tablets"). */
function baseSlug(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
  return slug === '' ? 'dose' : slug;
}

/**
 * A slug per care-plan entry, for alert keys ("missed-dose:<slug>:<date>") and DoseRecord.dose, in the
 * plan's order. Two entries must never share one: the engine ignores a second draft with the same key,
 * so "Paracetamol" at 08:00 and again at 20:00 sharing "paracetamol" would silence the evening's missed
 * alert. Entries whose names slug alike get their time ("paracetamol-0800"), then their compartment.
 */
export function doseSlugs(medications: readonly Medication[]): string[] {
  const slugs = medications.map((m) => baseSlug(m.name));
  const refine = (suffix: (m: Medication, index: number) => string) => {
    const counts = new Map<string, number>();
    for (const slug of slugs) counts.set(slug, (counts.get(slug) ?? 0) + 1);
    slugs.forEach((slug, i) => {
      if ((counts.get(slug) ?? 0) > 1) slugs[i] = `${slug}-${suffix(medications[i] as Medication, i)}`;
    });
  };
  refine((m) => m.at.replace(':', ''));
  refine((m) => `c${m.compartment ?? 0}`);
  // Entries identical in name, time and compartment: number them in plan order, last resort.
  refine((_m, i) => String(i + 1));
  return slugs;
}

/** The slug of the entry a window belongs to (by identity in `medications`). */
export function slugOf(window: DoseWindow, medications: readonly Medication[], slugs: readonly string[]): string {
  return slugs[medications.indexOf(window.medication)] ?? baseSlug(window.medication.name);
}

