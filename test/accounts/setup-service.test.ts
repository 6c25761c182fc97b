import { describe, expect, it } from 'vitest';
import { isHomewardError } from '../../src/core/errors.js';
import { secretHash } from '../../src/accounts/secret-token.js';
import { useTempStore } from '../store/temp-store.js';
import { GOOD_PASSWORD } from './accounts-hub.js';
import { accountsOn } from './accounts-fixture.js';

const temp = useTempStore();
const HOUR = 3_600_000;
const owner = { email: 'owner@example.org', name: 'Olivia', password: GOOD_PASSWORD };

async function codeOf(work: Promise<unknown>): Promise<string | undefined> {
  const error = await work.then(() => undefined, (e: unknown) => e);
  return isHomewardError(error) ? error.code : undefined;
}

describe('setup link', () => {
  it('is issued while there is no owner, creates the owner once, and is then used up', async () => {
    const { setup, accounts } = accountsOn(temp.store);
    expect(setup.needed()).toBe(true);
    const link = setup.issue();
    expect(link?.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const user = await setup.complete(link!.token, owner);
    expect(user).toMatchObject({ email: 'owner@example.org', name: 'Olivia', role: 'owner' });
    expect(accounts.hasOwner()).toBe(true);
    expect(setup.needed()).toBe(false);
    expect(await codeOf(setup.complete(link!.token, { ...owner, email: 'second@example.org' }))).toBe('HW_INVITATION_INVALID');
    expect(temp.store.users.all()).toHaveLength(1);
    expect(setup.issue()).toBeUndefined();
  });

  it('stores the link only as a hash, and records who used it', async () => {
    const { setup } = accountsOn(temp.store);
    const link = setup.issue()!;
    const user = await setup.complete(link.token, owner);
    const row = temp.store.invitations.byTokenHash(secretHash(link.token));
    expect(row).toMatchObject({ purpose: 'setup', role: 'owner', usedBy: user.id });
    expect(JSON.stringify(temp.db.prepare('SELECT * FROM invitations').all())).not.toContain(link.token);
  });

  it('expires after 24 hours', async () => {
    const { setup, clock } = accountsOn(temp.store);
    const link = setup.issue()!;
    clock.advance(24 * HOUR);
    expect(await codeOf(setup.complete(link.token, owner))).toBe('HW_INVITATION_INVALID');
    expect(temp.store.users.all()).toEqual([]);
  });

  it('a new link (the next start) replaces the previous unused one', async () => {
    const { setup } = accountsOn(temp.store);
    const first = setup.issue()!;
    const second = setup.issue()!;
    expect(await codeOf(setup.complete(first.token, owner))).toBe('HW_INVITATION_INVALID');
    await expect(setup.complete(second.token, owner)).resolves.toMatchObject({ role: 'owner' });
  });

  it('does nothing once an owner exists by other means (homeward user add)', async () => {
    const { setup, accounts } = accountsOn(temp.store);
    const link = setup.issue()!;
    await accounts.create({ email: 'installer-made@example.org', role: 'owner', password: GOOD_PASSWORD });
    expect(await codeOf(setup.complete(link.token, owner))).toBe('HW_INVITATION_INVALID');
  });

  it('two uses of one link at the same moment make one owner', async () => {
    const { setup } = accountsOn(temp.store);
    const link = setup.issue()!;
    const results = await Promise.allSettled([setup.complete(link.token, owner), setup.complete(link.token, { ...owner, email: 'rival@example.org' })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(isHomewardError(refused.reason, 'HW_INVITATION_INVALID')).toBe(true);
    expect(temp.store.users.all()).toHaveLength(1);
  });

  it('a weak password leaves the link usable', async () => {
    const { setup } = accountsOn(temp.store);
    const link = setup.issue()!;
    expect(await codeOf(setup.complete(link.token, { ...owner, password: 'password1234' }))).toBe('HW_PASSWORD_WEAK');
    await expect(setup.complete(link.token, owner)).resolves.toMatchObject({ role: 'owner' });
  });

  it('refuses an unknown token', async () => {
    const { setup } = accountsOn(temp.store);
    setup.issue();
    expect(await codeOf(setup.complete('not-the-token', owner))).toBe('HW_INVITATION_INVALID');
  });
});
