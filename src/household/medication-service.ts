import type { AlertService } from '../alerts/alert-service.js';
import type { DoseRecord } from '../core/alerts.js';
import type { Clock } from '../core/clock.js';
import { HomewardError } from '../core/errors.js';
import type { Medication } from '../core/household.js';
import { addDays, localClock, localDate } from '../core/local-time.js';
import { doseSlugs, doseWindow, LATE_LIMIT_MS, type DoseWindow } from '../rules/dose-schedule.js';
import { missedDoseKey } from '../rules/missed-dose.js';
import type { AuditRepo } from '../store/audit-repo.js';
import type { RuleStateRepo } from '../store/rule-state-repo.js';
import type { HouseholdService } from './household-service.js';

/**
 * Medication for the dashboard (issue 5, item 7; issue 8, "Medication"): the schedule (rules.medication)
 * and today's doses, adherence over a range of dates (the calendar and a GP's report), editing the
 * schedule, and a dose a carer gave by hand. Dates are local dates in home.timezone, as the
 * missed-dose rule keeps them; a dose is named by its slug, as alerts and dose records name it.
 */
const DAY_MS = 86_400_000;
/** A dose given by hand may be recorded up to this long before its window opens (given early, before a trip out). */
export const EARLY_LIMIT_MS = 12 * 3_600_000;
/** The adherence calendar covers at most a year and a day per request. */
export const MAX_ADHERENCE_DAYS = 366;

export type TodayStatus = 'taken' | 'late' | 'missed' | 'double' | 'due';

export interface ScheduledDose {
  dose: string;
  name: string;
  at: string;
  window: string;
  compartment: number;
  days: string[] | null;
}

export interface TodaysDose {
  dose: string;
  name: string;
  due: number;
  windowStart: number;
  windowEnd: number;
  status: TodayStatus;
  /** When it was taken (or judged missed); null while due. */
  at: number | null;
}

const todayStatus: Record<DoseRecord['status'], TodayStatus> = { 'on-time': 'taken', late: 'late', missed: 'missed', double: 'double' };
const TAKEN: ReadonlySet<DoseRecord['status']> = new Set(['on-time', 'late', 'double']);

function isRealDate(date: string): boolean {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

function usage(reason: string, message: string): HomewardError {
  return new HomewardError('HW_USAGE', message, { reply: reason });
}

export function createMedicationService(deps: { household: HouseholdService; ruleState: RuleStateRepo; alerts: AlertService; audit: AuditRepo; clock: Clock }) {
  const { household, ruleState, alerts, audit, clock } = deps;

  function plan() {
    const view = household.view().household;
    const medications = view.rules?.medication ?? [];
    return { medications, slugs: doseSlugs(medications), timezone: view.home.timezone };
  }

  function checkDate(date: string, field: string): void {
    if (!isRealDate(date)) throw usage('invalid_date', `${field}: "${date}" is not a date`);
  }

  return {
    overview() {
      const now = clock.now();
      const { medications, slugs, timezone } = plan();
      const date = localDate(now, timezone);
      const schedule: ScheduledDose[] = medications.map((m, i) => ({
        dose: slugs[i] as string,
        name: m.name,
        at: m.at,
        window: m.window,
        compartment: m.compartment ?? 0,
        days: m.days ?? null,
      }));
      const today: TodaysDose[] = [];
      medications.forEach((medication, i) => {
        const window = doseWindow(medication, timezone, date);
        if (window === undefined) return;
        const dose = slugs[i] as string;
        const record = ruleState.dose(dose, date);
        // No record yet: still due while its window is open; past it, missed (the rule's tick records it within a second).
        const status = record !== undefined ? todayStatus[record.status] : now <= window.end ? 'due' : 'missed';
        today.push({ dose, name: medication.name, due: window.due, windowStart: window.start, windowEnd: window.end, status, at: record?.at ?? null });
      });
      today.sort((a, b) => a.due - b.due);
      return { timezone, date, schedule, today };
    },

    /** Replaces rules.medication only; the whole document is validated (a compartment no pill box has is refused). */
    replaceSchedule(actorId: number, medication: Medication[], expectedRevision?: number): number {
      let before = 0;
      const revision = household.update((current) => {
        before = current.rules?.medication?.length ?? 0;
        return { ...current, rules: { ...current.rules, medication } };
      }, { expectedRevision });
      audit.append({ at: clock.now(), userId: actorId, action: 'medication.schedule-changed', target: 'household', details: { revision, doses: { from: before, to: medication.length } } });
      return revision;
    },

    /** Dose records per local date, from `from` to `to` inclusive (default: the last 30 days). */
    adherence(range: { from?: string | undefined; to?: string | undefined }) {
      const { medications, slugs, timezone } = plan();
      const to = range.to ?? localDate(clock.now(), timezone);
      const from = range.from ?? addDays(to, -29);
      checkDate(from, 'from');
      checkDate(to, 'to');
      if (from > to) throw usage('invalid_range', '"from" must not be after "to"');
      const span = Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1;
      if (span > MAX_ADHERENCE_DAYS) throw usage('invalid_range', `at most ${MAX_ADHERENCE_DAYS} days at a time`);
      const names = new Map(medications.map((m, i) => [slugs[i] as string, m.name]));
      const byDate = new Map<string, DoseRecord[]>();
      const totals = { onTime: 0, late: 0, missed: 0, double: 0 };
      for (const record of ruleState.doses(from, to)) {
        byDate.set(record.date, [...(byDate.get(record.date) ?? []), record]);
        if (record.status === 'on-time') totals.onTime++;
        else totals[record.status]++;
      }
      const days: Array<{ date: string; doses: Array<{ dose: string; name: string | null; status: DoseRecord['status']; at: number }> }> = [];
      for (let date = from; date <= to; date = addDays(date, 1)) {
        days.push({ date, doses: (byDate.get(date) ?? []).map((r) => ({ dose: r.dose, name: names.get(r.dose) ?? null, status: r.status, at: r.at })) });
      }
      return { timezone, from, to, days, totals };
    },

    /**
     * A dose a carer gave by hand (the box was empty, she was out, the sensor is broken). It is recorded
     * as on time (inside its window or before it) or late, and it settles that date's missed-dose alert
     * the way a late pill-box opening does (src/rules/missed-dose.ts): through the alert service's commit,
     * so the alert resolves with its reason, everyone sees it, and the record keeps it. When doses share
     * a slot (one compartment, one window), the alert names them all and resolves once all are given.
     */
    recordDose(actor: { id: number; name: string }, input: { dose: string; date: string; takenAt: number; note?: string | undefined }) {
      const now = clock.now();
      const { medications, slugs, timezone } = plan();
      const index = slugs.indexOf(input.dose);
      const medication = medications[index];
      if (medication === undefined) throw new HomewardError('HW_NOT_FOUND', `no dose "${input.dose}" in the schedule (GET /api/medication lists them)`, { reply: 'dose_unknown' });
      checkDate(input.date, 'date');
      const window = doseWindow(medication, timezone, input.date);
      if (window === undefined) throw usage('dose_not_scheduled', `${medication.name} is not given on ${input.date}`);
      if (input.takenAt > now) throw usage('taken_at_invalid', 'takenAt is in the future');
      if (input.takenAt < window.start - EARLY_LIMIT_MS || input.takenAt > window.end + LATE_LIMIT_MS) {
        throw usage('taken_at_invalid', `takenAt is too far from the dose due at ${localClock(window.due, timezone)} on ${input.date} to be that dose`);
      }
      const status: DoseRecord['status'] = input.takenAt <= window.end ? 'on-time' : 'late';

      // The slot this dose shares, in care-plan order; its first dose names the missed-dose alert.
      const slot = medications
        .map((m, i) => ({ slug: slugs[i] as string, window: doseWindow(m, timezone, input.date) }))
        .filter((s): s is { slug: string; window: DoseWindow } => s.window !== undefined)
        .filter((s) => s.window.compartment === window.compartment && s.window.start === window.start && s.window.end === window.end);
      const key = missedDoseKey((slot[0] as { slug: string }).slug, input.date);
      const everyDoseGiven = slot.every((s) => s.slug === input.dose || TAKEN.has(ruleState.dose(s.slug, input.date)?.status ?? 'missed'));
      const open = alerts.openAlert(key);
      const how = `given by hand at ${localClock(input.takenAt, timezone)}, recorded by ${actor.name}`;
      const reason = input.note === undefined || input.note === '' ? how : `${how}: ${input.note}`;
      alerts.commit({
        raise: [],
        clear: everyDoseGiven && open !== undefined ? [{ key, at: now, reason }] : [],
        doses: [{ dose: input.dose, date: input.date, status, at: input.takenAt }],
      });
      const resolvedAlertId = everyDoseGiven && open !== undefined ? open.id : null;
      // The stored record may say more than this one (a double dose stays a double dose).
      const stored = ruleState.dose(input.dose, input.date);
      audit.append({
        at: now,
        userId: actor.id,
        action: 'medication.dose-recorded',
        target: `dose:${input.dose}:${input.date}`,
        details: { status, takenAt: new Date(input.takenAt).toISOString(), resolvedAlertId, ...(input.note ? { note: input.note } : {}) },
      });
      return { dose: input.dose, name: medication.name, date: input.date, status: stored?.status ?? status, takenAt: input.takenAt, resolvedAlertId };
    },
  };
}

export type MedicationService = ReturnType<typeof createMedicationService>;
