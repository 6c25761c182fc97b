import { describe, expect, it } from 'vitest';
import { notificationDecision } from '../../src/circle/notification-policy.js';
import { parseStoredPreferences, withDefaults, type Preferences } from '../../src/circle/preferences.js';
import { alertTypes } from '../../src/core/alerts.js';

/** Each member's preferences (issue 6, item 1): the defaults, and what they decide for one alert. */
describe('preferences', () => {
  it('default to everything, by push, at any hour, with the digest at 08:00', () => {
    const defaults = withDefaults({});
    expect(defaults.channels).toEqual({ push: true, phone: null, email: null });
    expect(Object.keys(defaults.alertTypes).sort()).toEqual([...alertTypes].sort());
    expect(Object.values(defaults.alertTypes).every((on) => on)).toBe(true);
    expect(defaults.severities).toEqual({ urgent: true, warning: true, notice: true, fault: true });
    expect(defaults.quietHours).toBeNull();
    expect(defaults.digest).toEqual({ enabled: true, at: '08:00' });
  });

  it('complete a partial object, keeping what was given', () => {
    const partial = withDefaults({ alertTypes: { 'low-battery': false }, digest: { at: '07:30' } });
    expect(partial.alertTypes['low-battery']).toBe(false);
    expect(partial.alertTypes['night-exit']).toBe(true);
    expect(partial.digest).toEqual({ enabled: true, at: '07:30' });
  });

  it('read back from storage; a damaged row is reported as such (the service then uses the defaults)', () => {
    expect(parseStoredPreferences(JSON.stringify({ quietHours: { start: '23:00', end: '06:30' } }))?.quietHours).toEqual({ start: '23:00', end: '06:30' });
    expect(parseStoredPreferences('{}')).toEqual(withDefaults({}));
    expect(parseStoredPreferences('not json')).toBeUndefined();
    expect(parseStoredPreferences('[]')).toBeUndefined();
    expect(parseStoredPreferences(JSON.stringify({ quietHours: { start: '25:00', end: '06:30' } }))).toBeUndefined();
  });
});

describe('notificationDecision', () => {
  const quietNights: Preferences = withDefaults({ quietHours: { start: '22:00', end: '07:00' }, alertTypes: { 'low-battery': false }, severities: { notice: false } });
  const pushOff: Preferences = withDefaults({ channels: { push: false } });
  const at = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

  it.each([
    // Quiet hours never silence an urgent alert for whoever is on call (issue 6, item 1) …
    ['urgent, on call, in quiet hours', quietNights, 'night-exit', 'urgent', true, '02:00', 'send'],
    // … nor do their toggles, nor push switched off: being on the rota is the promise.
    ['urgent, on call, type switched off', withDefaults({ alertTypes: { 'night-exit': false } }), 'night-exit', 'urgent', true, '02:00', 'send'],
    ['urgent, on call, push switched off', pushOff, 'left-safe-zone', 'urgent', true, '14:00', 'send'],
    // Not on call: quiet hours hold even an urgent alert.
    ['urgent, not on call, in quiet hours', quietNights, 'night-exit', 'urgent', false, '02:00', 'held-quiet-hours'],
    ['urgent, not on call, before quiet hours', quietNights, 'night-exit', 'urgent', false, '21:59', 'send'],
    ['urgent, not on call, quiet hours just ended', quietNights, 'night-exit', 'urgent', false, '07:00', 'send'],
    ['warning, on call, in quiet hours', quietNights, 'missed-dose', 'warning', true, '23:00', 'held-quiet-hours'],
    ['a type switched off', quietNights, 'low-battery', 'warning', false, '12:00', 'muted'],
    ['a severity switched off', quietNights, 'double-dose', 'notice', false, '12:00', 'muted'],
    ['push switched off, not on call', pushOff, 'missed-dose', 'warning', false, '12:00', 'muted'],
    ['the defaults, any hour', withDefaults({}), 'sensor-silent', 'fault', false, '03:00', 'send'],
  ] as const)('%s', (_what, preferences, type, severity, onCall, time, expected) => {
    expect(notificationDecision(preferences, { type, severity }, { onCall, localMinutes: at(time) })).toBe(expected);
  });
});
