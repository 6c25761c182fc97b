import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { MqttClient } from 'mqtt';
import type { HubLoad, HubSteadyResult } from './hub-ingest.js';
import type { HubTemplate, RunningHub } from './hub-process.js';
import { closeAll, connectAll, connectClient } from './mqtt-load.js';
import { sleep } from './net-util.js';
import { cpuMeter, type PhaseCpu } from './process-stats.js';
import type { PushEndpoint } from './push-endpoint.js';

/**
 * The alert path (DESIGN.md budget: p99 ≤ 25 ms to the push endpoint, with 500 readings/s of
 * background): a night door-opening → its night-exit alert arriving at an integration subscribed to
 * homeward/alerts/#, and (issue 10) → the Web Push request for it arriving, decrypted, at a local push
 * endpoint subscribed by the household's owner (push-endpoint.ts). Both legs are timed in one run,
 * from the same publish, on the benchmark's clock; tracker readings run as background.
 *
 * Each door alternates open/close on its own connection; the k-th night-exit alert of a door (by
 * details.openedAt, the stored reading time) answers the k-th opening of that door, and its stored
 * time must lie between the publish and the alert's arrival on the same clock, or the pair is counted
 * as mismatched. An opening without its alert is a failure: aedes has been seen dropping broker
 * publishes (DESIGN.md, "Pitfalls").
 */
export interface AlertLatencyOptions {
  /** Door openings in the phase, spread round-robin over the template's doors. */
  openings: number;
  /** Over how long the openings are spread. */
  spanMs: number;
  /** Background tracker readings per second, for the whole phase. */
  backgroundRate: number;
}

/** The push leg: each opening's alert (matched on MQTT) → the first push request tagged with its id. */
export interface PushLatencyResult {
  /** Openings whose alert reached the endpoint. */
  received: number;
  /** Openings matched to an alert on MQTT whose alert never reached the endpoint. */
  missing: number;
  /** Requests beyond the first for one alert. */
  extra: number;
  /** Requests about something other than the phase's night exits (or unreadable). */
  other: number;
  /** Requests the browser's key could not decrypt, or without a valid VAPID signature. */
  undecrypted: number;
  vapidInvalid: number;
  /** Requests by payload kind ('alert' for a ladder's first step; an alert joining an incident is an update). */
  kinds: Record<string, number>;
  latencyP50Ms: number | undefined;
  latencyP99Ms: number | undefined;
  latencyMaxMs: number | undefined;
  latenciesInOrder: Array<number | null>;
  firstLatencyMs: number | undefined;
}

export interface AlertLatencyResult {
  openings: number;
  doors: number;
  spanMs: number;
  /** Between two openings of one door (a close is published half-way). */
  perDoorIntervalMs: number;
  /** Door publishes (openings and closings) that got no PUBACK. */
  doorPublishesFailed: number;
  /** Openings paired with their alert. */
  received: number;
  missing: number;
  /** Night-exit alerts beyond a door's openings: one opening alerted twice. */
  extra: number;
  /** Pairs whose stored time lies outside [publish, arrival]: the order match went wrong. */
  mismatched: number;
  /** The same alert id delivered again (QoS 1 redelivery), ignored. */
  redelivered: number;
  /** Alerts of another type, or of a device that is not one of the doors. */
  otherAlerts: number;
  latencyP50Ms: number | undefined;
  latencyP99Ms: number | undefined;
  latencyMaxMs: number | undefined;
  /** Every opening's latency in ms, in the order the openings were published (null: no alert matched). */
  latenciesInOrder: Array<number | null>;
  /** The phase's first opening, on a hub that has raised no alert yet (nothing on the path compiled). */
  firstLatencyMs: number | undefined;
  /** The benchmark's own event-loop maximum while it opened doors: how much of a spike it may explain. */
  benchLoopMaxMs: number;
  /** The hub's own maximum over the phase, from /metrics. */
  hubLoopMaxMs: number | undefined;
  background: HubSteadyResult;
  cpu: PhaseCpu;
  /** Present when the phase ran with a push endpoint. */
  push: PushLatencyResult | undefined;
}

interface Opening {
  /** Position among all openings of the phase. */
  order: number;
  sentAt: number;
  sentWall: number;
}

interface Arrival {
  id: string;
  openedAt: number;
  arrivedAt: number;
  arrivedWall: number;
}

const ALERT_FILTER = 'homeward/alerts/#';
/** Background runs this long before the first opening and after the last. */
const LEAD_MS = 1000;
const TAIL_MS = 2000;
/** After the last publish, alerts still missing get this long to arrive. */
const ALERT_WAIT_MS = 5000;

function subscribe(client: MqttClient, filter: string, withinMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no SUBACK for ${filter} within ${withinMs} ms`)), withinMs);
    client.subscribe(filter, { qos: 1 }, (error, granted) => {
      clearTimeout(timer);
      if (error) reject(error);
      else if (granted?.[0]?.qos !== 1) reject(new Error(`subscription to ${filter} refused (granted ${JSON.stringify(granted)})`));
      else resolve();
    });
  });
}

const percentile = (sorted: readonly number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

/** Pairs each alert matched to an opening with the first push request tagged with its id. */
function pushLatencies(endpoint: PushEndpoint, matched: ReadonlyArray<{ opening: Opening; alert: Arrival }>, openings: number): PushLatencyResult {
  const byAlert = new Map<string, number[]>();
  const kinds: Record<string, number> = {};
  let undecrypted = 0;
  let vapidInvalid = 0;
  for (const arrival of endpoint.arrivals) {
    if (!arrival.decrypted) undecrypted++;
    if (!arrival.vapidValid) vapidInvalid++;
    kinds[arrival.kind ?? '(unreadable)'] = (kinds[arrival.kind ?? '(unreadable)'] ?? 0) + 1;
    if (arrival.alertId === undefined) continue;
    const list = byAlert.get(arrival.alertId) ?? [];
    list.push(arrival.arrivedAt);
    byAlert.set(arrival.alertId, list);
  }
  const latencies: number[] = [];
  const latenciesInOrder: Array<number | null> = new Array<number | null>(openings).fill(null);
  let missing = 0;
  let extra = 0;
  let firstLatencyMs: number | undefined;
  const known = new Set<string>();
  for (const { opening, alert } of matched) {
    known.add(alert.id);
    const arrivals = byAlert.get(alert.id);
    if (arrivals === undefined) {
      missing++;
      continue;
    }
    extra += arrivals.length - 1;
    const latency = Math.min(...arrivals) - opening.sentAt;
    latencies.push(latency);
    latenciesInOrder[opening.order] = latency;
    if (opening.order === 0) firstLatencyMs = latency;
  }
  const other = endpoint.arrivals.filter((arrival) => arrival.alertId === undefined || !known.has(arrival.alertId)).length;
  latencies.sort((a, b) => a - b);
  return {
    received: latencies.length,
    missing,
    extra,
    other,
    undecrypted,
    vapidInvalid,
    kinds,
    latencyP50Ms: percentile(latencies, 0.5),
    latencyP99Ms: percentile(latencies, 0.99),
    latencyMaxMs: latencies[latencies.length - 1],
    latenciesInOrder,
    firstLatencyMs,
  };
}

/** Runs the phase on a hub whose household is bench-household.ts's (doors, integration, night around now). */
export async function measureAlertLatency(hub: RunningHub, template: HubTemplate, load: HubLoad, options: AlertLatencyOptions, push?: PushEndpoint): Promise<AlertLatencyResult> {
  const doors = template.doorIds;
  if (doors.length === 0) throw new Error('the household has no doors');
  const interval = options.spanMs / options.openings;
  const perDoorIntervalMs = interval * doors.length;
  if (perDoorIntervalMs < 40) throw new Error(`openings of one door would be ${perDoorIntervalMs.toFixed(1)} ms apart; at least 40 ms needed`);
  const credentialOf = (id: string) => {
    const credential = template.credentials.get(id);
    if (credential === undefined) throw new Error(`no credential for ${id}`);
    return credential;
  };

  const arrivals = new Map<string, Arrival[]>(doors.map((id) => [id, []]));
  const seen = new Set<string>();
  let redelivered = 0;
  let otherAlerts = 0;
  let nightExits = 0;
  const subscriber = await connectClient(hub.mqttPort, { clientId: `bench-${template.integrationId}`, ...credentialOf(template.integrationId) });
  let doorClients: MqttClient[] = [];
  try {
    subscriber.on('message', (_topic, payload) => {
      const arrivedAt = performance.now();
      const arrivedWall = Date.now();
      let alert: { id?: unknown; type?: unknown; deviceId?: unknown; details?: { openedAt?: unknown } };
      try {
        alert = JSON.parse(payload.toString('utf8')) as typeof alert;
      } catch {
        otherAlerts++;
        return;
      }
      if (typeof alert.id === 'string') {
        if (seen.has(alert.id)) {
          redelivered++;
          return;
        }
        seen.add(alert.id);
      }
      const list = typeof alert.deviceId === 'string' ? arrivals.get(alert.deviceId) : undefined;
      const openedAt = alert.details?.openedAt;
      if (alert.type !== 'night-exit' || list === undefined || typeof openedAt !== 'number') {
        otherAlerts++;
        return;
      }
      list.push({ id: typeof alert.id === 'string' ? alert.id : '', openedAt, arrivedAt, arrivedWall });
      nightExits++;
    });
    await subscribe(subscriber, ALERT_FILTER);
    doorClients = await connectAll(
      hub.mqttPort,
      doors.map((id) => ({ clientId: `bench-${id}`, ...credentialOf(id) })),
    );

    // Opening j: door j mod N at lead + j·interval; that door closes again half an interval of its own later.
    const events: Array<{ at: number; door: number; open: boolean; order: number }> = [];
    for (let j = 0; j < options.openings; j++) {
      const at = LEAD_MS + j * interval;
      events.push({ at, door: j % doors.length, open: true, order: j }, { at: at + perDoorIntervalMs / 2, door: j % doors.length, open: false, order: j });
    }
    events.sort((a, b) => a.at - b.at);
    const sent = new Map<string, Opening[]>(doors.map((id) => [id, []]));
    let doorPublishesFailed = 0;

    const cpu = cpuMeter(hub.pid);
    const lastAt = events[events.length - 1]?.at ?? LEAD_MS;
    const background = load.steady(options.backgroundRate, Math.ceil(lastAt + TAIL_MS));
    const startedAt = performance.now();
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    for (const event of events) {
      const wait = startedAt + event.at - performance.now();
      if (wait > 0) await sleep(wait);
      const id = doors[event.door] as string;
      const client = doorClients[event.door] as MqttClient;
      const sentWall = Date.now();
      const sentAt = performance.now();
      if (event.open) sent.get(id)?.push({ order: event.order, sentAt, sentWall });
      client.publish(`homeward/devices/${id}/door`, event.open ? '{"open":true}' : '{"open":false}', { qos: 1 }, (error) => {
        if (error) doorPublishesFailed++;
      });
    }
    const alertDeadline = performance.now() + ALERT_WAIT_MS;
    const pushed = () => (push === undefined ? options.openings : new Set(push.arrivals.map((arrival) => arrival.alertId)).size);
    while ((nightExits < options.openings || pushed() < options.openings) && performance.now() < alertDeadline) await sleep(10);
    loop.disable();
    const steadyResult = await background;
    const cpuResult = cpu.read();

    const latencies: number[] = [];
    const latenciesInOrder: Array<number | null> = new Array<number | null>(options.openings).fill(null);
    let missing = 0;
    let extra = 0;
    let mismatched = 0;
    let firstLatencyMs: number | undefined;
    const matched: Array<{ opening: Opening; alert: Arrival }> = [];
    for (const id of doors) {
      const openings = sent.get(id) ?? [];
      const alerts = [...(arrivals.get(id) ?? [])].sort((a, b) => a.openedAt - b.openedAt);
      missing += Math.max(0, openings.length - alerts.length);
      extra += Math.max(0, alerts.length - openings.length);
      for (let k = 0; k < Math.min(openings.length, alerts.length); k++) {
        const opening = openings[k] as Opening;
        const alert = alerts[k] as Arrival;
        // One clock (Date.now() here, the hub's receipt time there), whole milliseconds: allow 1 ms.
        if (alert.openedAt < opening.sentWall - 1 || alert.openedAt > alert.arrivedWall + 1) mismatched++;
        else {
          const latency = alert.arrivedAt - opening.sentAt;
          latencies.push(latency);
          latenciesInOrder[opening.order] = latency;
          if (opening.order === 0) firstLatencyMs = latency;
          matched.push({ opening, alert });
        }
      }
    }
    latencies.sort((a, b) => a - b);
    return {
      openings: options.openings,
      doors: doors.length,
      spanMs: options.spanMs,
      perDoorIntervalMs,
      doorPublishesFailed,
      received: latencies.length,
      missing,
      extra,
      mismatched,
      redelivered,
      otherAlerts,
      latencyP50Ms: percentile(latencies, 0.5),
      latencyP99Ms: percentile(latencies, 0.99),
      latencyMaxMs: latencies[latencies.length - 1],
      latenciesInOrder,
      firstLatencyMs,
      benchLoopMaxMs: loop.max / 1e6,
      hubLoopMaxMs: steadyResult.hubLoopMaxMs,
      background: steadyResult,
      cpu: cpuResult,
      push: push === undefined ? undefined : pushLatencies(push, matched, options.openings),
    };
  } finally {
    await closeAll([...doorClients, subscriber]);
  }
}
