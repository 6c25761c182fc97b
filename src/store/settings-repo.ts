import type { Db } from './database.js';

/** The settings table(s) (migration 6). */
export function createSettingsRepo(db: Db) {
  void db;
  return {};
}

export type SettingsRepo = ReturnType<typeof createSettingsRepo>;
