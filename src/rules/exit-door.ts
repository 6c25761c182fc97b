import type { HouseholdDevice } from '../core/household.js';
import type { DoorReading } from '../core/readings.js';
import type { RuleView } from './rule.js';

/**
 * A door people can leave the home by. Night-exit and door-open-too-long watch only these
 * (DESIGN.md, "Rule semantics"; household.ts: `exit`): a bathroom door opening at 3 a.m. is not news.
 */
export function isExitDoor(device: HouseholdDevice | undefined): device is HouseholdDevice {
  return device !== undefined && device.kind === 'door' && device.exit === true;
}

/**
 * Whether this "open" reading only repeats what the hub already knew: the door was open before it and
 * is still open. Sensors re-report their state (Tasmota every TelePeriod, Zigbee2MQTT on every
 * check-in), and a door propped open at 21:00 must not "open" again at 23:00.
 *
 * This relies on state.doorAt meaning "when the door last changed" (an equal-state re-report keeps
 * it). While applyReading still moves doorAt on every re-report, state.doorAt is never before an open
 * reading's time and this returns false, so every open reading counts as an opening: a possible false
 * alert, never a missed one.
 */
export function repeatsOpenDoor(view: RuleView, reading: DoorReading): boolean {
  const state = view.state(reading.deviceId);
  return reading.open && state?.doorOpen === true && state.doorAt !== null && state.doorAt < reading.at;
}
