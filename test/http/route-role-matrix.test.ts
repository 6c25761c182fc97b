import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roles, type Role } from '../../src/accounts/roles.js';
import { isPermission, permissions, roleMay, type Permission } from '../../src/http/permissions.js';
import { testHousehold } from '../support/households.js';
import { GOOD_PASSWORD, startAccountsHub, type AccountsHub } from '../accounts/accounts-hub.js';

/**
 * Issue 5, item 5: "A test checks every route against every role." Every route the OpenAPI document
 * lists is asked by every role, once with a session cookie (and its CSRF token) and once with an API
 * token, and the answer is checked against the permission table: a role the table does not name gets
 * exactly 403 {"error":"forbidden"}; a role it names gets past the gate (any answer but 401 or 403 —
 * 400 for an empty body, 404 for an id that does not exist). With no credential, 401.
 * Path parameters name things that do not exist, so no request here changes anything.
 */
interface Operation {
  description?: string;
  security?: unknown[];
}

interface Route {
  method: string;
  path: string;
  url: string;
  permission: Permission | undefined;
}

/**
 * Asked only by the roles they refuse: the events stream runs until the client goes away (inject()
 * would wait for ever), and signing out would end the credential the rest of the matrix uses. Every
 * role may use them, so the table promises nothing here that this test could miss.
 */
const ONLY_REFUSALS = new Set(['GET /api/events', 'POST /api/auth/logout', 'POST /api/auth/logout-everywhere']);

const PARAMETER_VALUES: Record<string, string> = {
  token: 'no-such-invitation-token',
  dataset: 'positions.csv',
  reaction: 'seen',
};

let t: AccountsHub;
let routes: Route[];
const credentials = new Map<Role, { cookie: string; csrfToken: string; bearer: string }>();

beforeAll(async () => {
  t = await startAccountsHub();
  t.hub.household.import(testHousehold());
  for (const role of roles) {
    const user = await t.addUser(`${role}@example.org`, role);
    const { cookie, csrfToken } = await t.signIn(user.email, GOOD_PASSWORD);
    const bearer = t.hub.home.apiTokens.issue(user.id, 'matrix').token;
    credentials.set(role, { cookie, csrfToken, bearer });
  }
  const doc = (await t.hub.http.inject({ method: 'GET', url: '/api/docs' })).json() as { paths: Record<string, Record<string, Operation>> };
  routes = [];
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const named = /Permission: `([a-z.-]+)`/.exec(operation.description ?? '')?.[1];
      const url = path.replace(/\{(\w+)\}/g, (_, name: string) => PARAMETER_VALUES[name] ?? '999999');
      routes.push({ method: method.toUpperCase(), path, url, permission: isPermission(named) ? named : undefined });
    }
  }
}, 60_000);

afterAll(async () => {
  await t?.stop();
});

function protectedRoutes(): Route[] {
  return routes.filter((route) => route.permission !== undefined);
}

function bodyFor(method: string): Record<string, unknown> | undefined {
  return method === 'GET' || method === 'DELETE' ? undefined : {};
}

describe('every route × every role', () => {
  it('finds the API: every protected route names a permission from the table', () => {
    expect(protectedRoutes().length).toBeGreaterThan(10);
    const unnamed = routes.filter((route) => route.permission === undefined && !route.path.startsWith('/ingest/') && route.path !== '/metrics');
    // Open routes are few and known (each checks its own credential: a password, a setup or
    // invitation link, a signed action token); every other route names its permission.
    const open = ['/api/health', '/api/setup', '/api/auth/login', '/api/invitations/{token}', '/api/invitations/accept', '/api/push/actions/acknowledge'];
    for (const route of unnamed) expect(open).toContain(route.path);
  });

  it('uses every permission in the table on some route (no entry is policy for nothing)', () => {
    const used = new Set(protectedRoutes().map((route) => route.permission));
    const unused = (Object.keys(permissions) as Permission[]).filter((permission) => !used.has(permission));
    expect(unused).toEqual([]);
  });

  it('answers 401 to every protected route without a credential', async () => {
    for (const route of protectedRoutes()) {
      const response = await t.hub.http.inject({ method: route.method as 'GET', url: route.url, ...(bodyFor(route.method) ? { payload: bodyFor(route.method) } : {}) });
      expect(response.statusCode, `${route.method} ${route.path}`).toBe(401);
    }
  });

  for (const via of ['session', 'api-token'] as const) {
    it(`lets each role through exactly where the table allows it (${via})`, async () => {
      const mismatches: string[] = [];
      for (const route of protectedRoutes()) {
        for (const role of roles) {
          const allowed = roleMay(role, route.permission as Permission);
          if (allowed && ONLY_REFUSALS.has(`${route.method} ${route.path}`)) continue;
          const credential = credentials.get(role)!;
          const headers: Record<string, string> =
            via === 'session' ? { cookie: credential.cookie, 'x-csrf-token': credential.csrfToken } : { authorization: `Bearer ${credential.bearer}` };
          const payload = bodyFor(route.method);
          const response = await t.hub.http.inject({ method: route.method as 'GET', url: route.url, headers, ...(payload ? { payload } : {}) });
          const refused = response.statusCode === 401 || response.statusCode === 403;
          if (allowed && refused) mismatches.push(`${role} refused ${response.statusCode} by ${route.method} ${route.path} (${route.permission}): ${response.body}`);
          if (!allowed && (response.statusCode !== 403 || response.body !== '{"error":"forbidden"}')) {
            mismatches.push(`${role} not refused by ${route.method} ${route.path} (${route.permission}): ${response.statusCode} ${response.body.slice(0, 200)}`);
          }
        }
      }
      expect(mismatches).toEqual([]);
    }, 60_000);
  }
});
