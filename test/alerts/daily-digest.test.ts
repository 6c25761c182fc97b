import { describe, expect, it } from 'vitest';
import { digestLine, digestTitle, wokenLine, type DayFacts } from '../../src/alerts/daily-digest.js';

const quietDay: DayFacts = {
  date: '2026-01-15',
  personName: 'Margaret',
  upAt: '07:10',
  doses: { scheduled: 3, onTime: 3, late: 0, pending: 0, missed: [], double: [] },
  nightExits: 0,
  minutesOut: undefined,
  handledBy: [{ name: 'Anna', alerts: 1 }],
  unacknowledged: 0,
  careNotes: 0,
  sensorProblems: [],
};

describe('daily digest', () => {
  it('says a good day plainly, in the words of the issue', () => {
    expect(digestLine(quietDay)).toBe('Up 07:10 · 3 of 3 doses on time · no night exits · Anna handled 1 alert');
    expect(digestTitle(quietDay)).toBe('Margaret · Thursday 15 January');
  });

  it('names what went wrong: late, missed and double doses, night exits, time out, unanswered alerts, sensors', () => {
    const hardDay: DayFacts = {
      ...quietDay,
      upAt: undefined,
      doses: { scheduled: 3, onTime: 1, late: 1, pending: 0, missed: ['Evening tablets'], double: ['Morning tablets'] },
      nightExits: 2,
      minutesOut: 95,
      handledBy: [
        { name: 'Anna', alerts: 2 },
        { name: 'Ben', alerts: 1 },
      ],
      unacknowledged: 1,
      careNotes: 3,
      sensorProblems: ['Front door (silent)', 'Pill box (battery 12 %)'],
    };
    expect(digestLine(hardDay)).toBe(
      'no morning activity seen · 1 of 3 doses on time, 1 late, missed: Evening tablets, possible double dose: Morning tablets · 2 night exits · out for 1 h 35 min · ' +
        'Anna handled 2 alerts · Ben handled 1 alert · 1 alert nobody acknowledged · 3 care notes · needs attention: Front door (silent), Pill box (battery 12 %)',
    );
  });

  it('leaves out doses when none are scheduled, and says "stayed home" for a tracker that never left', () => {
    expect(digestLine({ ...quietDay, doses: { scheduled: 0, onTime: 0, late: 0, pending: 0, missed: [], double: [] }, minutesOut: 0, handledBy: [] })).toBe(
      'Up 07:10 · no night exits · stayed home',
    );
    expect(digestLine({ ...quietDay, minutesOut: 45, handledBy: [] })).toContain('out for 45 minutes');
    expect(digestLine({ ...quietDay, minutesOut: 120, handledBy: [] })).toContain('out for 2 hours');
  });

  it('counts doses still due on a day not over yet', () => {
    expect(digestLine({ ...quietDay, doses: { scheduled: 3, onTime: 1, late: 0, pending: 2, missed: [], double: [] }, handledBy: [] })).toBe(
      'Up 07:10 · 1 of 3 doses on time, 2 still due · no night exits',
    );
  });

  it('shows who was woken how often over the week, most first', () => {
    expect(
      wokenLine([
        { name: 'Ben', nights: 1, notifications: 1 },
        { name: 'Anna', nights: 3, notifications: 5 },
        { name: 'Carer', nights: 0, notifications: 0 },
      ]),
    ).toBe('Woken at night this week: Anna 3 nights (5 alerts), Ben 1 night (1 alert).');
    expect(wokenLine([])).toBe('Nobody was woken at night this week.');
  });
});
