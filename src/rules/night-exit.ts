import { nothing, type RuleOutcome } from '../core/alerts.js';
import type { Reading } from '../core/readings.js';
import { repeatsOpenDoor, isExitDoor } from './exit-door.js';
import { episodeKey } from './episode-key.js';
import { atNight, localDateTime, nightWindow } from './night-window.js';
import type { Rule, RuleView } from './rule.js';
import { localClock } from '../core/local-time.js';

/**
 * Night exit (DESIGN.md, "Rule semantics"): an exit door opens inside the night window → urgent
 * alert at once. Evaluated on the reading itself, not on a tick, so the alert follows the commit
 * within milliseconds (DESIGN.md, "Budgets": night door-opening to push p99 ≤ 25 ms).
 *
 * Decisions:
 *  - The night is judged at the opening's own time (reading.at) on the home's wall clock, so a
 *    reading delivered after 07:00 about a 06:50 opening still counts, and DST nights are 22:00–07:00
 *    local whatever their length in hours.
 *  - A late reading still raises, urgently: a door opened at night is news however late we hear of
 *    it (the person may still be outside), and a redelivery of one we already raised has the same key,
 *    which the engine ignores. The alert says how late the report was so nobody reads 02:10 as "now".
 *  - Closing the door does NOT resolve a night exit: a closed door may mean the person is now outside.
 *    The care circle resolves it with a note once someone has checked (DESIGN.md: resolving takes a note).
 *  - No night window in the care plan → the rule is off.
 */
const TYPE = 'night-exit';
/** Beyond this, the alert says the report came late. */
const REPORTED_LATE_MS = 10 * 60_000;

export const nightExitRule: Rule = {
  id: TYPE,

  onReading(view: RuleView, reading: Reading): RuleOutcome {
    if (reading.kind !== 'door' || !reading.open) return nothing();
    const door = view.device(reading.deviceId);
    if (!isExitDoor(door)) return nothing();
    const window = nightWindow(view.household);
    if (window === undefined || !atNight(window, reading.at, view.timezone)) return nothing();
    if (repeatsOpenDoor(view, reading)) return nothing();

    const key = episodeKey(TYPE, door.id, reading.at);
    if (view.raised(key)) return nothing();
    const lateByMs = view.now - reading.at;
    const lateMinutes = lateByMs > REPORTED_LATE_MS ? Math.round(lateByMs / 60_000) : undefined;
    const localTime = localClock(reading.at, view.timezone);
    const outcome = nothing();
    outcome.raise.push({
      type: TYPE,
      key,
      severity: 'urgent',
      deviceId: door.id,
      at: reading.at,
      title:
        `${door.name} opened at ${localTime}` +
        (lateMinutes === undefined ? '' : ` (reported ${lateMinutes} min late)`),
      details: {
        door: door.name,
        openedAt: reading.at,
        localTime,
        localDateTime: localDateTime(reading.at, view.timezone),
        ...(lateMinutes === undefined ? {} : { reportedLateMinutes: lateMinutes }),
      },
    });
    return outcome;
  },
};
