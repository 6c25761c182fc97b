import type { MqttClient } from 'mqtt';
import { connectClient } from '../support/mqtt-clients.js';
import type { TestHub } from '../support/test-hub.js';

/**
 * A real mqtt.js client logged in with an integration's credential (as Home Assistant or Node-RED is),
 * keeping every message it receives and the latest payload of each topic.
 */
export interface Watcher {
  client: MqttClient;
  /** Every message, in the order received. */
  messages: Array<{ topic: string; payload: string; retain: boolean }>;
  /** The latest payload of each topic. */
  latest: Map<string, string>;
  /** The latest payload of a topic, parsed as JSON; undefined if none (or empty). */
  json<T = Record<string, unknown>>(topic: string): T | undefined;
  /** Waits (bounded) until `done()` holds; returns whether it did. */
  until(done: () => boolean, withinMs?: number): Promise<boolean>;
  end(): Promise<void>;
}

export async function watch(t: Pick<TestHub, 'mqttUrl' | 'credential'>, filters: string[], options: { integration?: string; clientId?: string } = {}): Promise<Watcher> {
  const client = await connectClient(t.mqttUrl, { ...t.credential(options.integration ?? 'home-assistant'), clientId: options.clientId ?? `watch-${Math.random().toString(36).slice(2)}` });
  const messages: Watcher['messages'] = [];
  const latest = new Map<string, string>();
  client.on('message', (topic, payload, packet) => {
    const text = payload.toString('utf8');
    messages.push({ topic, payload: text, retain: packet.retain });
    latest.set(topic, text);
  });
  await client.subscribeAsync(filters, { qos: 1 });
  return {
    client,
    messages,
    latest,
    json<T>(topic: string): T | undefined {
      const text = latest.get(topic);
      return text === undefined || text === '' ? undefined : (JSON.parse(text) as T);
    },
    async until(done, withinMs = 10_000) {
      const deadline = Date.now() + withinMs;
      while (!done()) {
        if (Date.now() > deadline) return false;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return true;
    },
    end: () => client.endAsync(),
  };
}
