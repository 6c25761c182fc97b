import { spawn } from 'node:child_process';
import type { Logger } from '../core/logger.js';
import type { HubHealth } from './hub-health.js';

/**
 * The hub's side of a systemd `Type=notify` unit with `WatchdogSec=` (issue 9, item 2; sd_notify(3)):
 * READY=1 once MQTT and HTTP listen, STOPPING=1 on the way down, and WATCHDOG=1 every half watchdog
 * interval ONLY while the hub is healthy — so a hub whose rule engine or database is stuck is
 * restarted by systemd (Restart=always) instead of running on, silently judging nothing.
 *
 * Node cannot send on a unix datagram socket, so each message is one run of Debian's systemd-notify.
 * It waits until systemd has processed the message (its barrier; we never pass --no-block), which is
 * what lets `NotifyAccess=all` attribute a message from a process that is about to exit.
 */
export const SYSTEMD_NOTIFY = '/usr/bin/systemd-notify';

/** What one watchdog beat did (for tests and the debug log). */
export type WatchdogBeat = 'fed' | 'starved' | 'busy' | 'failed' | 'off';

export interface SystemdNotifyDeps {
  /** NOTIFY_SOCKET as systemd set it; empty when not run by systemd: then nothing is ever spawned. */
  notifySocket: string;
  /** WATCHDOG_USEC as systemd set it; 0 = no watchdog (READY and STOPPING are still sent). */
  watchdogUsec: number;
  health: () => HubHealth;
  log: Logger;
  binary?: string;
}

export interface SystemdNotify {
  /** Whether systemd is listening at all. */
  readonly enabled: boolean;
  ready(status: string): Promise<void>;
  stopping(): Promise<void>;
  /** One watchdog beat: judge the hub, feed the watchdog only if that holds. The interval only calls this. */
  tick(): Promise<WatchdogBeat>;
  start(): void;
  stop(): void;
}

/** A systemd-notify that outlives systemd's own 5 s barrier time-out is killed. */
const CHILD_TIMEOUT_MS = 10_000;

export function createSystemdNotify(deps: SystemdNotifyDeps): SystemdNotify {
  const { notifySocket, watchdogUsec, log } = deps;
  const binary = deps.binary ?? SYSTEMD_NOTIFY;
  const enabled = notifySocket !== '';
  let missing = false;
  let running: Promise<boolean> | undefined;
  let lastStatus: string | undefined;
  // While healthy, `systemctl status` keeps showing where the hub listens (READY's line).
  let healthyStatus = 'Healthy';
  let failing = false;
  let timer: NodeJS.Timeout | undefined;

  /** Runs systemd-notify once with these NAME=value lines; true when systemd took them. */
  function run(lines: string[]): Promise<boolean> {
    return new Promise((resolve) => {
      let stderr = '';
      let settled = false;
      const settle = (sent: boolean, why?: string) => {
        if (settled) return;
        settled = true;
        // Said once per change, not every beat: a failing notify repeats every half minute.
        if (!sent && !failing) log.warn({ lines, why }, `systemd-notify failed: ${why ?? 'unknown'}`);
        if (sent && failing) log.info('systemd-notify works again');
        failing = !sent;
        resolve(sent);
      };
      // Only what systemd-notify needs: the hub's own environment is none of its business.
      const child = spawn(binary, lines, { env: { NOTIFY_SOCKET: notifySocket }, stdio: ['ignore', 'ignore', 'pipe'], timeout: CHILD_TIMEOUT_MS });
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') {
          missing = true;
          failing = true;
          log.warn({ binary }, `${binary} is missing: systemd will not hear that the hub is ready or alive (install the systemd package)`);
          settled = true;
          resolve(false);
          return;
        }
        settle(false, error.message);
      });
      child.once('close', (code, signal) => settle(code === 0, code === 0 ? undefined : (stderr.trim() || `exit ${code ?? signal}`)));
    });
  }

  /** Sends unless a systemd-notify is still running (a watchdog beat is skipped, never doubled). */
  function send(lines: string[]): Promise<boolean> | undefined {
    if (!enabled || missing || running !== undefined) return undefined;
    const sending = run(lines).finally(() => {
      if (running === sending) running = undefined;
    });
    running = sending;
    return sending;
  }

  /** READY and STOPPING are never skipped: they wait for the child before them. */
  async function sendInTurn(lines: string[]): Promise<void> {
    if (!enabled) return;
    while (running !== undefined) await running;
    await send(lines);
  }

  return {
    enabled,

    async ready(status) {
      healthyStatus = oneLine(status);
      lastStatus = healthyStatus;
      await sendInTurn(['READY=1', `STATUS=${lastStatus}`]);
    },

    async stopping() {
      this.stop();
      lastStatus = 'Stopping';
      await sendInTurn(['STOPPING=1', `STATUS=${lastStatus}`]);
    },

    async tick() {
      if (!enabled || watchdogUsec <= 0 || missing) return 'off';
      if (running !== undefined) {
        log.debug('the previous systemd-notify is still running: skipping this watchdog beat');
        return 'busy';
      }
      const health = deps.health();
      const status = health.ok ? healthyStatus : oneLine(`Unhealthy: ${health.problems.join('; ')}`);
      const statusLine = status === lastStatus ? [] : [`STATUS=${status}`];
      lastStatus = status;
      if (!health.ok && health.restartMayHelp) {
        log.error({ problems: health.problems }, `not feeding the systemd watchdog, so systemd restarts the hub: ${health.problems.join('; ')}`);
        if (statusLine.length > 0) await send(statusLine);
        return 'starved';
      }
      if (!health.ok && statusLine.length > 0) {
        log.warn({ problems: health.problems }, `feeding the systemd watchdog although ${health.problems.join('; ')}: a restart would not cure it`);
      }
      return (await send(['WATCHDOG=1', ...statusLine])) === true ? 'fed' : 'failed';
    },

    start() {
      if (!enabled || watchdogUsec <= 0 || timer !== undefined) return;
      // sd_watchdog_enabled(3): send at half the interval, so one late beat is not yet a restart.
      const everyMs = Math.max(1000, Math.floor(watchdogUsec / 2000));
      // A beat that throws is a beat not fed: systemd restarts the hub, which is what a broken beat deserves.
      const beat = () => void this.tick().catch((error: unknown) => log.error({ err: error }, 'the watchdog beat failed; not feeding the watchdog'));
      beat();
      timer = setInterval(beat, everyMs);
      timer.unref();
    },

    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}

/** STATUS= is one line of a newline-separated message: keep it one short line. */
function oneLine(text: string): string {
  const flat = text.replace(/\s*\n\s*/g, '; ');
  return flat.length > 200 ? `${flat.slice(0, 199)}…` : flat;
}
