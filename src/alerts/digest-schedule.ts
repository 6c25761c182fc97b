import type { Role } from '../accounts/roles.js';
import type { Preferences } from '../circle/preferences.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { addDays, clockMinutes, localDate, zonedInstant } from '../core/local-time.js';
import type { HouseholdService } from '../household/household-service.js';
import type { NotificationMessage, Recipient } from '../notify/channel.js';
import type { Store } from '../store/store.js';
import { careDay, nightOf, type DigestDay } from './digest-facts.js';

/**
 * Sends each member their daily digest at the local time they chose (issue 6, item 7; the `digest`
 * preference in src/circle/preferences.ts, 08:00 by default), driven by the hub's clock on a tick.
 *
 * On local date S a member gets the digest of S-1: yesterday and the night just ended. It is due at
 * their chosen time on S, but never before that night has ended (rules.night's end, 07:00 by
 * default): a digest saying "no night exits" while the night is still going would be a promise the
 * hub cannot keep. A hub that was down at the due time sends it when it is back, the same day; the
 * next day it would be stale, and that day's digest is sent instead. A day the hub was not watching
 * from its start (installed that afternoon) has no digest.
 *
 * Once per member per date, even across restarts and clock jumps: the last date sent to each member
 * is kept in the settings table (key `digest.sent.<userId>`, value `{"date": "YYYY-MM-DD"}`), written
 * BEFORE the message is handed over. Why settings rather than the audit log: it is one row per member,
 * overwritten in place, checked by primary key on every tick, and never pruned by retention (an
 * audit entry per member per day grows the trail for ever, and once pruned could no longer say
 * "already sent"). Why before sending: a crash between the two loses one digest rather than sending
 * it twice; the digest is a low-urgency summary and every alert in it was notified on its own. A clock
 * set back to an earlier date finds a later date recorded and sends nothing again.
 *
 * Installers get no digest: it tells of medication, care notes and time out of the home, none of
 * which their role may see (DESIGN.md, "Roles").
 */
export const DIGEST_ROLES: readonly Role[] = ['owner', 'family', 'carer', 'viewer'];

/**
 * How a digest goes out: the notifier (src/notify/notifier.ts; Web Push in issue 7) takes it from
 * here, with `Urgency: low` and a day's TTL: news for the morning, never a reason to wake a phone.
 */
export type DigestMessage = NotificationMessage & { kind: 'digest'; about: { digest: string }; urgency: 'low' };

export type DigestSend = (recipient: Recipient, message: DigestMessage) => Promise<unknown> | unknown;

export interface DigestDelivery {
  userId: number;
  /** The date the digest covers. */
  date: string;
  /** False when the sender refused or failed (it is not tried again: see above). */
  handedOver: boolean;
}

export const DIGEST_TTL_SECONDS = 24 * 3600;
/** The notifier's limits (notifier.ts checkMessage): a push payload has 3,993 bytes of room (issue 7). */
const MAX_TITLE_CHARS = 200;
const MAX_BODY_CHARS = 1000;
const DEFAULT_TICK_MS = 30_000;

export function digestSentKey(userId: number): string {
  return `digest.sent.${userId}`;
}

function sentDate(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const date = (value as { date?: unknown }).date;
  return typeof date === 'string' ? date : undefined;
}

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export function digestMessage(day: Pick<DigestDay, 'date' | 'title' | 'line'>): DigestMessage {
  return {
    kind: 'digest',
    about: { digest: day.date },
    title: cut(day.title, MAX_TITLE_CHARS),
    body: cut(day.line, MAX_BODY_CHARS),
    severity: 'notice',
    urgency: 'low',
    ttlSeconds: DIGEST_TTL_SECONDS,
    url: `/digest?date=${day.date}`,
    acknowledgeable: false,
  };
}

export interface DigestScheduleDeps {
  store: Pick<Store, 'users' | 'settings' | 'devices'>;
  household: Pick<HouseholdService, 'view'>;
  clock: Clock;
  log: Logger;
  /** The day's facts and line (digest-facts.ts). */
  facts: { day(date: string): DigestDay };
  /** A member's preferences, completed with defaults (the circle's preferencesOf). */
  preferencesOf: (userId: number) => Preferences;
  send: DigestSend;
}

export function createDigestSchedule(deps: DigestScheduleDeps) {
  const { store, household, clock, log, facts } = deps;
  let timer: NodeJS.Timeout | undefined;

  /** When a member's digest is due on local date `today`. */
  function dueAt(preferences: Preferences, today: string, nightEnds: number, timeZone: string): number {
    return Math.max(zonedInstant(today, clockMinutes(preferences.digest.at), timeZone), nightEnds);
  }

  return {
    /** Sends every digest that is due and not yet sent; resolves when each has been handed over. */
    async tick(): Promise<DigestDelivery[]> {
      const now = clock.now();
      const h = household.view().household;
      const timeZone = h.home.timezone;
      const today = localDate(now, timeZone);
      const date = addDays(today, -1);
      const covered = careDay(date, timeZone, nightOf(h));
      const nightEnds = covered.to;
      // A day the hub did not watch from its start would report a morning it never saw ("no morning
      // activity seen" the day after installation alarms a family for nothing): the first digest covers
      // the first whole day with a device in the household.
      const watchingSince = Math.min(...store.devices.all().map((device) => device.addedAt));
      if (!(watchingSince <= covered.from)) return [];
      let day: DigestDay | undefined;
      const sending: Array<Promise<DigestDelivery>> = [];
      for (const user of store.users.all()) {
        if (user.disabledAt !== null || !DIGEST_ROLES.includes(user.role)) continue;
        const preferences = deps.preferencesOf(user.id);
        if (!preferences.digest.enabled || now < dueAt(preferences, today, nightEnds, timeZone)) continue;
        const key = digestSentKey(user.id);
        const last = sentDate(store.settings.get(key)?.value);
        if (last !== undefined && last >= date) continue;
        day ??= facts.day(date);
        store.settings.put(key, { date }, now, null);
        const message = digestMessage(day);
        sending.push(
          Promise.resolve()
            .then(() => deps.send({ userId: user.id, name: user.name }, message))
            .then(
              (outcome: unknown) => {
                // The notifier answers what each channel did ("no-route": no phone subscribed yet).
                log.info({ userId: user.id, date, ...(outcome === undefined ? {} : { outcome }) }, 'daily digest sent');
                return { userId: user.id, date, handedOver: true };
              },
              (error: unknown) => {
                log.warn({ userId: user.id, date, err: error }, 'daily digest could not be sent');
                return { userId: user.id, date, handedOver: false };
              },
            ),
        );
      }
      return Promise.all(sending);
    },

    /** Ticks now (a digest due while the hub was down goes out at once) and every `everyMs`. */
    start(everyMs = DEFAULT_TICK_MS): void {
      const run = () => {
        this.tick().catch((error: unknown) => log.error({ err: error }, 'daily digest tick failed'));
      };
      run();
      timer = setInterval(run, everyMs);
      timer.unref();
    },

    stop(): void {
      clearInterval(timer);
      timer = undefined;
    },
  };
}

export type DigestSchedule = ReturnType<typeof createDigestSchedule>;
