import { nothing, type RuleOutcome } from '../core/alerts.js';
import { formatDuration, parseDuration } from '../core/duration.js';
import type { Reading } from '../core/readings.js';
import { episodeKey, openEpisodes } from './episode-key.js';
import { isExitDoor } from './exit-door.js';
import { atNight, nightWindow } from './night-window.js';
import type { Rule, RuleView } from './rule.js';
import { localClock } from '../core/local-time.js';

/**
 * Door open too long (DESIGN.md, "Rule semantics"): an exit door stays open past `doorOpenTooLong` →
 * alert; closing resolves it.
 *
 * The deadline is derived from stored state — state.doorAt + limit while state.doorOpen — never from
 * a timer (DESIGN.md principle 1), and is checked against `to`, not only (from, to]: a deadline that
 * fell before `from` (the open reading arrived late, or the limit was shortened) still fires at the
 * next tick. The key names the opening, so re-deriving it after a restart gives the same key and the
 * engine raises it once (rule.ts).
 *
 * Decisions:
 *  - Severity: urgent when the deadline falls in the night window (someone must get up), otherwise
 *    warning (a person soon). Night-exit has already woken someone for a night opening.
 *  - One open alert per door: while one is open no other is raised for that door. A door that
 *    re-reports "open" moves state.doorAt today (see exit-door.ts), which would otherwise give the
 *    same opening a new key at every re-report.
 *  - No doorOpenTooLong in the care plan → the rule is off.
 *  - A close reading resolves the alerts of openings before it; a late close from before a reopening
 *    leaves the reopening's alert alone. The tick also resolves an alert whose door state reads closed
 *    (a close whose reading was never evaluated, say across a crash).
 */
const TYPE = 'door-open-too-long';

export const doorOpenTooLongRule: Rule = {
  id: TYPE,

  onReading(view: RuleView, reading: Reading): RuleOutcome {
    const outcome = nothing();
    if (reading.kind !== 'door' || reading.open) return outcome;
    // A late close older than the door's newest report is history, not news: the door is open now.
    const state = view.state(reading.deviceId);
    if (state?.doorOpen === true && (state.doorReportedAt ?? state.doorAt ?? -Infinity) > reading.at) return outcome;
    // Any door, exit or not: an alert raised before the door stopped being an exit still clears on closing.
    for (const episode of openEpisodes(view, TYPE, reading.deviceId)) {
      if (episode.start < reading.at) outcome.clear.push({ key: episode.alert.key, at: reading.at, reason: 'door closed' });
    }
    return outcome;
  },

  onTick(view: RuleView, _from: number, to: number): RuleOutcome {
    const outcome = nothing();
    const limitText = view.household.rules?.doorOpenTooLong;
    const limit = limitText === undefined ? undefined : parseDuration(limitText);
    const window = nightWindow(view.household);
    const openAlerts = openEpisodes(view, TYPE);

    for (const door of view.devices) {
      if (door.kind !== 'door') continue;
      const state = view.state(door.id);
      const open = openAlerts.filter((episode) => episode.deviceId === door.id);
      if (state?.doorOpen === false && state.doorAt !== null) {
        const closedAt = state.doorAt;
        for (const episode of open) {
          if (episode.start < closedAt) outcome.clear.push({ key: episode.alert.key, at: closedAt, reason: 'door closed' });
        }
        continue;
      }
      if (limit === undefined || !isExitDoor(door) || state?.doorOpen !== true || state.doorAt === null) continue;
      if (open.length > 0) continue;
      const openedAt = state.doorAt;
      const deadline = openedAt + limit;
      if (deadline > to) continue;
      const key = episodeKey(TYPE, door.id, openedAt);
      if (view.raised(key)) continue;
      const openFor = formatDuration(limit);
      outcome.raise.push({
        type: TYPE,
        key,
        severity: window !== undefined && atNight(window, deadline, view.timezone) ? 'urgent' : 'warning',
        deviceId: door.id,
        at: deadline,
        title: `${door.name} has been open for more than ${openFor}`,
        details: {
          door: door.name,
          openedAt,
          openedLocal: localClock(openedAt, view.timezone),
          limit: openFor,
        },
      });
    }
    return outcome;
  },
};
