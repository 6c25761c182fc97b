import type { Severity } from '../core/alerts.js';
import type { NotificationMessage, Urgency } from './channel.js';

/**
 * The words and delivery of each message about an alert (issue 6, items 3 and 4; issue 7, item 3),
 * in plain language for someone woken at 2 a.m.: what happened, what is asked of them, and — once
 * someone is on it or it is over — that they can stand down.
 */
export interface NotifiedAlert {
  id: string;
  incidentId: string | null;
  title: string;
  severity: Severity;
  raisedAt: number;
}

/**
 * Urgency and TTL by severity (issue 7, item 3): an urgent alert wakes the phone and is worth nothing
 * after a quarter of an hour (the ladder has moved on by then); a notice can wait for the phone's next
 * charge. The digest uses `low` and a day.
 */
const DELIVERY: Record<Severity, { urgency: Urgency; ttlSeconds: number }> = {
  urgent: { urgency: 'high', ttlSeconds: 15 * 60 },
  warning: { urgency: 'normal', ttlSeconds: 2 * 3600 },
  notice: { urgency: 'low', ttlSeconds: 12 * 3600 },
  fault: { urgency: 'normal', ttlSeconds: 24 * 3600 },
};

export function deliveryFor(severity: Severity): { urgency: Urgency; ttlSeconds: number } {
  return DELIVERY[severity];
}

/** The incident page when the alert joined one (everything about it at hand, issue 6 item 5), else the alert's. */
export function alertUrl(alert: Pick<NotifiedAlert, 'id' | 'incidentId'>): string {
  return alert.incidentId === null ? `/alerts/${encodeURIComponent(alert.id)}` : `/incidents/${encodeURIComponent(alert.incidentId)}`;
}

const MAX_TITLE = 200;
const line = (text: string, max = MAX_TITLE) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

function minutesAgo(alert: NotifiedAlert, now: number): string {
  const minutes = Math.max(0, Math.round((now - alert.raisedAt) / 60_000));
  if (minutes === 0) return 'raised just now';
  return `raised ${minutes} minute${minutes === 1 ? '' : 's'} ago`;
}

/** Why this step of the ladder reaches this person. */
export type StepWhy = 'raised' | 'not-acknowledged' | 'repeat' | 'undelivered';

/**
 * A step of the escalation ladder: the first message about an alert (whichever tier it reaches: an
 * empty tier is skipped), or a further one saying why it came to them.
 */
export function stepMessage(alert: NotifiedAlert, why: StepWhy, options: { acknowledgeable: boolean; now: number }): NotificationMessage {
  const ask = options.acknowledgeable ? 'Open it to see what is happening, and say “I’m on it” if you are going.' : 'Open it to see what is happening.';
  const ago = minutesAgo(alert, options.now);
  const body = {
    raised: ask,
    'not-acknowledged': `Nobody has said “I’m on it” yet (${ago}). ${ask}`,
    repeat: `Still nobody has said “I’m on it” (${ago}). ${ask}`,
    undelivered: `The people on call could not be reached (${ago}). ${ask}`,
  }[why];
  return {
    kind: why === 'raised' ? 'alert' : 'escalation',
    about: { alertId: alert.id, incidentId: alert.incidentId },
    title: line(alert.title),
    body,
    severity: alert.severity,
    ...deliveryFor(alert.severity),
    url: alertUrl(alert),
    acknowledgeable: options.acknowledgeable,
  };
}

/**
 * News of an incident already under way (DESIGN.md principle 3, "one incident, not fifty alerts"): a
 * further alert joined it, so those already told hear of it once — no new ladder of messages. As
 * urgent as the alert that joined; it offers "I'm on it" only while nobody has said it (`onIt` names
 * whoever has, so nobody sets out twice).
 */
export function updateMessage(alert: NotifiedAlert, options: { acknowledgeable: boolean; onIt: string | null }): NotificationMessage {
  const acknowledgeable = options.acknowledgeable && options.onIt === null;
  const body =
    options.onIt !== null
      ? `More news of the incident ${options.onIt} is handling. Open it to see what is happening.`
      : acknowledgeable
        ? 'More news of the incident you were told of. Open it to see what is happening, and say “I’m on it” if you are going.'
        : 'More news of the incident you were told of. Open it to see what is happening.';
  return {
    kind: 'alert',
    about: { alertId: alert.id, incidentId: alert.incidentId },
    title: line(`Update: ${alert.title}`),
    body,
    severity: alert.severity,
    ...deliveryFor(alert.severity),
    url: alertUrl(alert),
    acknowledgeable,
  };
}

/**
 * "Anna is on it" (issue 6, item 3: shown to everyone at once), to those already told: as urgent as
 * the alert, since whoever was woken by it wants to know at once that they can stand down.
 */
export function acknowledgedMessage(alert: NotifiedAlert, by: string): NotificationMessage {
  return {
    kind: 'acknowledged',
    about: { alertId: alert.id, incidentId: alert.incidentId },
    title: line(`${by} is on it`),
    body: `${line(alert.title)}. ${by} said “I’m on it”; you need not go unless they ask.`,
    severity: alert.severity,
    ...deliveryFor(alert.severity),
    url: alertUrl(alert),
    acknowledgeable: false,
  };
}

/**
 * It is over: resolved by someone with a note, or its condition cleared by itself ("door closed").
 * `incidentOpen` when the rest of its incident is not over (the door closed, but she is still out):
 * nobody may read "Over" and stand down from what is still happening.
 */
export function resolvedMessage(alert: NotifiedAlert, resolution: { by: string | null; note: string | null }, options: { incidentOpen?: boolean } = {}): NotificationMessage {
  // A note is at most 500 characters (alert-actions.ts); cut here too, so the sentence after it always fits.
  const note = line(resolution.note ?? 'no note', 500);
  const how = resolution.by === null ? `It cleared by itself: ${note}.` : `${resolution.by} resolved it: “${note}”.`;
  const rest = options.incidentOpen === true ? ' The rest of this incident is still open: open it to see what is happening.' : '';
  return {
    kind: 'resolved',
    about: { alertId: alert.id, incidentId: alert.incidentId },
    title: line(`Over: ${alert.title}`),
    body: line(`${how}${rest}`, 1000),
    severity: alert.severity,
    urgency: 'normal',
    ttlSeconds: 4 * 3600,
    url: alertUrl(alert),
    acknowledgeable: false,
  };
}
