import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock, type ManualClock } from '../../src/core/clock.js';
import { HomewardError, isHomewardError } from '../../src/core/errors.js';
import { actionTokenKeyPath, createActionTokens, type ActionClaims, type ActionTokens } from '../../src/notify/web-push/action-tokens.js';
import type { Store } from '../../src/store/store.js';
import { useTempStore } from '../store/temp-store.js';

/**
 * "I'm on it" tokens (issue 7, item 5): signed with a key in the data directory, expiring, single use
 * recorded in SQLite. A used, expired, forged or damaged token gets one and the same refusal.
 */
const T0 = Date.UTC(2026, 0, 15, 2, 0, 0);
const temp = useTempStore();
let dataDir: string;
let clock: ManualClock;

const tokensOver = (store: Store, keyDir = dataDir): ActionTokens =>
  createActionTokens({ keyFile: actionTokenKeyPath(keyDir), used: store.usedActionTokens, transaction: store.transaction, clock });

beforeEach(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'homeward-tokens-'));
  clock = createManualClock(T0);
});
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

function refusal(work: () => unknown): { code: string; message: string; reply: unknown } {
  try {
    work();
  } catch (error) {
    if (isHomewardError(error)) return { code: error.code, message: error.message, reply: (error.details as { reply?: unknown }).reply };
    throw error;
  }
  throw new Error('expected a refusal');
}

const claimsOf = (tokens: ActionTokens, token: string) => tokens.redeem(token, (claims) => claims);

describe('action tokens', () => {
  it('name one alert and one member, and work once', () => {
    const tokens = tokensOver(temp.store);
    const token = tokens.issue({ alertId: 'a1', userId: 7 }, 15 * 60_000);
    expect(token).toMatch(/^v1\.[\w-]+\.[\w-]{43}$/);
    const claims: ActionClaims = claimsOf(tokens, token);
    expect(claims).toMatchObject({ alertId: 'a1', userId: 7, expiresAt: T0 + 15 * 60_000 });
    const reused = refusal(() => claimsOf(tokens, token));
    expect(reused).toEqual({ code: 'HW_FORBIDDEN', reply: 'action_token_invalid', message: expect.stringContaining('open the alert in the dashboard instead') });
  });

  it('are still used after a restart (kept in SQLite), and each token is its own', () => {
    const token = tokensOver(temp.store).issue({ alertId: 'a1', userId: 7 }, 60_000);
    const another = tokensOver(temp.store).issue({ alertId: 'a1', userId: 7 }, 60_000);
    claimsOf(tokensOver(temp.store), token);
    const reopened = temp.reopen();
    expect(refusal(() => claimsOf(tokensOver(reopened), token)).reply).toBe('action_token_invalid');
    expect(claimsOf(tokensOver(reopened), another).alertId).toBe('a1');
  });

  it('expire (manual clock): refused from their expiry on, with the same answer', () => {
    const tokens = tokensOver(temp.store);
    const token = tokens.issue({ alertId: 'a1', userId: 7 }, 60_000);
    clock.advance(60_000);
    const expired = refusal(() => claimsOf(tokens, token));
    const used = (() => {
      const fresh = tokens.issue({ alertId: 'a1', userId: 7 }, 60_000);
      claimsOf(tokens, fresh);
      return refusal(() => claimsOf(tokens, fresh));
    })();
    expect(expired).toEqual(used);
  });

  it('refuse a forged, altered or damaged token with the same answer', () => {
    const tokens = tokensOver(temp.store);
    const token = tokens.issue({ alertId: 'a1', userId: 7 }, 60_000);
    const [version, claims, signature] = token.split('.') as [string, string, string];
    const altered = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(claims, 'base64url').toString()), u: 1 })).toString('base64url');
    const otherHub = tokensOver(temp.store, path.join(dataDir, 'other-hub')).issue({ alertId: 'a1', userId: 7 }, 60_000);
    const guessedKey = `${version}.${altered}.${createHmac('sha256', Buffer.alloc(32)).update(`v1.${altered}`).digest('base64url')}`;
    const answers = [
      `${version}.${altered}.${signature}`,
      otherHub,
      guessedKey,
      `${version}.${claims}.${signature.slice(0, -2)}AA`,
      `v2.${claims}.${signature}`,
      'not a token',
      '',
    ].map((forged) => refusal(() => claimsOf(tokens, forged)));
    const expected = refusal(() => claimsOf(tokens, 'v1.x.y'));
    for (const answer of answers) expect(answer).toEqual(expected);
    expect(expected.reply).toBe('action_token_invalid');
    // None of that used the real token up.
    expect(claimsOf(tokens, token).userId).toBe(7);
  });

  it('stay unused when the acknowledgement fails (its transaction rolls back)', () => {
    const tokens = tokensOver(temp.store);
    const token = tokens.issue({ alertId: 'a1', userId: 7 }, 60_000);
    expect(
      refusal(() =>
        tokens.redeem(token, () => {
          throw new HomewardError('HW_CONFLICT', 'alert a1 is already resolved', { reply: 'alert_resolved' });
        }),
      ).reply,
    ).toBe('alert_resolved');
    expect(claimsOf(tokens, token).alertId).toBe('a1');
  });

  it('keep their key in the data directory (0600), and forget used tokens once expired', () => {
    const tokens = tokensOver(temp.store);
    const token = tokens.issue({ alertId: 'a1', userId: 7 }, 60_000);
    expect(statSync(actionTokenKeyPath(dataDir)).mode & 0o777).toBe(0o600);
    claimsOf(tokens, token);
    const count = () => (temp.db.prepare('SELECT COUNT(*) AS n FROM used_action_tokens').get() as { n: number }).n;
    expect(count()).toBe(1);
    clock.advance(2 * 60_000);
    claimsOf(tokens, tokens.issue({ alertId: 'a2', userId: 7 }, 60_000));
    expect(count()).toBe(1);
  });
});
