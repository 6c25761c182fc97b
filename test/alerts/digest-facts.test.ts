import { afterEach, describe, expect, it } from 'vitest';
import { careDateAt, careDay, wokeSomeone } from '../../src/alerts/digest-facts.js';
import type { Household } from '../../src/core/household.js';
import type { Reading } from '../../src/core/readings.js';
import { door, fix, startCareHub, type CareHub } from '../http/care-hub.js';

/**
 * The facts of a day (issue 6, item 7), gathered from what a real hub stored: readings committed
 * through its group commit, alerts raised by its real rules on its manual clock, acknowledgements and
 * care notes through the API. Europe/London, so the DST days are real ones.
 */
const at = (iso: string) => Date.parse(iso);
const LONDON = 'Europe/London';
const NIGHT = { start: '22:00', end: '07:00' };

// A safe zone around the home, and a place 2 km away (the shop, the church).
const HOME = { lat: 51.5072, lon: -0.1276 };
const AWAY = { lat: 51.5252, lon: -0.1276 };

function household(options: { medication?: boolean; tracker?: boolean } = {}): Household {
  return {
    home: { name: "Mum's house", timezone: LONDON, lat: HOME.lat, lon: HOME.lon },
    person: { name: 'Margaret' },
    zones: [{ id: 'home', name: 'Home', lat: HOME.lat, lon: HOME.lon, radiusM: 150 }],
    devices: [
      { id: 'front-door', name: 'Front door', kind: 'door', source: 'native', exit: true },
      { id: 'back-door', name: 'Back door', kind: 'door', source: 'native', exit: true },
      { id: 'garden-door', name: 'Garden door', kind: 'door', source: 'native' },
      { id: 'pillbox', name: 'Pill box', kind: 'pillbox', source: 'native', compartments: 3 },
      ...(options.tracker === false ? [] : [{ id: 'mum-phone', name: "Margaret's phone", kind: 'tracker' as const, source: 'native' as const }]),
    ],
    rules: {
      night: NIGHT,
      doorOpenTooLong: '10m',
      ...(options.medication === false
        ? {}
        : {
            medication: [
              { name: 'Morning tablets', at: '08:00', window: '60m', compartment: 1 },
              { name: 'Lunchtime tablets', at: '13:00', window: '60m', compartment: 2 },
              { name: 'Evening tablets', at: '18:00', window: '60m', compartment: 3 },
            ],
          }),
    },
  };
}

function lid(compartment: number, when: number, open: boolean, battery?: number): Reading {
  return { kind: 'pillbox', deviceId: 'pillbox', at: when, atFromDevice: false, compartment, open, ...(battery === undefined ? {} : { battery }) };
}

let t: CareHub | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

/** Moves the hub's clock to `iso`, commits what happened then, and lets the rules judge their deadlines. */
async function happen(hub: CareHub, iso: string, ...readings: Reading[]): Promise<void> {
  hub.clock.set(at(iso));
  if (readings.length > 0) await hub.commit(readings);
  hub.hub.engine.tick();
}

function digest(hub: CareHub, date: string) {
  return hub.hub.api.care.routes.digest?.day(date);
}

describe('the day a digest covers', () => {
  it('runs from the end of the night to the end of the next night, on the hall clock', () => {
    expect(careDay('2026-01-15', LONDON, NIGHT)).toEqual({
      date: '2026-01-15',
      from: at('2026-01-15T07:00:00Z'),
      to: at('2026-01-16T07:00:00Z'),
      wakingTo: at('2026-01-15T22:00:00Z'),
      night: { from: at('2026-01-15T22:00:00Z'), to: at('2026-01-16T07:00:00Z') },
    });
  });

  it('is 23 hours long when the clocks go forward, and 25 when they go back', () => {
    const spring = careDay('2026-03-28', LONDON, NIGHT);
    expect(spring.night).toEqual({ from: at('2026-03-28T22:00:00Z'), to: at('2026-03-29T06:00:00Z') });
    expect((spring.to - spring.from) / 3_600_000).toBe(23);
    const autumn = careDay('2026-10-24', LONDON, NIGHT);
    expect(autumn.from).toBe(at('2026-10-24T06:00:00Z'));
    expect(autumn.night).toEqual({ from: at('2026-10-24T21:00:00Z'), to: at('2026-10-25T07:00:00Z') });
    expect((autumn.to - autumn.from) / 3_600_000).toBe(25);
  });

  it('places a night that starts after midnight on the next date, and a day without a night at midnight', () => {
    const late = careDay('2026-01-15', LONDON, { start: '00:30', end: '06:00' });
    expect(late.night).toEqual({ from: at('2026-01-16T00:30:00Z'), to: at('2026-01-16T06:00:00Z') });
    expect(late.wakingTo).toBe(at('2026-01-16T00:30:00Z'));
    const none = careDay('2026-01-15', LONDON, { start: '00:00', end: '00:00' });
    expect(none).toEqual({ date: '2026-01-15', from: at('2026-01-15T00:00:00Z'), to: at('2026-01-16T00:00:00Z'), wakingTo: at('2026-01-16T00:00:00Z'), night: undefined });
  });

  it('is still yesterday until the night ends', () => {
    expect(careDateAt(at('2026-01-16T06:59:59Z'), LONDON, NIGHT)).toBe('2026-01-15');
    expect(careDateAt(at('2026-01-16T07:00:00Z'), LONDON, NIGHT)).toBe('2026-01-16');
    // 07:00 BST is 06:00 UTC once the clocks have gone forward.
    expect(careDateAt(at('2026-03-29T06:00:00Z'), LONDON, NIGHT)).toBe('2026-03-29');
  });

  it('counts a call that reached a phone as waking someone, not a follow-up or an undelivered step', () => {
    expect(wokeSomeone({ step: 0, audience: { kind: 'tier', tier: 1 }, outcomes: [{ channel: 'web-push', status: 'delivered' }] })).toBe(true);
    expect(wokeSomeone({ step: 1, outcomes: [{ channel: 'web-push', status: 'no-route' }] })).toBe(false);
    expect(wokeSomeone({ step: 2, outcomes: [] })).toBe(false);
    expect(wokeSomeone({ message: 'acknowledged', outcomes: [{ channel: 'web-push', status: 'delivered' }] })).toBe(false);
    expect(wokeSomeone({})).toBe(true);
  });
});

describe('the facts of a day, from what the hub stored', () => {
  it('tells a hard day as it was: up, doses, night exits, time out, who helped, notes, sensors', async () => {
    t = await startCareHub({ household: household() });
    const hub = t;
    await happen(hub, '2026-01-15T06:00:00Z');
    // Still the night: a garden door at 06:40 is not getting up.
    await happen(hub, '2026-01-15T06:40:00Z', door('garden-door', at('2026-01-15T06:40:00Z'), true), door('garden-door', at('2026-01-15T06:41:00Z'), false));
    await happen(hub, '2026-01-15T07:25:00Z', door('garden-door', at('2026-01-15T07:25:00Z'), true), door('garden-door', at('2026-01-15T07:26:00Z'), false));
    // Morning tablets taken, then the box opened again twenty minutes later: a possible double dose.
    await happen(hub, '2026-01-15T08:10:00Z', lid(1, at('2026-01-15T08:10:00Z'), true), lid(1, at('2026-01-15T08:11:00Z'), false));
    await happen(hub, '2026-01-15T08:30:00Z', lid(1, at('2026-01-15T08:30:00Z'), true), lid(1, at('2026-01-15T08:31:00Z'), false));
    await happen(hub, '2026-01-15T09:00:01Z');

    // Out from 10:05 until 11:40, a fix every five minutes; Anna says she is on it.
    await happen(hub, '2026-01-15T10:00:00Z', fix('mum-phone', at('2026-01-15T10:00:00Z'), HOME.lat, HOME.lon));
    for (let minute = 5; minute < 100; minute += 5) {
      const when = at('2026-01-15T10:00:00Z') + minute * 60_000;
      await happen(hub, new Date(when).toISOString(), fix('mum-phone', when, AWAY.lat, AWAY.lon));
      if (minute === 20) {
        const leftZone = hub.hub.store.alerts.raisedSince(0).find((a) => a.type === 'left-safe-zone');
        expect(leftZone).toBeDefined();
        expect((await hub.as('family', { method: 'POST', url: `/api/alerts/${leftZone?.id}/ack`, payload: {} })).statusCode).toBe(200);
      }
    }
    await happen(hub, '2026-01-15T11:40:00Z', fix('mum-phone', at('2026-01-15T11:40:00Z'), HOME.lat, HOME.lon));

    expect((await hub.as('carer', { method: 'POST', url: '/api/care-log', payload: { kind: 'visit', text: 'Lunch together, she was cheerful' } })).statusCode).toBe(201);
    // Lunchtime tablets not taken by 14:00, then taken late at 14:40; evening tablets never.
    await happen(hub, '2026-01-15T14:00:01Z');
    await happen(hub, '2026-01-15T14:40:00Z', lid(2, at('2026-01-15T14:40:00Z'), true), lid(2, at('2026-01-15T14:41:00Z'), false, 12));
    await happen(hub, '2026-01-15T19:00:01Z');

    // Two night exits: Carol answers the first, Anna the second.
    await happen(hub, '2026-01-15T23:30:00Z', door('front-door', at('2026-01-15T23:30:00Z'), true), door('front-door', at('2026-01-15T23:31:00Z'), false));
    const first = hub.hub.store.alerts.raisedSince(0).find((a) => a.type === 'night-exit');
    hub.clock.set(at('2026-01-15T23:35:00Z'));
    expect((await hub.as('carer', { method: 'POST', url: `/api/alerts/${first?.id}/ack`, payload: {} })).statusCode).toBe(200);
    await happen(hub, '2026-01-16T03:10:00Z', door('back-door', at('2026-01-16T03:10:00Z'), true), door('back-door', at('2026-01-16T03:11:00Z'), false));
    const second = hub.hub.store.alerts.raisedSince(0).find((a) => a.type === 'night-exit' && a.id !== first?.id);
    hub.clock.set(at('2026-01-16T03:12:00Z'));
    expect((await hub.as('family', { method: 'POST', url: `/api/alerts/${second?.id}/ack`, payload: {} })).statusCode).toBe(200);

    await happen(hub, '2026-01-16T08:00:00Z');
    const day = digest(hub, '2026-01-15');
    expect(day?.complete).toBe(true);
    expect(day?.facts).toEqual({
      date: '2026-01-15',
      personName: 'Margaret',
      upAt: '07:25',
      doses: { scheduled: 3, onTime: 0, late: 1, pending: 0, missed: ['Evening tablets'], double: ['Morning tablets'] },
      nightExits: 2,
      minutesOut: 95,
      handledBy: [
        { name: 'Anna', alerts: 2 },
        { name: 'Carol Carer', alerts: 1 },
      ],
      // The double dose, the lunchtime dose missed (then taken late) and the evening dose: nobody said "I'm on it".
      unacknowledged: 3,
      careNotes: 1,
      sensorProblems: ['Pill box (battery 12 %)'],
    });
    expect(day?.line).toBe(
      'Up 07:25 · 0 of 3 doses on time, 1 late, missed: Evening tablets, possible double dose: Morning tablets · 2 night exits · out for 1 h 35 min · ' +
        'Anna handled 2 alerts · Carol Carer handled 1 alert · 3 alerts nobody acknowledged · 1 care note · needs attention: Pill box (battery 12 %)',
    );
    expect(day?.title).toBe('Margaret · Thursday 15 January');

    // The next day so far: nothing opened since the night ended, the doses still due, the battery still
    // low; the phone's last fix was yesterday, which says nothing of where she is this morning.
    const today = digest(hub, '2026-01-16');
    expect(today?.complete).toBe(false);
    expect(today?.facts.minutesOut).toBeUndefined();
    expect(today?.line).toBe('no morning activity seen · 0 of 3 doses on time, 3 still due · no night exits · needs attention: Pill box (battery 12 %)');
  });

  it('names the hub itself, not "a sensor", when its storage is nearly full (issue 10)', async () => {
    t = await startCareHub({ household: household({ medication: false }) });
    await happen(t, '2026-01-15T06:00:00Z');
    const since = at('2026-01-15T12:00:00Z');
    t.hub.alerts.commit({ raise: [{ type: 'hub-storage-low', key: `hub-storage-low:${since}`, severity: 'fault', at: since, title: 'The hub’s storage is nearly full: 50 MB left', details: {} }], clear: [], doses: [] });
    await happen(t, '2026-01-16T08:00:00Z');
    expect(digest(t, '2026-01-15')?.facts.sensorProblems).toEqual(['the hub (storage nearly full)']);
  });

  it('says little on a day with nothing at all, and does not guess that she stayed home', async () => {
    t = await startCareHub({ household: household({ medication: false }) });
    await happen(t, '2026-01-15T06:00:00Z');
    for (let hour = 7; hour <= 31; hour++) await happen(t, new Date(at('2026-01-15T00:00:00Z') + hour * 3_600_000).toISOString());
    const day = digest(t, '2026-01-15');
    expect(day?.facts).toMatchObject({ upAt: undefined, nightExits: 0, minutesOut: undefined, handledBy: [], unacknowledged: 0, careNotes: 0, sensorProblems: [] });
    expect(day?.line).toBe('no morning activity seen · no night exits');
  });

  it('says a day with doses and nothing taken plainly: every dose missed, nobody told', async () => {
    t = await startCareHub({ household: household({ tracker: false }) });
    await happen(t, '2026-01-15T06:00:00Z');
    for (let hour = 7; hour <= 31; hour++) await happen(t, new Date(at('2026-01-15T00:00:00Z') + hour * 3_600_000).toISOString());
    expect(digest(t, '2026-01-15')?.line).toBe(
      'no morning activity seen · 0 of 3 doses on time, missed: Morning tablets, Lunchtime tablets, Evening tablets · no night exits · 3 alerts nobody acknowledged',
    );
  });

  it('follows the hall clock when the clocks go forward: the night ends at 07:00 BST', async () => {
    t = await startCareHub({ household: household({ medication: false }) });
    await happen(t, '2026-03-28T06:00:00Z');
    await happen(t, '2026-03-28T08:15:00Z', door('garden-door', at('2026-03-28T08:15:00Z'), true), door('garden-door', at('2026-03-28T08:16:00Z'), false));
    // 00:30 GMT, before the change, and 06:50 BST (05:50 UTC), after it: both in the night.
    await happen(t, '2026-03-29T00:30:00Z', door('front-door', at('2026-03-29T00:30:00Z'), true), door('front-door', at('2026-03-29T00:31:00Z'), false));
    await happen(t, '2026-03-29T05:50:00Z', door('front-door', at('2026-03-29T05:50:00Z'), true), door('front-door', at('2026-03-29T05:51:00Z'), false));
    // 07:30 BST is 06:30 UTC: the next day's getting up, not a night exit.
    await happen(t, '2026-03-29T06:30:00Z', door('front-door', at('2026-03-29T06:30:00Z'), true), door('front-door', at('2026-03-29T06:31:00Z'), false));
    await happen(t, '2026-03-29T07:00:00Z');

    const saturday = digest(t, '2026-03-28');
    expect(saturday?.to).toBe(at('2026-03-29T06:00:00Z'));
    expect(saturday?.facts.upAt).toBe('08:15');
    expect(saturday?.facts.nightExits).toBe(2);
    expect(saturday?.line).toBe('Up 08:15 · 2 night exits · 2 alerts nobody acknowledged');
    const sunday = digest(t, '2026-03-29');
    expect(sunday?.facts.upAt).toBe('07:30');
    expect(sunday?.facts.nightExits).toBe(0);
    expect(sunday?.title).toBe('Margaret · Sunday 29 March');
  });

  it('counts the extra hour when the clocks go back: 01:30 BST and 01:30 GMT are two night exits', async () => {
    t = await startCareHub({ household: household({ medication: false }) });
    await happen(t, '2026-10-24T05:00:00Z');
    await happen(t, '2026-10-25T00:30:00Z', door('front-door', at('2026-10-25T00:30:00Z'), true), door('front-door', at('2026-10-25T00:31:00Z'), false));
    await happen(t, '2026-10-25T01:30:00Z', door('back-door', at('2026-10-25T01:30:00Z'), true), door('back-door', at('2026-10-25T01:31:00Z'), false));
    // 06:30 GMT: still the night on the hall clock, though it would be 07:30 in summer time.
    await happen(t, '2026-10-25T06:30:00Z', door('front-door', at('2026-10-25T06:30:00Z'), true), door('front-door', at('2026-10-25T06:31:00Z'), false));
    await happen(t, '2026-10-25T07:10:00Z', door('garden-door', at('2026-10-25T07:10:00Z'), true), door('garden-door', at('2026-10-25T07:11:00Z'), false));
    const saturday = digest(t, '2026-10-24');
    expect(saturday?.facts.nightExits).toBe(3);
    expect(t.hub.store.alerts.raisedSince(0).filter((a) => a.type === 'night-exit').map((a) => a.details.localTime)).toEqual(['01:30', '01:30', '06:30']);
    expect(digest(t, '2026-10-25')?.facts.upAt).toBe('07:10');
  });
});
