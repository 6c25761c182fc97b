import type { MqttClient } from 'mqtt';
import { BENCH_COMPARTMENTS } from './bench-household.js';
import type { HubTemplate, RunningHub } from './hub-process.js';
import { burst, closeAll, connectAll, type Publisher } from './mqtt-load.js';
import { countReadings, type ReadingKind } from './storage.js';

/**
 * Door and pill-box readings through the front door (issue 10, storage by kind): the inner doors and
 * the pill boxes of bench-household.ts each publish over MQTT, with their own credentials, into a hub
 * that has taken the tracker bursts, so dbstat weighs each kind's table as the hub filled it (several
 * devices interleaved, as in a home) rather than as a generator would. Their rows are counted against
 * their PUBACKs like the positions are.
 */
export interface KindIngest {
  kind: ReadingKind;
  devices: number;
  messages: number;
  acked: number;
  failed: number;
  complete: boolean;
  ackedPerSecond: number;
  /** Rows in the kind's table, counted while the hub still runs. */
  rows: number;
}

const doorPayload = (sequence: number) => Buffer.from(sequence % 2 === 0 ? '{"open":true}' : '{"open":false}');
const lidPayload = (sequence: number) => Buffer.from(JSON.stringify({ compartment: 1 + (sequence % BENCH_COMPARTMENTS), open: sequence % 2 === 0 }));

async function ingestKind(hub: RunningHub, template: HubTemplate, kind: 'door' | 'pillbox', messages: number, window: number, deadlineMs: number): Promise<KindIngest> {
  const ids = kind === 'door' ? template.innerDoorIds : template.pillboxIds;
  if (ids.length === 0) throw new Error(`the household has no ${kind === 'door' ? 'inner doors' : 'pill boxes'}`);
  const clients = await connectAll(
    hub.mqttPort,
    ids.map((id) => {
      const credential = template.credentials.get(id);
      if (credential === undefined) throw new Error(`no credential for ${id}`);
      return { clientId: `bench-${id}`, ...credential };
    }),
  );
  try {
    const publishers: Publisher[] = ids.map((id, index) => ({
      client: clients[index] as MqttClient,
      topic: `homeward/devices/${id}/${kind}`,
      payload: kind === 'door' ? doorPayload : lidPayload,
    }));
    const before = countReadings(hub.dbFile, kind);
    const result = await burst(publishers, messages, window, deadlineMs);
    return {
      kind,
      devices: ids.length,
      messages,
      acked: result.acked,
      failed: result.failed,
      complete: result.complete,
      ackedPerSecond: result.ackedPerSecond,
      rows: countReadings(hub.dbFile, kind) - before,
    };
  } finally {
    await closeAll(clients);
  }
}

/** `messages` door readings from the inner doors, then as many lid readings from the pill boxes. */
export async function ingestOtherKinds(hub: RunningHub, template: HubTemplate, messages: number, window: number, deadlineMs: number): Promise<KindIngest[]> {
  return [await ingestKind(hub, template, 'door', messages, window, deadlineMs), await ingestKind(hub, template, 'pillbox', messages, window, deadlineMs)];
}
