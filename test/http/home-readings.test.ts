import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../../src/core/readings.js';
import { startHomeHub, type HomeHub } from './home-fixture.js';

/** Reading history and positions over HTTP: paged newest first, and every view of positions audited. */
let t: HomeHub;
const MIN = 60_000;
let t0: number;

beforeAll(async () => {
  t = await startHomeHub();
  t0 = t.clock.now();
  const door = (deviceId: string, minutesAgo: number, open: boolean): Reading => ({ kind: 'door', deviceId, at: t0 - minutesAgo * MIN, atFromDevice: true, open });
  const fix = (minutesAgo: number, lat: number): Reading => ({ kind: 'position', deviceId: 'mum-phone', at: t0 - minutesAgo * MIN, atFromDevice: true, lat, lon: -0.1276, accuracyM: 10 });
  t.ingest([
    door('front-door', 50, true),
    door('front-door', 49, false),
    door('back-door', 30, true),
    door('back-door', 29, false),
    // Two doors in the same millisecond: a page boundary must not split or repeat them.
    door('front-door', 10, true),
    door('back-door', 10, true),
    door('front-door', 5, false),
    { kind: 'pillbox', deviceId: 'pillbox', at: t0 - 20 * MIN, atFromDevice: true, compartment: 1, open: true },
    fix(40, 51.5072),
    fix(20, 51.5074),
    fix(2, 51.5172),
  ]);
  // An old fix, outside the default range of a day.
  t.ingest([{ kind: 'position', deviceId: 'mum-phone', at: t0 - 3 * 86_400_000, atFromDevice: true, lat: 51.5, lon: -0.12 }]);
}, 60_000);

afterAll(async () => {
  await t?.stop();
});

interface DoorPage {
  readings: Array<{ deviceId: string; at: string; open: boolean }>;
  next: string | null;
}

describe('GET /api/readings/doors', () => {
  it('pages door readings newest first, across doors, without splitting readings of the same millisecond', async () => {
    const seen: string[] = [];
    let before: string | null = null;
    let pages = 0;
    do {
      const url: string = `/api/readings/doors?limit=2${before ? `&before=${encodeURIComponent(before)}` : ''}`;
      const response = await t.as('viewer', { method: 'GET', url });
      expect(response.statusCode, response.body).toBe(200);
      const page = response.json() as DoorPage;
      expect(page.readings.length).toBeLessThanOrEqual(2);
      seen.push(...page.readings.map((r) => `${r.deviceId}@${(t0 - Date.parse(r.at)) / MIN}:${r.open ? 'open' : 'closed'}`));
      before = page.next;
      pages++;
    } while (before !== null && pages < 10);
    expect(seen).toEqual([
      'front-door@5:closed',
      'front-door@10:open',
      'back-door@10:open',
      'back-door@29:closed',
      'back-door@30:open',
      'front-door@49:closed',
      'front-door@50:open',
    ]);
  });

  it('narrows to one door and a time range', async () => {
    const from = new Date(t0 - 35 * MIN).toISOString();
    const to = new Date(t0 - 10 * MIN).toISOString();
    const page = (await t.as('carer', { method: 'GET', url: `/api/readings/doors?deviceId=back-door&from=${from}&to=${to}` })).json() as DoorPage;
    expect(page.readings.map((r) => r.at)).toEqual([new Date(t0 - 29 * MIN).toISOString(), new Date(t0 - 30 * MIN).toISOString()]);
    expect(page.next).toBeNull();
  });

  it('refuses bad queries with a clear code: an unknown door, a backwards range, a limit too large, an unknown field', async () => {
    const unknown = await t.as('owner', { method: 'GET', url: '/api/readings/doors?deviceId=garage' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error: 'device_unknown' });
    const backwards = await t.as('owner', { method: 'GET', url: `/api/readings/doors?from=${new Date(t0).toISOString()}&to=${new Date(t0 - MIN).toISOString()}` });
    expect(backwards.json()).toMatchObject({ error: 'invalid_range' });
    const huge = await t.as('owner', { method: 'GET', url: '/api/readings/doors?limit=5001' });
    expect(huge.statusCode).toBe(400);
    expect(huge.json()).toMatchObject({ error: 'invalid_request', problems: [{ path: '/limit' }] });
    expect((await t.as('owner', { method: 'GET', url: '/api/readings/doors?from=yesterday' })).statusCode).toBe(400);
    expect((await t.as('owner', { method: 'GET', url: '/api/readings/doors?colour=red' })).statusCode).toBe(400);
    expect((await t.as('owner', { method: 'GET', url: '/api/readings/doors?before=not-a-cursor' })).statusCode).toBe(400);
  });

  it('is refused to the installer, who sees no door history', async () => {
    expect((await t.as('installer', { method: 'GET', url: '/api/readings/doors' })).statusCode).toBe(403);
    expect((await t.as('installer', { method: 'GET', url: '/api/readings/pillbox' })).statusCode).toBe(403);
  });
});

describe('GET /api/readings/pillbox', () => {
  it('lists pill-box readings', async () => {
    const page = (await t.as('family', { method: 'GET', url: '/api/readings/pillbox' })).json() as { readings: unknown[] };
    expect(page.readings).toEqual([{ deviceId: 'pillbox', at: new Date(t0 - 20 * MIN).toISOString(), compartment: 1, open: true }]);
  });
});

describe('GET /api/positions', () => {
  it('returns fixes newest first and writes one location.viewed entry per call: who, which devices, which range, how many', async () => {
    const before = t.audited('location.viewed').length;
    const response = await t.as('family', { method: 'GET', url: '/api/positions?limit=2' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const page = response.json() as { positions: Array<{ at: string; lat: number; accuracyM: number }>; next: string | null };
    expect(page.positions.map((p) => p.lat)).toEqual([51.5172, 51.5074]);
    expect(page.positions[0]).toEqual({ deviceId: 'mum-phone', at: new Date(t0 - 2 * MIN).toISOString(), lat: 51.5172, lon: -0.1276, accuracyM: 10 });
    expect(page.next).not.toBeNull();
    const entries = t.audited('location.viewed');
    expect(entries).toHaveLength(before + 1);
    expect(entries.at(-1)).toEqual({
      userId: t.users.get('family')!.id,
      target: 'positions',
      details: { via: 'history', devices: ['mum-phone'], from: new Date(t0 + 1 - 86_400_000).toISOString(), to: new Date(t0 + 1).toISOString(), fixes: 2 },
    });

    const older = (await t.bearer('family', { method: 'GET', url: `/api/positions?limit=2&before=${encodeURIComponent(page.next!)}` })).json() as { positions: unknown[]; next: string | null };
    expect(older.positions).toHaveLength(1);
    expect(older.next).toBeNull();
    expect(t.audited('location.viewed')).toHaveLength(before + 2);
  });

  it('reaches further back with from, and audits a view that found nothing too', async () => {
    const before = t.audited('location.viewed').length;
    const from = new Date(t0 - 4 * 86_400_000).toISOString();
    const all = (await t.as('owner', { method: 'GET', url: `/api/positions?deviceId=mum-phone&from=${from}` })).json() as { positions: unknown[] };
    expect(all.positions).toHaveLength(4);
    const empty = (await t.as('owner', { method: 'GET', url: `/api/positions?from=${from}&to=${new Date(t0 - 3.5 * 86_400_000).toISOString()}` })).json() as { positions: unknown[] };
    expect(empty.positions).toEqual([]);
    const entries = t.audited('location.viewed').slice(before);
    expect(entries.map((e) => e.details.fixes)).toEqual([4, 0]);
  });

  it('never shows the installer a position, and a refused request is not a view', async () => {
    const before = t.audited('location.viewed').length;
    for (const url of ['/api/positions', '/api/positions/latest']) {
      const response = await t.as('installer', { method: 'GET', url });
      expect(response.statusCode).toBe(403);
      expect(response.body).not.toContain('51.5');
    }
    expect(t.audited('location.viewed')).toHaveLength(before);
  });

  it('refuses a deviceId that is not a tracker', async () => {
    expect((await t.as('owner', { method: 'GET', url: '/api/positions?deviceId=front-door' })).statusCode).toBe(404);
  });
});

describe('GET /api/positions/latest', () => {
  it('says where she is now: the last fix, outside which zone by how far, and the distance from home; audited', async () => {
    const before = t.audited('location.viewed').length;
    const response = await t.as('viewer', { method: 'GET', url: '/api/positions/latest' });
    expect(response.statusCode).toBe(200);
    const { trackers } = response.json() as { trackers: Array<Record<string, unknown>> };
    expect(trackers).toHaveLength(1);
    expect(trackers[0]).toMatchObject({ deviceId: 'mum-phone', name: "Margaret's phone", at: new Date(t0 - 2 * MIN).toISOString(), lat: 51.5172, zone: null });
    // 0.01° of latitude is about 1,112 m from home; the zone's edge is 150 m out.
    expect(trackers[0]?.fromHomeM).toBeGreaterThan(1100);
    expect(trackers[0]?.fromHomeM).toBeLessThan(1125);
    expect(trackers[0]?.nearestZone).toEqual({ id: 'home', name: 'Home', beyondM: (trackers[0]?.fromHomeM as number) - 150 });
    expect(t.audited('location.viewed').slice(before)).toEqual([
      { userId: t.users.get('viewer')!.id, target: 'positions', details: { via: 'latest', devices: ['mum-phone'], from: new Date(t0 - 2 * MIN).toISOString(), to: new Date(t0 - 2 * MIN).toISOString(), fixes: 1 } },
    ]);
  });

  it('names the zone she is in', async () => {
    t.ingest([{ kind: 'position', deviceId: 'mum-phone', at: t0 - MIN, atFromDevice: true, lat: 51.5073, lon: -0.1276, accuracyM: 5 }]);
    const { trackers } = (await t.as('carer', { method: 'GET', url: '/api/positions/latest' })).json() as { trackers: Array<Record<string, unknown>> };
    expect(trackers[0]).toMatchObject({ zone: { id: 'home', name: 'Home' }, nearestZone: null });
    expect(trackers[0]?.fromHomeM).toBeLessThan(20);
  });
});
