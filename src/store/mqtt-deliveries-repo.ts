import type { Db } from './database.js';

/**
 * The mqtt_deliveries table (migration 8): per MQTT client, the last publish committed under each
 * packet id, as a digest of its topic and payload. See ingest/mqtt-delivery.ts for why.
 */
export function createMqttDeliveriesRepo(db: Db) {
  const find = db.prepare<[string, number], { digest: number; at: number }>('SELECT digest, at FROM mqtt_deliveries WHERE client = ? AND packet_id = ?');
  const upsert = db.prepare<[string, number, number, number]>(
    'INSERT INTO mqtt_deliveries (client, packet_id, digest, at) VALUES (?, ?, ?, ?) ON CONFLICT (client, packet_id) DO UPDATE SET digest = excluded.digest, at = excluded.at',
  );
  const prune = db.prepare<[number]>('DELETE FROM mqtt_deliveries WHERE at < ?');

  return {
    /** The publish last committed under this client's packet id, if any. */
    find(client: string, packetId: number): { digest: number; at: number } | undefined {
      return find.get(client, packetId);
    },
    /** Records a committed publish; call inside the group-commit transaction. */
    record(client: string, packetId: number, digest: number, at: number): void {
      upsert.run(client, packetId, digest, at);
    },
    /** Forgets publishes committed before `at`: a resend that late is no longer told apart. */
    pruneBefore(at: number): number {
      return prune.run(at).changes;
    },
  };
}

export type MqttDeliveriesRepo = ReturnType<typeof createMqttDeliveriesRepo>;
