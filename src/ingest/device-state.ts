import type { Reading } from '../core/readings.js';
import type { DeviceState } from '../store/device-state-repo.js';

/**
 * Folds one committed reading into a device's current state. Pure. A reading older than what the
 * state already holds is kept in history but never moves current state backwards (a late retransmit
 * of "open" must not reopen a door that has since closed). Last seen is the hub's time of receipt:
 * device clocks can be wrong, and "silent" means silent to us.
 */
export function applyReading(state: DeviceState, reading: Reading, receivedAt: number): DeviceState {
  const next: DeviceState = { ...state, lastSeenAt: Math.max(state.lastSeenAt ?? 0, receivedAt) };
  const newer = (previous: number | null) => previous === null || reading.at >= previous;

  if (reading.battery !== undefined && newer(state.batteryAt)) {
    next.battery = reading.battery;
    next.batteryAt = reading.at;
  }
  // Link quality and voltage describe the radio and cells as each message arrives: take them in
  // order of receipt (comparing a device's clock with ours would freeze them for a slow device clock).
  if (reading.linkQuality !== undefined) next.linkQuality = reading.linkQuality;
  if (reading.voltageMv !== undefined) next.voltageMv = reading.voltageMv;

  switch (reading.kind) {
    case 'door':
      // doorAt is when the door last CHANGED: sensors repeat "still open" (Tasmota every 300 s,
      // Zigbee2MQTT on each check-in), and a repeat must not restart the door-open-too-long countdown.
      // A late report older than the newest one changes nothing.
      if (newer(state.doorReportedAt ?? state.doorAt)) {
        next.doorReportedAt = reading.at;
        if (state.doorOpen !== reading.open) {
          next.doorOpen = reading.open;
          next.doorAt = reading.at;
        }
      }
      break;
    case 'position':
      if (newer(state.positionAt)) {
        next.lat = reading.lat;
        next.lon = reading.lon;
        next.accuracyM = reading.accuracyM ?? null;
        next.positionAt = reading.at;
      }
      break;
    case 'pillbox':
      if (newer(state.pillboxAt)) {
        next.pillboxOpen = reading.open;
        next.pillboxCompartment = reading.compartment;
        next.pillboxAt = reading.at;
      }
      break;
    case 'health':
      if (reading.online !== undefined && newer(state.onlineAt)) {
        next.online = reading.online;
        next.onlineAt = reading.at;
      }
      return next;
  }
  // Any sensor event proves the device is up, whatever its last will said earlier.
  if (newer(state.onlineAt)) {
    next.online = true;
    next.onlineAt = reading.at;
  }
  return next;
}
