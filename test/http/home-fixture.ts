import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { roles, type Role } from '../../src/accounts/roles.js';
import type { Household } from '../../src/core/household.js';
import type { Reading } from '../../src/core/readings.js';
import { testHousehold } from '../support/households.js';
import { GOOD_PASSWORD, startAccountsHub, type AccountsHub } from '../accounts/accounts-hub.js';

/**
 * The household-data API under test: a whole hub (real SQLite file, real fastify, manual clock) with
 * the test household and one signed-in member of every role. `as(role)` asks with that member's
 * session cookie (and CSRF token); `bearer(role)` with an API token.
 */
export interface HomeHub extends AccountsHub {
  users: Map<Role, { id: number; name: string; cookie: string; csrfToken: string; bearer: string }>;
  as(role: Role, options: InjectOptions): Promise<LightMyRequestResponse>;
  bearer(role: Role, options: InjectOptions): Promise<LightMyRequestResponse>;
  /** Commits readings through the real group commit (and so the rules), now. */
  ingest(readings: Reading[]): void;
  /** Audit entries with this action, oldest first. */
  audited(action: string): Array<{ userId: number | null; target: string | null; details: Record<string, unknown> }>;
  revision(): number;
}

export function householdWith(change: (household: Household) => void = () => undefined): Household {
  const household = testHousehold();
  change(household);
  return household;
}

export async function startHomeHub(options: { household?: Household } = {}): Promise<HomeHub> {
  const t = await startAccountsHub();
  t.hub.household.import(options.household ?? testHousehold());
  const users: HomeHub['users'] = new Map();
  for (const role of roles) {
    const user = await t.addUser(`${role}@example.org`, role);
    const { cookie, csrfToken } = await t.signIn(user.email, GOOD_PASSWORD);
    users.set(role, { id: user.id, name: t.hub.store.users.byId(user.id)!.name, cookie, csrfToken, bearer: t.hub.home.apiTokens.issue(user.id, 'tests').token });
  }
  const member = (role: Role) => {
    const found = users.get(role);
    if (found === undefined) throw new Error(`no ${role}`);
    return found;
  };
  return Object.assign(t, {
    users,
    as(role: Role, options: InjectOptions) {
      const { cookie, csrfToken } = member(role);
      return t.hub.http.inject({ ...options, headers: { cookie, 'x-csrf-token': csrfToken, ...(options.headers ?? {}) } });
    },
    bearer(role: Role, options: InjectOptions) {
      return t.hub.http.inject({ ...options, headers: { authorization: `Bearer ${member(role).bearer}`, ...(options.headers ?? {}) } });
    },
    ingest(readings: Reading[]) {
      t.hub.commit.enqueue({ readings, receivedAt: t.clock.now(), done: () => undefined });
      t.hub.commit.flush();
    },
    audited(action: string) {
      return t.hub.store.audit
        .recent(10_000)
        .filter((entry) => entry.action === action)
        .reverse()
        .map((entry) => ({ userId: entry.userId, target: entry.target, details: entry.details }));
    },
    revision: () => t.hub.household.view().revision,
  });
}
