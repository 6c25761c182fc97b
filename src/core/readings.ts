/**
 * Canonical readings: what every device source decodes its payloads into.
 * Times are Unix milliseconds. A reading names the household device it belongs to
 * by id; decoders never see the database.
 */

/** Health facts any message may carry alongside its main reading. */
export interface DeviceHealth {
  /** Battery in percent, 0–100. */
  battery?: number;
  /** Radio link quality as the source reports it (Zigbee LQI 0–255, RSSI in dBm, …). */
  linkQuality?: number;
  /** Battery voltage in millivolts, where the source reports it. */
  voltageMv?: number;
}

interface ReadingBase extends DeviceHealth {
  deviceId: string;
  /** When the event happened: the payload's own timestamp if it has one, else time of receipt. */
  at: number;
  /** True when `at` came from the device's payload rather than our clock (used for de-duplication). */
  atFromDevice: boolean;
}

/** A door or window contact changed (or re-reported) its state. */
export interface DoorReading extends ReadingBase {
  kind: 'door';
  open: boolean;
}

/** A position fix from a tracker or phone. */
export interface PositionReading extends ReadingBase {
  kind: 'position';
  lat: number;
  lon: number;
  /** Horizontal accuracy in metres, if known. */
  accuracyM?: number;
  altitudeM?: number;
  speedKmh?: number;
  /** Course over ground in degrees. */
  bearing?: number;
}

/** A pill-box lid or compartment opened or closed. Compartment 0 means "the box" (one-lid boxes). */
export interface PillboxReading extends ReadingBase {
  kind: 'pillbox';
  compartment: number;
  open: boolean;
}

/** Only health: battery / link quality / availability, no sensor event. */
export interface HealthReading extends ReadingBase {
  kind: 'health';
  /** From availability topics and last wills: true = online, false = offline. */
  online?: boolean;
}

export type Reading = DoorReading | PositionReading | PillboxReading | HealthReading;
export type ReadingKind = Reading['kind'];

/** The kinds of household device, as written in the household document. */
export type DeviceKind = 'door' | 'tracker' | 'pillbox';
