import { nothing, type AlertClearance, type AlertDraft, type RuleOutcome } from '../core/alerts.js';
import type { HouseholdDevice, Zone } from '../core/household.js';
import type { Reading } from '../core/readings.js';
import { episodeKey, openEpisodes, type OpenEpisode } from './episode-key.js';
import type { Rule, RuleView } from './rule.js';
import { placeFix, trackerZoneState, type PlacedFix } from './zone-state.js';
import { localClock } from '../core/local-time.js';

/**
 * Left safe zone (DESIGN.md, "Rule semantics"): a tracker's fix is outside every zone by more than its
 * accuracy, for two consecutive fixes or for 2 minutes → urgent alert with the last position;
 * re-entering resolves it.
 *
 *  - Evidence is the tracker's STORED fixes ordered by their own time (view.recentFixes), never the
 *    order readings arrive in: a late old fix joins history where it belongs, so it cannot by itself
 *    raise (an old outside fix behind a newer inside one) or resolve (an old inside fix behind newer
 *    outside ones). Fixes GPS hygiene dropped were never stored.
 *  - One excursion, one alert: the key names the excursion's first outside fix. While an alert of
 *    this tracker is open no second one is raised, so a late fix that moves the excursion's start
 *    earlier cannot give the same walk a second key (DESIGN.md principle 3, "one incident, not fifty").
 *  - "2 minutes" is judged against now, on each fix and on each tick: one outside fix followed by
 *    silence still raises (and tracker-silent follows).
 */
const TYPE = 'left-safe-zone';
/** DESIGN.md: "for two consecutive fixes or 2 minutes". */
export const OUTSIDE_FOR_MS = 2 * 60_000;

export const leftSafeZoneRule: Rule = {
  id: TYPE,

  onReading(view: RuleView, reading: Reading): RuleOutcome {
    if (reading.kind !== 'position') return nothing();
    const tracker = view.device(reading.deviceId);
    if (tracker?.kind !== 'tracker') return nothing();
    return evaluate(view, tracker, view.now, openEpisodes(view, TYPE, tracker.id));
  },

  onTick(view: RuleView, from: number, to: number): RuleOutcome {
    const outcome = nothing();
    const zones = view.household.zones ?? [];
    if (zones.length === 0) return outcome;
    const openAlerts = openEpisodes(view, TYPE);
    for (const tracker of view.devices) {
      if (tracker.kind !== 'tracker') continue;
      const open = openAlerts.filter((episode) => episode.deviceId === tracker.id);
      // Without a new fix only time moves, and time only matters for an excursion whose 2 minutes end
      // in (from, to]; its first outside fix is then newer than from - 2 min. Reading back no further
      // than that keeps a tick cheap on a Pi (rule.ts: deadlines in (from, to] come once, exactly).
      // Readings evaluate themselves at view.now, which covers deadlines a late fix put before `from`.
      // With an alert open, only a clearance can be due; without one, only the 2 minutes.
      if (!(open.length > 0 ? clearanceMissed(view, tracker.id, zones, open) : mayFallDue(view, tracker.id, zones, from))) continue;
      const one = evaluate(view, tracker, to, open);
      outcome.raise.push(...one.raise);
      outcome.clear.push(...one.clear);
    }
    return outcome;
  },
};

function evaluate(view: RuleView, tracker: HouseholdDevice, now: number, open: readonly OpenEpisode[]): RuleOutcome {
  const outcome = nothing();
  const zones = view.household.zones ?? [];
  if (zones.length === 0) return outcome;
  const latest = view.recentFixes(tracker.id, 1)[0];
  if (latest === undefined) return outcome;
  // Cheap paths, without reading history: home with nothing to resolve; out with the excursion's alert open.
  const latestSide = placeFix(zones, latest).side;
  if (latestSide === 'inside' && open.length === 0) return outcome;
  if (latestSide === 'outside' && open.length > 0) return outcome;

  // An ambiguous newest fix changes nothing: the newest certain fix decides (zone-state.ts).
  const where = trackerZoneState(view, tracker.id, zones);
  if (where.side === 'inside') {
    if (where.lastInside !== undefined) outcome.clear.push(...backIn(where.lastInside, open));
    return outcome;
  }
  const excursion = where.excursion;
  if (where.side !== 'outside' || excursion === undefined || open.length > 0) return outcome;

  const byFixes = excursion.confirmedAt ?? Infinity;
  const byTime = excursion.start.at + OUTSIDE_FOR_MS <= now ? excursion.start.at + OUTSIDE_FOR_MS : Infinity;
  const dueAt = Math.min(byFixes, byTime);
  if (dueAt === Infinity) return outcome;
  const key = episodeKey(TYPE, tracker.id, excursion.start.at);
  if (view.raised(key)) return outcome; // resolved by the care circle while still out: one excursion, one alert
  outcome.raise.push(draft(view, tracker, key, dueAt, byFixes <= byTime, excursion.start.at, where.latest as PlacedFix));
  return outcome;
}

/** Clearances for the open excursions that began before this inside fix. */
function backIn(inside: PlacedFix, open: readonly OpenEpisode[]): AlertClearance[] {
  const zone = inside.place.nearest as Zone;
  return open
    .filter((episode) => episode.start < inside.fix.at)
    .map((episode) => ({ key: episode.alert.key, at: inside.fix.at, reason: `back in ${zone.name}` }));
}

/** Whether a fix newer than from - 2 min is outside (see onTick); reads back only that far. */
function mayFallDue(view: RuleView, deviceId: string, zones: readonly Zone[], from: number): boolean {
  const since = from - OUTSIDE_FOR_MS;
  for (const limit of [4, 32]) {
    const fixes = view.recentFixes(deviceId, limit);
    for (const fix of fixes) {
      if (fix.at <= since) return false;
      if (placeFix(zones, fix).side === 'outside') return true;
    }
    if (fixes.length < limit) return false;
  }
  return true; // a wide window (the first tick after downtime): evaluate in full
}

/** An open alert while the newest fix is inside: a clearance the reading path did not deliver (say, a crash in between). */
function clearanceMissed(view: RuleView, deviceId: string, zones: readonly Zone[], open: readonly OpenEpisode[]): boolean {
  if (open.length === 0) return false;
  const latest = view.recentFixes(deviceId, 1)[0];
  return latest !== undefined && placeFix(zones, latest).side === 'inside';
}

function draft(
  view: RuleView,
  tracker: HouseholdDevice,
  key: string,
  at: number,
  consecutive: boolean,
  since: number,
  last: PlacedFix,
): AlertDraft {
  const beyondM = Math.max(0, Math.round(last.place.beyondM));
  const zone = last.place.nearest as Zone;
  return {
    type: TYPE,
    key,
    severity: 'urgent',
    deviceId: tracker.id,
    at,
    title: `${view.household.person.name} may have left the safe zone: ${tracker.name} is ${beyondM} m beyond ${zone.name}`,
    details: {
      tracker: tracker.name,
      // The last position, whatever side it is on: the best there is for whoever goes looking.
      lat: last.fix.lat,
      lon: last.fix.lon,
      accuracyM: last.fix.accuracyM ?? null,
      at: last.fix.at,
      localTime: localClock(last.fix.at, view.timezone),
      beyondM,
      nearestZone: zone.name,
      outsideSince: since,
      outsideSinceLocal: localClock(since, view.timezone),
      because: consecutive ? 'two consecutive fixes outside every zone' : 'outside every zone for 2 minutes',
    },
  };
}
