import { isLocalDate } from '../circle/clock-times.js';
import { faultTypes, isFaultType, type AlertType } from '../core/alerts.js';
import type { Clock } from '../core/clock.js';
import { parseDuration } from '../core/duration.js';
import { HomewardError } from '../core/errors.js';
import { beyondAllZonesM } from '../core/geo.js';
import type { Household, HouseholdDevice } from '../core/household.js';
import { addDays, clockMinutes, localClock, localDate, zonedInstant } from '../core/local-time.js';
import type { HouseholdService } from '../household/household-service.js';
import { doseSlugs, doseWindow } from '../rules/dose-schedule.js';
import { createDigestRepo, type DigestFixRow } from '../store/digest-repo.js';
import type { Store } from '../store/store.js';
import { createResponderNames } from './alert-json.js';
import { digestLine, digestTitle, wokenLine, type DayFacts, type WokenCount } from './daily-digest.js';

/**
 * The facts of one day, gathered from stored history in home.timezone (issue 6, item 7), for the
 * daily digest and GET /api/digest; and the week's "who was woken" (GET /api/digest/week).
 *
 * What "a day" is. The digest arrives in the morning and a family reads it asking "how was yesterday,
 * and how was last night?". So the digest of date D runs from the end of the night on D (07:00 with
 * the default rules.night 22:00–07:00) to the end of the next night, on D+1: D's waking hours and the
 * night that follows them. Every fact counts over that one period, so a 2 a.m. night exit and Anna's
 * "I'm on it" for it land in the same digest. Both ends are local wall-clock times turned into
 * instants (local-time.ts), so across a DST change the period is 23 or 25 hours long and 07:00 is
 * 07:00 on the hall clock. The doses are D's own (dose records are kept by local date).
 *
 *  - Up: the first door or pill-box opening (closed → open) from the night's end until the next
 *    night begins. Openings during the night are night exits or a restless night, not getting up.
 *  - Doses: D's scheduled doses against dose_records; a dose with no record is missed once its window
 *    has closed (as the medication page says), still due before.
 *  - Night exits: night-exit alerts raised (at the door's opening) in the night that follows D.
 *  - Minutes out: from stored fixes against the safe zones; see minutesOut below.
 *  - Handled by: who gave the first "I'm on it" to alerts acknowledged in the period.
 *  - Nobody acknowledged: alerts raised in the period, other than sensor faults, with no acknowledgement.
 *  - Sensor problems: sensor-silent and low-battery alerts (and the hub's own storage running out,
 *    issue 10) open at the period's end (or now).
 *
 * No location is shown here (minutes out is a sum, not a place), so nothing is audited as a location view.
 */
export const DEFAULT_NIGHT = { start: '22:00', end: '07:00' } as const;

/** Without a heartbeat, a tracker silent longer than this between two fixes says nothing of the time between. */
const DEFAULT_FIX_GAP_MS = 30 * 60_000;

const FORMER_MEMBER = 'a former member of the circle';

export interface CareDay {
  /** The local date, YYYY-MM-DD. */
  date: string;
  /** Unix ms: the night's end on `date`, where the day's record starts. */
  from: number;
  /** Unix ms: the night's end on the next date, where it ends (exclusive). */
  to: number;
  /** When the waking hours end: the next night's start (or `to` without a night). */
  wakingTo: number;
  /** The night that follows the day; undefined when rules.night is an empty window (start = end). */
  night: { from: number; to: number } | undefined;
}

/** rules.night, or the default 22:00–07:00 (the digest's "night" exists even when night-exit is off). */
export function nightOf(household: Household): { start: string; end: string } {
  return household.rules?.night ?? DEFAULT_NIGHT;
}

/** The period the digest of `date` covers (see above). */
export function careDay(date: string, timeZone: string, night: { start: string; end: string }): CareDay {
  const start = clockMinutes(night.start);
  const end = clockMinutes(night.end);
  const next = addDays(date, 1);
  if (start === end) {
    const from = zonedInstant(date, 0, timeZone);
    const to = zonedInstant(next, 0, timeZone);
    return { date, from, to, wakingTo: to, night: undefined };
  }
  const from = zonedInstant(date, end, timeZone);
  const to = zonedInstant(next, end, timeZone);
  // 22:00–07:00 starts on the same date; 00:30–06:00 starts after midnight, on the next one.
  const nightFrom = zonedInstant(start > end ? date : next, start, timeZone);
  return { date, from, to, wakingTo: nightFrom, night: { from: nightFrom, to } };
}

/** The date whose period holds `at`: before the night ends, that is still yesterday's. */
export function careDateAt(at: number, timeZone: string, night: { start: string; end: string }): string {
  const today = localDate(at, timeZone);
  return at >= careDay(today, timeZone, night).from ? today : addDays(today, -1);
}

export interface DigestDay {
  date: string;
  timezone: string;
  /** Unix ms, the period covered: [from, to). */
  from: number;
  to: number;
  /** False while the period is still going: the facts are the day so far. */
  complete: boolean;
  facts: DayFacts;
  title: string;
  line: string;
}

/** One member in the weekly view: the nights (by the date each began) they were notified in. */
export interface WokenMember extends WokenCount {
  /** null for someone whose account has since been removed. */
  userId: number | null;
  dates: string[];
}

export interface WokenWeek {
  /** The first and last dates whose nights are counted (seven of them). */
  from: string;
  end: string;
  timezone: string;
  members: WokenMember[];
  line: string;
}

/** Who was notified when, for the incident page (issue 6, item 5). */
export interface IncidentNotification {
  at: string;
  alertId: string;
  alertType: AlertType;
  alertTitle: string;
  /** Who was told; null when the step named nobody. */
  member: { id: number; name: string } | null;
  details: Record<string, unknown>;
}

function usage(reply: string, message: string): HomewardError {
  return new HomewardError('HW_USAGE', message, { reply });
}

/**
 * Whether a 'notified' entry is a call that reached a phone: a ladder step (escalation.ts records
 * {step, audience, outcomes}) that some channel delivered. A follow-up ("Anna is on it", "it is over":
 * {message, outcomes}) goes only to people already told, so counting it would count one alert twice;
 * a step no channel delivered woke nobody. An entry without outcomes is counted: it says someone was told.
 */
export function wokeSomeone(details: Record<string, unknown>): boolean {
  if (typeof details.message === 'string') return false;
  const outcomes = details.outcomes;
  if (!Array.isArray(outcomes)) return true;
  return outcomes.some((outcome: unknown) => (outcome as { status?: unknown } | null)?.status === 'delivered');
}

/** Merged length of [start, end) spans, in ms. */
function coveredMs(spans: Array<[number, number]>): number {
  let total = 0;
  let reach = -Infinity;
  for (const [start, end] of [...spans].sort((a, b) => a[0] - b[0])) {
    const from = Math.max(start, reach);
    if (end > from) total += end - from;
    reach = Math.max(reach, end);
  }
  return total;
}

export function createDigestFacts(deps: { store: Store; household: HouseholdService; clock: Clock }) {
  const { store, household, clock } = deps;
  const repo = createDigestRepo(store.db);
  const names = createResponderNames(store);

  function checkDate(date: string, field: string, timeZone: string, night: { start: string; end: string }): void {
    if (!isLocalDate(date)) throw usage('invalid_date', `${field}: "${date}" is not a date (YYYY-MM-DD)`);
    const current = careDateAt(clock.now(), timeZone, night);
    if (date > current) throw usage('date_in_future', `${field}: ${date} has not begun yet (the current day is ${current})`);
  }

  function devicesOf(household: Household, kinds: ReadonlyArray<HouseholdDevice['kind']>, nums: ReadonlyMap<string, number>) {
    return (household.devices ?? []).flatMap((device) => {
      const num = nums.get(device.id);
      return kinds.includes(device.kind) && num !== undefined ? [{ device, num }] : [];
    });
  }

  function upAt(h: Household, nums: ReadonlyMap<string, number>, day: CareDay, timeZone: string): string | undefined {
    let first: number | undefined;
    for (const { device, num } of devicesOf(h, ['door', 'pillbox'], nums)) {
      const at = repo.firstOpening(num, device.kind === 'door' ? 'door' : 'pillbox', day.from, day.wakingTo);
      if (at !== undefined && (first === undefined || at < first)) first = at;
    }
    return first === undefined ? undefined : localClock(first, timeZone);
  }

  function doses(h: Household, date: string, timeZone: string, now: number): DayFacts['doses'] {
    const medications = h.rules?.medication ?? [];
    const slugs = doseSlugs(medications);
    const records = new Map(store.ruleState.doses(date, date).map((r) => [r.dose, r]));
    const result: DayFacts['doses'] = { scheduled: 0, onTime: 0, late: 0, pending: 0, missed: [], double: [] };
    const count = (name: string, status: string) => {
      result.scheduled++;
      if (status === 'on-time') result.onTime++;
      else if (status === 'late') result.late++;
      else if (status === 'pending') result.pending++;
      else if (status === 'double') result.double.push(name);
      else result.missed.push(name);
    };
    medications.forEach((medication, i) => {
      const window = doseWindow(medication, timeZone, date);
      if (window === undefined) return;
      const slug = slugs[i] as string;
      const record = records.get(slug);
      records.delete(slug);
      count(medication.name, record?.status ?? (now > window.end ? 'missed' : 'pending'));
    });
    // Records of doses the plan no longer names (renamed or removed since): still that day's doses.
    for (const record of records.values()) count(record.dose, record.status);
    return result;
  }

  /**
   * Minutes outside every safe zone, approximated from consecutive fixes: a fix outside its zone by
   * more than its accuracy (the left-safe-zone rule's test) counts as "out" from its time until the
   * next fix, at most one heartbeat (the tracker's, else 30 minutes): a longer gap is the tracker
   * being silent, which says nothing of where she was. The fix before the period tells where the
   * day began. Several trackers: the time any of them was out. Undefined without a tracker or a
   * zone, or when no tracker said anything in the period, because "stayed home" would then be a guess.
   */
  function minutesOut(h: Household, nums: ReadonlyMap<string, number>, day: CareDay, until: number): number | undefined {
    const zones = h.zones ?? [];
    const trackers = devicesOf(h, ['tracker'], nums);
    if (zones.length === 0 || trackers.length === 0 || until <= day.from) return undefined;
    const outside = (fix: DigestFixRow) => beyondAllZonesM(zones, fix.lat, fix.lon).metres > (fix.accuracyM ?? 0);
    const spans: Array<[number, number]> = [];
    let heard = false;
    for (const { device, num } of trackers) {
      const gap = (device.heartbeat === undefined ? undefined : parseDuration(device.heartbeat)) || DEFAULT_FIX_GAP_MS;
      const { before, during } = repo.fixes(num, day.from, until);
      const recentBefore = before !== undefined && before.at >= day.from - gap ? before : undefined;
      const fixes = recentBefore === undefined ? during : [recentBefore, ...during];
      if (fixes.length > 0) heard = true;
      fixes.forEach((fix, i) => {
        if (!outside(fix)) return;
        const start = Math.max(fix.at, day.from);
        const end = Math.min(fixes[i + 1]?.at ?? until, fix.at + gap, until);
        if (end > start) spans.push([start, end]);
      });
    }
    return heard ? Math.round(coveredMs(spans) / 60_000) : undefined;
  }

  function handledBy(day: CareDay): DayFacts['handledBy'] {
    const helpers = new Map<string, { name: string; alerts: number }>();
    for (const alert of repo.acknowledged(day.from, day.to)) {
      const who = names.acknowledgerOf(alert);
      if (who === null) continue;
      const key = who.id === null ? `integration:${who.name}` : `user:${who.id}`;
      const helper = helpers.get(key) ?? { name: who.name, alerts: 0 };
      helper.alerts++;
      helpers.set(key, helper);
    }
    return [...helpers.values()];
  }

  function sensorProblems(h: Household, at: number): string[] {
    const byId = new Map((h.devices ?? []).map((d) => [d.id, d.name]));
    const problems = new Set<string>();
    for (const alert of repo.openAt(at, faultTypes)) {
      // Issue 10: the hub's own storage, not a sensor.
      if (alert.type === 'hub-storage-low') {
        problems.add('the hub (storage nearly full)');
        continue;
      }
      const detailName = alert.details.deviceName;
      const name = (alert.deviceId === null ? undefined : byId.get(alert.deviceId)) ?? (typeof detailName === 'string' ? detailName : (alert.deviceId ?? 'a sensor'));
      const battery = alert.details.battery;
      problems.add(alert.type === 'low-battery' ? `${name} (battery ${typeof battery === 'number' ? `${battery} %` : 'low'})` : `${name} (silent)`);
    }
    return [...problems];
  }

  return {
    /** The date whose digest is being written now (yesterday's until the night ends). */
    currentDate(): string {
      const h = household.view().household;
      return careDateAt(clock.now(), h.home.timezone, nightOf(h));
    },

    /** One day's facts and line. HW_USAGE invalid_date or date_in_future. */
    day(date: string): DigestDay {
      const view = household.view();
      const h = view.household;
      const timeZone = h.home.timezone;
      const night = nightOf(h);
      checkDate(date, 'date', timeZone, night);
      const now = clock.now();
      const day = careDay(date, timeZone, night);
      const until = Math.min(day.to, now);
      const raised = repo.raised(day.from, day.to);
      const facts: DayFacts = {
        date,
        personName: h.person.name,
        upAt: upAt(h, view.deviceNums, day, timeZone),
        doses: doses(h, date, timeZone, now),
        nightExits: day.night === undefined ? 0 : repo.raised(day.night.from, day.night.to).filter((a) => a.type === 'night-exit').length,
        minutesOut: minutesOut(h, view.deviceNums, day, until),
        handledBy: handledBy(day),
        unacknowledged: raised.filter((a) => !isFaultType(a.type) && a.acknowledgedAt === null).length,
        careNotes: repo.careNoteCount(day.from, day.to),
        sensorProblems: sensorProblems(h, until),
      };
      return { date, timezone: timeZone, from: day.from, to: day.to, complete: now >= day.to, facts, title: digestTitle(facts), line: digestLine(facts) };
    },

    /**
     * Who was woken how often over the seven nights that follow the dates end-6 … end: a night counts
     * for a member when at least one 'notified' timeline entry names them between rules.night's start
     * and end (a call that reached a phone: wokeSomeone). A night is named by the date it begins on,
     * so 23:00 and 02:00 are one night, not two.
     */
    week(end: string): WokenWeek {
      const h = household.view().household;
      const timeZone = h.home.timezone;
      const night = nightOf(h);
      checkDate(end, 'end', timeZone, night);
      const from = addDays(end, -6);
      const nights: Array<{ date: string; from: number; to: number }> = [];
      for (let date = from; date <= end; date = addDays(date, 1)) {
        const span = careDay(date, timeZone, night).night;
        if (span !== undefined) nights.push({ date, ...span });
      }
      const members = new Map<number, WokenMember>();
      for (const user of store.users.all()) {
        if (user.disabledAt === null) members.set(user.id, { userId: user.id, name: user.name, nights: 0, notifications: 0, dates: [] });
      }
      const first = nights[0];
      const last = nights[nights.length - 1];
      if (first !== undefined && last !== undefined) {
        for (const row of repo.notified(first.from, last.to)) {
          if (row.userId === null || !wokeSomeone(row.details)) continue;
          const inNight = nights.find((n) => row.at >= n.from && row.at < n.to);
          if (inNight === undefined) continue;
          const member = members.get(row.userId) ?? { userId: row.userId, name: row.userName ?? FORMER_MEMBER, nights: 0, notifications: 0, dates: [] };
          member.notifications++;
          if (!member.dates.includes(inNight.date)) member.dates.push(inNight.date);
          member.nights = member.dates.length;
          members.set(row.userId, member);
        }
      }
      const list = [...members.values()].sort((a, b) => b.nights - a.nights || b.notifications - a.notifications || a.name.localeCompare(b.name));
      return { from, end, timezone: timeZone, members: list, line: wokenLine(list) };
    },

    /** Who was notified when, across an incident's alerts, oldest first. HW_NOT_FOUND for an unknown incident. */
    notifiedForIncident(incidentId: string): IncidentNotification[] {
      if (store.incidents.byId(incidentId) === undefined) throw new HomewardError('HW_NOT_FOUND', `no incident ${incidentId}`, { reply: 'not_found' });
      return repo.notifiedInIncident(incidentId).map((row) => ({
        at: new Date(row.at).toISOString(),
        alertId: row.alertId,
        alertType: row.alertType,
        alertTitle: row.alertTitle,
        member: row.userId === null ? null : { id: row.userId, name: row.userName ?? FORMER_MEMBER },
        details: row.details,
      }));
    },
  };
}

export type DigestFactsService = ReturnType<typeof createDigestFacts>;
