import type { DoseRecord } from '../core/alerts.js';
import type { AlertType, RuleOutcome } from '../core/alerts.js';
import type { DeviceState } from '../core/device-state.js';
import type { Household, HouseholdDevice } from '../core/household.js';
import type { PillboxReading, PositionReading, Reading } from '../core/readings.js';

/**
 * A rule: one file in src/rules/, one line in src/rules/registry.ts (DESIGN.md, "Layout"). Rules are
 * pure — (view, event or tick, now) → outcome — and see the world only through RuleView, a narrow read
 * port the engine builds over the store. They never read Date.now(): `view.now` is the injected clock.
 *
 * Exactness comes from the engine, not from timers (DESIGN.md principle 1):
 *  - onTick(view, from, to) is called with `from` = the rule's stored watermark and `to` = now, so a
 *    deadline that passed while the hub was down, or that a forward clock jump skipped, falls in
 *    (from, to] exactly once; after a backward jump the engine calls nothing until time catches up;
 *  - every alert has a key naming its condition; the engine ignores a draft whose key was ever raised,
 *    so re-deriving the same condition after a restart never duplicates it.
 */
export interface OpenAlertView {
  id: string;
  key: string;
  type: AlertType;
  deviceId: string | null;
  raisedAt: number;
  details: Record<string, unknown>;
}

export interface RuleView {
  /** Now, from the injected clock (Unix ms). */
  now: number;
  household: Household;
  /** household.home.timezone: every rule evaluates local times here. */
  timezone: string;
  /** Devices in the household now. */
  devices: readonly HouseholdDevice[];
  device(id: string): HouseholdDevice | undefined;
  /** Current state (door open, last fix, battery, last seen); undefined if never heard from. */
  state(deviceId: string): DeviceState | undefined;
  /** When the device joined the household (for "silent since it was added"). */
  addedAt(deviceId: string): number | undefined;
  /**
   * The hub's latest stretch of not running: from the instant its rules had judged up to when it
   * stopped or died, to its first tick after starting. Nothing could be heard then.
   */
  hubDowntime?: { from: number; to: number } | undefined;
  /** A tracker's stored fixes, newest first. */
  recentFixes(deviceId: string, limit: number): PositionReading[];
  /** Pill-box lid openings (open: true only), of every pill box, with at in [from, to), oldest first. */
  pillboxOpenings(from: number, to: number): PillboxReading[];
  /** The adherence recorded for a dose on a local date (a dose given by hand is recorded here). */
  doseRecord(dose: string, date: string): DoseRecord | undefined;
  /** How many door or pill-box openings happened in [from, to) (for inactivity). */
  activityCount(from: number, to: number): number;
  /** The open alert with this key, if any. */
  openAlert(key: string): OpenAlertView | undefined;
  /** Open alerts, optionally of one type. */
  openAlerts(type?: AlertType): OpenAlertView[];
  /** Whether an alert with this key was ever raised (open or resolved). */
  raised(key: string): boolean;
}

export interface Rule {
  /** Stable id: names the rule's watermark in the database. */
  id: string;
  /** Called for every committed reading, in commit order. */
  onReading?(view: RuleView, reading: Reading): RuleOutcome;
  /** Called on every engine tick: evaluate deadlines in (from, to]. */
  onTick?(view: RuleView, from: number, to: number): RuleOutcome;
}
