import { nothing, type RuleOutcome } from '../core/alerts.js';
import type { Medication } from '../core/household.js';
import type { PillboxReading, Reading } from '../core/readings.js';
import {
  distinctOpenings,
  doseSlots,
  doseSlugs,
  FUMBLE_MS,
  openingsFor,
  opensDose,
  slugOf,
  windowContaining,
  windowsEndingIn,
  type DoseWindow,
} from './dose-schedule.js';
import type { Rule, RuleView } from './rule.js';
import { localClock } from '../core/local-time.js';

/**
 * Possible double dose (DESIGN.md, "Rule semantics"): a second opening of the dose's compartment (of
 * the box, for a one-lid box) inside the same window → notice, key `double-dose:<dose slug>:<date>`,
 * and DoseRecord 'double' for each dose of the slot (dose-schedule.ts, doseSlots).
 *
 * Openings within FUMBLE_MS (60 s) of the first of them are one opening: a lid fumbled open twice, or a
 * bouncing contact, is not a second dose (principle 3: a false notice teaches people to ignore the hub).
 *
 * Judged on the second opening itself, so a carer can call while the box is still in her hand, and
 * again at the window's end from stored openings (a reading committed but not shown to us before a
 * crash); the key makes the second judgement a no-op.
 */

const TYPE = 'double-dose';

export function doubleDoseKey(slug: string, date: string): string {
  return `${TYPE}:${slug}:${date}`;
}

function judge(view: RuleView, medications: readonly Medication[], slugs: readonly string[], slot: DoseWindow[], outcome: RuleOutcome): void {
  const lead = slot[0] as DoseWindow;
  const taken = distinctOpenings(openingsFor(lead.compartment, view.pillboxOpenings(lead.start, lead.end + 1)), FUMBLE_MS);
  const second = taken[1];
  if (second === undefined) return;
  const doseSlugList = slot.map((w) => slugOf(w, medications, slugs));
  const names = slot.map((w) => w.medication.name);
  const times = taken.map((o: PillboxReading) => localClock(o.at, view.timezone));
  outcome.raise.push({
    type: TYPE,
    key: doubleDoseKey(doseSlugList[0] as string, lead.date),
    severity: 'notice',
    at: second.at,
    title: `Possible double dose: ${names.join(', ')} (box opened at ${times.join(' and ')})`,
    details: {
      doses: names,
      doseSlugs: doseSlugList,
      date: lead.date,
      due: lead.due,
      windowStart: lead.start,
      windowEnd: lead.end,
      compartment: lead.compartment,
      openedAt: taken.map((o) => o.at),
    },
  });
  for (const dose of doseSlugList) outcome.doses.push({ dose, date: lead.date, status: 'double', at: second.at });
}

export const doubleDoseRule: Rule = {
  id: TYPE,

  onReading(view: RuleView, reading: Reading): RuleOutcome {
    const outcome = nothing();
    if (reading.kind !== 'pillbox' || !reading.open) return outcome;
    const medications = view.household.rules?.medication ?? [];
    if (medications.length === 0) return outcome;
    const slugs = doseSlugs(medications);
    const windows = windowContaining(medications, view.timezone, reading.at).filter((w) => opensDose(w.compartment, reading.compartment));
    for (const slot of doseSlots(windows)) judge(view, medications, slugs, slot, outcome);
    return outcome;
  },

  onTick(view: RuleView, from: number, to: number): RuleOutcome {
    const outcome = nothing();
    const medications = view.household.rules?.medication ?? [];
    if (medications.length === 0) return outcome;
    const slugs = doseSlugs(medications);
    const ending = medications.flatMap((m) => windowsEndingIn(m, view.timezone, from, to));
    for (const slot of doseSlots(ending)) judge(view, medications, slugs, slot, outcome);
    return outcome;
  },
};
