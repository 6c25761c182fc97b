import { describe, expect, it } from 'vitest';
import { commonPasswords } from '../../src/accounts/common-passwords.js';
import { describePasswordProblem, MIN_PASSWORD_LENGTH, passwordProblem, type PasswordProblem } from '../../src/accounts/password-policy.js';

describe('password policy', () => {
  it('ships the common-password list, lower-cased', () => {
    expect(commonPasswords.size).toBeGreaterThan(990);
    for (const word of ['123456', 'password', 'qwertyuiop', 'iloveyou', 'trustno1', 'usuckballz1']) expect(commonPasswords.has(word), word).toBe(true);
    expect(MIN_PASSWORD_LENGTH).toBe(12);
  });

  const refused: Array<[string, PasswordProblem, string, { email?: string; name?: string }?]> = [
    ['', 'too_short', 'empty'],
    ['short', 'too_short', 'short'],
    ['elevenchars', 'too_short', 'eleven characters'],
    ['ﬀﬀﬀ', 'too_short', 'ligatures count as what they normalise to, still short'],
    ['x'.repeat(257), 'too_long', 'more than 256 characters'],
    ['password1234', 'common', 'a listed password with digits added'],
    ['Password123!', 'common', 'capitalised, digits and a symbol added'],
    ['QWERTYUIOP!!', 'common', 'a keyboard row, shouted'],
    ['iloveyou2024', 'common', 'a listed password and a year'],
    ['!!trustno1!!', 'common', 'a listed password in punctuation'],
    ['monkeymonkey', 'common', 'a listed password repeated'],
    ['1234567890123', 'common', 'digits in order'],
    ['abcdefghijklm', 'common', 'the alphabet'],
    ['asdfghjklzxc', 'common', 'a keyboard row'],
    ['aaaaaaaaaaaaaaaa', 'common', 'one character repeated'],
    ['abababababab', 'common', 'two characters alternating'],
    ['anna.smith2024!', 'personal', 'the email name and a year', { email: 'anna.smith@example.org' }],
    ['HomewardHub123', 'personal', "the product's name", {}],
    ['margaretjones1', 'personal', 'the person’s own name', { name: 'Margaret Jones' }],
  ];
  it.each(refused)('refuses %j as %s (%s)', (password, problem, _why, context = {}) => {
    expect(passwordProblem(password, context)).toBe(problem);
  });

  const accepted = ['correct horse battery staple', 'kettle on the windowsill 7', 'Mum likes the garden at 4pm', 'ŻółwPływaWolno42', 'password is not my password', '8491 2237 6610 4452'];
  it.each(accepted)('accepts %j', (password) => {
    expect(passwordProblem(password, { email: 'anna@example.org', name: 'Anna' })).toBeUndefined();
  });

  it('explains each problem in words a person can act on', () => {
    expect(describePasswordProblem('too_short')).toContain('at least 12 characters');
    expect(describePasswordProblem('common')).toContain('commonly used');
  });
});
