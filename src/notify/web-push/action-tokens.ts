import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import path from 'node:path';
import type { Clock } from '../../core/clock.js';
import { HomewardError } from '../../core/errors.js';
import type { UsedActionTokensRepo } from '../../store/used-action-tokens-repo.js';
import { loadOrCreateSecretFile } from './secret-file.js';

/**
 * "I'm on it" from the lock screen (issue 7, item 5): a push message that offers it carries a token
 * naming one alert and one member, signed with a key in the data directory (HMAC-SHA256), expiring,
 * and good once: its id is recorded in SQLite (used_action_tokens) in the same transaction as the
 * acknowledgement, so a failed acknowledgement leaves it unused and a second use is refused even
 * after a restart. The token is the credential: whoever holds it may say "I'm on it" for that member,
 * about that alert, and nothing else.
 *
 * A used, expired, forged or damaged token gets one and the same answer, so a guesser learns nothing.
 */
const KEY_BYTES = 32;
const VERSION = 'v1';
const TOKEN = /^v1\.([A-Za-z0-9_-]{1,700})\.([A-Za-z0-9_-]{43})$/;

/** Long enough to answer a message that arrives late and sits on the lock screen a while; the message's TTL is added. */
export const ACTION_TOKEN_ANSWER_WINDOW_MS = 3600_000;

export interface ActionClaims {
  /** The token's own id: what single use records. */
  id: string;
  alertId: string;
  userId: number;
  expiresAt: number;
}

export function actionTokenKeyPath(dataDir: string): string {
  return path.join(dataDir, 'secrets', 'action-token-key');
}

export function invalidActionToken(): HomewardError {
  return new HomewardError('HW_FORBIDDEN', 'this "I\'m on it" button can no longer be used (it was used already, has expired, or is not this hub\'s): open the alert in the dashboard instead', {
    reply: 'action_token_invalid',
  });
}

export interface ActionTokens {
  /** A token for `userId` to acknowledge `alertId`, valid for `lifetimeMs` from now. */
  issue(claims: { alertId: string; userId: number }, lifetimeMs: number): string;
  /**
   * Checks the token and, in one transaction, records it used and runs `work` (the acknowledgement):
   * if `work` throws, the token stays unused. Throws invalidActionToken() for any bad token.
   */
  redeem<T>(token: string, work: (claims: ActionClaims) => T): T;
}

export function createActionTokens(deps: { keyFile: string; used: UsedActionTokensRepo; transaction: <T>(work: () => T) => T; clock: Clock }): ActionTokens {
  const { used, transaction, clock } = deps;
  let key: Buffer | undefined;
  const getKey = (): Buffer => {
    if (key !== undefined) return key;
    const read = loadOrCreateSecretFile(deps.keyFile, () => randomBytes(KEY_BYTES));
    // An empty or short key would make tokens forgeable: refuse it.
    if (read.length !== KEY_BYTES) throw new HomewardError('HW_STORE', `action-token key ${deps.keyFile} is ${read.length} bytes, expected ${KEY_BYTES}: delete it (a new one is made; "I'm on it" buttons already sent stop working)`);
    return (key = read);
  };
  const mac = (claims: string) => createHmac('sha256', getKey()).update(`${VERSION}.${claims}`).digest();

  function verified(token: string): ActionClaims {
    const match = typeof token === 'string' ? TOKEN.exec(token) : null;
    if (match === null) throw invalidActionToken();
    const [, claimsText, signature] = match as unknown as [string, string, string];
    if (!timingSafeEqual(mac(claimsText), Buffer.from(signature, 'base64url'))) throw invalidActionToken();
    let claims: Record<string, unknown>;
    try {
      claims = JSON.parse(Buffer.from(claimsText, 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch {
      throw invalidActionToken();
    }
    const { n: id, a: alertId, u: userId, e: expiresAt } = claims;
    if (typeof id !== 'string' || typeof alertId !== 'string' || !Number.isInteger(userId) || !Number.isInteger(expiresAt)) throw invalidActionToken();
    if (clock.now() >= (expiresAt as number)) throw invalidActionToken();
    return { id, alertId, userId: userId as number, expiresAt: expiresAt as number };
  }

  return {
    issue({ alertId, userId }, lifetimeMs) {
      const claims = Buffer.from(JSON.stringify({ n: randomBytes(12).toString('base64url'), a: alertId, u: userId, e: clock.now() + lifetimeMs })).toString('base64url');
      return `${VERSION}.${claims}.${mac(claims).toString('base64url')}`;
    },

    redeem(token, work) {
      const claims = verified(token);
      const now = clock.now();
      return transaction(() => {
        used.pruneExpired(now);
        if (!used.markUsed(claims.id, now, claims.expiresAt)) throw invalidActionToken();
        return work(claims);
      });
    },
  };
}
