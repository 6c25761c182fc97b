import { nothing, type RuleOutcome } from '../core/alerts.js';
import { parseDuration } from '../core/duration.js';
import type { HouseholdDevice } from '../core/household.js';
import type { Reading } from '../core/readings.js';
import type { OpenAlertView, Rule, RuleView } from './rule.js';

/**
 * Sensor silent (DESIGN.md, "Rule semantics"; principle 1: "a silent sensor is itself an alert"): a
 * device with a `heartbeat` that sends nothing for that long → fault alert (installers and owner);
 * anything it sends afterwards resolves it ("heard again"). Trackers are left to tracker-silent,
 * which knows whether the person is out.
 *
 * Silence runs from the last message of any kind (state.lastSeenAt, the hub's time of receipt), or
 * from when the device joined the household if it has never been heard from, so a sensor that was
 * never paired is reported too. The key `sensor-silent:<deviceId>:<silent since>` names that start:
 * a restart or a clock jump re-derives the same key, and the engine raises it once.
 *
 * Availability, kept simple: a bridge's or last will's "offline" for the device (state.online ===
 * false) raises nothing by itself. Ingest counts it as a message (lastSeenAt cannot tell the two
 * apart), so a device declared offline is reported one heartbeat after the declaration unless it
 * speaks again. But an "offline" never resolves a silent alert: hearing that a device is gone is not
 * hearing from it. Only one silent alert per device is open at a time (principle 3).
 *
 * The hub's own downtime is not the device's silence: a device last heard before the hub stopped is
 * given credit for the time the hub was not listening (view.hubDowntime), so a hub that was off for a
 * day does not greet the family with every sensor "silent" — each gets one full heartbeat of listening.
 * Only the latest downtime counts, so a hub that crash-loops for seconds at a time still notices a
 * sensor that has really gone quiet.
 *
 * Judged from stored state on every tick rather than only for deadlines in (from, to]: a heartbeat
 * added to a long-silent device, or one that changes, takes effect at the next tick; the key keeps it
 * to one alert per silence.
 */

const TYPE = 'sensor-silent';

export function sensorSilentKey(deviceId: string, silentSince: number): string {
  return `${TYPE}:${deviceId}:${silentSince}`;
}

function watched(device: HouseholdDevice | undefined): number | undefined {
  if (device === undefined || device.kind === 'tracker' || device.heartbeat === undefined) return undefined;
  const heartbeat = parseDuration(device.heartbeat);
  return heartbeat !== undefined && heartbeat > 0 ? heartbeat : undefined;
}

function openFor(view: RuleView, deviceId: string): OpenAlertView[] {
  return view.openAlerts(TYPE).filter((a) => a.deviceId === deviceId);
}

function silentSinceOf(alert: OpenAlertView): number {
  const since = alert.details.silentSince;
  return typeof since === 'number' ? since : -Infinity;
}

/** Silence counted only while the hub was listening: a downtime after the last message is added back. */
export function creditedForDowntime(lastHeard: number, downtime: { from: number; to: number } | undefined): number {
  if (downtime === undefined || lastHeard >= downtime.from) return lastHeard;
  return lastHeard + (downtime.to - downtime.from);
}

export const sensorSilentRule: Rule = {
  id: TYPE,

  onReading(view: RuleView, reading: Reading): RuleOutcome {
    const outcome = nothing();
    if (reading.kind === 'health' && reading.online === false) return outcome;
    for (const alert of openFor(view, reading.deviceId)) {
      outcome.clear.push({ key: alert.key, at: view.now, reason: 'heard again' });
    }
    return outcome;
  },

  onTick(view: RuleView, _from: number, to: number): RuleOutcome {
    const outcome = nothing();
    for (const device of view.devices) {
      const heartbeat = watched(device);
      if (heartbeat === undefined) continue;
      const state = view.state(device.id);
      const lastHeard = state?.lastSeenAt ?? view.addedAt(device.id);
      // Neither heard from nor known when added: nothing to count from (the engine always knows addedAt).
      if (lastHeard === undefined) continue;
      const since = creditedForDowntime(lastHeard, view.hubDowntime);
      const open = openFor(view, device.id);
      if (open.length > 0) {
        // A message the engine committed without showing us (a crash in between) still resolves it.
        if (state?.online !== false) {
          for (const alert of open) {
            if (state?.lastSeenAt != null && state.lastSeenAt > silentSinceOf(alert)) {
              outcome.clear.push({ key: alert.key, at: view.now, reason: 'heard again' });
            }
          }
        }
        continue;
      }
      if (since + heartbeat > to) continue;
      const heard = state?.lastSeenAt != null;
      outcome.raise.push({
        type: TYPE,
        key: sensorSilentKey(device.id, since),
        severity: 'fault',
        deviceId: device.id,
        at: since + heartbeat,
        title: heard ? `${device.name} has sent nothing for ${device.heartbeat}` : `${device.name} has not been heard from since it was added`,
        details: { deviceName: device.name, heartbeat: device.heartbeat, silentSince: since, lastHeardAt: lastHeard, neverHeard: !heard },
      });
    }
    // A device removed from the household, or no longer watched, is not silent any more.
    for (const alert of view.openAlerts(TYPE)) {
      if (alert.deviceId !== null && watched(view.device(alert.deviceId)) === undefined) {
        outcome.clear.push({ key: alert.key, at: view.now, reason: 'no longer watched' });
      }
    }
    return outcome;
  },
};
