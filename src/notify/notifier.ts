import { HomewardError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Counter } from '../core/metrics.js';
import { messageKinds, urgencies, type ChannelOutcome, type NotificationChannel, type NotificationMessage, type Recipient } from './channel.js';

/**
 * Sends one message to one member through every channel the hub has, at once, and reports what each
 * channel did (issue 6, item 9). A channel that throws, rejects or answers nonsense is recorded as
 * failed: one broken channel must never stop another from reaching a phone at 2 a.m. Each outcome is
 * counted in homeward_notifications_total{channel,outcome} (issue 7, item 4).
 */
export type ChannelReport = ChannelOutcome & { channel: string };

/** A channel that has not answered yet. */
export interface PendingReport {
  channel: string;
  status: 'pending';
}

export interface Delivery {
  /** Resolves (never rejects) once every channel has answered, in channel order. */
  done: Promise<ChannelReport[]>;
  /** What each channel has answered so far, in channel order; those still sending are 'pending'. */
  sofar(): Array<ChannelReport | PendingReport>;
}

export interface Notifier {
  readonly channelIds: readonly string[];
  /** Starts sending; throws HW_USAGE at once for a message no channel could show. */
  send(recipient: Recipient, message: NotificationMessage): Delivery;
}

const CHANNEL_ID = /^[a-z][a-z0-9-]{0,31}$/;
/** Push services keep a message four weeks at most (RFC 8030 leaves the cap to them; FCM's is 28 days). */
const MAX_TTL_SECONDS = 28 * 86_400;
const MAX_TITLE = 200;
const MAX_BODY = 1000;

export function createNotifier(deps: { channels: readonly NotificationChannel[]; notifications: Counter; log: Logger }): Notifier {
  const { channels, notifications, log } = deps;
  const ids = channels.map((channel) => channel.id);
  for (const id of ids) {
    if (typeof id !== 'string' || !CHANNEL_ID.test(id)) {
      throw new HomewardError('HW_CONFIG_INVALID', `a notification channel's id must be lower-case words and dashes, at most 32 characters: ${JSON.stringify(id)}`);
    }
    if (ids.indexOf(id) !== ids.lastIndexOf(id)) throw new HomewardError('HW_CONFIG_INVALID', `two notification channels share the id "${id}"`);
  }

  async function through(channel: NotificationChannel, recipient: Recipient, message: NotificationMessage): Promise<ChannelReport> {
    let report: ChannelReport;
    try {
      report = { channel: channel.id, ...checkedOutcome(channel.id, await channel.send(recipient, message)) };
    } catch (error) {
      report = { channel: channel.id, status: 'failed', reason: `the channel threw: ${error instanceof Error ? error.message : String(error)}`, retryable: false };
    }
    notifications.inc({ channel: channel.id, outcome: report.status });
    if (report.status === 'failed') {
      log.warn({ channel: channel.id, userId: recipient.userId, kind: message.kind, about: message.about, reason: report.reason, retryable: report.retryable }, 'notification not delivered');
    }
    return report;
  }

  return {
    channelIds: ids,
    send(recipient, message) {
      checkMessage(message);
      const answered = new Map<string, ChannelReport>();
      const done = Promise.all(
        channels.map((channel) =>
          through(channel, recipient, message).then((report) => {
            answered.set(channel.id, report);
            return report;
          }),
        ),
      );
      return {
        done,
        sofar: () => ids.map((channel) => answered.get(channel) ?? { channel, status: 'pending' as const }),
      };
    },
  };
}

/** A channel's answer, or a failure naming what was wrong with it. */
function checkedOutcome(channel: string, outcome: unknown): ChannelOutcome {
  const value = outcome as Partial<Record<string, unknown>> | null | undefined;
  if (value?.status === 'delivered') return { status: 'delivered' };
  if (value?.status === 'no-route') return { status: 'no-route' };
  if (value?.status === 'failed' && typeof value.reason === 'string' && typeof value.retryable === 'boolean') {
    return { status: 'failed', reason: value.reason, retryable: value.retryable };
  }
  return { status: 'failed', reason: `channel ${channel} answered with an unknown outcome: ${JSON.stringify(outcome) ?? String(outcome)}`, retryable: false };
}

function refuse(field: string, message: string): never {
  throw new HomewardError('HW_USAGE', `notification ${field}: ${message}`, { field });
}

/** A message every channel can show: the checks Web Push (issue 7) relies on, made once here. */
export function checkMessage(message: NotificationMessage): void {
  if (!messageKinds.includes(message.kind)) refuse('kind', `must be one of ${messageKinds.join(', ')}`);
  if (!urgencies.includes(message.urgency)) refuse('urgency', `must be one of ${urgencies.join(', ')}`);
  if (typeof message.title !== 'string' || message.title.trim() === '' || message.title.length > MAX_TITLE) refuse('title', `needs 1 to ${MAX_TITLE} characters`);
  if (typeof message.body !== 'string' || message.body.length > MAX_BODY) refuse('body', `needs at most ${MAX_BODY} characters`);
  if (!Number.isInteger(message.ttlSeconds) || message.ttlSeconds < 0 || message.ttlSeconds > MAX_TTL_SECONDS) refuse('ttlSeconds', `must be a whole number of seconds from 0 to ${MAX_TTL_SECONDS}`);
  // A path within the dashboard, never another site ("//evil.example" is a host, not a path).
  if (typeof message.url !== 'string' || !/^\/(?!\/)[\w\-./%?=&]*$/.test(message.url)) refuse('url', 'must be a path within the dashboard, such as /alerts/<id>');
  const about = message.about as Partial<Record<string, unknown>> | undefined;
  const aboutAlert = typeof about?.alertId === 'string' && about.alertId !== '';
  const aboutDigest = typeof about?.digest === 'string' && about.digest !== '';
  if (aboutAlert === aboutDigest) refuse('about', 'names either one alert or one digest');
  if (message.kind === 'digest' ? !aboutDigest : !aboutAlert) refuse('about', `a ${message.kind} message must be about ${message.kind === 'digest' ? 'a digest' : 'an alert'}`);
  if (message.acknowledgeable && !(message.kind === 'alert' || message.kind === 'escalation')) refuse('acknowledgeable', 'only an alert still to answer offers "I\'m on it"');
}
