import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import type { VapidKeys } from './vapid-keys.js';

/**
 * The VAPID Authorization header (RFC 8292: `vapid t=<JWT>, k=<public key>`), one JWT per push
 * service origin, signed once and reused until it nears its expiry. DESIGN.md, "Pitfalls": web-push
 * signs a new JWT for every request, about half of its 0.8 ms per message; a token may live 24 h.
 * The expiry comes from the injected clock, so a clock that jumps is followed at once: a token whose
 * expiry is no longer within 24 h of now (the clock went back) or is within an hour of now is signed
 * afresh. A wrong clock still breaks VAPID (issue 7, item 6): clock-health.ts shows it.
 */
export const VAPID_TOKEN_LIFETIME_MS = 12 * 3600_000;
/** Push services refuse a token that expires more than 24 h ahead (RFC 8292, section 2). */
export const VAPID_MAX_LIFETIME_MS = 24 * 3600_000;
const RENEW_BEFORE_MS = 3600_000;

export interface VapidSigner {
  /** The Authorization header for a request to `audience` (the push service's origin). */
  authorization(audience: string): string;
  /** How many JWTs have been signed (each costs an ECDSA signature). */
  signed(): number;
}

function privateKeyObject(keys: VapidKeys): KeyObject {
  const publicPoint = Buffer.from(keys.publicKey, 'base64url');
  return createPrivateKey({
    key: { kty: 'EC', crv: 'P-256', d: keys.privateKey, x: publicPoint.subarray(1, 33).toString('base64url'), y: publicPoint.subarray(33, 65).toString('base64url') },
    format: 'jwk',
  });
}

const HEADER = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'ES256' })).toString('base64url');

export function createVapidSigner(deps: { keys: VapidKeys; subject: string; clock: Clock }): VapidSigner {
  const { keys, subject, clock } = deps;
  const key = privateKeyObject(keys);
  const cache = new Map<string, { header: string; expiresAt: number }>();
  let count = 0;

  return {
    authorization(audience) {
      const now = clock.now();
      const cached = cache.get(audience);
      if (cached !== undefined && cached.expiresAt - now > RENEW_BEFORE_MS && cached.expiresAt - now <= VAPID_MAX_LIFETIME_MS) return cached.header;
      const exp = Math.floor((now + VAPID_TOKEN_LIFETIME_MS) / 1000);
      const claims = Buffer.from(JSON.stringify({ aud: audience, exp, sub: subject })).toString('base64url');
      const signature = sign('sha256', Buffer.from(`${HEADER}.${claims}`), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
      const header = `vapid t=${HEADER}.${claims}.${signature}, k=${keys.publicKey}`;
      cache.set(audience, { header, expiresAt: exp * 1000 });
      count += 1;
      return header;
    },
    signed: () => count,
  };
}
