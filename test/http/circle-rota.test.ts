import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCircleHub, type CircleHub, type SignedIn } from '../circle/circle-hub.js';

/**
 * The on-call rota over HTTP (issue 6, item 2): shifts (rota.manage), covers and swaps (rota.swap),
 * who is on call now (circle.read), away members skipped. The hub's clock starts Monday
 * 5 January 2026, 09:00 GMT; the household is in Europe/London.
 */
let t: CircleHub;
let olivia: SignedIn; // owner
let anna: SignedIn; // family: arranges the rota, nights
let ben: SignedIn; // family: weekends
let cara: SignedIn; // carer: weekdays by day
let dora: SignedIn; // carer
let ivan: SignedIn; // installer
let vera: SignedIn; // viewer
let events: string[];

beforeEach(async () => {
  t = await startCircleHub();
  olivia = await t.join('Olivia', 'owner');
  anna = await t.join('Anna', 'family');
  ben = await t.join('Ben', 'family');
  cara = await t.join('Cara', 'carer');
  dora = await t.join('Dora', 'carer');
  ivan = await t.join('Ivan', 'installer');
  vera = await t.join('Vera', 'viewer');
  events = [];
  t.hub.bus.on('circleChanged', 'test', ({ what }) => events.push(what));
});

afterEach(async () => {
  await t.stop();
});

const everyDay = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

async function addShift(by: SignedIn, shift: Record<string, unknown>): Promise<number> {
  const response = await t.as(by, 'POST', '/api/rota/shifts', shift);
  if (response.statusCode !== 201) throw new Error(`shift: ${response.statusCode} ${response.body}`);
  return (response.json() as { id: number }).id;
}

async function theUsualRota() {
  return {
    days: await addShift(anna, { userId: cara.id, days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '07:00', end: '22:00' }),
    nights: await addShift(anna, { userId: anna.id, days: everyDay, start: '22:00', end: '07:00' }),
    weekends: await addShift(anna, { userId: ben.id, days: ['sat', 'sun'], start: '07:00', end: '22:00' }),
    backup: await addShift(olivia, { userId: olivia.id, days: everyDay, start: '00:00', end: '00:00', tier: 2 }),
  };
}

const onCallAt = async (who: SignedIn, iso: string) => ((await t.as(who, 'GET', `/api/rota?at=${encodeURIComponent(iso)}`)).json() as { onCall: unknown }).onCall;

describe('shifts', () => {
  it('are arranged by the owner and family, and shown to the circle with who is on call now', async () => {
    const ids = await theUsualRota();
    const response = await t.as(vera, 'GET', '/api/rota');
    expect(response.statusCode).toBe(200);
    const rota = response.json() as { timezone: string; at: string; shifts: unknown[]; covers: unknown[]; onCall: unknown };
    expect(rota.timezone).toBe('Europe/London');
    expect(rota.at).toBe('2026-01-05T09:00:00.000Z');
    expect(rota.onCall).toEqual([
      { tier: 1, userIds: [cara.id] },
      { tier: 2, userIds: [olivia.id] },
    ]);
    expect(rota.shifts).toContainEqual({ id: ids.nights, userId: anna.id, days: everyDay, start: '22:00', end: '07:00', tier: 1, overnight: true });
    expect(rota.shifts).toContainEqual({ id: ids.days, userId: cara.id, days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '07:00', end: '22:00', tier: 1, overnight: false });
    expect(await onCallAt(cara, '2026-01-06T02:00:00Z')).toEqual([{ tier: 1, userIds: [anna.id] }, { tier: 2, userIds: [olivia.id] }]);
    expect(await onCallAt(cara, '2026-01-10T12:00:00Z')).toEqual([{ tier: 1, userIds: [ben.id] }, { tier: 2, userIds: [olivia.id] }]);
    expect(t.auditActions().filter((action) => action === 'rota.shift-added')).toHaveLength(4);
    expect(events).toEqual(['rota', 'rota', 'rota', 'rota']);
  });

  it('hand over at 07:00 on the clock across the spring DST change', async () => {
    await theUsualRota();
    expect(await onCallAt(anna, '2026-03-29T05:59:00Z')).toEqual([{ tier: 1, userIds: [anna.id] }, { tier: 2, userIds: [olivia.id] }]);
    expect(await onCallAt(anna, '2026-03-29T06:00:00Z')).toEqual([{ tier: 1, userIds: [ben.id] }, { tier: 2, userIds: [olivia.id] }]);
  });

  it('cannot be arranged by carers, installers or viewers; the rota is not for installers to read', async () => {
    for (const caller of [cara, ivan, vera]) {
      const response = await t.as(caller, 'POST', '/api/rota/shifts', { userId: cara.id, days: ['mon'], start: '07:00', end: '22:00' });
      expect(response.statusCode, caller.role).toBe(403);
      expect(response.json()).toEqual({ error: 'forbidden' });
    }
    expect(t.hub.store.rota.shifts()).toEqual([]);
    expect((await t.as(ivan, 'GET', '/api/rota')).statusCode).toBe(403);
  });

  it('refuses bad shifts with a coded error and stores nothing', async () => {
    const nights = await addShift(anna, { userId: anna.id, days: everyDay, start: '22:00', end: '07:00' });
    const good = { userId: cara.id, days: ['mon'], start: '07:00', end: '22:00', tier: 1 };
    for (const [change, status, code] of [
      [{ start: '24:00' }, 400, 'invalid_request'],
      [{ end: '7:00' }, 400, 'invalid_request'],
      [{ days: [] }, 400, 'invalid_request'],
      [{ days: ['monday'] }, 400, 'invalid_request'],
      [{ days: ['mon', 'mon'] }, 400, 'invalid_request'],
      [{ tier: 6 }, 400, 'invalid_request'],
      [{ note: 'hello' }, 400, 'invalid_request'],
      [{ userId: 4242 }, 404, 'member_not_found'],
      [{ userId: ivan.id }, 400, 'member_cannot_be_on_call'],
      [{ userId: vera.id }, 400, 'member_cannot_be_on_call'],
      // Anna is on nights every day: a Monday evening shift of hers would overlap, even in another tier.
      [{ userId: anna.id, start: '18:00', end: '23:00', tier: 2 }, 409, 'shift_overlaps'],
      [{ userId: anna.id, days: ['tue'], start: '06:00', end: '08:00' }, 409, 'shift_overlaps'],
    ] as const) {
      const response = await t.as(anna, 'POST', '/api/rota/shifts', { ...good, ...change });
      expect(response.statusCode, JSON.stringify(change)).toBe(status);
      expect(response.json(), JSON.stringify(change)).toMatchObject({ error: code, detail: expect.any(String) });
    }
    expect(t.hub.store.rota.shifts().map((shift) => shift.id)).toEqual([nights]);
    // Right after the night shift ends is no overlap.
    expect((await t.as(anna, 'POST', '/api/rota/shifts', { ...good, userId: anna.id, start: '07:00', end: '22:00' })).statusCode).toBe(201);
  });

  it('are changed and removed (with their covers) by rota.manage', async () => {
    const nights = await addShift(anna, { userId: anna.id, days: everyDay, start: '22:00', end: '07:00' });
    const days = await addShift(anna, { userId: cara.id, days: ['mon'], start: '07:00', end: '22:00' });
    const changed = await t.as(olivia, 'PATCH', `/api/rota/shifts/${nights}`, { end: '06:00', days: ['sun', 'mon'] });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toEqual({ id: nights, userId: anna.id, days: ['mon', 'sun'], start: '22:00', end: '06:00', tier: 1, overnight: true });
    const clash = await t.as(olivia, 'PATCH', `/api/rota/shifts/${days}`, { userId: anna.id, end: '23:00' });
    expect(clash.statusCode).toBe(409);
    expect(t.hub.store.rota.shiftById(days)?.userId).toBe(cara.id);
    expect((await t.as(olivia, 'PATCH', `/api/rota/shifts/${days}`, {})).statusCode).toBe(400);
    expect((await t.as(olivia, 'PATCH', '/api/rota/shifts/4242', { tier: 2 })).json()).toMatchObject({ error: 'shift_not_found' });
    expect((await t.as(cara, 'PATCH', `/api/rota/shifts/${days}`, { tier: 2 })).statusCode).toBe(403);

    expect((await t.as(ben, 'POST', '/api/rota/cover', { shiftId: nights, date: '2026-01-05', userId: ben.id })).statusCode).toBe(201);
    expect((await t.as(cara, 'DELETE', `/api/rota/shifts/${nights}`)).statusCode).toBe(403);
    expect((await t.as(anna, 'DELETE', `/api/rota/shifts/${nights}`)).statusCode).toBe(204);
    expect(t.hub.store.rota.coversBetween('2026-01-01', '2026-12-31')).toEqual([]);
    expect((await t.as(anna, 'DELETE', `/api/rota/shifts/${nights}`)).statusCode).toBe(404);
    expect(t.auditActions()).toEqual(expect.arrayContaining(['rota.shift-changed', 'rota.shift-removed']));
  });
});

describe('covers and swaps', () => {
  it('a carer covers a shift herself: she is on call for that occurrence only', async () => {
    const { nights } = await theUsualRota();
    const response = await t.as(dora, 'POST', '/api/rota/cover', { shiftId: nights, date: '2026-01-05', userId: dora.id });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({ id: expect.any(Number), shiftId: nights, date: '2026-01-05', userId: dora.id, createdBy: dora.id, createdAt: '2026-01-05T09:00:00.000Z' });
    expect(await onCallAt(anna, '2026-01-06T02:00:00Z')).toEqual([{ tier: 1, userIds: [dora.id] }, { tier: 2, userIds: [olivia.id] }]);
    expect(await onCallAt(anna, '2026-01-07T02:00:00Z')).toEqual([{ tier: 1, userIds: [anna.id] }, { tier: 2, userIds: [olivia.id] }]);
    expect((await t.as(vera, 'GET', '/api/rota')).json().covers).toEqual([response.json()]);
    expect(t.auditActions()).toContain('rota.cover-added');
    expect(events.at(-1)).toBe('rota');
  });

  it('a carer hands on her own shift, but not someone else’s; the family arranges any', async () => {
    const { days, nights } = await theUsualRota();
    expect((await t.as(cara, 'POST', '/api/rota/cover', { shiftId: days, date: '2026-01-06', userId: dora.id })).statusCode).toBe(201);
    const notHers = await t.as(cara, 'POST', '/api/rota/cover', { shiftId: nights, date: '2026-01-06', userId: ben.id });
    expect(notHers.statusCode).toBe(403);
    expect(notHers.json()).toMatchObject({ error: 'not_your_shift' });
    expect(t.hub.store.rota.coverOf(nights, '2026-01-06')).toBeUndefined();
    expect((await t.as(anna, 'POST', '/api/rota/cover', { shiftId: days, date: '2026-01-07', userId: ben.id })).statusCode).toBe(201);
    // Someone already covers Tuesday's day shift: another carer cannot take it over; Cara (whose shift it is) may rearrange.
    const taken = await t.as(dora, 'POST', '/api/rota/cover', { shiftId: days, date: '2026-01-07', userId: dora.id });
    expect(taken.statusCode).toBe(409);
    expect(taken.json()).toMatchObject({ error: 'already_covered' });
    expect((await t.as(cara, 'POST', '/api/rota/cover', { shiftId: days, date: '2026-01-07', userId: dora.id })).statusCode).toBe(201);
    expect(t.hub.store.rota.coverOf(days, '2026-01-07')?.userId).toBe(dora.id);
  });

  it('refuses covers that make no sense, each with its code', async () => {
    const { days, weekends } = await theUsualRota();
    for (const [body, status, code] of [
      [{ shiftId: days, date: '2026-01-10', userId: dora.id }, 400, 'not_a_shift_day'], // a Saturday
      [{ shiftId: days, date: '2026-01-02', userId: dora.id }, 400, 'shift_over'],
      [{ shiftId: days, date: '2026-02-30', userId: dora.id }, 400, 'invalid_date'],
      [{ shiftId: days, date: '5 Jan', userId: dora.id }, 400, 'invalid_request'],
      [{ shiftId: days, date: '2027-03-01', userId: dora.id }, 400, 'too_far_ahead'],
      [{ shiftId: days, date: '2026-01-06', userId: cara.id }, 400, 'cover_is_shift_holder'],
      [{ shiftId: weekends, date: '2026-01-10', userId: vera.id }, 400, 'member_cannot_be_on_call'],
      [{ shiftId: 4242, date: '2026-01-06', userId: dora.id }, 404, 'shift_not_found'],
      [{ shiftId: days, date: '2026-01-06', userId: 4242 }, 404, 'member_not_found'],
    ] as const) {
      const response = await t.as(anna, 'POST', '/api/rota/cover', body);
      expect(response.statusCode, JSON.stringify(body)).toBe(status);
      expect(response.json(), JSON.stringify(body)).toMatchObject({ error: code });
    }
    // Today's day shift is under way: still coverable until it ends.
    expect((await t.as(anna, 'POST', '/api/rota/cover', { shiftId: days, date: '2026-01-05', userId: dora.id })).statusCode).toBe(201);
    expect(t.hub.store.rota.coversBetween('2026-01-01', '2027-12-31')).toHaveLength(1);
    for (const caller of [ivan, vera]) expect((await t.as(caller, 'POST', '/api/rota/cover', { shiftId: days, date: '2026-01-06', userId: caller.id })).statusCode).toBe(403);
  });

  it('are cancelled by those they concern or by rota.manage', async () => {
    const { nights } = await theUsualRota();
    const cover = (await t.as(anna, 'POST', '/api/rota/cover', { shiftId: nights, date: '2026-01-06', userId: dora.id })).json() as { id: number };
    const stranger = await t.as(cara, 'DELETE', `/api/rota/cover/${cover.id}`);
    expect(stranger.statusCode).toBe(403);
    expect(stranger.json()).toMatchObject({ error: 'not_your_shift' });
    expect((await t.as(dora, 'DELETE', `/api/rota/cover/${cover.id}`)).statusCode).toBe(204);
    expect(t.hub.store.rota.coverById(cover.id)).toBeUndefined();
    expect((await t.as(dora, 'DELETE', `/api/rota/cover/${cover.id}`)).statusCode).toBe(404);
    const again = (await t.as(cara, 'POST', '/api/rota/cover', { shiftId: nights, date: '2026-01-07', userId: cara.id })).json() as { id: number };
    expect((await t.as(ben, 'DELETE', `/api/rota/cover/${again.id}`)).statusCode).toBe(204);
    expect(t.auditActions()).toContain('rota.cover-removed');
  });
});

describe('away', () => {
  it('skips an away member: the next tier answers, and she is back when the spell ends', async () => {
    await theUsualRota();
    expect((await t.as(anna, 'PUT', '/api/me/away', { from: '2026-01-05T20:00:00Z', until: '2026-01-06T12:00:00+00:00' })).statusCode).toBe(200);
    expect(await onCallAt(ben, '2026-01-06T02:00:00Z')).toEqual([{ tier: 2, userIds: [olivia.id] }]);
    expect(await onCallAt(ben, '2026-01-06T23:00:00Z')).toEqual([{ tier: 1, userIds: [anna.id] }, { tier: 2, userIds: [olivia.id] }]);
    expect((await t.as(anna, 'DELETE', '/api/me/away')).statusCode).toBe(204);
    expect(await onCallAt(ben, '2026-01-06T02:00:00Z')).toEqual([{ tier: 1, userIds: [anna.id] }, { tier: 2, userIds: [olivia.id] }]);
  });
});

describe('GET /api/rota queries', () => {
  it('refuses a bad instant or range with a coded error', async () => {
    for (const [query, code] of [
      ['at=yesterday', 'invalid_time'],
      ['at=2026-01-05T09:00:00', 'invalid_time'], // no offset: whose 09:00?
      ['from=2026-02-30', 'invalid_date'],
      ['from=2026-03-01&to=2026-02-01', 'invalid_range'],
      ['from=2026-01-01&to=2027-06-01', 'range_too_long'],
      ['from=January', 'invalid_request'],
      ['colour=blue', 'invalid_request'],
    ]) {
      const response = await t.as(vera, 'GET', `/api/rota?${query}`);
      expect(response.statusCode, query).toBe(400);
      expect(response.json(), query).toMatchObject({ error: code });
    }
  });
});
