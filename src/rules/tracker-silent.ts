import { nothing, type AlertDraft, type RuleOutcome } from '../core/alerts.js';
import { formatDuration, parseDuration } from '../core/duration.js';
import type { HouseholdDevice } from '../core/household.js';
import type { Reading } from '../core/readings.js';
import { episodeKey, openEpisodes } from './episode-key.js';
import type { Rule, RuleView } from './rule.js';
import { trackerZoneState } from './zone-state.js';
import { localClock } from '../core/local-time.js';

/**
 * Tracker silent (DESIGN.md, "Rule semantics" and principle 1: "a silent sensor is itself an alert";
 * issue 4: "a tracker that was outside a zone, or is expected to report, goes silent").
 *
 *  - Last known OUTSIDE every zone (zone-state.ts: the newest fix that is not ambiguous was outside)
 *    and nothing from the tracker for rules.trackerSilentAfter (default 10m) → urgent: a person may be
 *    out with a flat phone.
 *  - Otherwise, with a `heartbeat`, nothing for that long → warning: the circle has lost sight of the
 *    tracker, though the person was last at home. (sensor-silent leaves trackers to this rule, so this
 *    is a tracker's only silence alert.)
 *
 * "Nothing" is measured from state.lastSeenAt, the hub's time of receipt of any message (device
 * clocks can be wrong). The deadline is derived from stored state and checked against `to` with the
 * key naming the silence (its lastSeenAt), so a restart, a clock jump or an edited limit raises it
 * once (rule.ts). Any later message except a last will ("offline", published by the broker, not the
 * tracker) resolves it: "reporting again".
 *
 * Decisions:
 *  - Outside, the alert comes after trackerSilentAfter or the heartbeat, whichever is shorter: being
 *    outside never makes the hub slower to notice than being at home.
 *  - One open alert per tracker: a last will moves lastSeenAt (and so the key) without the tracker
 *    speaking, which must not raise the same silence twice.
 *  - A tracker never heard from is silent since it joined the household (view.addedAt): with a
 *    heartbeat, a warning one heartbeat after that. sensor-silent leaves every tracker to this rule.
 */
const TYPE = 'tracker-silent';
const DEFAULT_SILENT_AFTER = '10m';

export const trackerSilentRule: Rule = {
  id: TYPE,

  onReading(view: RuleView, reading: Reading): RuleOutcome {
    const outcome = nothing();
    if (reading.kind === 'health' && reading.online === false) return outcome;
    // Only trackers can have this alert; asking the store on every door or pill-box reading would cost the hot path.
    if (view.device(reading.deviceId)?.kind !== 'tracker') return outcome;
    const lastSeenAt = view.state(reading.deviceId)?.lastSeenAt ?? null;
    if (lastSeenAt === null) return outcome;
    for (const episode of openEpisodes(view, TYPE, reading.deviceId)) {
      if (episode.start < lastSeenAt) outcome.clear.push({ key: episode.alert.key, at: lastSeenAt, reason: 'reporting again' });
    }
    return outcome;
  },

  onTick(view: RuleView, _from: number, to: number): RuleOutcome {
    const outcome = nothing();
    const zones = view.household.zones ?? [];
    const silentAfter = positive(parseDuration(view.household.rules?.trackerSilentAfter ?? DEFAULT_SILENT_AFTER));
    const open = openEpisodes(view, TYPE);

    for (const tracker of view.devices) {
      if (tracker.kind !== 'tracker') continue;
      const heardAt = view.state(tracker.id)?.lastSeenAt ?? null;
      const lastSeenAt = heardAt ?? view.addedAt(tracker.id) ?? null;
      if (lastSeenAt === null || open.some((episode) => episode.deviceId === tracker.id)) continue;
      const heartbeat = tracker.heartbeat === undefined ? undefined : positive(parseDuration(tracker.heartbeat));
      const outsideLimit = Math.min(zones.length > 0 ? (silentAfter ?? Infinity) : Infinity, heartbeat ?? Infinity);
      const insideLimit = heartbeat ?? Infinity;
      // Cheap checks first: most ticks find every tracker well within its limits.
      if (lastSeenAt + Math.min(outsideLimit, insideLimit) > to) continue;
      const key = episodeKey(TYPE, tracker.id, lastSeenAt);
      if (view.raised(key)) continue;

      const where = zones.length > 0 ? trackerZoneState(view, tracker.id, zones) : undefined;
      const outside = where?.side === 'outside';
      const limit = outside ? outsideLimit : insideLimit;
      if (limit === Infinity || lastSeenAt + limit > to) continue;
      outcome.raise.push(draft(view, tracker, key, { since: lastSeenAt, heard: heardAt !== null }, limit, outside, where?.latest));
    }
    return outcome;
  },
};

/** A zero duration ("0s") watches nothing rather than alerting at every message. */
function positive(ms: number | undefined): number | undefined {
  return ms !== undefined && ms > 0 ? ms : undefined;
}

function draft(
  view: RuleView,
  tracker: HouseholdDevice,
  key: string,
  silence: { since: number; heard: boolean },
  limit: number,
  outside: boolean,
  latest: ReturnType<typeof trackerZoneState>['latest'],
): AlertDraft {
  const silentFor = formatDuration(limit);
  const lastSeenAt = silence.since;
  const lastSeenLocal = localClock(lastSeenAt, view.timezone);
  return {
    type: TYPE,
    key,
    severity: outside ? 'urgent' : 'warning',
    deviceId: tracker.id,
    at: lastSeenAt + limit,
    title: outside
      ? `${tracker.name} has gone silent outside the safe zone (nothing since ${lastSeenLocal})`
      : silence.heard
        ? `${tracker.name} has not reported since ${lastSeenLocal}`
        : `${tracker.name} has not reported since it was added at ${lastSeenLocal}`,
    details: {
      tracker: tracker.name,
      ...(silence.heard ? { lastSeenAt, lastSeenLocal } : { neverHeard: true, addedAt: lastSeenAt, addedLocal: lastSeenLocal }),
      silentFor,
      lastKnown: outside ? 'outside every safe zone' : 'inside or near a safe zone',
      ...(latest === undefined
        ? {}
        : {
            lat: latest.fix.lat,
            lon: latest.fix.lon,
            accuracyM: latest.fix.accuracyM ?? null,
            positionAt: latest.fix.at,
            beyondM: Math.round(latest.place.beyondM),
            nearestZone: latest.place.nearest?.name ?? null,
          }),
    },
  };
}
