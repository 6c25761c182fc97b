import type { HouseholdDevice } from '../../core/household.js';
import { deviceStatus } from '../../household/device-status.js';
import { createDeviceStateRepo, type DeviceState } from '../../store/device-state-repo.js';
import { createDevicesRepo } from '../../store/devices-repo.js';
import { createHouseholdRepo } from '../../store/household-repo.js';
import { formatAge, okPart, problemPart, warningPart, type DoctorCheck, type FindingPart } from './finding.js';

/**
 * Each household device has been heard from within its heartbeat (issue 9, item 5), judged exactly as
 * `homeward status` and the dashboard judge it (src/household/device-status.ts), from the device state
 * the hub commits with each reading. A device never heard from, silent past its heartbeat, or declared
 * offline by its bridge or last will is a problem: its door, walk or dose goes unwatched. A battery
 * below the care plan's low-battery level is a warning. Battery is named either way: a flat battery is
 * the usual reason a sensor goes quiet.
 */
const DEFAULT_LOW_BATTERY = 20;

const SETUP_FIX = 'import the household: `npm run homeward -- setup import household.json` (README: "Set up a home")';

function battery(state: DeviceState | undefined): string {
  return state?.battery == null ? 'battery unknown' : `battery ${state.battery}%`;
}

/** Why `status` calls this device offline, in words. */
function silence(device: HouseholdDevice, state: DeviceState | undefined, now: number): string {
  const label = `${device.name} (${device.id})`;
  const lastSeenAt = state?.lastSeenAt ?? null;
  if (lastSeenAt === null) return `${label} never heard from (${battery(state)})`;
  const ago = formatAge(now - lastSeenAt);
  if (state?.online === false) return `${label} reported offline by its bridge or last will, last heard ${ago} ago (${battery(state)})`;
  return `${label} silent for ${ago}, past its heartbeat of ${device.heartbeat} (${battery(state)})`;
}

export const devicesCheck: DoctorCheck = {
  name: 'devices',
  run({ database, now }): FindingPart[] {
    const db = database();
    const stored = db === undefined ? undefined : createHouseholdRepo(db).get();
    const devices = stored?.household.devices ?? [];
    if (db === undefined || devices.length === 0) {
      return [problemPart('no household devices: no door, tracker or pill box is being watched', SETUP_FIX)];
    }
    const nums = new Map(createDevicesRepo(db).all().map((row) => [row.id, row.num]));
    const states = createDeviceStateRepo(db).loadAll();
    const lowBattery = stored?.household.rules?.lowBatteryPercent ?? DEFAULT_LOW_BATTERY;

    const silent: string[] = [];
    const low: string[] = [];
    const unwatched: string[] = [];
    for (const device of devices) {
      const num = nums.get(device.id);
      const state = num === undefined ? undefined : states.get(num);
      // The same judgement as `status`: the doctor and the dashboard never disagree about a device.
      if (!deviceStatus(device, state, now).online) silent.push(silence(device, state, now));
      else if (state?.battery != null && state.battery < lowBattery) low.push(`${device.name} (${device.id}) ${battery(state)}`);
      if (device.heartbeat === undefined) unwatched.push(`${device.name} (${device.id})`);
    }

    const parts: FindingPart[] = [];
    if (silent.length > 0) {
      parts.push(
        problemPart(
          silent.join('; '),
          'check each one: a fresh battery, in range of the hub or its bridge (Zigbee sensors need a mains-powered router nearby); a phone or tracker must be on and its app ' +
            '(OwnTracks, Traccar Client) allowed to use location in the background. `npm run homeward -- devices walk-test` shows each one as it reports',
        ),
      );
    }
    if (low.length > 0) parts.push(warningPart(`low battery: ${low.join('; ')}`, 'change the batteries soon, before the sensors go silent'));
    // Without a heartbeat the sensor-silent alert can never fire: a dead battery there goes unnoticed (DESIGN.md, principle 1).
    if (unwatched.length > 0) {
      parts.push(
        warningPart(
          `no heartbeat for ${unwatched.join(', ')}: if ${unwatched.length === 1 ? 'it goes' : 'they go'} silent, nobody is told`,
          'give each device a "heartbeat" in the household document (a little longer than it reports when nothing happens: "26h" for a Zigbee door sensor, "30m" for a phone) and import it again',
        ),
      );
    }
    const fine = devices.length - silent.length;
    if (fine > 0) parts.push(okPart(`${fine} of ${devices.length} devices online`));
    return parts;
  },
};
