import { nothing, type DoseRecord, type RuleOutcome } from '../core/alerts.js';
import type { Medication } from '../core/household.js';
import type { PillboxReading, Reading } from '../core/readings.js';
import {
  distinctOpenings,
  doseSlots,
  doseSlugs,
  LATE_LIMIT_MS,
  lateTaking,
  openingsFor,
  opensDose,
  slugOf,
  windowsAround,
  windowsEndingIn,
  type DoseWindow,
} from './dose-schedule.js';
import type { Rule, RuleView } from './rule.js';
import { localClock } from '../core/local-time.js';

/**
 * Missed dose (DESIGN.md, "Rule semantics"): no opening of the dose's compartment (any opening, for a
 * one-lid box) in [due - window, due + window] → warning at the window's end; a late opening resolves
 * it and records "taken late". Adherence is recorded per dose and date (DoseRecord).
 *
 * Exactly once (DESIGN.md principle 1, rule.ts): the deadline is the window's end, judged by the one
 * tick whose (from, to] holds it, and the key `missed-dose:<dose slug>:<local date>` names the dose,
 * so a restart or clock jump re-derives the same key. Deadlines more than a week before `to` are not
 * judged (dose-schedule.ts, DEADLINE_LOOKBACK_MS).
 *
 * What each path writes depends only on the openings known at the time, never on rule order, so the
 * engine's upsert by (dose, date) converges on the truth however readings arrive:
 *  - no distinct opening in the window: 'late' if a late taking is known, else 'missed' (tick only);
 *  - exactly one: 'on-time' (written here);
 *  - two or more: 'double' (written by double-dose.ts, never here).
 *
 * A deadline whose late opening is already stored when it is judged (the hub was down or the clock
 * jumped, and the box delivered its buffered reading first) records 'late' and raises nothing: an
 * alert that is already resolved is only noise at 2 a.m.
 *
 * "Late" runs from the window's end until the next window that opening would count for begins (this
 * dose's next one at the latest), at most a day (dose-schedule.ts, lateTaking): one opening is one
 * dose, given to the latest dose it can be, so an opening at 14:30 does not excuse a missed 08:00
 * heart tablet when a 13:00 dose shares the lid.
 *
 * A dose a carer recorded by hand before the deadline counts as taken: no alert, and its record stands.
 *
 * Openings are what RuleView.pillboxOpenings returns: this rule trusts them to be lid openings, not
 * re-reports of a lid left open (Zigbee2MQTT repeats `contact` on every check-in).
 */

const TYPE = 'missed-dose';
const TAKEN: ReadonlySet<DoseRecord['status']> = new Set(['on-time', 'late', 'double']);

export function missedDoseKey(slug: string, date: string): string {
  return `${TYPE}:${slug}:${date}`;
}

interface Plan {
  medications: readonly Medication[];
  slugs: string[];
  timezone: string;
}

function planOf(view: RuleView): Plan | undefined {
  const medications = view.household.rules?.medication ?? [];
  if (medications.length === 0) return undefined;
  return { medications, slugs: doseSlugs(medications), timezone: view.timezone };
}

/** Openings counting for a dose of `compartment` in [start, end], fumbles merged. */
function takenInWindow(view: RuleView, compartment: number, start: number, end: number): PillboxReading[] {
  return distinctOpenings(openingsFor(compartment, view.pillboxOpenings(start, end + 1)));
}

function lateOpening(view: RuleView, plan: Plan, compartment: number, end: number): PillboxReading | undefined {
  return lateTaking({ compartment, end }, plan.medications, plan.timezone, view.pillboxOpenings(end + 1, end + LATE_LIMIT_MS + 1));
}

function records(slugs: readonly string[], date: string, status: DoseRecord['status'], at: number): DoseRecord[] {
  return slugs.map((dose) => ({ dose, date, status, at }));
}

/** Judges one slot whose window ended in the tick (from, to]. */
function judgeDeadline(view: RuleView, plan: Plan, slot: DoseWindow[], outcome: RuleOutcome): void {
  const lead = slot[0] as DoseWindow;
  const slugs = slot.map((w) => slugOf(w, plan.medications, plan.slugs));
  const taken = takenInWindow(view, lead.compartment, lead.start, lead.end);
  if (taken.length === 1) outcome.doses.push(...records(slugs, lead.date, 'on-time', (taken[0] as PillboxReading).at));
  if (taken.length > 0) return;

  const late = lateOpening(view, plan, lead.compartment, lead.end);
  if (late !== undefined) {
    outcome.doses.push(...records(slugs, lead.date, 'late', late.at));
    return;
  }
  // Given by hand and recorded by a carer (POST /api/medication/doses) before the deadline: taken,
  // whatever the box says. Every dose of the slot must be recorded, as the alert names them all.
  if (slugs.every((slug) => TAKEN.has(view.doseRecord(slug, lead.date)?.status ?? 'missed'))) return;
  const names = slot.map((w) => w.medication.name);
  const dueAt = lead.medication.at;
  outcome.raise.push({
    type: TYPE,
    key: missedDoseKey(slugs[0] as string, lead.date),
    severity: 'warning',
    at: lead.end,
    title: `Missed dose: ${names.join(', ')} (due ${dueAt}, box not opened by ${localClock(lead.end, plan.timezone)})`,
    details: {
      doses: names,
      doseSlugs: slugs,
      date: lead.date,
      due: lead.due,
      windowStart: lead.start,
      windowEnd: lead.end,
      compartment: lead.compartment,
    },
  });
  outcome.doses.push(...records(slugs, lead.date, 'missed', lead.end));
}

function numberDetail(details: Record<string, unknown>, name: string): number | undefined {
  const value = details[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * Open missed-dose alerts whose dose has since been taken: normally onReading resolves them at once,
 * this catches a reading the engine committed but never showed us (a crash in between). Works from the
 * alert's own details, so an alert outlives a care-plan edit that renamed or moved its dose.
 */
function resolveTaken(view: RuleView, plan: Plan | undefined, outcome: RuleOutcome): void {
  for (const alert of view.openAlerts(TYPE)) {
    const start = numberDetail(alert.details, 'windowStart');
    const end = numberDetail(alert.details, 'windowEnd');
    const compartment = numberDetail(alert.details, 'compartment');
    const date = alert.details.date;
    const slugs = alert.details.doseSlugs;
    if (start === undefined || end === undefined || compartment === undefined || typeof date !== 'string') continue;
    const doses = Array.isArray(slugs) ? slugs.filter((s): s is string => typeof s === 'string') : [];
    const taken = takenInWindow(view, compartment, start, end);
    if (taken.length > 0) {
      const first = taken[0] as PillboxReading;
      outcome.clear.push({ key: alert.key, at: view.now, reason: `taken at ${localClock(first.at, view.timezone)}` });
      if (taken.length === 1) outcome.doses.push(...records(doses, date, 'on-time', first.at));
      continue;
    }
    const late = plan === undefined ? undefined : lateOpening(view, plan, compartment, end);
    if (late !== undefined) {
      outcome.clear.push({ key: alert.key, at: view.now, reason: `taken late at ${localClock(late.at, view.timezone)}` });
      outcome.doses.push(...records(doses, date, 'late', late.at));
    }
  }
}

/** An opening: records it against every dose slot it can belong to, in the window or late. */
function onOpening(view: RuleView, plan: Plan, opening: PillboxReading): RuleOutcome {
  const outcome = nothing();
  // Slots whose window holds the opening, or ended less than a late period before it.
  const windows = windowsAround(plan.medications, plan.timezone, opening.at - LATE_LIMIT_MS, opening.at).filter(
    (w) => w.start <= opening.at && opensDose(w.compartment, opening.compartment),
  );
  for (const slot of doseSlots(windows)) {
    const lead = slot[0] as DoseWindow;
    const slugs = slot.map((w) => slugOf(w, plan.medications, plan.slugs));
    const key = missedDoseKey(slugs[0] as string, lead.date);
    const taken = takenInWindow(view, lead.compartment, lead.start, lead.end);
    if (opening.at <= lead.end) {
      const first = taken[0];
      if (first === undefined) continue; // not stored yet: the engine commits before it calls rules
      if (taken.length === 1) outcome.doses.push(...records(slugs, lead.date, 'on-time', first.at));
      // Reported after the deadline with its own earlier timestamp (a buffered native reading, or our
      // clock was set back): the dose was taken in time after all.
      if (view.openAlert(key) !== undefined) outcome.clear.push({ key, at: view.now, reason: `taken at ${localClock(first.at, plan.timezone)}` });
      continue;
    }
    // Only a deadline already judged missed is taken late here; one not judged yet is judged by its
    // tick with this opening in the store, and one from before the hub watched (a box installed this
    // morning) is no business of ours.
    if (taken.length > 0 || !view.raised(key)) continue;
    const late = lateOpening(view, plan, lead.compartment, lead.end);
    if (late === undefined) continue;
    outcome.doses.push(...records(slugs, lead.date, 'late', late.at));
    if (view.openAlert(key) !== undefined) outcome.clear.push({ key, at: view.now, reason: `taken late at ${localClock(late.at, plan.timezone)}` });
  }
  return outcome;
}

export const missedDoseRule: Rule = {
  id: TYPE,

  onReading(view: RuleView, reading: Reading): RuleOutcome {
    if (reading.kind !== 'pillbox' || !reading.open) return nothing();
    const plan = planOf(view);
    return plan === undefined ? nothing() : onOpening(view, plan, reading);
  },

  onTick(view: RuleView, from: number, to: number): RuleOutcome {
    const outcome = nothing();
    const plan = planOf(view);
    if (plan !== undefined) {
      const ending = plan.medications.flatMap((m) => windowsEndingIn(m, plan.timezone, from, to));
      // Care-plan order within each slot, deadlines in time order across slots.
      for (const slot of doseSlots(ending).sort((a, b) => (a[0] as DoseWindow).end - (b[0] as DoseWindow).end)) {
        judgeDeadline(view, plan, slot, outcome);
      }
    }
    resolveTaken(view, plan, outcome);
    return outcome;
  },
};
