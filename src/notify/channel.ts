import type { Severity } from '../core/alerts.js';

/**
 * The one interface every notification channel implements (issue 6, item 9: "notifications go
 * through one interface; Web Push is the first"). Issue 7's Web Push sender is a NotificationChannel
 * and plugs in where hub.ts builds the notifier; nothing else changes for it. A channel finds the
 * member's own addresses (their push subscriptions) itself, from the recipient's id.
 */

/**
 * What a message is for: an alert's first message, a further step of its escalation ladder, the news
 * that someone is on it or that it is over (issue 6, item 3), or the daily digest (issue 6, item 7).
 */
export type MessageKind = 'alert' | 'escalation' | 'acknowledged' | 'resolved' | 'digest';

export const messageKinds: readonly MessageKind[] = ['alert', 'escalation', 'acknowledged', 'resolved', 'digest'];

/** Web Push's Urgency header (RFC 8030, section 5.3): how hard the phone should try to wake up for it. */
export type Urgency = 'very-low' | 'low' | 'normal' | 'high';

export const urgencies: readonly Urgency[] = ['very-low', 'low', 'normal', 'high'];

/** What a message is about: one alert (and its incident, if it joined one), or one day's digest. */
export type MessageSubject = { alertId: string; incidentId: string | null } | { digest: string };

export interface NotificationMessage {
  kind: MessageKind;
  about: MessageSubject;
  /** One line, in plain words ("Front door opened at night"). */
  title: string;
  /** A sentence or two, in plain words: what is asked of the reader. */
  body: string;
  severity: Severity;
  urgency: Urgency;
  /** How long a push service may hold the message for an unreachable phone (Web Push's TTL header). */
  ttlSeconds: number;
  /** The dashboard page to open: /incidents/<id>, /alerts/<id>, or /digest/<date>. */
  url: string;
  /** Whether to offer "I'm on it" (issue 7, item 5): only to someone who can act, about an alert still to answer. */
  acknowledgeable: boolean;
}

/** One member of the circle, as a channel needs them. */
export interface Recipient {
  userId: number;
  name: string;
}

/**
 * What one channel did with one message for one member:
 *  - delivered: a push service (or gateway) accepted it for at least one of the member's devices;
 *  - no-route: the member has nothing on this channel (no subscription), so it was not tried;
 *  - failed: it was tried and not accepted; `retryable` says whether trying again later may work.
 */
export type ChannelOutcome = { status: 'delivered' } | { status: 'no-route' } | { status: 'failed'; reason: string; retryable: boolean };

export interface NotificationChannel {
  /** Names the channel in outcomes, in the timeline and in metrics: lower-case words and dashes ("web-push"). */
  readonly id: string;
  /**
   * Sends one message to one member. Resolves once the channel is done with it (its own retries
   * included); a channel should not reject, but one that does is recorded as failed.
   */
  send(recipient: Recipient, message: NotificationMessage): Promise<ChannelOutcome>;
}
