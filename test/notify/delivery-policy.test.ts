import { describe, expect, it } from 'vitest';
import { defaultDeliveryPolicy, deliveryDeadline, judge, requestOptions, retryAfterMs, type PushAnswer } from '../../src/notify/web-push/delivery-policy.js';

/** What the sender does after each answer from a push service (issue 7, items 3 and 4). */
const NOW = Date.UTC(2026, 0, 15, 2, 0, 0);
const DEADLINE = NOW + 45_000;
const status = (code: number, retryAfter?: string): PushAnswer => ({ kind: 'status', status: code, retryAfter });

describe('delivery policy', () => {
  it('takes TTL and Urgency from the message and sets no Topic', () => {
    expect(requestOptions({ ttlSeconds: 900, urgency: 'high' })).toEqual({ TTL: 900, urgency: 'high' });
    expect(Object.keys(requestOptions({ ttlSeconds: 86_400, urgency: 'low' }))).not.toContain('topic');
  });

  it('ends retries within 45 s, or within the TTL if that is shorter', () => {
    expect(deliveryDeadline({ ttlSeconds: 900 }, NOW, defaultDeliveryPolicy)).toBe(NOW + 45_000);
    expect(deliveryDeadline({ ttlSeconds: 10 }, NOW, defaultDeliveryPolicy)).toBe(NOW + 10_000);
  });

  it.each([
    ['201 Created', status(201), { outcome: 'delivered', then: 'delivered' }],
    ['404', status(404), { outcome: 'gone', then: 'remove' }],
    ['410', status(410), { outcome: 'gone', then: 'remove' }],
    ['503 (first attempt)', status(503), { outcome: 'server-error', then: 'retry', afterMs: 1000 }],
    ['a time-out', { kind: 'timeout', afterMs: 10_000 } as PushAnswer, { outcome: 'timeout', then: 'retry', afterMs: 1000 }],
    ['a network error', { kind: 'network', error: 'ECONNRESET' } as PushAnswer, { outcome: 'network-error', then: 'retry', afterMs: 1000 }],
    ['429 with Retry-After: 7', status(429, '7'), { outcome: 'rate-limited', then: 'retry', afterMs: 7000, holdServiceUntil: NOW + 7000 }],
    ['429 without Retry-After', status(429), { outcome: 'rate-limited', then: 'retry', afterMs: 10_000 }],
    ['403', status(403), { outcome: 'rejected', then: 'give-up', retryable: false }],
    ['401', status(401), { outcome: 'rejected', then: 'give-up', retryable: false }],
    ['413', status(413), { outcome: 'rejected', then: 'give-up', retryable: false }],
    ['400', status(400), { outcome: 'rejected', then: 'give-up', retryable: false }],
    ['keys web-push cannot use', { kind: 'unsendable', error: 'bad key' } as PushAnswer, { outcome: 'unsendable', then: 'give-up', retryable: false }],
  ])('after %s', (_what, answer, verdict) => {
    expect(judge(answer, 1, NOW, DEADLINE, defaultDeliveryPolicy)).toMatchObject(verdict);
  });

  it('backs off longer each time, and gives up (retryable) after the last attempt', () => {
    expect([1, 2, 3].map((attempt) => judge(status(500), attempt, NOW, DEADLINE + 60_000, defaultDeliveryPolicy))).toMatchObject([
      { then: 'retry', afterMs: 1000 },
      { then: 'retry', afterMs: 4000 },
      { then: 'retry', afterMs: 15_000 },
    ]);
    expect(judge(status(500), 4, NOW, DEADLINE, defaultDeliveryPolicy)).toEqual({ outcome: 'server-error', then: 'give-up', reason: 'the push service answered 500, 4 times', retryable: true });
  });

  it('gives up (retryable) when the wait would pass the deadline: a long Retry-After, or backoff near the end', () => {
    expect(judge(status(429, '120'), 1, NOW, DEADLINE, defaultDeliveryPolicy)).toMatchObject({ then: 'give-up', retryable: true, holdServiceUntil: NOW + 120_000 });
    expect(judge(status(502), 3, DEADLINE - 5000, DEADLINE, defaultDeliveryPolicy)).toMatchObject({ then: 'give-up', retryable: true });
  });

  it('reads Retry-After as seconds or as an HTTP date; anything else is unreadable', () => {
    expect(retryAfterMs('120', NOW)).toBe(120_000);
    expect(retryAfterMs(new Date(NOW + 30_000).toUTCString(), NOW)).toBe(30_000);
    expect(retryAfterMs(new Date(NOW - 30_000).toUTCString(), NOW)).toBe(0);
    expect(retryAfterMs('soon', NOW)).toBeUndefined();
    expect(retryAfterMs('-5', NOW)).toBeUndefined();
    expect(retryAfterMs(undefined, NOW)).toBeUndefined();
  });
});
