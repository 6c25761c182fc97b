import { describe, expect, it } from 'vitest';
import { addressKey, createLoginThrottle, type ThrottleDecision } from '../../src/accounts/login-throttle.js';
import { createManualClock } from '../../src/core/clock.js';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

function fail(decision: ThrottleDecision): void {
  if (!decision.allowed) throw new Error(`expected the attempt to be allowed, but must wait ${decision.retryAfterMs} ms`);
  // A failure needs no call: an attempt counts as failed from its beginning.
}

function waitOf(decision: ThrottleDecision): number {
  return decision.allowed ? 0 : decision.retryAfterMs;
}

describe('log-in throttle', () => {
  it('allows five failures, then makes each attempt wait 1 s, 2 s, 4 s … doubling to 15 minutes', () => {
    const clock = createManualClock(T0);
    const throttle = createLoginThrottle({ clock });
    const keys = { account: 'anna@example.org', address: '203.0.113.7' };
    for (let i = 0; i < 5; i++) fail(throttle.begin(keys));
    const waits: number[] = [];
    for (let i = 0; i < 14; i++) {
      const decision = throttle.begin(keys);
      expect(decision.allowed).toBe(false);
      const wait = waitOf(decision);
      waits.push(wait);
      // Asking again while waiting changes nothing and is not counted.
      clock.advance(wait - 1);
      expect(waitOf(throttle.begin(keys))).toBe(1);
      clock.advance(1);
      fail(throttle.begin(keys));
    }
    expect(waits.slice(0, 11)).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000, 256000, 512000, 900000]);
    expect(waits.slice(11)).toEqual([900000, 900000, 900000]);
  });

  it('throttles an account whatever address the guesses come from', () => {
    const clock = createManualClock(T0);
    const throttle = createLoginThrottle({ clock });
    for (let i = 0; i < 5; i++) fail(throttle.begin({ account: 'anna@example.org', address: `198.51.100.${i}` }));
    const decision = throttle.begin({ account: 'anna@example.org', address: '198.51.100.200' });
    expect(decision).toEqual({ allowed: false, retryAfterMs: 1000, limitedBy: 'account' });
    // Another account from a fresh address is not affected.
    expect(throttle.begin({ account: 'ben@example.org', address: '198.51.100.201' }).allowed).toBe(true);
  });

  it('throttles an address whatever accounts it tries', () => {
    const clock = createManualClock(T0);
    const throttle = createLoginThrottle({ clock });
    for (let i = 0; i < 5; i++) fail(throttle.begin({ account: `guess${i}@example.org`, address: '203.0.113.9' }));
    expect(throttle.begin({ account: 'someone-new@example.org', address: '203.0.113.9' })).toEqual({ allowed: false, retryAfterMs: 1000, limitedBy: 'address' });
    expect(throttle.begin({ account: 'someone-new@example.org', address: '203.0.113.10' }).allowed).toBe(true);
  });

  it("a success clears its account's failures but not its address's (an attacker's own account cannot reset his address)", () => {
    const clock = createManualClock(T0);
    const throttle = createLoginThrottle({ clock });
    for (let i = 0; i < 4; i++) fail(throttle.begin({ account: 'anna@example.org', address: '203.0.113.7' }));
    const good = throttle.begin({ account: 'anna@example.org', address: '203.0.113.7' });
    if (!good.allowed) throw new Error('expected allowed');
    good.attempt.succeeded();
    expect(throttle.failures('account', 'anna@example.org')).toBe(0);
    expect(throttle.failures('address', '203.0.113.7')).toBe(4);
    fail(throttle.begin({ account: 'ben@example.org', address: '203.0.113.7' }));
    expect(throttle.begin({ account: 'carl@example.org', address: '203.0.113.7' }).allowed).toBe(false);
  });

  it('counts an attempt when it begins, so concurrent guesses cannot all slip through while the first is hashing', () => {
    const clock = createManualClock(T0);
    const throttle = createLoginThrottle({ clock });
    const keys = { account: 'anna@example.org', address: '203.0.113.7' };
    const burst = Array.from({ length: 20 }, () => throttle.begin(keys));
    expect(burst.filter((d) => d.allowed)).toHaveLength(5);
  });

  it('takes back a cancelled attempt exactly', () => {
    const clock = createManualClock(T0);
    const throttle = createLoginThrottle({ clock });
    const keys = { account: 'anna@example.org', address: '203.0.113.7' };
    fail(throttle.begin(keys));
    const busy = throttle.begin(keys);
    if (!busy.allowed) throw new Error('expected allowed');
    busy.attempt.cancelled();
    busy.attempt.cancelled(); // settling twice changes nothing
    expect(throttle.failures('account', 'anna@example.org')).toBe(1);
    expect(throttle.failures('address', '203.0.113.7')).toBe(1);
  });

  it('forgets a key an hour after its last failure', () => {
    const clock = createManualClock(T0);
    const throttle = createLoginThrottle({ clock });
    const keys = { account: 'anna@example.org', address: '203.0.113.7' };
    for (let i = 0; i < 5; i++) fail(throttle.begin(keys));
    expect(throttle.begin(keys).allowed).toBe(false);
    clock.advance(60 * 60_000);
    expect(throttle.failures('account', 'anna@example.org')).toBe(5);
    clock.advance(1);
    expect(throttle.failures('account', 'anna@example.org')).toBe(0);
    expect(throttle.begin(keys).allowed).toBe(true);
  });

  it('keeps its table bounded, forgetting the least recently failed keys first', () => {
    const clock = createManualClock(T0);
    const throttle = createLoginThrottle({ clock, settings: { maxKeys: 100 } });
    for (let i = 0; i < 500; i++) fail(throttle.begin({ account: `a${i}@example.org`, address: `10.0.${Math.floor(i / 250)}.${i % 250}` }));
    expect(throttle.size()).toBeLessThanOrEqual(100);
  });

  it('throttles an IPv6 client by its /64, and an IPv4-mapped address as IPv4', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
  });
});
