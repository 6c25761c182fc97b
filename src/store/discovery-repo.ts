import type { HouseholdDevice } from '../core/household.js';
import type { Db } from './database.js';

export interface DiscoveredRow {
  topic: string;
  source: string;
  bridgeId: string | null;
  description: string | null;
  suggested: Partial<HouseholdDevice>;
  firstSeenAt: number;
  lastSeenAt: number;
  messages: number;
}

/** Devices seen on the wire that no household entry claims, for `devices discover` and the installer screen. */
export function createDiscoveryRepo(db: Db) {
  const upsert = db.prepare<{ topic: string; source: string; bridge: string | null; description: string | null; suggested: string; at: number }>(
    `INSERT INTO discovered_devices (topic, source, bridge_id, description, suggested, first_seen_at, last_seen_at)
     VALUES (@topic, @source, @bridge, @description, @suggested, @at, @at)
     ON CONFLICT (topic) DO UPDATE SET source = excluded.source, bridge_id = excluded.bridge_id,
       description = coalesce(excluded.description, description), suggested = excluded.suggested,
       last_seen_at = excluded.last_seen_at, messages = messages + 1`,
  );
  const selectAll = db.prepare<[], { topic: string; source: string; bridge_id: string | null; description: string | null; suggested: string; first_seen_at: number; last_seen_at: number; messages: number }>(
    'SELECT * FROM discovered_devices ORDER BY last_seen_at DESC',
  );

  return {
    record(entry: { topic: string; source: string; bridgeId?: string; description?: string; suggested: Partial<HouseholdDevice> }, at: number): void {
      upsert.run({
        topic: entry.topic,
        source: entry.source,
        bridge: entry.bridgeId ?? null,
        description: entry.description ?? null,
        suggested: JSON.stringify(entry.suggested),
        at,
      });
    },
    all(): DiscoveredRow[] {
      return selectAll.all().map((r) => ({
        topic: r.topic,
        source: r.source,
        bridgeId: r.bridge_id,
        description: r.description,
        suggested: JSON.parse(r.suggested) as Partial<HouseholdDevice>,
        firstSeenAt: r.first_seen_at,
        lastSeenAt: r.last_seen_at,
        messages: r.messages,
      }));
    },
  };
}

export type DiscoveryRepo = ReturnType<typeof createDiscoveryRepo>;
