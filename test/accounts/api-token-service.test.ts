import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useTempStore } from '../store/temp-store.js';
import { GOOD_PASSWORD } from './accounts-hub.js';
import { accountsOn } from './accounts-fixture.js';

const temp = useTempStore();

describe('API tokens', () => {
  it('issues a token shown once, resolves it to its person, and lists it without the token', async () => {
    const { accounts, apiTokens } = accountsOn(temp.store);
    const user = await accounts.create({ email: 'anna@example.org', role: 'carer', password: GOOD_PASSWORD });
    const issued = apiTokens.issue(user.id, 'Node-RED');
    expect(issued.token).toMatch(/^hwt_[A-Za-z0-9_-]{43}$/);
    expect(apiTokens.resolve(issued.token)?.user.email).toBe('anna@example.org');
    const listed = apiTokens.listFor(user.id);
    expect(listed).toEqual([{ id: issued.apiToken.id, userId: user.id, name: 'Node-RED', createdAt: expect.any(Number), lastUsedAt: expect.any(Number), revokedAt: null }]);
    expect(JSON.stringify(listed)).not.toContain(issued.token.slice(4));
  });

  it('keeps only a hash at rest: the token’s bytes are nowhere in the database file', async () => {
    const { accounts, apiTokens } = accountsOn(temp.store);
    const user = await accounts.create({ email: 'anna@example.org', role: 'carer', password: GOOD_PASSWORD });
    const { token } = apiTokens.issue(user.id, 'script');
    temp.db.pragma('wal_checkpoint(TRUNCATE)');
    const bytes = readFileSync(temp.db.name);
    expect(bytes.includes(Buffer.from(token))).toBe(false);
    expect(bytes.includes(Buffer.from(token.slice(4)))).toBe(false);
  });

  it('a revoked token stops working at once, stays listed as revoked, and only its owner can revoke it', async () => {
    const { accounts, apiTokens, clock } = accountsOn(temp.store);
    const anna = await accounts.create({ email: 'anna@example.org', role: 'carer', password: GOOD_PASSWORD });
    const ben = await accounts.create({ email: 'ben@example.org', role: 'carer', password: GOOD_PASSWORD });
    const { token, apiToken } = apiTokens.issue(anna.id, 'script');
    expect(apiTokens.revoke(ben.id, apiToken.id)).toBe(false);
    expect(apiTokens.resolve(token)).toBeDefined();
    clock.advance(1000);
    expect(apiTokens.revoke(anna.id, apiToken.id)).toBe(true);
    expect(apiTokens.revoke(anna.id, apiToken.id)).toBe(false);
    expect(apiTokens.resolve(token)).toBeUndefined();
    expect(apiTokens.listFor(anna.id)[0]?.revokedAt).toBe(clock.now());
    expect(temp.store.audit.recent(1)[0]).toMatchObject({ action: 'api-token.revoked', userId: anna.id });
  });

  it('acts with its person’s current role, and stops when the person is disabled', async () => {
    const { accounts, apiTokens } = accountsOn(temp.store);
    await accounts.create({ email: 'owner@example.org', role: 'owner', password: GOOD_PASSWORD });
    const anna = await accounts.create({ email: 'anna@example.org', role: 'carer', password: GOOD_PASSWORD });
    const { token } = apiTokens.issue(anna.id, 'script');
    accounts.changeRole(anna.id, 'viewer');
    expect(apiTokens.resolve(token)?.user.role).toBe('viewer');
    accounts.disable(anna.id);
    expect(apiTokens.resolve(token)).toBeUndefined();
  });

  it('records last use at most once a minute', async () => {
    const { accounts, apiTokens, clock } = accountsOn(temp.store);
    const anna = await accounts.create({ email: 'anna@example.org', role: 'carer', password: GOOD_PASSWORD });
    const { token, apiToken } = apiTokens.issue(anna.id, 'script');
    const lastUsed = () => temp.store.apiTokens.byId(apiToken.id)?.lastUsedAt;
    expect(lastUsed()).toBeNull();
    apiTokens.resolve(token);
    const first = clock.now();
    expect(lastUsed()).toBe(first);
    clock.advance(30_000);
    apiTokens.resolve(token);
    expect(lastUsed()).toBe(first);
    clock.advance(30_000);
    apiTokens.resolve(token);
    expect(lastUsed()).toBe(first + 60_000);
  });

  it('resolves nothing for strings that are not tokens', async () => {
    const { apiTokens } = accountsOn(temp.store);
    for (const token of ['', 'hwt_', 'hwt_nope', 'Bearer hwt_x', 'x'.repeat(10_000)]) expect(apiTokens.resolve(token)).toBeUndefined();
  });
});
