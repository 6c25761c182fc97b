import { execFile } from 'node:child_process';
import type { Clock } from './clock.js';
import type { Logger } from './logger.js';

/**
 * Is the hub's clock right? (issue 7, item 6.) A wrong clock breaks Web Push: every VAPID signature
 * carries an expiry, and a push service refuses one that is already past or more than 24 h ahead, so
 * alerts would silently stop reaching phones. Two findings, shown in /api/health and `homeward doctor`:
 *  - obviously wrong: before the earliest plausible time (the rule engine holds alerts back then too,
 *    src/alerts/rule-engine.ts), as on a Raspberry Pi, which has no battery clock, booted offline;
 *  - not synchronised: the system says its clock is not kept by NTP (`timedatectl`), where it can tell.
 * The probe is injected: the real one asks timedatectl; where there is none (no systemd, a container)
 * it answers "unknown", which is no finding.
 */

/** true: synchronised; false: not; undefined: this system cannot tell. */
export type ClockSyncProbe = () => Promise<boolean | undefined>;

export type ClockProblem = 'before-plausible' | 'not-synchronised';

export interface ClockFinding {
  ok: boolean;
  /** What the clock says, Unix ms. */
  now: number;
  /** NTP synchronisation as last probed; null when unknown. */
  synchronised: boolean | null;
  problem?: ClockProblem;
  /** What is wrong, and a plain fix, for a person at a terminal. */
  detail?: string;
  fix?: string;
}

/** The finding for a clock reading `now`, given what the probe last said. */
export function judgeClock(now: number, synchronised: boolean | undefined, earliestPlausible: number): ClockFinding {
  const sync = synchronised ?? null;
  if (now < earliestPlausible) {
    return {
      ok: false,
      now,
      synchronised: sync,
      problem: 'before-plausible',
      detail: `the clock says ${new Date(now).toISOString()}, before ${new Date(earliestPlausible).toISOString().slice(0, 10)}: alerts are held back and push services refuse the hub's signatures`,
      fix: "connect the hub to the internet so it sets its clock (NTP): `sudo timedatectl set-ntp true`; or set it by hand: `sudo timedatectl set-time 'YYYY-MM-DD HH:MM:SS'`",
    };
  }
  if (synchronised === false) {
    return {
      ok: false,
      now,
      synchronised: sync,
      problem: 'not-synchronised',
      detail: 'the clock is not synchronised (NTP): if it drifts, push services refuse the hub\'s signatures and notifications stop',
      fix: 'turn on time synchronisation: `sudo timedatectl set-ntp true`, and make sure the hub can reach the internet',
    };
  }
  return { ok: true, now, synchronised: sync };
}

/**
 * Asks systemd: `timedatectl show -p NTPSynchronized --value` answers "yes" or "no"; anything else
 * (no timedatectl, no systemd, no answer within the time-out) is unknown.
 */
export function timedatectlProbe(options: { command?: string; timeoutMs?: number } = {}): ClockSyncProbe {
  return () =>
    new Promise((resolve) => {
      execFile(options.command ?? 'timedatectl', ['show', '-p', 'NTPSynchronized', '--value'], { timeout: options.timeoutMs ?? 2000 }, (error, stdout) => {
        const answer = error === null ? stdout.trim() : '';
        resolve(answer === 'yes' ? true : answer === 'no' ? false : undefined);
      });
    });
}

export interface ClockHealth {
  /** Probes now, and every `everyMs` after; timers unref'd. */
  start(): void;
  stop(): void;
  /** Probes synchronisation again and returns the finding. */
  refresh(): Promise<ClockFinding>;
  /** The finding now: the clock as read now, synchronisation as last probed (a health check spawns nothing). */
  finding(): ClockFinding;
}

export function createClockHealth(deps: { clock: Clock; probe: ClockSyncProbe; earliestPlausible: number; log: Logger; everyMs?: number }): ClockHealth {
  const { clock, probe, earliestPlausible, log } = deps;
  let synchronised: boolean | undefined;
  let timer: NodeJS.Timeout | undefined;
  let lastProblem: ClockProblem | undefined;

  const finding = () => judgeClock(clock.now(), synchronised, earliestPlausible);

  async function refresh(): Promise<ClockFinding> {
    try {
      synchronised = await probe();
    } catch {
      synchronised = undefined;
    }
    const found = finding();
    // Said once when it goes wrong, and once when it is right again: not at every probe.
    if (found.problem !== lastProblem) {
      if (found.problem !== undefined) log.warn({ problem: found.problem, fix: found.fix }, `clock: ${found.detail}`);
      else log.info('clock: looks right again');
      lastProblem = found.problem;
    }
    return found;
  }

  return {
    start() {
      void refresh();
      timer = setInterval(() => void refresh(), deps.everyMs ?? 10 * 60_000);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
    },
    refresh,
    finding,
  };
}
