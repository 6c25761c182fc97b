import type { Db } from './database.js';

/** A committed QoS 1 publish as ingest/mqtt-delivery.ts identifies it. */
export interface CommittedPublish {
  client: string;
  packetId: number;
  digest: number;
}

/**
 * The mqtt_delivery_batches table (migration 9): one row per group commit, listing the publishes of
 * receipt-time readings it committed, so a resend after a crash is still known (ingest/mqtt-delivery.ts).
 * One row a batch rather than one a publish: a row a publish cost a quarter of the ingest rate.
 * Stored as JSON, each client named once: {"clients": [...], "packets": [clientIndex, packetId, digest, ...]}.
 */
export function createMqttDeliveriesRepo(db: Db) {
  const insert = db.prepare<[number, string]>('INSERT INTO mqtt_delivery_batches (at, packets) VALUES (?, ?)');
  const since = db.prepare<[number], { at: number; packets: string }>('SELECT at, packets FROM mqtt_delivery_batches WHERE at >= ? ORDER BY id');
  // Rows are written in time order, so the expired ones are the oldest ids: no index on `at` needed.
  const prune = db.prepare<[number, number]>('DELETE FROM mqtt_delivery_batches WHERE id < coalesce((SELECT id FROM mqtt_delivery_batches WHERE at >= ? ORDER BY id LIMIT 1), (SELECT max(id) + 1 FROM mqtt_delivery_batches WHERE at < ?))');

  return {
    /** Records one batch's publishes; call inside the group-commit transaction. */
    append(at: number, publishes: readonly CommittedPublish[]): void {
      if (publishes.length === 0) return;
      const clients: string[] = [];
      const index = new Map<string, number>();
      const packets: number[] = [];
      for (const { client, packetId, digest } of publishes) {
        let i = index.get(client);
        if (i === undefined) index.set(client, (i = clients.push(client) - 1));
        packets.push(i, packetId, digest);
      }
      insert.run(at, JSON.stringify({ clients, packets }));
    },
    /** The batches committed at or after `at`, oldest first. */
    *since(at: number): Generator<{ at: number; publishes: CommittedPublish[] }> {
      for (const row of since.iterate(at)) {
        const { clients, packets } = JSON.parse(row.packets) as { clients: string[]; packets: number[] };
        const publishes: CommittedPublish[] = [];
        for (let i = 0; i + 2 < packets.length; i += 3) {
          publishes.push({ client: clients[packets[i] as number] as string, packetId: packets[i + 1] as number, digest: packets[i + 2] as number });
        }
        yield { at: row.at, publishes };
      }
    },
    /** Forgets batches committed before `at`: a resend that late is no longer told apart. */
    pruneBefore(at: number): number {
      return prune.run(at, at).changes;
    },
  };
}

export type MqttDeliveriesRepo = ReturnType<typeof createMqttDeliveriesRepo>;
