import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import type { SimulatedMessage } from '../core/device-source.js';
import { HomewardError } from '../core/errors.js';
import type { DeviceCredential } from '../household/credentials.js';

/**
 * Delivers simulated messages the way the real devices do: one MQTT connection per credential (a
 * bridge's connection speaks for all its devices), QoS 1, each publish awaited until its PUBACK (the hub
 * acknowledges only what it has committed); HTTP with Basic authentication. Every wait is bounded.
 */
export interface Senders {
  send(credential: DeviceCredential, message: SimulatedMessage): Promise<void>;
  /** Closes every connection; after an error, without waiting for in-flight messages. */
  close(options?: { force?: boolean }): Promise<void>;
  readonly sent: { mqtt: number; http: number };
}

export interface SendersOptions {
  mqttUrl?: string;
  httpUrl?: string;
  /** Bound on connecting, on each PUBACK and on each HTTP answer. */
  timeoutMs: number;
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function connect(url: string, credential: DeviceCredential, timeoutMs: number): Promise<MqttClient> {
  // A random suffix so a simulated device never takes over the session of the real one using the same credential.
  const clientId = `homeward-simulate-${credential.username}-${randomBytes(3).toString('hex')}`;
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, {
      clientId,
      username: credential.username,
      password: credential.password,
      reconnectPeriod: 0,
      connectTimeout: timeoutMs,
    });
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      client.end(true);
      reject(new Error(`MQTT connection to ${url} as "${credential.username}" failed: ${error.message}`));
    };
    client.once('connect', () => {
      if (settled) return;
      settled = true;
      resolve(client);
    });
    client.once('error', fail);
    client.once('close', () => fail(new Error('closed before the broker accepted it')));
  });
}

/** Resolves on PUBACK; rejects if the connection drops first (with reconnecting off, mqtt.js would wait forever). */
function publish(client: MqttClient, message: Extract<SimulatedMessage, { transport: 'mqtt' }>, timeoutMs: number): Promise<void> {
  const acked = new Promise<void>((resolve, reject) => {
    const onClose = () => reject(new Error(`MQTT connection closed before the hub acknowledged ${message.topic}`));
    client.once('close', onClose);
    client.publish(message.topic, message.payload, { qos: 1, retain: message.retain ?? false }, (error) => {
      client.off('close', onClose);
      if (error) reject(new Error(`publish to ${message.topic} failed: ${error.message}`));
      else resolve();
    });
  });
  return withTimeout(acked, timeoutMs, `PUBACK for ${message.topic}`);
}

async function post(httpUrl: string, credential: DeviceCredential, message: Extract<SimulatedMessage, { transport: 'http' }>, timeoutMs: number): Promise<void> {
  const url = new URL(message.path, httpUrl);
  for (const [name, value] of Object.entries(message.query ?? {})) url.searchParams.set(name, value);
  const headers: Record<string, string> = {
    authorization: `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`,
  };
  if (message.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, {
    method: message.method,
    headers,
    ...(message.body !== undefined ? { body: JSON.stringify(message.body) } : {}),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${message.method} ${url.pathname} answered ${response.status}: ${text.slice(0, 200)}`);
}

export function createSenders(options: SendersOptions): Senders {
  const clients = new Map<string, Promise<MqttClient>>();
  const sent = { mqtt: 0, http: 0 };

  return {
    sent,
    async send(credential, message) {
      if (message.transport === 'mqtt') {
        if (options.mqttUrl === undefined) throw new HomewardError('HW_USAGE', `an MQTT URL is needed to publish ${message.topic}`);
        let client = clients.get(credential.username);
        if (client === undefined) {
          client = connect(options.mqttUrl, credential, options.timeoutMs);
          clients.set(credential.username, client);
        }
        await publish(await client, message, options.timeoutMs);
        sent.mqtt++;
        return;
      }
      if (options.httpUrl === undefined) throw new HomewardError('HW_USAGE', `an HTTP URL is needed to post to ${message.path}`);
      await post(options.httpUrl, credential, message, options.timeoutMs);
      sent.http++;
    },
    async close({ force = false } = {}) {
      const pending = [...clients.values()];
      clients.clear();
      await Promise.all(
        pending.map(async (connecting) => {
          const client = await connecting.catch(() => undefined);
          if (client === undefined) return;
          await withTimeout(client.endAsync(force), options.timeoutMs, 'closing the MQTT connection').catch(() => client.end(true));
        }),
      );
    },
  };
}
