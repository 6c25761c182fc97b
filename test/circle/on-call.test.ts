import { describe, expect, it } from 'vitest';
import { onCallAt, type AwaySpell, type OnCallCover, type OnCallShift, type OnCallTier } from '../../src/circle/on-call.js';

/**
 * Who is on call (issue 6, item 2), table by table: across midnight, across the week's end, across
 * both DST changes (Europe/London: 2026-03-29 01:00 GMT → 02:00 BST; 2026-10-25 02:00 BST → 01:00 GMT),
 * with covers and with members away. Instants are written in UTC; the comments give the clock in the hall.
 */
const LONDON = 'Europe/London';
const CARA = 1; // the live-in carer, by day on weekdays
const ANNA = 2; // every night
const BEN = 3; // weekends by day
const OLIVIA = 4; // the owner, second tier all day every day
const EARLY = 5;
const LATE = 6;

const everyDay = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const circle: OnCallShift[] = [
  { id: 1, userId: CARA, days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '07:00', end: '22:00', tier: 1 },
  { id: 2, userId: ANNA, days: everyDay, start: '22:00', end: '07:00', tier: 1 },
  { id: 3, userId: BEN, days: ['sat', 'sun'], start: '07:00', end: '22:00', tier: 1 },
  { id: 4, userId: OLIVIA, days: everyDay, start: '00:00', end: '00:00', tier: 2 },
];

const at = (iso: string) => Date.parse(iso);
const first = (tiers: OnCallTier[]) => tiers[0];

describe('onCallAt: a week of the rota (January, GMT)', () => {
  it.each([
    ['Monday morning: the carer, the owner behind her', '2026-01-05T09:00:00Z', [{ tier: 1, userIds: [CARA] }, { tier: 2, userIds: [OLIVIA] }]],
    ['the last minute of the day shift', '2026-01-05T21:59:59Z', [{ tier: 1, userIds: [CARA] }, { tier: 2, userIds: [OLIVIA] }]],
    ['22:00 hands over to the night', '2026-01-05T22:00:00Z', [{ tier: 1, userIds: [ANNA] }, { tier: 2, userIds: [OLIVIA] }]],
    ['past midnight, Monday’s night shift runs on', '2026-01-06T03:00:00Z', [{ tier: 1, userIds: [ANNA] }, { tier: 2, userIds: [OLIVIA] }]],
    ['06:59 Tuesday, still the night', '2026-01-06T06:59:00Z', [{ tier: 1, userIds: [ANNA] }, { tier: 2, userIds: [OLIVIA] }]],
    ['07:00 Tuesday, the carer again', '2026-01-06T07:00:00Z', [{ tier: 1, userIds: [CARA] }, { tier: 2, userIds: [OLIVIA] }]],
    ['Saturday 06:59: Friday’s night', '2026-01-10T06:59:00Z', [{ tier: 1, userIds: [ANNA] }, { tier: 2, userIds: [OLIVIA] }]],
    ['Saturday 07:00: the weekend’s day shift, not the weekday carer', '2026-01-10T07:00:00Z', [{ tier: 1, userIds: [BEN] }, { tier: 2, userIds: [OLIVIA] }]],
    ['Monday 06:59: Sunday’s night runs over the week’s end', '2026-01-12T06:59:00Z', [{ tier: 1, userIds: [ANNA] }, { tier: 2, userIds: [OLIVIA] }]],
    ['a 24-hour shift (start = end) covers midnight itself', '2026-01-07T00:00:00Z', [{ tier: 1, userIds: [ANNA] }, { tier: 2, userIds: [OLIVIA] }]],
  ])('%s', (_what, instant, expected) => {
    expect(onCallAt(at(instant), LONDON, circle, [], [])).toEqual(expected);
  });

  it('is nobody when there is no rota, or no shift at that hour', () => {
    expect(onCallAt(at('2026-01-05T09:00:00Z'), LONDON, [], [], [])).toEqual([]);
    const daysOnly = circle.filter((shift) => shift.id === 1);
    expect(onCallAt(at('2026-01-05T23:00:00Z'), LONDON, daysOnly, [], [])).toEqual([]);
  });

  it('reads the shifts in the home’s zone, not UTC', () => {
    // 21:30 UTC is 08:30 the next morning in Sydney (AEDT): the day shift, not the night.
    expect(first(onCallAt(at('2026-01-05T21:30:00Z'), 'Australia/Sydney', circle, [], []))).toEqual({ tier: 1, userIds: [CARA] });
  });
});

describe('onCallAt across DST changes', () => {
  // A handover inside the changing hour: 20:00–01:30, then 01:30–08:00.
  const handover: OnCallShift[] = [
    { id: 10, userId: EARLY, days: everyDay, start: '20:00', end: '01:30', tier: 3 },
    { id: 11, userId: LATE, days: everyDay, start: '01:30', end: '08:00', tier: 3 },
  ];
  const tier3 = (instant: string) => onCallAt(at(instant), LONDON, handover, [], []);

  it.each([
    // Spring: 01:30 does not exist on 29 March; both shifts move to 02:30 BST (01:30Z): no gap, no overlap.
    ['spring, 00:59 GMT', '2026-03-29T00:59:00Z', EARLY],
    ['spring, 02:00 BST (the clocks have just gone forward)', '2026-03-29T01:00:00Z', EARLY],
    ['spring, 02:29 BST', '2026-03-29T01:29:00Z', EARLY],
    ['spring, 02:30 BST: handed over', '2026-03-29T01:30:00Z', LATE],
    ['spring, 07:59 BST', '2026-03-29T06:59:00Z', LATE],
    // Autumn: 01:30 happens twice on 25 October; the handover is at the first (00:30Z), once.
    ['autumn, 01:29 BST', '2026-10-25T00:29:00Z', EARLY],
    ['autumn, 01:30 BST: handed over', '2026-10-25T00:30:00Z', LATE],
    ['autumn, 01:15 GMT (the second 01:15): the early shift does not come back', '2026-10-25T01:15:00Z', LATE],
    ['autumn, 07:59 GMT', '2026-10-25T07:59:00Z', LATE],
    ['autumn, 20:00 GMT: the next evening', '2026-10-25T20:00:00Z', EARLY],
  ])('%s', (_what, instant, userId) => {
    expect(tier3(instant)).toEqual([{ tier: 3, userIds: [userId] }]);
  });

  it('a night shift over a change hands over at 07:00 on the clock: an hour shorter in spring, longer in autumn', () => {
    const tier1 = (instant: string) => first(onCallAt(at(instant), LONDON, circle, [], []));
    expect(tier1('2026-03-29T05:59:00Z')).toEqual({ tier: 1, userIds: [ANNA] }); // 06:59 BST
    expect(tier1('2026-03-29T06:00:00Z')).toEqual({ tier: 1, userIds: [BEN] }); // 07:00 BST
    expect(tier1('2026-10-25T06:59:00Z')).toEqual({ tier: 1, userIds: [ANNA] }); // 06:59 GMT
    expect(tier1('2026-10-25T07:00:00Z')).toEqual({ tier: 1, userIds: [BEN] }); // 07:00 GMT
  });

  it('nobody is on call twice and no minute is missed across either change', () => {
    // Tier 3 made whole: someone holds it by day, between the two handover shifts.
    const wholeDay = [...circle, ...handover, { id: 12, userId: 7, days: everyDay, start: '08:00', end: '20:00', tier: 3 }];
    for (const [from, to] of [
      ['2026-03-28T12:00:00Z', '2026-03-30T12:00:00Z'],
      ['2026-10-24T12:00:00Z', '2026-10-26T12:00:00Z'],
    ] as const) {
      for (let t = at(from); t < at(to); t += 60_000) {
        const tiers = onCallAt(t, LONDON, wholeDay, [], []);
        expect(tiers.map((tier) => tier.tier), new Date(t).toISOString()).toEqual([1, 2, 3]);
        expect(tiers.every((tier) => tier.userIds.length === 1), new Date(t).toISOString()).toBe(true);
      }
    }
  });
});

describe('onCallAt with covers and away', () => {
  const mondayNight = '2026-01-05T23:00:00Z';
  const coverMondayNight: OnCallCover = { shiftId: 2, date: '2026-01-05', userId: BEN };

  it('a cover gives one occurrence, named by the date it starts, to someone else', () => {
    expect(first(onCallAt(at(mondayNight), LONDON, circle, [coverMondayNight], []))).toEqual({ tier: 1, userIds: [BEN] });
    // Past midnight it is still Monday's occurrence, so still covered.
    expect(first(onCallAt(at('2026-01-06T05:00:00Z'), LONDON, circle, [coverMondayNight], []))).toEqual({ tier: 1, userIds: [BEN] });
    // Tuesday night is Anna's again.
    expect(first(onCallAt(at('2026-01-06T23:00:00Z'), LONDON, circle, [coverMondayNight], []))).toEqual({ tier: 1, userIds: [ANNA] });
    // A cover of another shift changes nothing here.
    expect(first(onCallAt(at(mondayNight), LONDON, circle, [{ shiftId: 1, date: '2026-01-05', userId: BEN }], []))).toEqual({ tier: 1, userIds: [ANNA] });
  });

  it('skips a member while they are away, and only then', () => {
    const away: AwaySpell[] = [{ userId: ANNA, from: at('2026-01-05T20:00:00Z'), until: at('2026-01-06T03:00:00Z') }];
    expect(onCallAt(at(mondayNight), LONDON, circle, [], away)).toEqual([{ tier: 2, userIds: [OLIVIA] }]);
    expect(first(onCallAt(at('2026-01-06T03:00:00Z'), LONDON, circle, [], away))).toEqual({ tier: 1, userIds: [ANNA] });
    expect(first(onCallAt(at('2026-01-06T23:00:00Z'), LONDON, circle, [], away))).toEqual({ tier: 1, userIds: [ANNA] });
  });

  it('skips whoever covers, if they are away (the cover stands: the next tier answers)', () => {
    const away: AwaySpell[] = [{ userId: BEN, from: at('2026-01-05T00:00:00Z'), until: at('2026-01-07T00:00:00Z') }];
    expect(onCallAt(at(mondayNight), LONDON, circle, [coverMondayNight], away)).toEqual([{ tier: 2, userIds: [OLIVIA] }]);
  });

  it('someone on call in two tiers answers in the first', () => {
    const oliviaCovers: OnCallCover = { shiftId: 2, date: '2026-01-05', userId: OLIVIA };
    expect(onCallAt(at(mondayNight), LONDON, circle, [oliviaCovers], [])).toEqual([{ tier: 1, userIds: [OLIVIA] }]);
  });

  it('two people in one tier are both on call', () => {
    const pair: OnCallShift[] = [...circle, { id: 5, userId: BEN, days: ['mon'], start: '21:00', end: '23:30', tier: 1 }];
    expect(first(onCallAt(at(mondayNight), LONDON, pair, [], []))).toEqual({ tier: 1, userIds: [ANNA, BEN] });
  });
});
