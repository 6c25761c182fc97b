import type { HubConfig } from '../config.js';
import type { Logger } from '../core/logger.js';
import type { MetricsRegistry } from '../core/metrics.js';
import { createDeadManPing, type DeadManPing } from './dead-man-ping.js';
import { judgeHubHealth, type HubHealth, type HubHealthLookups } from './hub-health.js';
import { createSystemdNotify, type SystemdNotify } from './systemd-notify.js';

/**
 * Who learns when the hub itself is in trouble (issue 9, items 2 and 8): systemd, through its
 * watchdog, restarts a stuck hub; a dead-man ping tells someone outside the home when it stops.
 * Both trust the same judgement of the hub's health.
 */
export interface Supervision {
  health(): HubHealth;
  systemd: SystemdNotify;
  ping: DeadManPing;
  /** Starts the watchdog beats and the pings. */
  start(): void;
  stop(): void;
}

export function createSupervision(deps: {
  config: Pick<HubConfig, 'systemd' | 'supervision'>;
  lookups: HubHealthLookups;
  log: Logger;
  metrics: MetricsRegistry;
  /** Tests: another systemd-notify (a missing one). */
  systemdNotify?: string;
}): Supervision {
  const { config, log } = deps;
  const health = () => judgeHubHealth(deps.lookups);
  const systemd = createSystemdNotify({
    notifySocket: config.systemd.notifySocket,
    watchdogUsec: config.systemd.watchdogUsec,
    health,
    log,
    ...(deps.systemdNotify === undefined ? {} : { binary: deps.systemdNotify }),
  });
  const ping = createDeadManPing({
    url: config.supervision.pingUrl,
    everyS: config.supervision.everyS,
    health,
    log,
    pings: deps.metrics.counter('homeward_supervision_ping_total', 'Dead-man pings, by result: up (alive), fail (unhealthy, with why), error (not delivered), busy (previous still in flight)'),
  });
  return {
    health,
    systemd,
    ping,
    start() {
      systemd.start();
      ping.start();
    },
    stop() {
      systemd.stop();
      ping.stop();
    },
  };
}
