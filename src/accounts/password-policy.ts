import { commonPasswords } from './common-passwords.js';
import { normalisePassword } from './password-hash.js';

/**
 * What a password must be (issue 5, item 3), after NIST SP 800-63B §5.1.1.2: long enough, not one
 * of the passwords every attacker tries first, and no composition rules (they push people towards
 * "Password1!"). Length is counted in code points after NFKC, so a passphrase in any script counts fairly.
 */
export const MIN_PASSWORD_LENGTH = 12;
/** Long passphrases are welcome; megabytes are not (each one is hashed). */
export const MAX_PASSWORD_LENGTH = 256;

export type PasswordProblem = 'too_short' | 'too_long' | 'common' | 'personal';

export interface PasswordContext {
  email?: string;
  name?: string;
}

const PROBLEM_TEXT: Record<PasswordProblem, string> = {
  too_short: `must be at least ${MIN_PASSWORD_LENGTH} characters`,
  too_long: `must be at most ${MAX_PASSWORD_LENGTH} characters`,
  common: 'is one of the most commonly used passwords, or a small change to one',
  personal: 'is too close to the email address, the name, or "homeward"',
};

export function describePasswordProblem(problem: PasswordProblem): string {
  return `The password ${PROBLEM_TEXT[problem]}.`;
}

/** Runs of characters people type without thinking: the alphabet, digits, keyboard rows. */
const SEQUENCES = ['abcdefghijklmnopqrstuvwxyz', '0123456789', 'qwertyuiopasdfghjklzxcvbnm', 'qwertzuiopasdfghjklyxcvbnm', 'azertyuiopqsdfghjklmwxcvbn'];

/** The shortest unit whose repetition makes `text` ("monkeymonkey" → "monkey"). */
function repeatedUnit(text: string): string {
  for (let size = 1; size <= text.length / 2; size++) {
    if (text.length % size !== 0) continue;
    const unit = text.slice(0, size);
    if (unit.repeat(text.length / size) === text) return unit;
  }
  return text;
}

function isSequence(text: string): boolean {
  if (text.length < 4) return false;
  return SEQUENCES.some((sequence) => {
    const doubled = sequence + sequence;
    const reversed = [...doubled].reverse().join('');
    return doubled.includes(text) || reversed.includes(text);
  });
}

/** The variants of a password an attacker's rules would try: itself, without digits and symbols at its ends, de-repeated. */
function variants(lower: string): string[] {
  const trimmed = lower.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '');
  const unpunctuated = lower.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
  const found = new Set([lower, trimmed, unpunctuated, repeatedUnit(lower), repeatedUnit(trimmed), repeatedUnit(unpunctuated)]);
  // "password" + "1234", "qwertyuiop" + "!!": the letters at the heart of a password with a few characters added.
  return [...found].filter((variant) => variant !== '');
}

function isCommon(password: string): boolean {
  const lower = password.toLowerCase();
  if (new Set(lower).size <= 3) return true; // "aaaaaaaaaaaa", "abababababab", "121212121212"
  for (const variant of variants(lower)) {
    if (commonPasswords.has(variant) || isSequence(variant)) return true;
    // A common password followed by a year or a count ("iloveyou2024", "letmein12345").
    const stem = variant.replace(/[\d\W_]+$/u, '');
    if (stem !== '' && stem !== variant && commonPasswords.has(stem)) return true;
  }
  // Digits and symbols only: refused when they are a sequence or a listed number padded ("123456789012").
  const digitsOnly = lower.replace(/[^\d]/g, '');
  if (digitsOnly.length === lower.length && (isSequence(digitsOnly) || commonPasswords.has(repeatedUnit(digitsOnly)))) return true;
  return false;
}

function isPersonal(password: string, context: PasswordContext): boolean {
  const lower = password.toLowerCase();
  const words = ['homeward'];
  const local = context.email?.split('@')[0]?.toLowerCase();
  if (local !== undefined && local.length >= 3) words.push(local);
  if (context.email !== undefined) words.push(context.email.toLowerCase());
  for (const part of context.name?.toLowerCase().split(/\s+/) ?? []) if (part.length >= 3) words.push(part);
  // What is left once the personal words are taken out must still be a password on its own.
  let rest = lower;
  for (const word of words) rest = rest.split(word).join('');
  if (rest === lower) return false;
  return [...rest.replace(/[^\p{L}\p{N}]/gu, '')].length < 8;
}

/** The first problem with `password`, or undefined when it is acceptable. */
export function passwordProblem(password: string, context: PasswordContext = {}): PasswordProblem | undefined {
  const normalised = normalisePassword(password);
  const length = [...normalised].length;
  if (length < MIN_PASSWORD_LENGTH) return 'too_short';
  if (length > MAX_PASSWORD_LENGTH) return 'too_long';
  if (isCommon(normalised)) return 'common';
  if (isPersonal(normalised, context)) return 'personal';
  return undefined;
}
