import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHomeHub, type HomeHub } from './home-fixture.js';

/** GET /api/audit: who did what, filtered and paged, with names while accounts exist (issue 5, item 7). */
let t: HomeHub;
let first: number;

beforeAll(async () => {
  t = await startHomeHub();
  first = t.clock.now() + 60_000;
  const family = t.users.get('family')!.id;
  const carer = t.users.get('carer')!.id;
  for (let i = 0; i < 5; i++) t.hub.store.audit.append({ at: first + i * 60_000, userId: i % 2 === 0 ? family : carer, action: 'location.viewed', target: 'positions', details: { fixes: i } });
  t.hub.store.audit.append({ at: first + 10 * 60_000, userId: 424242, action: 'household.replaced', target: 'household', details: { revision: 9 } });
}, 60_000);

afterAll(async () => {
  await t?.stop();
});

interface AuditPage {
  entries: Array<{ id: number; at: string; userId: number | null; userName: string | null; action: string; target: string | null; details: Record<string, unknown> }>;
  next: number | null;
}

const page = async (query: string) => {
  const response = await t.as('owner', { method: 'GET', url: `/api/audit${query}` });
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as AuditPage;
};

describe('GET /api/audit', () => {
  it('lists entries newest first with the name of who acted, and null for an account that is gone', async () => {
    const { entries } = await page('?limit=3');
    expect(entries.map((e) => e.action)).toEqual(['household.replaced', 'location.viewed', 'location.viewed']);
    expect(entries[0]).toMatchObject({ userId: 424242, userName: null, target: 'household', details: { revision: 9 }, at: new Date(first + 10 * 60_000).toISOString() });
    expect(entries[1]).toMatchObject({ userId: t.users.get('family')!.id, userName: t.users.get('family')!.name, details: { fixes: 4 } });
  });

  it('filters by action, person and time range, and pages with the next cursor', async () => {
    const carer = t.users.get('carer')!.id;
    expect((await page(`?action=location.viewed&userId=${carer}`)).entries.map((e) => e.details.fixes)).toEqual([3, 1]);
    const from = new Date(first + 60_000).toISOString();
    const to = new Date(first + 3 * 60_000).toISOString();
    expect((await page(`?from=${from}&to=${to}`)).entries.map((e) => e.details.fixes)).toEqual([2, 1]);

    const fixes: unknown[] = [];
    let next: number | null = null;
    do {
      const current: AuditPage = await page(`?action=location.viewed&limit=2${next === null ? '' : `&before=${next}`}`);
      fixes.push(...current.entries.map((e) => e.details.fixes));
      next = current.next;
    } while (next !== null);
    expect(fixes).toEqual([4, 3, 2, 1, 0]);
  });

  it('refuses bad queries with a coded error', async () => {
    for (const query of ['?limit=501', '?limit=0', '?action=drop%20table', '?from=yesterday', '?userId=abc', '?colour=red']) {
      const response = await t.as('owner', { method: 'GET', url: `/api/audit${query}` });
      expect(response.statusCode, query).toBe(400);
      expect(response.json(), query).toMatchObject({ error: 'invalid_request' });
    }
  });

  it('is the owner’s alone', async () => {
    for (const role of ['family', 'carer', 'installer', 'viewer'] as const) {
      const response = await t.bearer(role, { method: 'GET', url: '/api/audit' });
      expect(response.statusCode, role).toBe(403);
      expect(response.body).not.toContain('location.viewed');
    }
  });
});
