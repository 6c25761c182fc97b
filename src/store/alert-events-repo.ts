import type { Db } from './database.js';

/** The alert_events table(s) (migration 6). */
export function createAlertEventsRepo(db: Db) {
  void db;
  return {};
}

export type AlertEventsRepo = ReturnType<typeof createAlertEventsRepo>;
