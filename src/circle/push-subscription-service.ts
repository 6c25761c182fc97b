import { createECDH, type ECDH } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import type { AuditRepo } from '../store/audit-repo.js';
import type { PushSubscriptionRow, PushSubscriptionsRepo } from '../store/push-subscriptions-repo.js';
import { isInternalHost } from './push-endpoint-guard.js';
import { refusal } from './circle-errors.js';

/**
 * Web Push subscriptions (DESIGN.md: `POST /api/push/subscriptions` takes the browser's
 * PushSubscription JSON). Each is checked as RFC 8291 needs it before anything is stored: an https
 * endpoint (RFC 8030), p256dh an uncompressed P-256 point, auth 16 bytes; a bad one would otherwise
 * only fail at 2 a.m., when issue 7's sender first encrypts for it. The endpoint is the identity:
 * a re-subscription, or a shared tablet now signed in as someone else, updates the one row.
 */
export interface BrowserSubscription {
  endpoint: string;
  expirationTime?: number | null | undefined;
  keys: { p256dh: string; auth: string };
  /** Optional: what the member calls this device; otherwise its browser's User-Agent. */
  label?: string | undefined;
}

/** What the API shows of a subscription: never its keys, nor the endpoint (a capability) beyond its host. */
export interface SubscriptionSummary {
  id: number;
  label: string | null;
  /** The push service's host, e.g. "fcm.googleapis.com". */
  service: string;
  createdAt: number;
  lastSuccessAt: number | null;
  lastFailureAt: number | null;
  failures: number;
}

export const MAX_ENDPOINT_LENGTH = 2048;
/** One member's browsers and phones; stale ones are removed when their push service answers 404/410. */
export const MAX_SUBSCRIPTIONS_PER_MEMBER = 20;
const MAX_LABEL_LENGTH = 200;

let curve: ECDH | undefined;

/** Whether `bytes` is a point on P-256 (ECDH refuses any other); created once, only the check is repeated. */
function onP256(bytes: Buffer): boolean {
  if (curve === undefined) {
    curve = createECDH('prime256v1');
    curve.generateKeys();
  }
  try {
    curve.computeSecret(bytes);
    return true;
  } catch {
    return false;
  }
}

function base64urlBytes(value: string): Buffer | undefined {
  return /^[A-Za-z0-9_-]+={0,2}$/.test(value) ? Buffer.from(value.replace(/=+$/, ''), 'base64url') : undefined;
}

/** Throws a coded refusal naming the first problem; nothing is stored for a refused subscription. */
export function checkSubscription(subscription: BrowserSubscription, now: number, options: { allowInternalEndpoints?: boolean } = {}): void {
  if (subscription.endpoint.length > MAX_ENDPOINT_LENGTH) throw refusal('HW_USAGE', 'endpoint_too_long', `the endpoint is longer than ${MAX_ENDPOINT_LENGTH} characters`);
  let endpoint: URL;
  try {
    endpoint = new URL(subscription.endpoint);
  } catch {
    throw refusal('HW_USAGE', 'endpoint_invalid', 'the endpoint is not a URL');
  }
  if (endpoint.protocol !== 'https:') throw refusal('HW_USAGE', 'endpoint_not_https', 'a push endpoint is an https URL (RFC 8030)');
  if (endpoint.username !== '' || endpoint.password !== '') throw refusal('HW_USAGE', 'endpoint_invalid', 'a push endpoint carries no user name or password');
  if (options.allowInternalEndpoints !== true && isInternalHost(endpoint.hostname)) {
    throw refusal('HW_USAGE', 'endpoint_not_public', 'a push endpoint is a push service on the internet, not an address inside a network');
  }
  const p256dh = base64urlBytes(subscription.keys.p256dh);
  if (p256dh === undefined || p256dh.length !== 65 || p256dh[0] !== 0x04 || !onP256(p256dh)) {
    throw refusal('HW_USAGE', 'p256dh_invalid', 'keys.p256dh is the base64url of a 65-byte uncompressed P-256 point (starting 0x04)');
  }
  const auth = base64urlBytes(subscription.keys.auth);
  if (auth === undefined || auth.length !== 16) throw refusal('HW_USAGE', 'auth_invalid', 'keys.auth is the base64url of 16 bytes');
  const expires = subscription.expirationTime;
  if (typeof expires === 'number' && expires <= now) throw refusal('HW_USAGE', 'subscription_expired', 'this subscription has already expired: subscribe again');
}

export function summarise(row: PushSubscriptionRow): SubscriptionSummary {
  return {
    id: row.id,
    label: row.label,
    service: new URL(row.endpoint).host,
    createdAt: row.createdAt,
    lastSuccessAt: row.lastSuccessAt,
    lastFailureAt: row.lastFailureAt,
    failures: row.failures,
  };
}

export function createPushSubscriptionService(deps: {
  subscriptions: PushSubscriptionsRepo;
  audit: AuditRepo;
  clock: Clock;
  transaction: <T>(work: () => T) => T;
  /** Accept endpoints inside a network (tests; a self-hosted push service): see push-endpoint-guard.ts. */
  allowInternalEndpoints?: boolean;
}) {
  const { subscriptions, audit, clock, transaction } = deps;

  return {
    /** Stores or updates the caller's subscription; `created` is false when the endpoint was known. */
    subscribe(userId: number, subscription: BrowserSubscription, userAgent: string | undefined): { created: boolean; subscription: SubscriptionSummary } {
      const now = clock.now();
      checkSubscription(subscription, now, { allowInternalEndpoints: deps.allowInternalEndpoints === true });
      const label = (subscription.label?.trim() || userAgent?.trim() || '').slice(0, MAX_LABEL_LENGTH) || null;
      const keys = { p256dh: subscription.keys.p256dh, auth: subscription.keys.auth };
      return transaction(() => {
        const existing = subscriptions.byEndpoint(subscription.endpoint);
        if (existing !== undefined) {
          const unchanged = existing.userId === userId && existing.p256dh === keys.p256dh && existing.auth === keys.auth && existing.label === label;
          if (!unchanged) {
            subscriptions.replace(existing.id, { userId, ...keys, label, createdAt: now });
            const moved = existing.userId !== userId;
            audit.append({ at: now, userId, action: moved ? 'push.subscription-moved' : 'push.subscription-renewed', target: `push:${existing.id}`, details: moved ? { fromUserId: existing.userId } : {} });
          }
          return { created: false, subscription: summarise(subscriptions.byId(existing.id) as PushSubscriptionRow) };
        }
        if (subscriptions.countFor(userId) >= MAX_SUBSCRIPTIONS_PER_MEMBER) {
          throw refusal('HW_CONFLICT', 'too_many_subscriptions', `a member has ${MAX_SUBSCRIPTIONS_PER_MEMBER} subscriptions at most: remove an old device first`);
        }
        const id = subscriptions.insert({ userId, endpoint: subscription.endpoint, ...keys, label, createdAt: now });
        audit.append({ at: now, userId, action: 'push.subscribed', target: `push:${id}`, details: { service: new URL(subscription.endpoint).host } });
        return { created: true, subscription: summarise(subscriptions.byId(id) as PushSubscriptionRow) };
      });
    },

    list(userId: number): SubscriptionSummary[] {
      return subscriptions.forUser(userId).map(summarise);
    },

    /** Removes one of the caller's subscriptions; someone else's is "not found" (it is none of theirs to know). */
    remove(userId: number, id: number): void {
      if (!subscriptions.deleteOwn(id, userId)) throw refusal('HW_NOT_FOUND', 'subscription_not_found', `no subscription ${id} of yours`);
      audit.append({ at: clock.now(), userId, action: 'push.unsubscribed', target: `push:${id}` });
    },

    /** For issue 7's sender: every subscription of these members, keys included. */
    forUsers(userIds: readonly number[]): PushSubscriptionRow[] {
      return subscriptions.forUsers(userIds);
    },
    recordSuccess(id: number): void {
      subscriptions.recordSuccess(id, clock.now());
    },
    recordFailure(id: number): void {
      subscriptions.recordFailure(id, clock.now());
    },
    /** The push service answered 404 or 410 (DESIGN.md promise): the subscription is gone. */
    removeEndpoint(endpoint: string): boolean {
      return subscriptions.deleteByEndpoint(endpoint);
    },
  };
}

export type PushSubscriptionService = ReturnType<typeof createPushSubscriptionService>;
