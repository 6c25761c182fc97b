import net from 'node:net';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { MqttClient, type IClientOptions } from 'mqtt';

/**
 * The load generator shared by the Mosquitto and the hub runs, so both see exactly the same clients,
 * payloads and in-flight windows. Every wait here is bounded by a deadline.
 */
export interface ClientSpec {
  clientId: string;
  username?: string;
  password?: string;
}

export interface Publisher {
  client: MqttClient;
  topic: string;
  /** The message body for a sequence number; a tracker fix (trackerPayload) unless given. */
  payload?: (sequence: number) => Buffer;
}

/**
 * Connects one MQTT 3.1.1 client to 127.0.0.1:`port`. The socket is built here rather than by
 * mqtt.connect() because mqtt.js leaves Nagle's algorithm on, which adds 40 ms delays to small
 * writes on loopback (DESIGN.md, "Pitfalls") and would be measured as broker latency.
 */
export function connectClient(port: number, spec: ClientSpec, withinMs = 10_000): Promise<MqttClient> {
  const options: IClientOptions = {
    clientId: spec.clientId,
    protocolVersion: 4,
    clean: true,
    keepalive: 60,
    reconnectPeriod: 0, // a reconnect would resend and blur the count; a lost connection is a failed run
    connectTimeout: withinMs,
    ...(spec.username !== undefined ? { username: spec.username } : {}),
    ...(spec.password !== undefined ? { password: spec.password } : {}),
  };
  const client = new MqttClient(() => net.createConnection({ host: '127.0.0.1', port, noDelay: true }), options);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`no CONNACK within ${withinMs} ms`)), withinMs);
    const onClose = () => fail(new Error('connection closed before CONNACK'));
    // Only our own listeners come off again: mqtt.js keeps internal 'close' and 'connect' handlers.
    const settle = () => {
      clearTimeout(timer);
      client.off('error', fail);
      client.off('close', onClose);
    };
    function fail(error: Error): void {
      settle();
      client.end(true);
      reject(new Error(`${spec.clientId}: ${error.message}`));
    }
    client.on('error', fail);
    client.on('close', onClose);
    client.once('connect', () => {
      settle();
      client.on('error', () => undefined); // an error after CONNACK fails the publishes, which the caller counts
      resolve(client);
    });
  });
}

/** Connects all clients, a few at a time (a burst of 50 CONNECTs measures the broker's accept path, not ingest). */
export async function connectAll(port: number, specs: readonly ClientSpec[], concurrency = 10): Promise<MqttClient[]> {
  const clients: MqttClient[] = new Array<MqttClient>(specs.length);
  let next = 0;
  const opened: MqttClient[] = [];
  const workers = Array.from({ length: Math.min(concurrency, specs.length) }, async () => {
    while (next < specs.length) {
      const index = next++;
      const client = await connectClient(port, specs[index] as ClientSpec);
      opened.push(client);
      clients[index] = client;
    }
  });
  try {
    await Promise.all(workers);
  } catch (error) {
    await closeAll(opened);
    throw error;
  }
  return clients;
}

export async function closeAll(clients: readonly MqttClient[]): Promise<void> {
  await Promise.all(
    clients.map(
      (client) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            client.end(true);
            resolve();
          }, 2000);
          client.end(false, {}, () => {
            clearTimeout(timer);
            resolve();
          });
        }),
    ),
  );
}

/**
 * A tracker fix in the native format: every message differs a little, as real ones do, but stays
 * within a few metres of the home and reports an accuracy wider than that, so the hub's GPS hygiene
 * (which drops fixes implying > 300 km/h beyond both accuracies) keeps every one even 1 ms apart.
 */
export function trackerPayload(sequence: number): Buffer {
  const lat = 51.5072 + ((sequence * 7919) % 41) / 1e6; // ≤ 4.6 m north
  const lon = -0.1276 + ((sequence * 104_729) % 61) / 1e6; // ≤ 3.8 m east
  const acc = 10 + (sequence % 21);
  return Buffer.from(JSON.stringify({ lat: Number(lat.toFixed(6)), lon: Number(lon.toFixed(6)), acc }));
}

export interface BurstResult {
  messages: number;
  sent: number;
  acked: number;
  failed: number;
  /** All acknowledgements arrived before the deadline. */
  complete: boolean;
  /** From the first PUBLISH written to the last PUBACK received. */
  seconds: number;
  ackedPerSecond: number;
  /** Longest wait between two consecutive PUBACKs (from any client), in ms. */
  maxAckGapMs: number;
  /** This process's own event-loop delay while it ran the burst: how much of the gap it may explain. */
  benchLoopMaxMs: number;
  firstPublishAt: number;
  lastAckAt: number;
}

/**
 * Publishes `messages` QoS 1 messages spread evenly over the publishers, each keeping at most `window`
 * publishes unacknowledged, as a device with a small outgoing queue does.
 */
export function burst(publishers: readonly Publisher[], messages: number, window: number, deadlineMs: number, firstSequence = 0): Promise<BurstResult> {
  return new Promise((resolve) => {
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    let sent = 0;
    let acked = 0;
    let failed = 0;
    let maxGap = 0;
    let firstPublishAt = 0;
    let lastAckAt = 0;
    let finished = false;

    const quota = publishers.map((_, index) => Math.floor(messages / publishers.length) + (index < messages % publishers.length ? 1 : 0));
    const outstanding = publishers.map(() => 0);
    const started = publishers.map(() => 0);

    const finish = (complete: boolean) => {
      if (finished) return;
      finished = true;
      clearTimeout(deadline);
      for (const publisher of publishers) publisher.client.off('close', onClose);
      loop.disable();
      const seconds = (lastAckAt - firstPublishAt) / 1000;
      resolve({
        messages,
        sent,
        acked,
        failed,
        complete,
        seconds,
        ackedPerSecond: seconds > 0 ? acked / seconds : 0,
        maxAckGapMs: maxGap,
        benchLoopMaxMs: loop.max / 1e6,
        firstPublishAt,
        lastAckAt,
      });
    };
    const deadline = setTimeout(() => finish(false), deadlineMs);
    // A connection the broker closes mid-burst never acknowledges its in-flight publishes: end the
    // burst a second later as incomplete rather than waiting out the whole deadline.
    const onClose = () => setTimeout(() => finish(false), 1000).unref();
    for (const publisher of publishers) publisher.client.once('close', onClose);

    const pump = (index: number) => {
      const publisher = publishers[index] as Publisher;
      while (!finished && (outstanding[index] as number) < window && (started[index] as number) < (quota[index] as number)) {
        const sequence = sent++;
        started[index] = (started[index] as number) + 1;
        outstanding[index] = (outstanding[index] as number) + 1;
        if (firstPublishAt === 0) firstPublishAt = performance.now();
        publisher.client.publish(publisher.topic, (publisher.payload ?? trackerPayload)(firstSequence + sequence), { qos: 1 }, (error) => {
          outstanding[index] = (outstanding[index] as number) - 1;
          if (error) failed++;
          else {
            const now = performance.now();
            if (lastAckAt !== 0 && now - lastAckAt > maxGap) maxGap = now - lastAckAt;
            lastAckAt = now;
            acked++;
          }
          if (acked + failed === messages) finish(failed === 0);
          else pump(index);
        });
      }
    };
    if (messages === 0) return finish(true);
    for (let index = 0; index < publishers.length; index++) pump(index);
  });
}

export interface SteadyResult {
  ratePerSecond: number;
  seconds: number;
  sent: number;
  acked: number;
  failed: number;
  complete: boolean;
  /** PUBACK latency (publish → PUBACK) percentiles, in ms: commit window + fsync + queueing. */
  ackLatencyP50Ms: number;
  ackLatencyP99Ms: number;
  ackLatencyMaxMs: number;
}

/** Publishes at `ratePerSecond` for `durationMs`, round-robin over the publishers, then waits (bounded) for the last PUBACKs. */
export function steady(publishers: readonly Publisher[], ratePerSecond: number, durationMs: number, firstSequence = 0): Promise<SteadyResult> {
  return new Promise((resolve) => {
    const latencies: number[] = [];
    let sent = 0;
    let acked = 0;
    let failed = 0;
    let finished = false;
    const total = Math.round((ratePerSecond * durationMs) / 1000);
    const startedAt = performance.now();

    const finish = (complete: boolean) => {
      if (finished) return;
      finished = true;
      clearInterval(tick);
      clearTimeout(deadline);
      latencies.sort((a, b) => a - b);
      const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
      resolve({
        ratePerSecond,
        seconds: durationMs / 1000,
        sent,
        acked,
        failed,
        complete,
        ackLatencyP50Ms: at(0.5),
        ackLatencyP99Ms: at(0.99),
        ackLatencyMaxMs: latencies[latencies.length - 1] ?? 0,
      });
    };
    // Sending stops at durationMs; the last acknowledgements get 10 s more before the phase gives up.
    const deadline = setTimeout(() => finish(false), durationMs + 10_000);
    // Send what is due every 20 ms rather than one timer per message: timers this short drift, the count does not.
    const tick = setInterval(() => {
      const elapsed = performance.now() - startedAt;
      const due = Math.min(total, Math.floor((Math.min(elapsed, durationMs) * ratePerSecond) / 1000));
      while (sent < due) {
        const publisher = publishers[sent % publishers.length] as Publisher;
        const publishedAt = performance.now();
        publisher.client.publish(publisher.topic, (publisher.payload ?? trackerPayload)(firstSequence + sent), { qos: 1 }, (error) => {
          if (error) failed++;
          else {
            acked++;
            latencies.push(performance.now() - publishedAt);
          }
          if (acked + failed === total) finish(failed === 0);
        });
        sent++;
      }
      if (sent >= total) clearInterval(tick);
    }, 20);
    if (total === 0) finish(true);
  });
}
