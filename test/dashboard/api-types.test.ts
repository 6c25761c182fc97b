import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { API_TYPES_FILE, dashboardApiTypes } from '../support/dashboard-api-types.js';

it('the dashboard is typed against the API the hub declares today (run `npm run api-types` after changing a route)', async () => {
  const current = readFileSync(API_TYPES_FILE, 'utf8');
  expect(current === (await dashboardApiTypes()), `${API_TYPES_FILE} is stale: run npm run api-types`).toBe(true);
});
