import type { LightMyRequestResponse } from 'fastify';
import type { Role } from '../../src/accounts/roles.js';
import { GOOD_PASSWORD, startAccountsHub, type AccountsHub } from '../accounts/accounts-hub.js';
import { testHousehold } from '../support/households.js';

/**
 * The circle's HTTP tests: a whole hub (real SQLite, real fastify, manual clock) with the test
 * household, and one signed-in member per name. `as(member)` sends what a dashboard sends: the
 * session cookie, and the CSRF token on requests that change state.
 */
export interface SignedIn {
  id: number;
  email: string;
  role: Role;
  cookie: string;
  csrfToken: string;
}

export interface CircleHub extends AccountsHub {
  join(name: string, role: Role): Promise<SignedIn>;
  as(member: SignedIn, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  /** Audit actions, oldest first. */
  auditActions(): string[];
}

export async function startCircleHub(): Promise<CircleHub> {
  const t = await startAccountsHub();
  t.hub.household.import(testHousehold());
  return {
    ...t,
    async join(name, role) {
      const email = `${name.toLowerCase()}@example.org`;
      const user = await t.addUser(email, role);
      const { cookie, csrfToken } = await t.signIn(email, GOOD_PASSWORD);
      return { id: user.id, email, role, cookie, csrfToken };
    },
    as(member, method, url, payload, headers = {}) {
      const csrf: Record<string, string> = method === 'GET' ? {} : { 'x-csrf-token': member.csrfToken };
      return t.hub.http.inject({ method, url, headers: { cookie: member.cookie, ...csrf, ...headers }, ...(payload === undefined ? {} : { payload: payload as object }) });
    },
    auditActions() {
      return t.hub.store.audit
        .recent(1000)
        .map((entry) => entry.action)
        .reverse();
    },
  };
}
