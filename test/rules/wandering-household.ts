import type { Household } from '../../src/core/household.js';
import { clockMinutes, zonedInstant } from '../../src/core/local-time.js';

/** The home and its 150 m safe zone. */
export const HOME = { lat: 51.5072, lon: -0.1276 };
export const HOME_RADIUS_M = 150;

/**
 * A household for the wandering rules: two exit doors, a bathroom door (not an exit), a phone with a
 * heartbeat, a watch without one, a pill box; night 22:00–07:00, doors open too long after 10m.
 */
export function wanderingHousehold(timezone = 'Europe/London'): Household {
  return {
    home: { name: 'Test home', timezone, ...HOME },
    person: { name: 'Margaret' },
    zones: [{ id: 'home', name: 'Home', ...HOME, radiusM: HOME_RADIUS_M }],
    devices: [
      { id: 'front-door', name: 'Front door', kind: 'door', source: 'native', exit: true, heartbeat: '26h' },
      { id: 'back-door', name: 'Back door', kind: 'door', source: 'native', exit: true },
      { id: 'bathroom-door', name: 'Bathroom door', kind: 'door', source: 'native' },
      { id: 'mum-phone', name: "Margaret's phone", kind: 'tracker', source: 'owntracks', heartbeat: '30m' },
      { id: 'mum-watch', name: "Margaret's watch", kind: 'tracker', source: 'traccar' },
      { id: 'pillbox', name: 'Pill box', kind: 'pillbox', source: 'native' },
    ],
    rules: { night: { start: '22:00', end: '07:00' }, doorOpenTooLong: '10m' },
  };
}

/** The instant a local date and time ("HH:MM" or "HH:MM:SS") happens in `timeZone` (first occurrence if repeated). */
export function localAt(timeZone: string, date: string, time: string): number {
  const seconds = time.length > 5 ? Number(time.slice(6, 8)) : 0;
  return zonedInstant(date, clockMinutes(time.slice(0, 5)), timeZone) + seconds * 1000;
}

export const SECOND = 1000;
export const MINUTE = 60_000;
