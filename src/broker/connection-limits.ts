import type { Clock } from '../core/clock.js';

/**
 * Connection-attempt limiting per remote address: a token bucket holding `perMinute` attempts,
 * refilled continuously. Protects the hub (and its credential checks) from a reconnect storm or a
 * password-guessing loop without penalising a device that reconnects now and then.
 */
export function createAttemptLimiter(options: { perMinute: number; clock: Clock }) {
  const { perMinute, clock } = options;
  const buckets = new Map<string, { tokens: number; at: number }>();
  const refillPerMs = perMinute / 60_000;

  return {
    /** Whether `address` has no attempts left, without taking one. */
    exhausted(address: string): boolean {
      const bucket = buckets.get(address);
      if (bucket === undefined) return false;
      return Math.min(perMinute, bucket.tokens + Math.max(0, clock.now() - bucket.at) * refillPerMs) < 1;
    },
    /** Takes one attempt for `address`; false when its bucket is empty. */
    allow(address: string): boolean {
      const now = clock.now();
      const bucket = buckets.get(address) ?? { tokens: perMinute, at: now };
      // A clock stepping back (NTP on a Pi with no RTC) must not drain the bucket: count no time at all.
      bucket.tokens = Math.min(perMinute, bucket.tokens + Math.max(0, now - bucket.at) * refillPerMs);
      bucket.at = now;
      if (bucket.tokens < 1) {
        buckets.set(address, bucket);
        return false;
      }
      bucket.tokens -= 1;
      buckets.set(address, bucket);
      // Forget full buckets so the map cannot grow without bound under a scan from many addresses.
      if (buckets.size > 10_000) for (const [key, b] of buckets) if (b.tokens >= perMinute - 1) buckets.delete(key);
      return true;
    },
  };
}
