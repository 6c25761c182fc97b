import type { HouseholdBridge } from '../core/household.js';
import type { Db } from './database.js';

export interface BridgeRow {
  id: string;
  source: string;
  baseTopic: string;
  lastSeenAt: number | null;
  online: boolean | null;
  retiredAt: number | null;
}

/** Bridges (a Zigbee2MQTT instance, a Tasmota Zigbee bridge, a Shelly gateway) and their health. */
export function createBridgesRepo(db: Db) {
  const selectAll = db.prepare<[], { id: string; source: string; base_topic: string; last_seen_at: number | null; online: number | null; retired_at: number | null }>(
    'SELECT id, source, base_topic, last_seen_at, online, retired_at FROM bridges ORDER BY id',
  );
  const upsert = db.prepare<{ id: string; source: string; baseTopic: string; at: number }>(
    `INSERT INTO bridges (id, source, base_topic, added_at) VALUES (@id, @source, @baseTopic, @at)
     ON CONFLICT (id) DO UPDATE SET source = excluded.source, base_topic = excluded.base_topic, retired_at = NULL`,
  );
  const retire = db.prepare<[number, string]>('UPDATE bridges SET retired_at = ? WHERE id = ? AND retired_at IS NULL');
  const seen = db.prepare<[number, number | null, string]>(
    'UPDATE bridges SET last_seen_at = max(coalesce(last_seen_at, 0), ?), online = coalesce(?, online) WHERE id = ?',
  );

  function all(): BridgeRow[] {
    return selectAll.all().map((r) => ({
      id: r.id,
      source: r.source,
      baseTopic: r.base_topic,
      lastSeenAt: r.last_seen_at,
      online: r.online === null ? null : r.online === 1,
      retiredAt: r.retired_at,
    }));
  }

  return {
    all,
    sync(bridges: readonly HouseholdBridge[], at: number): void {
      const keep = new Set(bridges.map((b) => b.id));
      for (const b of bridges) upsert.run({ id: b.id, source: b.source, baseTopic: b.baseTopic, at });
      for (const row of all()) if (!keep.has(row.id)) retire.run(at, row.id);
    },
    markSeen(id: string, at: number, online?: boolean): void {
      seen.run(at, online === undefined ? null : online ? 1 : 0, id);
    },
  };
}

export type BridgesRepo = ReturnType<typeof createBridgesRepo>;
