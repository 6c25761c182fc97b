import type { AlertClearance, AlertDraft, AlertType, RuleOutcome, Severity } from '../../src/core/alerts.js';
import type { DeviceState } from '../../src/core/device-state.js';
import type { Household, HouseholdDevice } from '../../src/core/household.js';
import type { DoorReading, PillboxReading, PositionReading, Reading } from '../../src/core/readings.js';
import { applyReading } from '../../src/ingest/device-state.js';
import type { OpenAlertView, Rule, RuleView } from '../../src/rules/rule.js';
import { emptyDeviceState } from '../../src/store/device-state-repo.js';

/**
 * A hand-built RuleView over in-memory arrays: a test double of the read port the engine builds over
 * the store (src/rules/rule.ts), not of one of our modules. Device state is folded by the real
 * applyReading, so rules see state exactly as ingest leaves it. Time is a manual clock: set `now`.
 *
 * `apply` does what rule.ts says the engine does with an outcome: a draft whose key was ever raised
 * is ignored; a clearance resolves the open alert with that key.
 */
export interface StoredAlert extends OpenAlertView {
  severity: Severity;
  title: string;
  at: number;
  status: 'open' | 'resolved';
  resolvedAt?: number;
  reason?: string;
}

export interface FakeRuleView extends RuleView {
  /** The manual clock (Unix ms). */
  now: number;
  household: Household;
  /** Every alert ever raised, oldest first. */
  readonly alerts: StoredAlert[];
  /**
   * Commits a reading as ingest does: stored once per (device, kind, at) — a second one with the same
   * time is a duplicate and not stored — and folded into state, received at `receivedAt` (default now).
   * Returns whether it was stored (only stored readings reach the rules).
   */
  commit(reading: Reading, receivedAt?: number): boolean;
  /** Overwrites part of a device's state. */
  setState(deviceId: string, patch: Partial<DeviceState>): void;
  setAddedAt(deviceId: string, at: number): void;
  /** Raises an alert directly, as if an earlier run of the engine had (for set-ups). */
  seedAlert(draft: AlertDraft, status?: 'open' | 'resolved'): void;
  /** Applies an outcome as the engine would; returns what actually changed. */
  apply(outcome: RuleOutcome): { raised: AlertDraft[]; cleared: AlertClearance[] };
}

export function createFakeView(household: Household, now: number): FakeRuleView {
  const readings: Reading[] = [];
  const states = new Map<string, DeviceState>();
  const added = new Map<string, number>();
  const alerts: StoredAlert[] = [];
  let nextNum = 1;

  const stored = (reading: Reading) => readings.some((r) => r.deviceId === reading.deviceId && r.kind === reading.kind && r.at === reading.at);
  const isOpening = (r: Reading): r is DoorReading | PillboxReading => (r.kind === 'door' || r.kind === 'pillbox') && r.open;
  const byAt = (a: Reading, b: Reading) => a.at - b.at;
  const stateOf = (deviceId: string): DeviceState => {
    let state = states.get(deviceId);
    if (state === undefined) {
      state = emptyDeviceState(nextNum++);
      states.set(deviceId, state);
    }
    return state;
  };

  const view: FakeRuleView = {
    now,
    household,
    alerts,
    get timezone() {
      return view.household.home.timezone;
    },
    get devices(): readonly HouseholdDevice[] {
      return view.household.devices ?? [];
    },
    device: (id) => view.devices.find((device) => device.id === id),
    state: (deviceId) => states.get(deviceId),
    addedAt: (deviceId) => added.get(deviceId),
    recentFixes: (deviceId, limit) =>
      readings
        .filter((r): r is PositionReading => r.kind === 'position' && r.deviceId === deviceId)
        .sort((a, b) => b.at - a.at)
        .slice(0, limit),
    pillboxOpenings: (from, to) =>
      readings.filter((r): r is PillboxReading => r.kind === 'pillbox' && r.open && r.at >= from && r.at < to).sort(byAt),
    activityCount: (from, to) => readings.filter((r) => isOpening(r) && r.at >= from && r.at < to).length,
    // The rules judged with this view record no doses by hand; missed-dose has its own world (medication-view.ts).
    doseRecord: () => undefined,
    openAlert: (key) => alerts.find((alert) => alert.key === key && alert.status === 'open'),
    openAlerts: (type?: AlertType) => alerts.filter((alert) => alert.status === 'open' && (type === undefined || alert.type === type)),
    raised: (key) => alerts.some((alert) => alert.key === key),

    commit(reading, receivedAt = view.now) {
      // Health readings are not stored as history (ingest keeps them in state only).
      if (reading.kind !== 'health') {
        if (stored(reading)) return false;
        readings.push(reading);
      }
      states.set(reading.deviceId, applyReading(stateOf(reading.deviceId), reading, receivedAt));
      return true;
    },
    setState(deviceId, patch) {
      states.set(deviceId, { ...stateOf(deviceId), ...patch });
    },
    setAddedAt(deviceId, at) {
      added.set(deviceId, at);
    },
    seedAlert(draft, status = 'open') {
      alerts.push(toStored(draft, alerts.length + 1, status));
    },
    apply(outcome) {
      const raised: AlertDraft[] = [];
      const cleared: AlertClearance[] = [];
      for (const draft of outcome.raise) {
        if (view.raised(draft.key)) continue;
        alerts.push(toStored(draft, alerts.length + 1, 'open'));
        raised.push(draft);
      }
      for (const clearance of outcome.clear) {
        const alert = view.openAlert(clearance.key);
        if (alert === undefined) continue;
        const stored = alert as StoredAlert;
        stored.status = 'resolved';
        stored.resolvedAt = clearance.at;
        stored.reason = clearance.reason;
        cleared.push(clearance);
      }
      return { raised, cleared };
    },
  };
  return view;
}

function toStored(draft: AlertDraft, n: number, status: 'open' | 'resolved'): StoredAlert {
  return {
    id: `alert-${n}`,
    key: draft.key,
    type: draft.type,
    deviceId: draft.deviceId ?? null,
    raisedAt: draft.at,
    details: draft.details,
    severity: draft.severity,
    title: draft.title,
    at: draft.at,
    status,
  };
}

/**
 * Drives one rule as the engine does (rule.ts): each committed reading through onReading; ticks over
 * (watermark, to] with the watermark kept across "restarts"; after a backward clock jump nothing is
 * called until time passes the watermark again.
 */
export interface RuleHarness {
  view: FakeRuleView;
  rule: Rule;
  watermark: number;
  /** Sets the clock to `at` (default: unchanged), commits the reading and runs onReading. */
  deliver(reading: Reading, at?: number): { raised: AlertDraft[]; cleared: AlertClearance[] };
  /** Sets the clock to `to` and ticks (watermark, to]. */
  tick(to: number): { raised: AlertDraft[]; cleared: AlertClearance[] };
  /** Ticks every `stepMs` from now up to and including `to`. */
  tickThrough(to: number, stepMs: number): { raised: AlertDraft[]; cleared: AlertClearance[] };
  /** Open alerts of the rule's type. */
  open(): StoredAlert[];
}

export function createRuleHarness(rule: Rule, household: Household, start: number, view = createFakeView(household, start)): RuleHarness {
  const none = () => ({ raised: [] as AlertDraft[], cleared: [] as AlertClearance[] });
  const harness: RuleHarness = {
    view,
    rule,
    watermark: start,
    deliver(reading, at = view.now) {
      view.now = at;
      if (!view.commit(reading, at) || rule.onReading === undefined) return none();
      return view.apply(rule.onReading(view, reading));
    },
    tick(to) {
      view.now = to;
      if (to <= harness.watermark || rule.onTick === undefined) return none();
      const outcome = rule.onTick(view, harness.watermark, to);
      harness.watermark = to;
      return view.apply(outcome);
    },
    tickThrough(to, stepMs) {
      const all = none();
      for (let t = Math.min(view.now + stepMs, to); ; t = Math.min(t + stepMs, to)) {
        const one = harness.tick(t);
        all.raised.push(...one.raised);
        all.cleared.push(...one.cleared);
        if (t >= to) break;
      }
      return all;
    },
    open: () => view.alerts.filter((alert) => alert.status === 'open' && alert.type === rule.id),
  };
  return harness;
}

// Readings, as decoders produce them.

export function doorReading(deviceId: string, at: number, open: boolean): DoorReading {
  return { kind: 'door', deviceId, at, atFromDevice: true, open };
}

export function fixReading(deviceId: string, at: number, position: { lat: number; lon: number }, accuracyM?: number): PositionReading {
  return { kind: 'position', deviceId, at, atFromDevice: true, lat: position.lat, lon: position.lon, ...(accuracyM === undefined ? {} : { accuracyM }) };
}

export function pillboxReading(deviceId: string, at: number, compartment: number, open: boolean): PillboxReading {
  return { kind: 'pillbox', deviceId, at, atFromDevice: true, compartment, open };
}

/** Metres per degree of latitude on geo.ts's sphere. */
const METRES_PER_DEGREE = (6_371_008.8 * Math.PI) / 180;

/** A point `metres` north (negative: south) of another. */
export function north(from: { lat: number; lon: number }, metres: number): { lat: number; lon: number } {
  return { lat: from.lat + metres / METRES_PER_DEGREE, lon: from.lon };
}

/** A point `metres` east (negative: west) of another. */
export function east(from: { lat: number; lon: number }, metres: number): { lat: number; lon: number } {
  return { lat: from.lat, lon: from.lon + metres / (METRES_PER_DEGREE * Math.cos((from.lat * Math.PI) / 180)) };
}
