import { describe, expect, it } from 'vitest';
import { createPasswordHasher } from '../../src/accounts/password-hash.js';
import { isHomewardError } from '../../src/core/errors.js';
import { useTempStore } from '../store/temp-store.js';
import { GOOD_PASSWORD } from './accounts-hub.js';
import { accountsOn } from './accounts-fixture.js';

const temp = useTempStore();

function codeOf(error: unknown): string | undefined {
  return isHomewardError(error) ? error.code : undefined;
}


describe('accounts', () => {
  it('creates a person with a normalised email, a default name, and a hashed password; the audit log records it', async () => {
    const { accounts } = accountsOn(temp.store);
    const user = await accounts.create({ email: '  Anna.Smith@Example.ORG ', role: 'family', password: GOOD_PASSWORD });
    expect(user).toEqual({ id: expect.any(Number), email: 'anna.smith@example.org', name: 'anna.smith', role: 'family' });
    const row = temp.store.users.byId(user.id);
    expect(row?.passwordHash).toMatch(/^\$scrypt\$ln=15,r=8,p=1\$/);
    expect(temp.store.audit.recent(5)).toEqual([expect.objectContaining({ action: 'user.created', target: `user:${user.id}`, userId: null, details: { role: 'family' } })]);
  });

  it('refuses a weak or common password, a bad email, an unknown role, and an email already taken (case-insensitively)', async () => {
    const { accounts } = accountsOn(temp.store);
    await accounts.create({ email: 'anna@example.org', role: 'family', password: GOOD_PASSWORD });
    const attempts: Array<[Parameters<typeof accounts.create>[0], string]> = [
      [{ email: 'ben@example.org', role: 'carer', password: 'short' }, 'HW_PASSWORD_WEAK'],
      [{ email: 'ben@example.org', role: 'carer', password: 'password1234' }, 'HW_PASSWORD_WEAK'],
      [{ email: 'ben@example.org', role: 'carer', password: 'qwertyuiop123' }, 'HW_PASSWORD_WEAK'],
      [{ email: 'not an email', role: 'carer', password: GOOD_PASSWORD }, 'HW_USAGE'],
      [{ email: 'ben@example.org', role: 'admin' as never, password: GOOD_PASSWORD }, 'HW_USAGE'],
      [{ email: 'ANNA@example.org', role: 'carer', password: GOOD_PASSWORD }, 'HW_ACCOUNT_EXISTS'],
    ];
    for (const [input, code] of attempts) {
      const error = await accounts.create(input).catch((e: unknown) => e);
      expect(codeOf(error), JSON.stringify(input)).toBe(code);
    }
    expect(temp.store.users.all()).toHaveLength(1);
  });

  it('authenticates the right password, case-insensitively by email, and nothing else', async () => {
    const { accounts } = accountsOn(temp.store);
    await accounts.create({ email: 'anna@example.org', role: 'family', password: GOOD_PASSWORD });
    expect(await accounts.authenticate('ANNA@example.org ', GOOD_PASSWORD)).toMatchObject({ ok: true, user: { email: 'anna@example.org' } });
    expect(await accounts.authenticate('anna@example.org', 'kettle on the windowsill 8')).toEqual({ ok: false, reason: 'wrong_password' });
    expect(await accounts.authenticate('nobody@example.org', GOOD_PASSWORD)).toEqual({ ok: false, reason: 'unknown_user' });
  });

  it('a disabled account cannot sign in, even with its password', async () => {
    const { accounts } = accountsOn(temp.store);
    await accounts.create({ email: 'owner@example.org', role: 'owner', password: GOOD_PASSWORD });
    const user = await accounts.create({ email: 'anna@example.org', role: 'family', password: GOOD_PASSWORD });
    accounts.disable(user.id);
    expect(await accounts.authenticate('anna@example.org', GOOD_PASSWORD)).toEqual({ ok: false, reason: 'disabled' });
  });

  it('an unknown email does the same scrypt work as a wrong password (a decoy verification), so timing tells nothing', async () => {
    // Speed is for benchmarks, not assertions: this checks the work is the same kind, not how long it took.
    const real = createPasswordHasher({ params: { ln: 10, r: 8, p: 1 } });
    const calls: string[] = [];
    const counting: typeof real = {
      ...real,
      verify: async (password, stored) => {
        calls.push('verify');
        return real.verify(password, stored);
      },
      verifyDecoy: async (password) => {
        calls.push('decoy');
        return real.verifyDecoy(password);
      },
    };
    const { accounts } = accountsOn(temp.store, { hasher: counting });
    await accounts.create({ email: 'anna@example.org', role: 'family', password: GOOD_PASSWORD });
    const unknown = await accounts.authenticate('nobody@example.org', 'a wrong guess here');
    const wrong = await accounts.authenticate('anna@example.org', 'a wrong guess here');
    expect(calls).toEqual(['decoy', 'verify']);
    // The reasons differ for the log; the HTTP answer is the same for both (test/http/auth-login.test.ts).
    expect([unknown.ok, wrong.ok]).toEqual([false, false]);
  });

  it('re-hashes a password made with older parameters at the next successful sign-in', async () => {
    const old = accountsOn(temp.store, { hasher: createPasswordHasher({ params: { ln: 12, r: 8, p: 1 } }) });
    const user = await old.accounts.create({ email: 'anna@example.org', role: 'family', password: GOOD_PASSWORD });
    expect(temp.store.users.byId(user.id)?.passwordHash).toContain('$ln=12,');
    const current = accountsOn(temp.store);
    expect((await current.accounts.authenticate('anna@example.org', GOOD_PASSWORD)).ok).toBe(true);
    expect(temp.store.users.byId(user.id)?.passwordHash).toContain('$ln=15,');
    expect((await current.accounts.authenticate('anna@example.org', GOOD_PASSWORD)).ok).toBe(true);
  });

  it('keeps the household’s last owner: neither demoted nor disabled', async () => {
    const { accounts } = accountsOn(temp.store);
    const owner = await accounts.create({ email: 'owner@example.org', role: 'owner', password: GOOD_PASSWORD });
    expect(codeOf((() => { try { accounts.changeRole(owner.id, 'family'); } catch (e) { return e; } })())).toBe('HW_USAGE');
    expect(codeOf((() => { try { accounts.disable(owner.id); } catch (e) { return e; } })())).toBe('HW_USAGE');
    const second = await accounts.create({ email: 'second@example.org', role: 'family', password: GOOD_PASSWORD });
    accounts.changeRole(second.id, 'owner');
    expect(accounts.changeRole(owner.id, 'family').role).toBe('family');
    expect(accounts.hasOwner()).toBe(true);
  });
});
