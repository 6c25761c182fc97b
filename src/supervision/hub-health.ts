import { EARLIEST_PLAUSIBLE_TIME } from '../alerts/rule-engine.js';
import { formatDuration } from '../core/duration.js';

/**
 * One judgement of "is this hub healthy enough to be trusted tonight" (issue 9, items 2 and 8): the
 * systemd watchdog is fed and the dead-man ping says "up" only while it holds. The event loop needs
 * no look-up of its own: whoever asks runs on a timer, so if the question is asked at all the loop is
 * not wedged.
 */
export interface HubHealthLookups {
  now(): number;
  /** The database answers a read. */
  databaseAnswers(): boolean;
  /** The embedded broker is listening, or the hub is connected to the external one. */
  brokerUp(): boolean;
  /** Readings arrive through an external broker (HOMEWARD_MQTT_URL) rather than the embedded one. */
  externalBroker?: boolean;
  /** The rule engine's engine.evaluatedUntil(): every rule has judged its deadlines up to here. */
  evaluatedUntil(): number | undefined;
}

export interface HubHealth {
  ok: boolean;
  /** In plain words, for a log line, systemd's STATUS= and the ping service's failure report. */
  problems: string[];
  /**
   * Whether restarting the hub could cure a problem. A Raspberry Pi has no real-time clock: until NTP
   * answers, the rules wait on purpose, and a restart every minute would only cut sensors off — so a
   * clock that is not set yet is reported (ping, status) but does not starve the watchdog.
   */
  restartMayHelp: boolean;
}

/**
 * How far behind the clock the rules may judge deadlines. They tick every second; half a minute
 * behind means they have stopped (a failing database write, a rule that throws on every tick), and a
 * missed dose would go unnoticed (DESIGN.md principle 1).
 */
export const RULES_MAX_LAG_MS = 30_000;

export function judgeHubHealth(lookups: HubHealthLookups, maxRulesLagMs = RULES_MAX_LAG_MS): HubHealth {
  const problems: string[] = [];
  let restartMayHelp = false;
  const failing = (problem: string) => {
    problems.push(problem);
    restartMayHelp = true;
  };

  if (!ask(lookups.databaseAnswers)) failing('the database does not answer');
  if (!ask(lookups.brokerUp)) {
    // An external broker that is down is not cured by restarting the hub (it reconnects by itself, and a
    // restart every minute would only take the dashboard away too): reported, but the watchdog is fed.
    if (lookups.externalBroker === true) problems.push('the MQTT broker is unreachable: sensors cannot report');
    else failing('MQTT is down: sensors cannot report');
  }

  const now = lookups.now();
  if (now < EARLIEST_PLAUSIBLE_TIME) {
    problems.push('the clock is not set yet (no time server has answered): missed doses and other deadlines wait for it');
  } else {
    let evaluatedUntil: number | undefined;
    try {
      evaluatedUntil = lookups.evaluatedUntil();
    } catch {
      evaluatedUntil = Number.NaN;
    }
    if (evaluatedUntil === undefined) failing('the rule engine has not judged any deadline yet');
    else if (Number.isNaN(evaluatedUntil)) failing('the rule engine cannot say how far it has judged deadlines');
    // A clock that stepped back leaves the rules ahead of it, waiting on purpose: not a fault.
    else if (now - evaluatedUntil > maxRulesLagMs) {
      failing(`the rule engine has not judged deadlines (missed doses, doors left open) for ${formatDuration(now - evaluatedUntil)}`);
    }
  }
  return { ok: problems.length === 0, problems, restartMayHelp };
}

/** A look-up that throws answers "no": the judgement itself must never throw. */
function ask(lookup: () => boolean): boolean {
  try {
    return lookup();
  } catch {
    return false;
  }
}
