/**
 * One spelling per address, so "Anna@Example.org " and "anna@example.org" are one account: trimmed,
 * NFC, lower-cased. (Strictly the local part is case-sensitive, but no provider a family uses treats
 * it so, and two accounts differing only in case would be a trap.)
 */
export function normaliseEmail(email: string): string {
  return email.normalize('NFC').trim().toLowerCase();
}

/** Deliberately loose: one @, something either side, no spaces. The address is an identifier, not a mailbox we write to yet. */
export function looksLikeEmail(email: string): boolean {
  return email.length <= 254 && /^[^\s@]+@[^\s@]+$/.test(email);
}
