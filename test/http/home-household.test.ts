import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HubEvents } from '../../src/core/event-bus.js';
import { householdWith, startHomeHub, type HomeHub } from './home-fixture.js';

/** The household document over HTTP (issue 5, item 1 of the household-data slice). */
let t: HomeHub;
beforeEach(async () => {
  t = await startHomeHub();
});
afterEach(async () => {
  await t.stop();
});

const stored = () => t.hub.household.view().household;

describe('GET /api/household', () => {
  it('gives the document and its revision (also as the ETag) to the roles that read the care plan', async () => {
    for (const role of ['owner', 'family', 'carer', 'viewer'] as const) {
      const response = await t.as(role, { method: 'GET', url: '/api/household' });
      expect(response.statusCode, role).toBe(200);
      const body = response.json() as { household: { person: { name: string } }; revision: number; updatedAt: string };
      expect(body.household.person.name).toBe('Margaret');
      expect(body.revision).toBe(1);
      expect(response.headers.etag).toBe('"1"');
      expect(body.updatedAt).toBe(new Date(t.clock.now()).toISOString());
    }
  });

  it('refuses the installer, who sees no location or profile', async () => {
    const response = await t.as('installer', { method: 'GET', url: '/api/household' });
    expect(response.statusCode).toBe(403);
    expect(response.body).not.toContain('Margaret');
  });
});

describe('PUT /api/household', () => {
  it('replaces the document against the revision it was edited from, audits and announces it', async () => {
    const changes: Array<HubEvents['householdChanged']> = [];
    t.hub.bus.on('householdChanged', 'test', (event) => changes.push(event));
    const edited = householdWith((h) => {
      h.home.name = "Margaret's flat";
    });
    const response = await t.as('owner', { method: 'PUT', url: '/api/household', headers: { 'if-match': '"1"' }, payload: edited });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ revision: 2 });
    expect(response.headers.etag).toBe('"2"');
    expect(stored().home.name).toBe("Margaret's flat");
    expect(changes.map((c) => c.revision)).toEqual([2]);
    expect(t.audited('household.replaced')).toEqual([{ userId: t.users.get('owner')!.id, target: 'household', details: { revision: 2, from: 1 } }]);
  });

  it('refuses a stale revision with 409 and the current one, so two editors do not overwrite each other', async () => {
    const first = householdWith((h) => (h.home.name = 'First edit'));
    const second = householdWith((h) => (h.home.name = 'Second edit'));
    expect((await t.as('owner', { method: 'PUT', url: '/api/household', headers: { 'if-match': '"1"' }, payload: first })).statusCode).toBe(200);
    const late = await t.as('owner', { method: 'PUT', url: '/api/household', headers: { 'if-match': '"1"' }, payload: second });
    expect(late.statusCode).toBe(409);
    expect(late.json()).toMatchObject({ error: 'revision_stale', revision: 2 });
    expect(stored().home.name).toBe('First edit');
  });

  it('needs If-Match (428), and refuses one that names no revision', async () => {
    const missing = await t.as('owner', { method: 'PUT', url: '/api/household', payload: householdWith() });
    expect(missing.statusCode).toBe(428);
    expect(missing.json()).toMatchObject({ error: 'if_match_required' });
    const garbled = await t.as('owner', { method: 'PUT', url: '/api/household', headers: { 'if-match': 'yesterday' }, payload: householdWith() });
    expect(garbled.statusCode).toBe(400);
    expect(garbled.json()).toMatchObject({ error: 'invalid_if_match' });
    expect(t.revision()).toBe(1);
  });

  it('names the field of a document that breaks the schema, and changes nothing', async () => {
    const bad = householdWith((h) => {
      (h.devices![0] as { exti?: boolean }).exti = true;
    });
    const response = await t.as('owner', { method: 'PUT', url: '/api/household', headers: { 'if-match': '"1"' }, payload: bad });
    expect(response.statusCode).toBe(400);
    const body = response.json() as { error: string; detail: string; problems: Array<{ path: string }> };
    expect(body.error).toBe('invalid_request');
    expect(body.problems[0]?.path).toBe('/devices/0/exti');
    expect(body.detail).toContain('/devices/0/exti');
    expect(t.revision()).toBe(1);
  });

  it('lists every problem a schema cannot see (a bad time zone, a missing bridge) by path, and changes nothing', async () => {
    const bad = householdWith((h) => {
      h.home.timezone = 'Europe/Atlantis';
      h.devices![1]!.bridge = 'zigbee';
    });
    const response = await t.as('owner', { method: 'PUT', url: '/api/household', headers: { 'if-match': '"1"' }, payload: bad });
    expect(response.statusCode).toBe(400);
    const body = response.json() as { error: string; problems: Array<{ path: string }> };
    expect(body.error).toBe('household_invalid');
    expect(body.problems.map((p) => p.path)).toEqual(expect.arrayContaining(['/home/timezone', '/devices/1/bridge']));
    expect(t.revision()).toBe(1);
    expect(stored().home.timezone).toBe('Europe/London');
  });

  it('is the owner’s alone', async () => {
    for (const role of ['family', 'carer', 'installer', 'viewer'] as const) {
      const response = await t.as(role, { method: 'PUT', url: '/api/household', headers: { 'if-match': '"1"' }, payload: householdWith((h) => (h.home.name = role)) });
      expect(response.statusCode, role).toBe(403);
    }
    expect(stored().home.name).toBe('Test home');
  });
});

describe('PUT /api/household/person', () => {
  const profile = { description: 'Grey coat, red scarf', routines: ['Up around 7'], triggers: ['Loud noises'], calming: ['Her garden'], likelyPlaces: ["St Mary's church", 'The bakery'] };

  it('lets those who care for her keep the profile current; her name stays; audited by field', async () => {
    for (const role of ['owner', 'family', 'carer'] as const) {
      const response = await t.as(role, { method: 'PUT', url: '/api/household/person', payload: { ...profile, calming: [`Tea, says ${role}`] } });
      expect(response.statusCode, response.body).toBe(200);
      expect((response.json() as { person: { calming: string[] } }).person.calming).toEqual([`Tea, says ${role}`]);
    }
    expect(stored().person).toEqual({ name: 'Margaret', ...profile, calming: ['Tea, says carer'] });
    const entries = t.audited('household.profile-changed');
    expect(entries).toHaveLength(3);
    expect(entries[0]!.details.fields).toEqual(['description', 'routines', 'triggers', 'calming', 'likelyPlaces']);
    expect(entries[2]).toMatchObject({ userId: t.users.get('carer')!.id, details: { fields: ['calming'] } });
  });

  it('refuses the viewer and the installer', async () => {
    for (const role of ['viewer', 'installer'] as const) {
      expect((await t.as(role, { method: 'PUT', url: '/api/household/person', payload: profile })).statusCode, role).toBe(403);
    }
    expect(stored().person.calming).toBeUndefined();
  });

  it('refuses a stale If-Match, and a profile that tries to rename her', async () => {
    t.hub.household.update((h) => ({ ...h, home: { ...h.home, name: 'moved on' } }));
    const stale = await t.as('carer', { method: 'PUT', url: '/api/household/person', headers: { 'if-match': '1' }, payload: profile });
    expect(stale.statusCode).toBe(409);
    const renamed = await t.as('carer', { method: 'PUT', url: '/api/household/person', payload: { ...profile, name: 'Maggie' } });
    expect(renamed.statusCode).toBe(400);
    expect(renamed.json()).toMatchObject({ error: 'invalid_request', problems: [{ path: '/name', message: 'is not a known field' }] });
    expect(stored().person).toEqual(householdWith().person);
  });
});

describe('PUT /api/household/zones', () => {
  it('replaces the zones for the owner, audited, and refuses the other roles', async () => {
    const zones = [
      { id: 'home', name: 'Home', lat: 51.5072, lon: -0.1276, radiusM: 200 },
      { id: 'church', name: "St Mary's", lat: 51.51, lon: -0.13, radiusM: 80 },
    ];
    for (const role of ['family', 'carer', 'viewer', 'installer'] as const) {
      expect((await t.as(role, { method: 'PUT', url: '/api/household/zones', payload: { zones } })).statusCode, role).toBe(403);
    }
    const response = await t.as('owner', { method: 'PUT', url: '/api/household/zones', headers: { 'if-match': '"1"' }, payload: { zones } });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ revision: 2, zones });
    expect(stored().zones).toEqual(zones);
    expect(t.audited('household.zones-changed')[0]?.details).toEqual({ revision: 2, zones: ['home', 'church'] });
  });

  it('refuses a body over the limit (413) before reading it, and keeps the old zones', async () => {
    const zones = Array.from({ length: 50 }, (_, i) => ({ id: `z${i}`, name: 'x'.repeat(200), lat: 51.5, lon: -0.12, polygon: Array.from({ length: 150 }, () => [51.5123456, -0.1234567]) }));
    const response = await t.as('owner', { method: 'PUT', url: '/api/household/zones', payload: { zones } });
    expect(response.statusCode).toBe(413);
    expect(stored().zones).toEqual(householdWith().zones);
  });

  it('refuses a zone that is neither a circle nor a polygon, naming it, and keeps the old zones', async () => {
    const response = await t.as('owner', { method: 'PUT', url: '/api/household/zones', payload: { zones: [{ id: 'home', name: 'Home', lat: 51.5, lon: -0.12 }] } });
    expect(response.statusCode).toBe(400);
    expect((response.json() as { problems: Array<{ path: string }> }).problems[0]?.path).toBe('/zones/0');
    expect(stored().zones).toEqual(householdWith().zones);
  });
});
