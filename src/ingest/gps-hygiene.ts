import type { PositionReading } from '../core/readings.js';
import { distanceM } from '../core/geo.js';
import type { DeviceState } from '../core/device-state.js';

export { distanceM };

/**
 * GPS hygiene, as Traccar's position filters do it (filter.zero, filter.future, filter.duplicate,
 * filter.maxSpeed): a fix that cannot be where the person is must never move them out of (or into)
 * a safe zone. Pure: returns why a fix is implausible, or undefined to keep it.
 */
export interface GpsHygieneOptions {
  /** Fixes more than this far ahead of the hub's clock are dropped (Traccar: filter.future). */
  maxFutureMs: number;
  /** A fix implying a faster journey from the previous one is dropped. Walking is ~5 km/h; a car or train carrying the person is possible. */
  maxSpeedKmh: number;
}

export const defaultGpsHygiene: GpsHygieneOptions = { maxFutureMs: 5 * 60_000, maxSpeedKmh: 300 };

export type GpsVerdict = { keep: true } | { keep: false; reason: 'implausible' | 'duplicate'; detail: string };

export function screenFix(fix: PositionReading, previous: DeviceState | undefined, now: number, options: GpsHygieneOptions): GpsVerdict {
  if (fix.lat === 0 && fix.lon === 0) return { keep: false, reason: 'implausible', detail: 'fix at (0,0): the receiver had no position' };
  if (!Number.isFinite(fix.lat) || !Number.isFinite(fix.lon) || Math.abs(fix.lat) > 90 || Math.abs(fix.lon) > 180) {
    return { keep: false, reason: 'implausible', detail: 'coordinates out of range' };
  }
  if (fix.at - now > options.maxFutureMs) {
    return { keep: false, reason: 'implausible', detail: `fix is ${Math.round((fix.at - now) / 1000)} s in the future` };
  }
  if (previous?.positionAt == null || previous.lat === null || previous.lon === null) return { keep: true };
  if (fix.atFromDevice && fix.at === previous.positionAt) {
    return { keep: false, reason: 'duplicate', detail: 'a fix with this timestamp is already stored' };
  }
  const hours = Math.abs(fix.at - previous.positionAt) / 3_600_000;
  const km = distanceM(previous.lat, previous.lon, fix.lat, fix.lon) / 1000;
  // Two fixes a few seconds apart with ordinary GPS error would "imply" absurd speeds: allow for
  // the accuracies of both before judging the journey.
  const slackKm = ((fix.accuracyM ?? 0) + (previous.accuracyM ?? 0)) / 1000;
  if (km - slackKm > 0 && hours > 0 && (km - slackKm) / hours > options.maxSpeedKmh) {
    return { keep: false, reason: 'implausible', detail: `implies ${Math.round((km - slackKm) / hours)} km/h from the previous fix` };
  }
  if (hours === 0 && km - slackKm > 0.01) return { keep: false, reason: 'implausible', detail: 'a different position at the same instant' };
  return { keep: true };
}
