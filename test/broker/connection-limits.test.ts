import { describe, expect, it } from 'vitest';
import { createAttemptLimiter } from '../../src/broker/connection-limits.js';
import { createManualClock } from '../../src/core/clock.js';

const START = Date.UTC(2025, 0, 15, 2, 0, 0);

function attempts(limiter: { allow(address: string): boolean }, address: string, count: number): boolean[] {
  return Array.from({ length: count }, () => limiter.allow(address));
}

describe('connection attempt limiter (token bucket per address)', () => {
  it('allows a full bucket of attempts at once, then refuses', () => {
    const clock = createManualClock(START);
    const limiter = createAttemptLimiter({ perMinute: 5, clock });
    expect(attempts(limiter, '192.168.1.20', 7)).toEqual([true, true, true, true, true, false, false]);
  });

  it('keeps a bucket per remote address', () => {
    const clock = createManualClock(START);
    const limiter = createAttemptLimiter({ perMinute: 2, clock });
    expect(attempts(limiter, '192.168.1.20', 3)).toEqual([true, true, false]);
    expect(attempts(limiter, '192.168.1.21', 3)).toEqual([true, true, false]);
    expect(attempts(limiter, '::ffff:192.168.1.22', 1)).toEqual([true]);
  });

  it.each([
    // perMinute, elapsed ms after emptying the bucket, attempts then allowed
    { perMinute: 60, elapsedMs: 999, allowed: 0 },
    { perMinute: 60, elapsedMs: 1_000, allowed: 1 },
    { perMinute: 60, elapsedMs: 2_500, allowed: 2 },
    { perMinute: 60, elapsedMs: 30_000, allowed: 30 },
    { perMinute: 60, elapsedMs: 60_000, allowed: 60 },
    { perMinute: 60, elapsedMs: 3_600_000, allowed: 60 }, // refill stops at a full bucket
    { perMinute: 6, elapsedMs: 9_999, allowed: 0 },
    { perMinute: 6, elapsedMs: 10_000, allowed: 1 },
    { perMinute: 1, elapsedMs: 59_999, allowed: 0 },
    { perMinute: 1, elapsedMs: 60_000, allowed: 1 },
  ])('refills continuously: $perMinute/min, after $elapsedMs ms → $allowed more', ({ perMinute, elapsedMs, allowed }) => {
    const clock = createManualClock(START);
    const limiter = createAttemptLimiter({ perMinute, clock });
    attempts(limiter, 'a', perMinute);
    expect(limiter.allow('a')).toBe(false);
    clock.advance(elapsedMs);
    const results = attempts(limiter, 'a', perMinute + 1);
    expect(results.filter(Boolean)).toHaveLength(allowed);
    expect(results.indexOf(false)).toBe(allowed);
  });

  it('does not charge refused attempts: a device retrying every second gets in at the refill rate', () => {
    const clock = createManualClock(START);
    const limiter = createAttemptLimiter({ perMinute: 6, clock });
    attempts(limiter, 'a', 6);
    const outcomes: boolean[] = [];
    for (let i = 0; i < 60; i++) {
      clock.advance(1_000); // a reconnect loop every second; a token every 10 s
      outcomes.push(limiter.allow('a'));
    }
    // Six tokens refill in the minute (the last may land a tick late from floating-point accumulation);
    // were refusals charged, the loop would never get in at all.
    expect(outcomes.filter(Boolean).length).toBeGreaterThanOrEqual(5);
    expect(outcomes.filter(Boolean).length).toBeLessThanOrEqual(6);
    expect(outcomes.slice(0, 9).some(Boolean)).toBe(false);
  });

  it('still refuses an exhausted address after a sweep of many other addresses', () => {
    const clock = createManualClock(START);
    const limiter = createAttemptLimiter({ perMinute: 2, clock });
    attempts(limiter, 'guesser', 2);
    for (let i = 0; i < 10_050; i++) limiter.allow(`10.0.${i >> 8}.${i & 255}`);
    expect(limiter.allow('guesser')).toBe(false);
  });

  // DESIGN.md: alerts must fire "after clock jumps". A Pi has no real-time clock; NTP stepping the time
  // back must not lock every device that had connected out of the hub for as long as the jump.
  it('a backward clock jump does not empty buckets', () => {
    const clock = createManualClock(START);
    const limiter = createAttemptLimiter({ perMinute: 60, clock });
    expect(limiter.allow('front-door')).toBe(true);
    clock.advance(60_000);
    clock.set(START - 3_600_000); // NTP steps the clock back an hour
    expect(limiter.allow('front-door')).toBe(true);
  });
});
