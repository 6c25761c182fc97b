import type { AlertDraft, AlertType, DoseRecord, RuleOutcome } from '../../src/core/alerts.js';
import type { DeviceState } from '../../src/core/device-state.js';
import type { Household } from '../../src/core/household.js';
import type { DoorReading, HealthReading, PillboxReading, Reading } from '../../src/core/readings.js';
import { zonedInstant } from '../../src/core/local-time.js';
import { applyReading } from '../../src/ingest/device-state.js';
import type { OpenAlertView, Rule, RuleView } from '../../src/rules/rule.js';
import { emptyDeviceState } from '../../src/store/device-state-repo.js';
import { dosePrecedence } from '../../src/store/rule-state-repo.js';

/**
 * A hand-built RuleView over in-memory arrays for the medication, inactivity, sensor-silent and
 * low-battery rules, plus the two things the real engine promises those rules (rule.ts): a draft whose
 * key was ever raised is ignored, and DoseRecords are upserted by (dose, date). Device state is folded
 * by the real applyReading, so "last seen" and "battery" mean what ingest makes them mean.
 */

export interface StoredAlert extends OpenAlertView {
  title: string;
  severity: AlertDraft['severity'];
  open: boolean;
  clearedAt?: number;
  reason?: string;
}

export interface World {
  household: Household;
  now: number;
  readings: Reading[];
  states: Map<string, DeviceState>;
  added: Map<string, number>;
  alerts: Map<string, StoredAlert>;
  doses: Map<string, DoseRecord>;
  /** Every draft any rule proposed, accepted or not (for "proposed once" checks). */
  proposed: AlertDraft[];
}

export function createWorld(household: Household, now: number, addedAt = now): World {
  const added = new Map<string, number>();
  for (const device of household.devices ?? []) added.set(device.id, addedAt);
  return { household, now, readings: [], states: new Map(), added, alerts: new Map(), doses: new Map(), proposed: [] };
}

export function viewOf(world: World): RuleView {
  const devices = world.household.devices ?? [];
  const open = (alert: StoredAlert): OpenAlertView => ({
    id: alert.id,
    key: alert.key,
    type: alert.type,
    deviceId: alert.deviceId,
    raisedAt: alert.raisedAt,
    details: alert.details,
  });
  return {
    now: world.now,
    household: world.household,
    timezone: world.household.home.timezone,
    devices,
    device: (id) => devices.find((d) => d.id === id),
    state: (id) => world.states.get(id),
    addedAt: (id) => world.added.get(id),
    recentFixes: () => [],
    pillboxOpenings: (from, to) =>
      world.readings
        .filter((r): r is PillboxReading => r.kind === 'pillbox' && r.open && r.at >= from && r.at < to)
        .sort((a, b) => a.at - b.at),
    activityCount: (from, to) =>
      world.readings.filter((r) => (r.kind === 'door' || r.kind === 'pillbox') && r.open && r.at >= from && r.at < to).length,
    doseRecord: (dose, date) => world.doses.get(`${dose}|${date}`),
    openAlert: (key) => {
      const alert = world.alerts.get(key);
      return alert?.open === true ? open(alert) : undefined;
    },
    openAlerts: (type?: AlertType) => [...world.alerts.values()].filter((a) => a.open && (type === undefined || a.type === type)).map(open),
    raised: (key) => world.alerts.has(key),
  };
}

/** What the engine makes of an outcome: new keys raised, open keys cleared, doses upserted. */
export function applyOutcome(world: World, outcome: RuleOutcome): { raised: string[]; cleared: string[] } {
  const raised: string[] = [];
  const cleared: string[] = [];
  for (const draft of outcome.raise) {
    world.proposed.push(draft);
    if (world.alerts.has(draft.key)) continue;
    world.alerts.set(draft.key, {
      id: `a${world.alerts.size + 1}`,
      key: draft.key,
      type: draft.type,
      deviceId: draft.deviceId ?? null,
      raisedAt: draft.at,
      details: draft.details,
      title: draft.title,
      severity: draft.severity,
      open: true,
    });
    raised.push(draft.key);
  }
  for (const clearance of outcome.clear) {
    const alert = world.alerts.get(clearance.key);
    if (alert === undefined || !alert.open) continue;
    alert.open = false;
    alert.clearedAt = clearance.at;
    alert.reason = clearance.reason;
    cleared.push(clearance.key);
  }
  for (const dose of outcome.doses) {
    // As the store does (rule-state-repo.ts), "missed" never replaces a dose recorded as taken.
    const existing = world.doses.get(`${dose.dose}|${dose.date}`);
    if (existing === undefined || dose.status !== 'missed' || dosePrecedence[existing.status] <= dosePrecedence.missed) world.doses.set(`${dose.dose}|${dose.date}`, dose);
  }
  return { raised, cleared };
}

/** Commits a reading (received at world.now) and shows it to each rule, as the engine will. */
export function commit(world: World, reading: Reading, rules: readonly Rule[]): { raised: string[]; cleared: string[] } {
  world.readings.push(reading);
  const num = world.states.size + 1;
  world.states.set(reading.deviceId, applyReading(world.states.get(reading.deviceId) ?? emptyDeviceState(num), reading, world.now));
  const result = { raised: [] as string[], cleared: [] as string[] };
  for (const rule of rules) {
    if (rule.onReading === undefined) continue;
    const r = applyOutcome(world, rule.onReading(viewOf(world), reading));
    result.raised.push(...r.raised);
    result.cleared.push(...r.cleared);
  }
  return result;
}

/** One engine tick for one rule: (from, to] with to = world.now. */
export function tick(world: World, rule: Rule, from: number): { raised: string[]; cleared: string[] } {
  if (rule.onTick === undefined) return { raised: [], cleared: [] };
  return applyOutcome(world, rule.onTick(viewOf(world), from, world.now));
}

/** A tiny engine loop: per-rule watermarks, ticks only forward (rule.ts), readings shown at commit. */
export interface Engine {
  world: World;
  watermarks: Map<string, number>;
  /** Moves the clock (either way) and ticks every rule whose watermark it passes. */
  setClock(now: number): void;
  receive(reading: Reading): void;
}

export function createEngine(world: World, rules: readonly Rule[]): Engine {
  const watermarks = new Map<string, number>(rules.map((r) => [r.id, world.now]));
  return {
    world,
    watermarks,
    setClock(now) {
      world.now = now;
      for (const rule of rules) {
        const mark = watermarks.get(rule.id) ?? now;
        if (now <= mark) continue;
        tick(world, rule, mark);
        watermarks.set(rule.id, now);
      }
    },
    receive(reading) {
      commit(world, reading, rules);
    },
  };
}

export function pillboxOpening(at: number, compartment = 0, deviceId = 'pillbox'): PillboxReading {
  return { kind: 'pillbox', deviceId, at, atFromDevice: false, compartment, open: true };
}

export function pillboxClosing(at: number, compartment = 0, deviceId = 'pillbox'): PillboxReading {
  return { kind: 'pillbox', deviceId, at, atFromDevice: false, compartment, open: false };
}

export function doorReading(at: number, open: boolean, deviceId = 'front-door'): DoorReading {
  return { kind: 'door', deviceId, at, atFromDevice: false, open };
}

export function healthReading(at: number, deviceId: string, extra: Partial<HealthReading> = {}): HealthReading {
  return { kind: 'health', deviceId, at, atFromDevice: false, ...extra };
}

export function openKeys(world: World, type?: AlertType): string[] {
  return [...world.alerts.values()].filter((a) => a.open && (type === undefined || a.type === type)).map((a) => a.key);
}

export function allKeys(world: World, type?: AlertType): string[] {
  return [...world.alerts.values()].filter((a) => type === undefined || a.type === type).map((a) => a.key);
}

/**
 * An instant from "YYYY-MM-DD HH:MM[:SS[.mmm]]" on the home's clock (compatible DST disambiguation,
 * like the rules), or from an ISO string ending in Z when a test needs one side of a DST change.
 */
export function instant(text: string, timezone: string): number {
  if (text.endsWith('Z')) return Date.parse(text);
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{3}))?)?$/.exec(text);
  if (match === null) throw new Error(`not a local time: ${text}`);
  const [, date, h, m, s, ms] = match;
  return zonedInstant(date as string, Number(h) * 60 + Number(m), timezone) + Number(s ?? 0) * 1000 + Number(ms ?? 0);
}

/** One step of a table-driven scenario, times on the home's clock (see instant). */
export type Step =
  /** The clock reaches `at` (the engine ticks every rule whose watermark it passes). */
  | { at: string }
  /** A lid opens at `at`: the reading is committed, then the clock reaches `at`. */
  | { at: string; open: number }
  /** A reading stamped `stamped` (the device's own time) arrives when the clock says `at`. */
  | { at: string; open: number; stamped: string };

/** Plays steps against an engine that starts with every watermark at `start`. */
export function play(household: Household, rules: readonly Rule[], start: string, steps: readonly Step[]): Engine {
  const timezone = household.home.timezone;
  const world = createWorld(household, instant(start, timezone));
  const engine = createEngine(world, rules);
  for (const step of steps) {
    const now = instant(step.at, timezone);
    if ('open' in step) {
      world.now = now;
      const stamped = 'stamped' in step ? instant(step.stamped, timezone) : now;
      engine.receive(pillboxOpening(stamped, step.open));
    }
    engine.setClock(now);
  }
  return engine;
}

/** Final DoseRecord statuses, "dose|date" → status. */
export function doseStatuses(world: World): Record<string, string> {
  return Object.fromEntries([...world.doses.entries()].map(([k, v]) => [k, v.status]));
}
