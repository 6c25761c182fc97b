import type { Db } from './database.js';

/** One household-wide setting as stored: its JSON value, when it last changed and by whom. */
export interface StoredSetting {
  value: unknown;
  updatedAt: number;
  /** The user who changed it; null when the hub itself wrote it (a pruning run's report). */
  updatedBy: number | null;
}

/**
 * Household-wide settings changed at run time (migration 6): retention per data type, the last
 * pruning run, ... Each is a JSON value under a key; the module that owns a key validates its value.
 */
export function createSettingsRepo(db: Db) {
  const select = db.prepare<[string], { value: string; updated_at: number; updated_by: number | null }>(
    'SELECT value, updated_at, updated_by FROM settings WHERE key = ?',
  );
  const upsert = db.prepare<[string, string, number, number | null]>(
    `INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
  );

  return {
    get(key: string): StoredSetting | undefined {
      const row = select.get(key);
      if (row === undefined) return undefined;
      return { value: JSON.parse(row.value) as unknown, updatedAt: row.updated_at, updatedBy: row.updated_by };
    },
    put(key: string, value: unknown, at: number, by: number | null): void {
      upsert.run(key, JSON.stringify(value), at, by);
    },
  };
}

export type SettingsRepo = ReturnType<typeof createSettingsRepo>;
