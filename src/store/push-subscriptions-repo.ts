import type { Db } from './database.js';

/** The push_subscriptions table(s) (migration 6). */
export function createPushSubscriptionsRepo(db: Db) {
  void db;
  return {};
}

export type PushSubscriptionsRepo = ReturnType<typeof createPushSubscriptionsRepo>;
