import { beyondAllZonesM } from '../core/geo.js';
import type { Zone } from '../core/household.js';
import type { PositionReading } from '../core/readings.js';
import type { RuleView } from './rule.js';

/**
 * Where a tracker is, relative to the safe zones, with hysteresis (DESIGN.md, "Left safe zone";
 * principle 3, "hysteresis on geofences"). Shared by left-safe-zone and tracker-silent so both agree.
 *
 *  - outside:   beyond every zone by MORE than the fix's accuracy (metres > accuracyM) — certainly out;
 *  - inside:    within a zone's edge (metres <= 0) — certainly in;
 *  - ambiguous: in between: the person may be either side of the edge, so the fix changes nothing.
 *
 * A fix exactly `accuracyM` beyond the edge is ambiguous, not outside: "by more than its accuracy".
 */
export type FixSide = 'inside' | 'outside' | 'ambiguous';

export interface FixPlace {
  side: FixSide;
  /** Metres beyond the nearest zone's edge (negative inside). */
  beyondM: number;
  /** The zone whose edge is nearest (or that holds the fix); undefined only with no zones. */
  nearest: Zone | undefined;
}

export function placeFix(zones: readonly Zone[], fix: { lat: number; lon: number; accuracyM?: number | null }): FixPlace {
  const { metres, nearest } = beyondAllZonesM(zones, fix.lat, fix.lon);
  const accuracy = fix.accuracyM ?? 0;
  const side: FixSide = metres > accuracy ? 'outside' : metres <= 0 ? 'inside' : 'ambiguous';
  return { side, beyondM: metres, nearest };
}

export interface PlacedFix {
  fix: PositionReading;
  place: FixPlace;
}

/**
 * The current excursion: the stored fixes since the first outside fix that has no inside fix after
 * it (ambiguous fixes do not end an excursion: they change nothing).
 */
export interface Excursion {
  /** The excursion's first outside fix: it names the excursion (the alert key). */
  start: PositionReading;
  /** The later fix's time of the first pair of consecutive stored fixes that are both outside, if any. */
  confirmedAt: number | undefined;
}

export interface TrackerZoneState {
  /** The newest stored fix. */
  latest: PlacedFix | undefined;
  /**
   * The side of the newest fix that is not ambiguous; 'unknown' with no such fix. Stored fixes are
   * read newest first by their own time, so a late-arriving old fix can only change this if it really
   * is the newest (DESIGN.md: out-of-order fixes).
   */
  side: 'inside' | 'outside' | 'unknown';
  /** When side is 'inside': the newest inside fix (it ended any earlier excursion). */
  lastInside: PlacedFix | undefined;
  /** When side is 'outside' and its start is among the stored fixes read. */
  excursion: Excursion | undefined;
  /** side is 'outside' but the excursion began before the oldest fix read, so its start (and key) is unknown. */
  startUnknown: boolean;
}

/** Fixes read first; most evaluations end within a few fixes (the newest is inside, or an inside fix is near). */
const FIRST_READ = 16;
/**
 * Fixes read at most: about four hours of a tracker fixing every 30 s. An excursion older than this
 * was alerted (2 minutes settle it) or deliberately resolved by the care circle while still going on;
 * its start cannot be named, so it is not raised again.
 */
export const EXCURSION_LOOKBACK = 500;

export function trackerZoneState(view: RuleView, deviceId: string, zones: readonly Zone[]): TrackerZoneState {
  const recent = view.recentFixes(deviceId, FIRST_READ);
  const settled = walk(recent, zones, recent.length < FIRST_READ);
  if (settled !== undefined) return settled;
  const more = view.recentFixes(deviceId, EXCURSION_LOOKBACK);
  return walk(more, zones, more.length < EXCURSION_LOOKBACK) ?? unsettled(more, zones);
}

/**
 * Walks fixes newest first. Returns undefined when no inside fix was met and older fixes may exist
 * (`wholeHistory` false): the side or the excursion's start may lie further back.
 */
function walk(newestFirst: readonly PositionReading[], zones: readonly Zone[], wholeHistory: boolean): TrackerZoneState | undefined {
  const newest = newestFirst[0];
  if (newest === undefined) return { latest: undefined, side: 'unknown', lastInside: undefined, excursion: undefined, startUnknown: false };
  const latest: PlacedFix = { fix: newest, place: placeFix(zones, newest) };
  let start: PositionReading | undefined;
  let confirmedAt: number | undefined;
  let later: PlacedFix | undefined;
  for (const fix of newestFirst) {
    const place = fix === newest ? latest.place : placeFix(zones, fix);
    if (place.side === 'inside') {
      if (start === undefined) {
        // Only ambiguous fixes (or none) since this inside fix: still inside, by hysteresis.
        return { latest, side: 'inside', lastInside: { fix, place }, excursion: undefined, startUnknown: false };
      }
      return { latest, side: 'outside', lastInside: undefined, excursion: { start, confirmedAt }, startUnknown: false };
    }
    if (place.side === 'outside') {
      start = fix;
      // Walking back in time, the last pair found is the earliest: the excursion was confirmed then.
      if (later?.place.side === 'outside') confirmedAt = later.fix.at;
    }
    later = { fix, place };
  }
  if (!wholeHistory) return undefined;
  // The tracker's whole history holds no inside fix: the excursion began with its first outside fix.
  if (start !== undefined) return { latest, side: 'outside', lastInside: undefined, excursion: { start, confirmedAt }, startUnknown: false };
  return { latest, side: 'unknown', lastInside: undefined, excursion: undefined, startUnknown: false };
}

/** The lookback ran out with no inside fix: outside since before it (start unknown), or only ambiguous fixes. */
function unsettled(newestFirst: readonly PositionReading[], zones: readonly Zone[]): TrackerZoneState {
  const newest = newestFirst[0] as PositionReading;
  const latest: PlacedFix = { fix: newest, place: placeFix(zones, newest) };
  const anyOutside = newestFirst.some((fix) => (fix === newest ? latest.place : placeFix(zones, fix)).side === 'outside');
  return { latest, side: anyOutside ? 'outside' : 'unknown', lastInside: undefined, excursion: undefined, startUnknown: anyOutside };
}
