import { nothing, type RuleOutcome } from '../core/alerts.js';
import type { Reading } from '../core/readings.js';
import type { OpenAlertView, Rule, RuleView } from './rule.js';

/**
 * Low battery (DESIGN.md, "Rule semantics"): a battery below rules.lowBatteryPercent (default 20 %)
 * → notice; key `low-battery:<deviceId>:<batteryAt of the first low reading>`, one per episode.
 *
 * Hysteresis (principle 3, "boring and quiet"): the notice resolves only at threshold + 5 %, so a
 * battery hovering at 19–21 % (cells read lower in the cold, higher after a rest) gives one notice,
 * not one a day. While one is open no other is raised for the device.
 *
 * Judged on each reading that carries a battery level, and on each tick from stored state (a
 * reading committed but not shown to us before a crash, or a threshold raised in the care plan).
 * A reading older than the stored battery (state.batteryAt) is history and judges nothing: ingest
 * keeps the newest level as current (src/ingest/device-state.ts).
 *
 * Known limit: the rule has no memory but alerts, so a notice resolved by hand while the battery is
 * still low comes back with the next low report (a new episode key). Changing the battery is the cure.
 */

const TYPE = 'low-battery';
const DEFAULT_PERCENT = 20;
const HYSTERESIS_PERCENT = 5;

export function lowBatteryKey(deviceId: string, firstLowAt: number): string {
  return `${TYPE}:${deviceId}:${firstLowAt}`;
}

function threshold(view: RuleView): number {
  return view.household.rules?.lowBatteryPercent ?? DEFAULT_PERCENT;
}

function openFor(view: RuleView, deviceId: string): OpenAlertView[] {
  return view.openAlerts(TYPE).filter((a) => a.deviceId === deviceId);
}

/** One device's battery level at `batteryAt`, judged against the care plan's threshold. */
function judge(view: RuleView, deviceId: string, battery: number, batteryAt: number, outcome: RuleOutcome): void {
  const device = view.device(deviceId);
  if (device === undefined) return;
  const below = threshold(view);
  if (battery < below) {
    if (openFor(view, deviceId).length > 0) return;
    outcome.raise.push({
      type: TYPE,
      key: lowBatteryKey(deviceId, batteryAt),
      severity: 'notice',
      deviceId,
      at: batteryAt,
      title: `${device.name}: battery low (${battery} %)`,
      details: { deviceName: device.name, battery, threshold: below },
    });
  } else if (battery >= below + HYSTERESIS_PERCENT) {
    for (const alert of openFor(view, deviceId)) {
      outcome.clear.push({ key: alert.key, at: view.now, reason: `battery at ${battery} %` });
    }
  }
}

export const lowBatteryRule: Rule = {
  id: TYPE,

  onReading(view: RuleView, reading: Reading): RuleOutcome {
    const outcome = nothing();
    if (reading.battery === undefined) return outcome;
    const storedAt = view.state(reading.deviceId)?.batteryAt;
    if (storedAt != null && reading.at < storedAt) return outcome;
    judge(view, reading.deviceId, reading.battery, reading.at, outcome);
    return outcome;
  },

  onTick(view: RuleView): RuleOutcome {
    const outcome = nothing();
    for (const device of view.devices) {
      const state = view.state(device.id);
      if (state?.battery == null || state.batteryAt === null) continue;
      judge(view, device.id, state.battery, state.batteryAt, outcome);
    }
    for (const alert of view.openAlerts(TYPE)) {
      if (alert.deviceId !== null && view.device(alert.deviceId) === undefined) {
        outcome.clear.push({ key: alert.key, at: view.now, reason: 'device removed from the household' });
      }
    }
    return outcome;
  },
};
