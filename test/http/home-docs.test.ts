import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAccountsHub, type AccountsHub } from '../accounts/accounts-hub.js';

/** The household-data routes in the OpenAPI document (/api/docs), from the same schemas that validate them. */
let t: AccountsHub;
let paths: Record<string, Record<string, { summary?: string; tags?: string[]; description?: string; responses: Record<string, unknown> }>>;

beforeAll(async () => {
  t = await startAccountsHub();
  paths = ((await t.hub.http.inject({ method: 'GET', url: '/api/docs' })).json() as { paths: typeof paths }).paths;
});
afterAll(async () => {
  await t?.stop();
});

const homeRoutes: Array<[string, string, string]> = [
  ['get', '/api/household', 'household.read'],
  ['put', '/api/household', 'household.write'],
  ['put', '/api/household/person', 'profile.write'],
  ['put', '/api/household/zones', 'household.write'],
  ['get', '/api/devices', 'devices.read'],
  ['get', '/api/devices/discovered', 'devices.manage'],
  ['post', '/api/devices', 'devices.manage'],
  ['put', '/api/devices/{id}', 'devices.manage'],
  ['delete', '/api/devices/{id}', 'devices.manage'],
  ['get', '/api/devices/{id}/credentials', 'devices.manage'],
  ['get', '/api/bridges', 'devices.read'],
  ['post', '/api/bridges', 'devices.manage'],
  ['put', '/api/bridges/{id}', 'devices.manage'],
  ['delete', '/api/bridges/{id}', 'devices.manage'],
  ['get', '/api/bridges/{id}/credentials', 'devices.manage'],
  ['get', '/api/readings/doors', 'readings.read'],
  ['get', '/api/readings/pillbox', 'readings.read'],
  ['get', '/api/positions', 'positions.read'],
  ['get', '/api/positions/latest', 'positions.read'],
  ['get', '/api/medication', 'medication.read'],
  ['put', '/api/medication', 'medication.write'],
  ['get', '/api/medication/adherence', 'medication.read'],
  ['post', '/api/medication/doses', 'medication.write'],
  ['get', '/api/privacy/retention', 'household.read'],
  ['put', '/api/privacy/retention', 'privacy.manage'],
  ['get', '/api/privacy/export', 'privacy.manage'],
  ['get', '/api/privacy/export/{dataset}.csv', 'privacy.manage'],
  ['post', '/api/privacy/erase', 'privacy.manage'],
  ['get', '/api/audit', 'audit.read'],
];

describe('OpenAPI document', () => {
  it.each(homeRoutes)('%s %s: permission %s, a summary, a tag, a success and the refusals', (method, path, permission) => {
    const operation = paths[path]?.[method];
    expect(operation, `${method} ${path}`).toBeDefined();
    expect(operation?.description).toContain(`Permission: \`${permission}\``);
    expect(operation?.summary).toBeTruthy();
    expect(operation?.tags?.length).toBeGreaterThan(0);
    const statuses = Object.keys(operation?.responses ?? {});
    expect(statuses.some((s) => s.startsWith('2'))).toBe(true);
    expect(statuses).toEqual(expect.arrayContaining(['401', '403']));
  });
});
