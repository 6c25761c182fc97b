import { describe, expect, it } from 'vitest';
import { acknowledgedMessage, alertUrl, deliveryFor, resolvedMessage, stepMessage, updateMessage, type NotifiedAlert } from '../../src/notify/alert-messages.js';
import { checkMessage } from '../../src/notify/notifier.js';

/** The words and delivery of each message about an alert (issue 6, items 3 and 4; issue 7, item 3). */
const T0 = Date.UTC(2026, 0, 15, 2, 0, 0);
const nightExit: NotifiedAlert = { id: 'a1', incidentId: 'i1', title: 'Front door opened at night', severity: 'urgent', raisedAt: T0 };
const missedDose: NotifiedAlert = { id: 'a2', incidentId: null, title: 'Morning tablets not taken', severity: 'warning', raisedAt: T0 };

describe('alert messages', () => {
  it('wake the phone for an urgent alert, for a quarter of an hour; a notice can wait for the next charge', () => {
    expect(deliveryFor('urgent')).toEqual({ urgency: 'high', ttlSeconds: 900 });
    expect(deliveryFor('warning')).toEqual({ urgency: 'normal', ttlSeconds: 7200 });
    expect(deliveryFor('notice')).toEqual({ urgency: 'low', ttlSeconds: 43_200 });
    expect(deliveryFor('fault').urgency).toBe('normal');
  });

  it('open the incident page when the alert joined one, else the alert', () => {
    expect(alertUrl(nightExit)).toBe('/incidents/i1');
    expect(alertUrl(missedDose)).toBe('/alerts/a2');
  });

  it('the first message asks a responder to say "I\'m on it"; others are only told', () => {
    const first = stepMessage(nightExit, 'raised', { acknowledgeable: true, now: T0 });
    expect(first).toEqual({
      kind: 'alert',
      about: { alertId: 'a1', incidentId: 'i1' },
      title: 'Front door opened at night',
      body: 'Open it to see what is happening, and say “I’m on it” if you are going.',
      severity: 'urgent',
      urgency: 'high',
      ttlSeconds: 900,
      url: '/incidents/i1',
      acknowledgeable: true,
    });
    expect(stepMessage(nightExit, 'raised', { acknowledgeable: false, now: T0 }).body).toBe('Open it to see what is happening.');
  });

  it('a further step says why it came to them, and how long ago it was raised', () => {
    expect(stepMessage(nightExit, 'raised', { acknowledgeable: true, now: T0 + 60_000 }).kind).toBe('alert');
    const after = (why: 'not-acknowledged' | 'repeat' | 'undelivered', minutes: number) => stepMessage(nightExit, why, { acknowledgeable: true, now: T0 + minutes * 60_000 });
    expect(after('not-acknowledged', 5)).toMatchObject({ kind: 'escalation', body: 'Nobody has said “I’m on it” yet (raised 5 minutes ago). Open it to see what is happening, and say “I’m on it” if you are going.' });
    expect(after('repeat', 12).body).toMatch(/^Still nobody has said “I’m on it” \(raised 12 minutes ago\)/);
    expect(after('undelivered', 1).body).toMatch(/^The people on call could not be reached \(raised 1 minute ago\)/);
  });

  it('"Anna is on it" goes out as urgently as the alert; news that it is over, normally', () => {
    expect(acknowledgedMessage(nightExit, 'Anna')).toMatchObject({
      kind: 'acknowledged',
      title: 'Anna is on it',
      body: 'Front door opened at night. Anna said “I’m on it”; you need not go unless they ask.',
      urgency: 'high',
      acknowledgeable: false,
    });
    expect(resolvedMessage(nightExit, { by: 'Anna', note: 'found her at the church, home safe' })).toMatchObject({
      kind: 'resolved',
      title: 'Over: Front door opened at night',
      body: 'Anna resolved it: “found her at the church, home safe”.',
      urgency: 'normal',
    });
    expect(resolvedMessage(missedDose, { by: null, note: 'taken late at 09:40' }).body).toBe('It cleared by itself: taken late at 09:40.');
  });

  it('an alert joining an incident under way is news: "Update: …", as urgent as it, "I\'m on it" only while nobody has said it', () => {
    const leftSafeZone: NotifiedAlert = { id: 'a3', incidentId: 'i1', title: 'Margaret has left the safe zone', severity: 'urgent', raisedAt: T0 + 120_000 };
    expect(updateMessage(leftSafeZone, { acknowledgeable: true, onIt: null })).toEqual({
      kind: 'alert',
      about: { alertId: 'a3', incidentId: 'i1' },
      title: 'Update: Margaret has left the safe zone',
      body: 'More news of the incident you were told of. Open it to see what is happening, and say “I’m on it” if you are going.',
      severity: 'urgent',
      urgency: 'high',
      ttlSeconds: 900,
      url: '/incidents/i1',
      acknowledgeable: true,
    });
    expect(updateMessage(leftSafeZone, { acknowledgeable: false, onIt: null })).toMatchObject({ body: 'More news of the incident you were told of. Open it to see what is happening.', acknowledgeable: false });
    expect(updateMessage(leftSafeZone, { acknowledgeable: true, onIt: 'Anna' })).toMatchObject({
      body: 'More news of the incident Anna is handling. Open it to see what is happening.',
      acknowledgeable: false,
    });
  });

  it('an alert that clears while its incident goes on says the rest is not over', () => {
    expect(resolvedMessage(nightExit, { by: null, note: 'door closed' }, { incidentOpen: true })).toMatchObject({
      title: 'Over: Front door opened at night',
      body: 'It cleared by itself: door closed. The rest of this incident is still open: open it to see what is happening.',
    });
    // Even after the longest note, the sentence that matters is whole.
    const long = resolvedMessage(nightExit, { by: 'Anna', note: 'n'.repeat(2000) }, { incidentOpen: true });
    expect(long.body.endsWith('The rest of this incident is still open: open it to see what is happening.')).toBe(true);
    expect(long.body.length).toBeLessThanOrEqual(1000);
  });

  it('every message is one the notifier accepts, even with a very long title', () => {
    const long: NotifiedAlert = { ...nightExit, title: 'x'.repeat(500) };
    for (const message of [
      stepMessage(long, 'raised', { acknowledgeable: true, now: T0 }),
      stepMessage(long, 'repeat', { acknowledgeable: false, now: T0 }),
      acknowledgedMessage(long, 'Anna'),
      updateMessage(long, { acknowledgeable: true, onIt: null }),
      updateMessage(long, { acknowledgeable: true, onIt: 'Anna' }),
      resolvedMessage(long, { by: null, note: 'z'.repeat(2000) }, { incidentOpen: true }),
      resolvedMessage(long, { by: 'Anna', note: 'y'.repeat(500) }),
    ]) {
      expect(() => checkMessage(message)).not.toThrow();
      expect(message.title.length).toBeLessThanOrEqual(200);
    }
  });
});
