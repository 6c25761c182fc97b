import { performance } from 'node:perf_hooks';
import type { MqttClient } from 'mqtt';
import { burst, closeAll, connectAll, steady, type BurstResult, type Publisher, type SteadyResult } from './mqtt-load.js';
import type { HubTemplate, RunningHub } from './hub-process.js';
import { getText } from './net-util.js';
import { cpuMeter, startRssSampler, type PhaseCpu } from './process-stats.js';
import { countPositionReadings } from './storage.js';

/**
 * Load on one running hub: a steady trickle and bursts (a bridge reconnecting with a backlog), from
 * one authenticated publisher per device. PUBACKs count as ingested readings because the hub commits
 * before it acknowledges (DESIGN.md principle 2); `verify()` checks exactly that against the table.
 */
/** hubLoopMaxMs: the hub's own event-loop maximum delay over the phase, from /metrics. */
export type HubBurstResult = BurstResult & { peakRssBytes: number | undefined; cpu: PhaseCpu; hubLoopMaxMs: number | undefined };
export type HubSteadyResult = SteadyResult & { peakRssBytes: number | undefined; hubLoopMaxMs: number | undefined };

export interface HubVerification {
  /** PUBACKs received over every phase on this hub. */
  acked: number;
  /** Rows in position_readings, counted while the hub still runs. */
  rows: number;
  /** homeward_readings_total{result="refused"} by reason, from /metrics: why an acknowledged reading may not be a row. */
  refused: Record<string, number>;
}

export interface HubLoad {
  steady(ratePerSecond: number, durationMs: number): Promise<HubSteadyResult>;
  burst(messages: number, window: number, deadlineMs: number): Promise<HubBurstResult>;
  verify(): Promise<HubVerification>;
  close(): Promise<void>;
}

/** Refusal counts from the hub's Prometheus text (DESIGN.md: homeward_readings_total{result,reason}). */
async function refusedReadings(hub: RunningHub): Promise<Record<string, number>> {
  const refused: Record<string, number> = {};
  try {
    for (const line of (await getText(hub.httpPort, '/metrics')).split('\n')) {
      if (!line.startsWith('homeward_readings_total{') || !line.includes('result="refused"')) continue;
      const reason = /reason="([^"]*)"/.exec(line)?.[1] ?? 'unknown';
      refused[reason] = (refused[reason] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  } catch {
    refused['(metrics unavailable)'] = Number.NaN;
  }
  return refused;
}

/**
 * The hub's event-loop maximum delay since the previous scrape (homeward_event_loop_delay_max_seconds);
 * each scrape starts a new window, so scrape once before a phase and once after.
 */
async function hubLoopMaxMs(hub: RunningHub): Promise<number | undefined> {
  try {
    const line = (await getText(hub.httpPort, '/metrics')).split('\n').find((l) => l.startsWith('homeward_event_loop_delay_max_seconds '));
    return line === undefined ? undefined : Number(line.split(' ')[1]) * 1000;
  } catch {
    return undefined;
  }
}

/** Connects one publisher per device of the template, with that device's own credential. */
export async function openHubLoad(hub: RunningHub, template: HubTemplate): Promise<HubLoad> {
  const specs = template.deviceIds.map((id) => {
    const credential = template.credentials.get(id);
    if (credential === undefined) throw new Error(`no credential for ${id}`);
    return { clientId: `bench-${id}`, username: credential.username, password: credential.password };
  });
  const clients = await connectAll(hub.mqttPort, specs);
  const targets: Publisher[] = template.deviceIds.map((id, index) => ({ client: clients[index] as MqttClient, topic: `homeward/devices/${id}/tracker` }));
  const rss = startRssSampler(hub.pid);
  let acked = 0;
  // Payload sequence numbers keep counting across phases, so no two messages of a run are alike.
  let sequence = 0;

  return {
    async steady(ratePerSecond, durationMs) {
      await hubLoopMaxMs(hub);
      const from = performance.now();
      const result = await steady(targets, ratePerSecond, durationMs, sequence);
      sequence += result.sent;
      acked += result.acked;
      return { ...result, peakRssBytes: rss.peakBetween(from, performance.now()), hubLoopMaxMs: await hubLoopMaxMs(hub) };
    },
    async burst(messages, window, deadlineMs) {
      await hubLoopMaxMs(hub);
      const cpu = cpuMeter(hub.pid);
      const from = performance.now();
      const result = await burst(targets, messages, window, deadlineMs, sequence);
      sequence += result.sent;
      acked += result.acked;
      return { ...result, cpu: cpu.read(), peakRssBytes: rss.peakBetween(from, performance.now()), hubLoopMaxMs: await hubLoopMaxMs(hub) };
    },
    async verify() {
      return { acked, rows: countPositionReadings(hub.dbFile), refused: await refusedReadings(hub) };
    },
    async close() {
      rss.stop();
      await closeAll(clients);
    },
  };
}
