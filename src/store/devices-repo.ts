import type { HouseholdDevice } from '../core/household.js';
import type { Db } from './database.js';

export interface DeviceRow {
  num: number;
  id: string;
  name: string;
  kind: string;
  source: string;
  bridgeId: string | null;
  addedAt: number;
  retiredAt: number | null;
}

/**
 * Devices as the database knows them: every device ever in the household, with the compact number
 * readings use. Syncing to a household keeps the number (and so the history) of devices that stay.
 */
export function createDevicesRepo(db: Db) {
  const selectAll = db.prepare<[], { num: number; id: string; name: string; kind: string; source: string; bridge_id: string | null; added_at: number; retired_at: number | null }>(
    'SELECT num, id, name, kind, source, bridge_id, added_at, retired_at FROM devices ORDER BY num',
  );
  const upsert = db.prepare<{ id: string; name: string; kind: string; source: string; bridge: string | null; at: number }>(
    `INSERT INTO devices (id, name, kind, source, bridge_id, added_at) VALUES (@id, @name, @kind, @source, @bridge, @at)
     ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, source = excluded.source,
       bridge_id = excluded.bridge_id, retired_at = NULL`,
  );
  const retire = db.prepare<[number, string]>('UPDATE devices SET retired_at = ? WHERE id = ? AND retired_at IS NULL');

  function all(): DeviceRow[] {
    return selectAll.all().map((r) => ({
      num: r.num,
      id: r.id,
      name: r.name,
      kind: r.kind,
      source: r.source,
      bridgeId: r.bridge_id,
      addedAt: r.added_at,
      retiredAt: r.retired_at,
    }));
  }

  return {
    all,
    /** Makes the table match the household's devices; call inside a transaction. */
    sync(devices: readonly HouseholdDevice[], at: number): void {
      const keep = new Set(devices.map((d) => d.id));
      for (const d of devices) {
        upsert.run({ id: d.id, name: d.name, kind: d.kind, source: d.source, bridge: d.bridge ?? null, at });
      }
      for (const row of all()) if (!keep.has(row.id)) retire.run(at, row.id);
    },
  };
}

export type DevicesRepo = ReturnType<typeof createDevicesRepo>;
