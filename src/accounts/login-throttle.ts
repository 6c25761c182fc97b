import type { Clock } from '../core/clock.js';

/**
 * Log-in throttling with exponential backoff, per account and per address (issue 5, item 4).
 *
 * Each key (an email, an address) may fail `freeFailures` times; after that each further attempt must
 * wait `baseDelayMs`, doubling per failure up to `maxDelayMs` (defaults: 5 free, then 1 s, 2 s, 4 s …
 * 15 min). A key that has not failed for `forgetAfterMs` starts afresh. A success clears its account's
 * count, but not its address's: an attacker who owns one account must not be able to reset the
 * counter of the address he is guessing other accounts' passwords from.
 *
 * An attempt is counted as a failure when it BEGINS, and taken back if it succeeds: otherwise a burst
 * of concurrent guesses would all pass the check while the first one was still hashing.
 *
 * The state is in memory: a restart forgets it, which costs an attacker a restart he cannot cause.
 * The table is bounded (least recently failed keys dropped first), so spraying addresses cannot
 * exhaust a Pi's memory.
 */
export interface LoginThrottleSettings {
  freeFailures: number;
  baseDelayMs: number;
  maxDelayMs: number;
  forgetAfterMs: number;
  maxKeys: number;
}

export const defaultLoginThrottleSettings: LoginThrottleSettings = {
  freeFailures: 5,
  baseDelayMs: 1000,
  maxDelayMs: 15 * 60_000,
  forgetAfterMs: 60 * 60_000,
  maxKeys: 10_000,
};

interface Entry {
  failures: number;
  lastFailureAt: number;
}

export interface ThrottleKeys {
  /** Omitted where there is no account to protect (a setup link is guessed per address only). */
  account?: string;
  address: string;
}

export type ThrottleDecision =
  | { allowed: true; attempt: LoginAttempt }
  | { allowed: false; retryAfterMs: number; limitedBy: 'account' | 'address' };

export interface LoginAttempt {
  /** The attempt succeeded: take back its count; clear the account's failures. */
  succeeded(): void;
  /** The attempt did not happen after all (the hub was too busy to check it): take back its count. */
  cancelled(): void;
}

export function createLoginThrottle(options: { clock: Clock; settings?: Partial<LoginThrottleSettings> }) {
  const settings = { ...defaultLoginThrottleSettings, ...options.settings };
  const { clock } = options;
  const entries = new Map<string, Entry>();

  function delayAfter(failures: number): number {
    if (failures < settings.freeFailures) return 0;
    const doublings = failures - settings.freeFailures;
    // 2^31 ms is already past any sensible maxDelayMs: stop doubling before floating point has to.
    return Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** Math.min(doublings, 31));
  }

  function current(key: string, now: number): Entry | undefined {
    const entry = entries.get(key);
    if (entry === undefined) return undefined;
    // A clock stepping back counts as "just failed", never as "long ago".
    if (now - entry.lastFailureAt > settings.forgetAfterMs) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  }

  function waitFor(key: string, now: number): number {
    const entry = current(key, now);
    if (entry === undefined) return 0;
    return Math.max(0, entry.lastFailureAt + delayAfter(entry.failures) - now);
  }

  function count(key: string, now: number): Entry | undefined {
    const before = current(key, now);
    const previous = before === undefined ? undefined : { ...before };
    entries.delete(key); // re-inserted last: Map order is least recently failed first
    entries.set(key, { failures: (before?.failures ?? 0) + 1, lastFailureAt: now });
    while (entries.size > settings.maxKeys) {
      const oldest = entries.keys().next().value as string;
      entries.delete(oldest);
    }
    return previous;
  }

  /** Takes back one counted attempt; restores the entry exactly when no other attempt was counted since. */
  function restore(key: string, previous: Entry | undefined): void {
    const entry = entries.get(key);
    if (entry === undefined) return;
    if (previous === undefined && entry.failures <= 1) entries.delete(key);
    else if (previous !== undefined && entry.failures === previous.failures + 1) entries.set(key, previous);
    else entry.failures = Math.max(0, entry.failures - 1);
  }

  return {
    settings,

    /** Decides whether an attempt may be checked now; if so, counts it as a failure until told otherwise. */
    begin(keys: ThrottleKeys): ThrottleDecision {
      const now = clock.now();
      const accountKey = keys.account === undefined ? undefined : `account:${keys.account}`;
      const addressKey = `address:${keys.address}`;
      const accountWait = accountKey === undefined ? 0 : waitFor(accountKey, now);
      const addressWait = waitFor(addressKey, now);
      if (accountWait > 0 || addressWait > 0) {
        return accountWait >= addressWait ? { allowed: false, retryAfterMs: accountWait, limitedBy: 'account' } : { allowed: false, retryAfterMs: addressWait, limitedBy: 'address' };
      }
      const accountBefore = accountKey === undefined ? undefined : count(accountKey, now);
      const addressBefore = count(addressKey, now);
      let settled = false;
      return {
        allowed: true,
        attempt: {
          succeeded() {
            if (settled) return;
            settled = true;
            if (accountKey !== undefined) entries.delete(accountKey);
            restore(addressKey, addressBefore);
          },
          cancelled() {
            if (settled) return;
            settled = true;
            if (accountKey !== undefined) restore(accountKey, accountBefore);
            restore(addressKey, addressBefore);
          },
        },
      };
    },

    /** Failures currently counted against a key (for tests and diagnostics). */
    failures(kind: 'account' | 'address', key: string): number {
      return current(`${kind}:${key}`, clock.now())?.failures ?? 0;
    },

    size(): number {
      return entries.size;
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;

/**
 * The key an address is throttled under. IPv6 hosts are given whole /64s by their providers, so an
 * attacker there has 2^64 addresses: throttle the /64, not the address.
 */
export function addressKey(address: string): string {
  const plain = address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  if (!plain.includes(':')) return plain;
  const withoutZone = plain.split('%')[0] as string;
  const [head = '', tail = ''] = withoutZone.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === '' ? [] : tail.split(':');
  const groups = withoutZone.includes('::') ? [...headGroups, ...Array<string>(Math.max(0, 8 - headGroups.length - tailGroups.length)).fill('0'), ...tailGroups] : headGroups;
  return `${groups
    .slice(0, 4)
    .map((group) => (parseInt(group, 16) || 0).toString(16))
    .join(':')}::/64`;
}
