import type { NotificationMessage, Urgency } from '../channel.js';

/**
 * How one push message is delivered to one device (issue 7, items 3 and 4), as pure decisions the
 * sender (push-sender.ts) acts on:
 *  - TTL and Urgency come with each message (alert-messages.ts sets them by severity: an urgent alert
 *    `high` for 15 minutes, the digest `low` for long). No Topic is ever set: a Topic replaces a
 *    message still waiting at the push service, and two distinct alarms must both arrive.
 *  - 404 and 410 mean the subscription is gone: delete exactly that one (by endpoint), no retry.
 *  - 429 honours Retry-After (seconds or an HTTP date), and holds every message to that push service
 *    until then; 5xx, time-outs and network errors are retried with backoff.
 *  - Retries are bounded by attempts and by time: all of it within 45 s (or the message's TTL, if
 *    shorter), so an urgent alert's fate is known before the escalation ladder's 60 s (issue 7,
 *    item 4) and the ladder, not the sender, decides what happens next.
 *  - Anything else (400, 401, 403, 413) will not improve by trying again: given up at once.
 */
export type PushOutcome = 'delivered' | 'gone' | 'rate-limited' | 'server-error' | 'timeout' | 'network-error' | 'rejected' | 'unsendable';

/** Each request's outcome, counted in /metrics as homeward_push_total{outcome}; 'unsendable' is a message that could not be sent at all (too large, keys web-push cannot use). */
export const pushOutcomes: readonly PushOutcome[] = ['delivered', 'gone', 'rate-limited', 'server-error', 'timeout', 'network-error', 'rejected', 'unsendable'];

export interface DeliveryPolicy {
  /** Requests per device per message, the first included. */
  maxAttempts: number;
  /** The wait after the 1st, 2nd, ... failed attempt (the last repeats). */
  backoffMs: readonly number[];
  /** Every attempt and wait for one message ends within this, or within its TTL if shorter. */
  budgetMs: number;
  /** A 429 without a usable Retry-After waits this long. */
  defaultRetryAfterMs: number;
}

export const defaultDeliveryPolicy: DeliveryPolicy = { maxAttempts: 4, backoffMs: [1000, 4000, 15_000], budgetMs: 45_000, defaultRetryAfterMs: 10_000 };

/** What came back from one request to the push service. */
export type PushAnswer =
  | { kind: 'status'; status: number; retryAfter?: string | undefined }
  | { kind: 'timeout'; afterMs: number }
  | { kind: 'network'; error: string }
  /** web-push could not even make the request (a subscription's keys it cannot encrypt for): trying again will not help. */
  | { kind: 'unsendable'; error: string };

export type Verdict =
  | { outcome: 'delivered'; then: 'delivered' }
  | { outcome: 'gone'; then: 'remove' }
  | { outcome: PushOutcome; then: 'retry'; afterMs: number; reason: string; holdServiceUntil?: number }
  | { outcome: PushOutcome; then: 'give-up'; reason: string; retryable: boolean; holdServiceUntil?: number };

/** The headers web-push sets from a message: TTL and Urgency, and never a Topic. */
export function requestOptions(message: Pick<NotificationMessage, 'ttlSeconds' | 'urgency'>): { TTL: number; urgency: Urgency } {
  return { TTL: message.ttlSeconds, urgency: message.urgency };
}

/** When the retries for a message must be over, by the injected clock. */
export function deliveryDeadline(message: Pick<NotificationMessage, 'ttlSeconds'>, now: number, policy: DeliveryPolicy): number {
  return now + Math.min(policy.budgetMs, message.ttlSeconds * 1000);
}

/** Retry-After as milliseconds from `now` (RFC 9110, section 10.2.3: delay-seconds or an HTTP date); undefined if absent or unreadable. */
export function retryAfterMs(header: string | undefined, now: number): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) || !/[a-z]/i.test(text) ? undefined : Math.max(0, at - now);
}

function describe(answer: PushAnswer): string {
  if (answer.kind === 'timeout') return `no answer within ${answer.afterMs} ms`;
  if (answer.kind === 'network') return `could not reach the push service (${answer.error})`;
  if (answer.kind === 'unsendable') return `could not prepare the message: ${answer.error}`;
  return `the push service answered ${answer.status}`;
}

/**
 * What to do after attempt number `attempt` (1 for the first) was answered with `answer`, at `now`,
 * with retries due to end by `deadline`.
 */
export function judge(answer: PushAnswer, attempt: number, now: number, deadline: number, policy: DeliveryPolicy): Verdict {
  const retryOrGiveUp = (outcome: PushOutcome, waitMs: number, reason: string, holdServiceUntil?: number): Verdict => {
    const hold = holdServiceUntil === undefined ? {} : { holdServiceUntil };
    if (attempt < policy.maxAttempts && now + waitMs <= deadline) return { outcome, then: 'retry', afterMs: waitMs, reason, ...hold };
    const why = attempt < policy.maxAttempts ? `${reason}; waiting ${Math.ceil(waitMs / 1000)} s more would pass this message's time` : `${reason}, ${attempt} times`;
    return { outcome, then: 'give-up', reason: why, retryable: true, ...hold };
  };
  const backoff = policy.backoffMs[Math.min(attempt, policy.backoffMs.length) - 1] ?? 0;

  if (answer.kind === 'timeout') return retryOrGiveUp('timeout', backoff, describe(answer));
  if (answer.kind === 'network') return retryOrGiveUp('network-error', backoff, describe(answer));
  if (answer.kind === 'unsendable') return { outcome: 'unsendable', then: 'give-up', reason: describe(answer), retryable: false };
  const { status } = answer;
  if (status >= 200 && status <= 299) return { outcome: 'delivered', then: 'delivered' };
  if (status === 404 || status === 410) return { outcome: 'gone', then: 'remove' };
  if (status === 429) {
    const wait = retryAfterMs(answer.retryAfter, now) ?? policy.defaultRetryAfterMs;
    return retryOrGiveUp('rate-limited', wait, `the push service is rate-limiting (429) and asked for ${Math.ceil(wait / 1000)} s`, now + wait);
  }
  if (status >= 500 && status <= 599) return retryOrGiveUp('server-error', backoff, describe(answer));
  if (status === 401 || status === 403) {
    return { outcome: 'rejected', then: 'give-up', reason: `${describe(answer)}: it refused the hub's VAPID signature; is the hub's clock right? (homeward doctor)`, retryable: false };
  }
  if (status === 413) return { outcome: 'rejected', then: 'give-up', reason: `${describe(answer)}: the message is too large for it`, retryable: false };
  return { outcome: 'rejected', then: 'give-up', reason: describe(answer), retryable: false };
}
