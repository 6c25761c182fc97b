import type { Severity } from '../../core/alerts.js';
import { HomewardError } from '../../core/errors.js';
import type { MessageKind, NotificationMessage } from '../channel.js';

/**
 * The JSON a push message carries to the service worker (dashboard/public/service-worker.js reads it):
 * what to show, where "Open" goes, and — only on a message that offers "I'm on it" — the signed
 * action token that acknowledges without signing in (issue 7, item 5).
 *
 * RFC 8291 leaves 3,993 bytes of plaintext in the one 4,096-byte record push services accept (issue
 * 7, item 3). A message whose words run past that (titles and bodies are capped in characters, and a
 * character can take four bytes) has its body shortened, never its title, URL or token; one that still
 * does not fit is refused with a coded error rather than sent and dropped by the push service.
 */
export const MAX_PUSH_PLAINTEXT_BYTES = 3993;

export interface PushPayload {
  /** The payload's format, for a service worker cached from an older hub. */
  v: 1;
  kind: MessageKind;
  title: string;
  body: string;
  /** A dashboard path. */
  url: string;
  /** One alert's messages replace each other on the lock screen ("Anna is on it" replaces the alarm). */
  tag: string;
  severity: Severity;
  acknowledge?: { alertId: string; token: string };
}

function tagOf(message: NotificationMessage): string {
  return 'alertId' in message.about ? `alert:${message.about.alertId}` : `digest:${message.about.digest}`;
}

function encode(payload: PushPayload): Buffer {
  return Buffer.from(JSON.stringify(payload), 'utf8');
}

/** The plaintext to encrypt for every device of one member; `actionToken` only when the message is acknowledgeable. */
export function pushPayload(message: NotificationMessage, actionToken?: string): Buffer {
  const payload: PushPayload = { v: 1, kind: message.kind, title: message.title, body: message.body, url: message.url, tag: tagOf(message), severity: message.severity };
  if (actionToken !== undefined && message.acknowledgeable && 'alertId' in message.about) payload.acknowledge = { alertId: message.about.alertId, token: actionToken };
  const whole = encode(payload);
  if (whole.length <= MAX_PUSH_PLAINTEXT_BYTES) return whole;

  // Keep as much of the body as fits, by whole characters (never half of a surrogate pair).
  const characters = [...message.body];
  const shortened = (count: number) => encode({ ...payload, body: count === characters.length ? message.body : `${characters.slice(0, count).join('')}…` });
  if (shortened(0).length > MAX_PUSH_PLAINTEXT_BYTES) {
    throw new HomewardError('HW_USAGE', `a push message needs at most ${MAX_PUSH_PLAINTEXT_BYTES} bytes; this one needs ${shortened(0).length} even without its body`, {
      reply: 'payload_too_large',
      bytes: shortened(0).length,
    });
  }
  let fits = 0;
  let tooLong = characters.length;
  while (tooLong - fits > 1) {
    const middle = Math.floor((fits + tooLong) / 2);
    if (shortened(middle).length <= MAX_PUSH_PLAINTEXT_BYTES) fits = middle;
    else tooLong = middle;
  }
  return shortened(fits);
}
