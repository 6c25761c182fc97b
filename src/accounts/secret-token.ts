import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Bearer secrets (session cookies, API tokens, setup and invitation links): 32 random bytes, shown to
 * their holder once and stored only as SHA-256. A fast hash is right here, unlike for passwords:
 * 256 random bits cannot be guessed, so a slow hash would only slow every request.
 */
export function newSecret(prefix = ''): string {
  return prefix + randomBytes(32).toString('base64url');
}

export function secretHash(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** Compares two strings in time independent of where they differ (CSRF tokens). */
export function sameSecret(a: string, b: string): boolean {
  const left = createHash('sha256').update(a, 'utf8').digest();
  const right = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(left, right);
}
