import type { Db } from './database.js';

/** A browser's Web Push subscription, keys included: only the sender (issue 7) reads the keys. */
export interface PushSubscriptionRow {
  id: number;
  userId: number;
  endpoint: string;
  p256dh: string;
  auth: string;
  label: string | null;
  createdAt: number;
  lastSuccessAt: number | null;
  lastFailureAt: number | null;
  failures: number;
}

interface Row {
  id: number;
  user_id: number;
  endpoint: string;
  p256dh: string;
  auth: string;
  label: string | null;
  created_at: number;
  last_success_at: number | null;
  last_failure_at: number | null;
  failures: number;
}

const toSubscription = (r: Row): PushSubscriptionRow => ({
  id: r.id,
  userId: r.user_id,
  endpoint: r.endpoint,
  p256dh: r.p256dh,
  auth: r.auth,
  label: r.label,
  createdAt: r.created_at,
  lastSuccessAt: r.last_success_at,
  lastFailureAt: r.last_failure_at,
  failures: r.failures,
});

/**
 * The push_subscriptions table (migration 6). The endpoint is a subscription's identity: the same
 * browser subscribing again, or a shared tablet now signed in as someone else, updates its one row.
 */
export function createPushSubscriptionsRepo(db: Db) {
  const byEndpoint = db.prepare<[string], Row>('SELECT * FROM push_subscriptions WHERE endpoint = ?');
  const byId = db.prepare<[number], Row>('SELECT * FROM push_subscriptions WHERE id = ?');
  const forUser = db.prepare<[number], Row>('SELECT * FROM push_subscriptions WHERE user_id = ? ORDER BY id');
  const countFor = db.prepare<[number], { n: number }>('SELECT COUNT(*) AS n FROM push_subscriptions WHERE user_id = ?');
  const insert = db.prepare<{ user_id: number; endpoint: string; p256dh: string; auth: string; label: string | null; at: number }>(
    'INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth, label, created_at) VALUES (@user_id, @endpoint, @p256dh, @auth, @label, @at)',
  );
  // A subscription moving to another person (or renewed with new keys) starts a clean record.
  const replace = db.prepare<{ id: number; user_id: number; p256dh: string; auth: string; label: string | null; at: number }>(
    `UPDATE push_subscriptions SET user_id = @user_id, p256dh = @p256dh, auth = @auth, label = @label, created_at = @at,
       last_success_at = NULL, last_failure_at = NULL, failures = 0 WHERE id = @id`,
  );
  const deleteOwn = db.prepare<[number, number]>('DELETE FROM push_subscriptions WHERE id = ? AND user_id = ?');
  const deleteByEndpoint = db.prepare<[string]>('DELETE FROM push_subscriptions WHERE endpoint = ?');
  const deleteForUser = db.prepare<[number]>('DELETE FROM push_subscriptions WHERE user_id = ?');
  const success = db.prepare<[number, number]>('UPDATE push_subscriptions SET last_success_at = ?, failures = 0 WHERE id = ?');
  const failure = db.prepare<[number, number]>('UPDATE push_subscriptions SET last_failure_at = ?, failures = failures + 1 WHERE id = ?');

  return {
    byEndpoint(endpoint: string): PushSubscriptionRow | undefined {
      const r = byEndpoint.get(endpoint);
      return r === undefined ? undefined : toSubscription(r);
    },
    byId(id: number): PushSubscriptionRow | undefined {
      const r = byId.get(id);
      return r === undefined ? undefined : toSubscription(r);
    },
    forUser(userId: number): PushSubscriptionRow[] {
      return forUser.all(userId).map(toSubscription);
    },
    /** Every subscription of these people: where the sender (issue 7) pushes one alert. */
    forUsers(userIds: readonly number[]): PushSubscriptionRow[] {
      return userIds.flatMap((userId) => forUser.all(userId).map(toSubscription));
    },
    countFor(userId: number): number {
      return countFor.get(userId)?.n ?? 0;
    },
    insert(subscription: { userId: number; endpoint: string; p256dh: string; auth: string; label: string | null; createdAt: number }): number {
      return Number(
        insert.run({ user_id: subscription.userId, endpoint: subscription.endpoint, p256dh: subscription.p256dh, auth: subscription.auth, label: subscription.label, at: subscription.createdAt })
          .lastInsertRowid,
      );
    },
    /** Gives an existing row (found by endpoint) its new holder and keys, as if newly made. */
    replace(id: number, subscription: { userId: number; p256dh: string; auth: string; label: string | null; createdAt: number }): void {
      replace.run({ id, user_id: subscription.userId, p256dh: subscription.p256dh, auth: subscription.auth, label: subscription.label, at: subscription.createdAt });
    },
    /** Deletes a subscription if it belongs to `userId`; false for someone else's or none. */
    deleteOwn(id: number, userId: number): boolean {
      return deleteOwn.run(id, userId).changes === 1;
    },
    /** The push service answered 404 or 410: the subscription is gone for good (DESIGN.md promise). */
    deleteByEndpoint(endpoint: string): boolean {
      return deleteByEndpoint.run(endpoint).changes === 1;
    },
    deleteForUser(userId: number): number {
      return deleteForUser.run(userId).changes;
    },
    recordSuccess(id: number, at: number): void {
      success.run(at, id);
    },
    recordFailure(id: number, at: number): void {
      failure.run(at, id);
    },
  };
}

export type PushSubscriptionsRepo = ReturnType<typeof createPushSubscriptionsRepo>;
