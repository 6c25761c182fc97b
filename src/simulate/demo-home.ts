import { setTimeout as delay } from 'node:timers/promises';
import type { Clock } from '../core/clock.js';
import type { Household } from '../core/household.js';
import type { Logger } from '../core/logger.js';
import type { DeviceCredential } from '../household/credentials.js';
import { demoHousehold } from './demo-household.js';
import { runScenario, type Sleep } from './run-scenario.js';

/**
 * A simulated home for `npm start -- --demo`: the `quiet-day` scenario replayed in a loop through
 * runScenario, so a newcomer watches the same real-format messages, over the real broker with each
 * device's own credential, that `homeward simulate` sends. At 60× a day at home takes about a quarter
 * of an hour; the first fix arrives at once.
 */
export interface DemoHome {
  stop(): Promise<void>;
}

export function startDemoHome(options: {
  mqttUrl: string;
  credentialOf: (deviceId: string) => DeviceCredential;
  log: Logger;
  /** The household the hub runs; the demo household by default. */
  household?: Household;
  /** For devices that post over HTTP; the demo household has none. */
  httpUrl?: string;
  /** Simulated seconds per real second; default 60. */
  speed?: number;
  /** Time and waiting, injectable so a test can replay a day without waiting for it. */
  clock?: Clock;
  sleep?: Sleep;
}): DemoHome {
  const controller = new AbortController();
  const { signal } = controller;
  const household = options.household ?? demoHousehold;
  const pauseAfterFailureMs = 5000;
  const pauseBetweenDaysMs = 5000;
  const sleep: Sleep = options.sleep ?? ((ms, s) => delay(ms, undefined, s ? { signal: s } : {}));

  const loop = (async () => {
    for (let round = 1; !signal.aborted; round++) {
      try {
        const summary = await runScenario({
          household,
          credentialOf: options.credentialOf,
          scenario: 'quiet-day',
          mqttUrl: options.mqttUrl,
          ...(options.httpUrl !== undefined ? { httpUrl: options.httpUrl } : {}),
          speed: options.speed ?? 60,
          signal,
          sleep,
          ...(options.clock !== undefined ? { clock: options.clock } : {}),
        });
        options.log.info({ round, messages: summary.sent.mqtt + summary.sent.http }, 'demo day replayed; starting the next');
        // A breath between days, so the last reading of one and the first of the next never share a second.
        await sleep(pauseBetweenDaysMs, signal).catch(() => undefined);
      } catch (error) {
        if (signal.aborted) return;
        // A hub restarting under the demo is no reason to stop it: try again shortly.
        options.log.warn({ err: error, round }, 'demo replay failed; retrying');
        await sleep(pauseAfterFailureMs, signal).catch(() => undefined);
      }
    }
  })();
  options.log.info({ scenario: 'quiet-day', devices: household.devices?.length ?? 0 }, 'demo home started: replaying a quiet day at home');

  return {
    async stop() {
      controller.abort();
      await loop;
    },
  };
}
