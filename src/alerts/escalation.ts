import type { AwaySpellRow } from '../store/member-profiles-repo.js';
import type { OnCallTier } from '../circle/on-call.js';
import type { Preferences } from '../circle/preferences.js';
import { notificationDecision } from '../circle/notification-policy.js';
import type { AlertJson } from '../core/alerts.js';
import type { Clock } from '../core/clock.js';
import { parseDuration } from '../core/duration.js';
import type { EventBus } from '../core/event-bus.js';
import { localMinutes } from '../core/local-time.js';
import type { Logger } from '../core/logger.js';
import type { HouseholdService } from '../household/household-service.js';
import { acknowledgedMessage, resolvedMessage, stepMessage, type NotifiedAlert } from '../notify/alert-messages.js';
import type { NotificationMessage } from '../notify/channel.js';
import type { ChannelReport, Delivery, Notifier } from '../notify/notifier.js';
import type { AlertEventRow } from '../store/alert-events-repo.js';
import type { AlertRow } from '../store/alerts-repo.js';
import type { Store } from '../store/store.js';
import type { UserRow } from '../store/users-repo.js';
import type { AlertService } from './alert-service.js';
import type { CareServices } from './care-services.js';
import { nextStep, respondsToAlerts, type Audience, type LadderMember, type LadderSettings, type StepReason, type TakenStep } from './escalation-ladder.js';

/**
 * The escalation service (issue 6, item 4; DESIGN.md, "Rule semantics"): for each open alert nobody
 * has acknowledged, asks the ladder (escalation-ladder.ts) what is due, sends it through the notifier,
 * and records the step in the alert's timeline:
 *   - one 'notified' entry per recipient (user_id = who was told), details {step, audience, outcomes};
 *   - one 'escalated' entry (user_id null), details {step, audience, recipients, reason}, for every
 *     step beyond the first, and for any step that had nobody to tell (so it is not taken again).
 * All the ladder's state is in that timeline, so a restart resumes where it was, within a tick of
 * start, taking at most one catch-up step: the ladder times the next step from when the last one was
 * taken, and never repeats one recorded.
 *
 * A step is recorded once its sends have settled (each entry carries what each channel did), or 60 s
 * after it was taken, whichever comes first: an answer still missing then is recorded as failed. A hub
 * stopped (or killed) in that window has not recorded the step and takes it again when it starts:
 * the bias is towards one message too many, never one too few. An urgent alert that no channel
 * accepted for anyone in a tier moves up the ladder at once (issue 7, item 4), and the 'escalated'
 * entry says why.
 *
 * An acknowledgement or resolution stops the ladder at once; whoever was already told then hears that
 * "Anna is on it" (issue 6, item 3: shown to everyone at once), or that it is over — 'notified'
 * entries with details {message: 'acknowledged' | 'resolved', outcomes}.
 */
export interface EscalationCircle {
  /** Who answers an alert at `at`, tier by tier (away members skipped). */
  onCallAt(at: number): OnCallTier[];
  preferencesOf(userId: number): Preferences;
  /** Away spells running at or after `now`. */
  awaySpells(now: number): AwaySpellRow[];
}

export interface EscalationDeps {
  store: Pick<Store, 'alerts' | 'users' | 'transaction'>;
  /** The alert timeline (care-services.ts). */
  timeline: CareServices['timeline'];
  alerts: Pick<AlertService, 'openAlerts' | 'json'>;
  circle: EscalationCircle;
  /** Escalation settings and the home's time zone come from the household document. */
  household: Pick<HouseholdService, 'view'>;
  notifier: Notifier;
  bus: EventBus;
  clock: Clock;
  log: Logger;
}

export interface EscalationService {
  /** Hears every alert change, sends what is due for the open alerts at once, then ticks every `everyMs`. */
  start(everyMs?: number): void;
  /** Stops ticking and listening; sends still in flight are left unrecorded (taken again after a restart). */
  stop(): void;
  /** Takes every step that is due now, by the injected clock; records sends that passed their 60 s. */
  tick(): void;
  /**
   * Resolves once nothing is left to do until a channel answers or the clock moves: deferred
   * evaluations have run, and sends that answered have been recorded (for tests).
   */
  idle(): Promise<void>;
}

/** DESIGN.md's household document: `escalation: { ackWithin: "5m", repeatEvery: "2m" }`. */
export const DEFAULT_ESCALATION: LadderSettings = { ackWithinMs: 5 * 60_000, repeatEveryMs: 2 * 60_000 };
/** A shorter setting ("0s") would turn the ladder into a stream of messages, so it is raised to this. */
export const MIN_ESCALATION_MS = 30_000;
/** Issue 7, item 4: "an urgent alert that no channel accepted within 60 s moves up the escalation ladder". */
export const ANSWER_WITHIN_MS = 60_000;

const OWNER = 'escalation';

interface Send {
  userId: number;
  delivery: Delivery;
}

/** The sends of one step, or of one "on it" / "over" message: recorded together once all have answered. */
interface Batch {
  alertId: string;
  deadline: number;
  sends: Send[];
  write(outcomes: Map<number, ChannelReport[]>): void;
  /** After it is recorded (or failed to be). */
  then?: () => void;
}

interface Progress {
  last: TakenStep | undefined;
  /** Nothing can be due before this (the next step's time, when it is known). */
  checkAfter: number;
  /** The ladder has ended (a notice sent, a warning's "everyone" taken). */
  ended: boolean;
}

const notifiedAlert = (alert: Pick<AlertRow, 'id' | 'incidentId' | 'title' | 'severity' | 'raisedAt'>): NotifiedAlert => ({
  id: alert.id,
  incidentId: alert.incidentId,
  title: alert.title,
  severity: alert.severity,
  raisedAt: alert.raisedAt,
});

/** A ladder step's entries, as recorded: the step number from the details. */
const stepOf = (row: AlertEventRow): number | undefined => {
  const step = row.details.step;
  return (row.kind === 'notified' || row.kind === 'escalated') && typeof step === 'number' && Number.isInteger(step) ? step : undefined;
};

const wasDelivered = (row: AlertEventRow): boolean =>
  Array.isArray(row.details.outcomes) && row.details.outcomes.some((outcome: unknown) => (outcome as { status?: unknown } | null)?.status === 'delivered');

/** The last ladder step taken, from the timeline: what a restart resumes from. */
export function lastStepTaken(timeline: readonly AlertEventRow[]): TakenStep | undefined {
  let last: TakenStep | undefined;
  for (const row of timeline) {
    const step = stepOf(row);
    if (step !== undefined && (last === undefined || step > last.index)) last = { index: step, at: row.at };
  }
  if (last === undefined) return undefined;
  const told = timeline.filter((row) => row.kind === 'notified' && stepOf(row) === last.index);
  return told.length > 0 && !told.some(wasDelivered) ? { ...last, undelivered: true } : last;
}

export function createEscalationService(deps: EscalationDeps): EscalationService {
  const { store, timeline, alerts, circle, household, notifier, bus, clock, log } = deps;
  const progress = new Map<string, Progress>();
  /** The ladder step being sent for each alert: no second step starts until it is recorded. */
  const stepsInFlight = new Map<string, Batch>();
  const batches = new Set<Batch>();
  /** "alertId:acknowledged" / "alertId:resolved": passed on already (or being), in this process. */
  const passedOn = new Set<string>();
  /** Evaluations deferred off the caller's path (a rule committing an alert is on the ingest path). */
  const deferred = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let warnedSettings = '';

  function settings(): LadderSettings {
    const configured = household.view().household.escalation;
    const read = (text: string | undefined, fallback: number) => (text === undefined ? fallback : (parseDuration(text) ?? fallback));
    const wanted = { ackWithinMs: read(configured?.ackWithin, DEFAULT_ESCALATION.ackWithinMs), repeatEveryMs: read(configured?.repeatEvery, DEFAULT_ESCALATION.repeatEveryMs) };
    const used = { ackWithinMs: Math.max(MIN_ESCALATION_MS, wanted.ackWithinMs), repeatEveryMs: Math.max(MIN_ESCALATION_MS, wanted.repeatEveryMs) };
    const key = `${wanted.ackWithinMs}/${wanted.repeatEveryMs}`;
    if ((used.ackWithinMs !== wanted.ackWithinMs || used.repeatEveryMs !== wanted.repeatEveryMs) && warnedSettings !== key) {
      warnedSettings = key;
      log.warn({ escalation: configured, usedMs: used }, `escalation settings below ${MIN_ESCALATION_MS / 1000} s are raised to it`);
    }
    return used;
  }

  /** The circle as the ladder sees it now: active members, away or not, muted or in quiet hours for this alert. */
  function circleNow(alert: AlertRow, now: number): { members: LadderMember[]; users: Map<number, UserRow> } {
    const minutes = localMinutes(now, household.view().household.home.timezone);
    const away = new Set(
      circle
        .awaySpells(now)
        .filter((spell) => spell.from <= now && now < spell.until)
        .map((spell) => spell.userId),
    );
    const users = new Map(store.users.all().filter((user) => user.disabledAt === null).map((user) => [user.id, user]));
    const members = [...users.values()].map((user): LadderMember => {
      // As for someone not on call: the ladder itself lets an urgent alert through to whoever is (the same policy).
      const decision = notificationDecision(circle.preferencesOf(user.id), alert, { onCall: false, localMinutes: minutes });
      return { userId: user.id, role: user.role, away: away.has(user.id), inQuietHours: decision === 'held-quiet-hours', wants: decision !== 'muted' };
    });
    return { members, users };
  }

  function progressOf(alertId: string): Progress {
    let known = progress.get(alertId);
    if (known === undefined) {
      known = { last: lastStepTaken(timeline.forAlert(alertId)), checkAfter: 0, ended: false };
      progress.set(alertId, known);
    }
    return known;
  }

  /** Starts sending one message to each recipient; a message the notifier refuses is that recipient's failure. */
  function sendAll(recipients: readonly UserRow[], messageFor: (user: UserRow) => NotificationMessage): Send[] {
    return recipients.map((user) => {
      try {
        return { userId: user.id, delivery: notifier.send({ userId: user.id, name: user.name }, messageFor(user)) };
      } catch (error) {
        log.error({ err: error, userId: user.id }, 'could not prepare a notification');
        const report: ChannelReport = { channel: 'notifier', status: 'failed', reason: error instanceof Error ? error.message : String(error), retryable: false };
        return { userId: user.id, delivery: { done: Promise.resolve([report]), sofar: () => [report] } };
      }
    });
  }

  function startBatch(alertId: string, at: number, sends: Send[], write: Batch['write']): Batch {
    const batch: Batch = { alertId, deadline: at + ANSWER_WITHIN_MS, sends, write };
    batches.add(batch);
    void Promise.all(sends.map((send) => send.delivery.done)).then(() => record(batch));
    return batch;
  }

  /**
   * Writes a batch's entries with what each channel said so far (a channel still silent at the
   * deadline is recorded as failed). Once only; never after stop() abandoned it.
   */
  function record(batch: Batch): void {
    if (!batches.delete(batch)) return;
    const outcomes = new Map<number, ChannelReport[]>();
    for (const send of batch.sends) {
      outcomes.set(
        send.userId,
        send.delivery.sofar().map((report): ChannelReport =>
          report.status === 'pending' ? { channel: report.channel, status: 'failed', reason: `no answer within ${ANSWER_WITHIN_MS / 1000} s`, retryable: true } : report,
        ),
      );
    }
    try {
      batch.write(outcomes);
    } catch (error) {
      log.error({ err: error, alert: batch.alertId }, 'could not record notifications in the alert timeline');
    }
    batch.then?.();
  }

  /** Takes one ladder step now: sends, and records it when the sends have answered. */
  function takeStep(alert: AlertRow, next: { step: { index: number; audience: Audience }; to: number[]; reason: StepReason }, users: Map<number, UserRow>, now: number): void {
    const { index, audience } = next.step;
    const recipients = next.to.map((id) => users.get(id)).filter((user): user is UserRow => user !== undefined);
    const sends = sendAll(recipients, (user) => stepMessage(notifiedAlert(alert), next.reason, { acknowledgeable: respondsToAlerts(user.role), now }));
    log.info({ alert: alert.id, type: alert.type, step: index, audience, reason: next.reason, recipients: recipients.map((u) => u.id) }, `escalation step ${index}: ${alert.title}`);
    const batch = startBatch(alert.id, now, sends, (outcomes) => {
      let delivered = false;
      store.transaction(() => {
        for (const [userId, reports] of outcomes) {
          delivered ||= reports.some((report) => report.status === 'delivered');
          timeline.record(alert.id, 'notified', userId, { step: index, audience, outcomes: reports }, now);
        }
        if (index > 0 || recipients.length === 0) {
          timeline.record(alert.id, 'escalated', null, { step: index, audience, recipients: recipients.map((u) => u.id), reason: next.reason }, now);
        }
      });
      progress.set(alert.id, { last: { index, at: now, ...(recipients.length > 0 && !delivered ? { undelivered: true } : {}) }, checkAfter: 0, ended: false });
      if (recipients.length > 0 && !delivered) log.warn({ alert: alert.id, step: index }, 'no channel delivered this step to anyone');
    });
    // Even if recording fails, the step was taken: without this, every tick would send it again.
    progress.set(alert.id, { last: { index, at: now }, checkAfter: 0, ended: false });
    stepsInFlight.set(alert.id, batch);
    batch.then = () => {
      stepsInFlight.delete(alert.id);
      // An undelivered urgent step moves up at once: look again now rather than at the next tick.
      later(() => evaluateById(alert.id));
    };
  }

  function evaluate(alert: AlertRow, now: number): void {
    if (!running || stepsInFlight.has(alert.id)) return;
    if (alert.status === 'resolved' || alert.acknowledgedAt !== null) return;
    const known = progressOf(alert.id);
    if (known.ended || now < known.checkAfter) return;
    const { members, users } = circleNow(alert, now);
    const tiers = circle.onCallAt(now).map((tier) => tier.userIds);
    // An alert stamped a little ahead of this hub's clock (a device's clock runs fast) is still told at once.
    const next = nextStep({ ...alert, raisedAt: Math.min(alert.raisedAt, now) }, settings(), known.last, members, tiers);
    if (next === undefined) {
      known.ended = true;
      return;
    }
    if (next.step.dueAt > now) {
      known.checkAfter = next.step.dueAt;
      return;
    }
    // Another process (the CLI) may have acknowledged it since this hub last looked.
    const fresh = store.alerts.byId(alert.id);
    if (fresh === undefined || fresh.status === 'resolved' || fresh.acknowledgedAt !== null) return;
    takeStep(fresh, next, users, now);
  }

  function evaluateById(alertId: string): void {
    const alert = store.alerts.byId(alertId);
    if (alert !== undefined) evaluate(alert, clock.now());
  }

  /** Runs `work` after the current event (off the ingest path), keeping track of it for idle(). */
  function later(work: () => void): void {
    const done = new Promise<void>((resolve) =>
      setImmediate(() => {
        try {
          work();
        } catch (error) {
          log.error({ err: error }, 'escalation failed');
        }
        resolve();
      }),
    );
    deferred.add(done);
    void done.then(() => deferred.delete(done));
  }

  /**
   * Tells those already told of an alert that someone is on it, or that it is over. Not again if the
   * timeline shows it was done (before a restart); never to the person who did it.
   */
  function passOn(alert: AlertJson, what: 'acknowledged' | 'resolved'): void {
    const key = `${alert.id}:${what}`;
    if (passedOn.has(key)) return;
    passedOn.add(key);
    const entries = timeline.forAlert(alert.id);
    if (entries.some((row) => row.kind === 'notified' && row.details.message === what)) return;
    const told = new Set(entries.filter((row) => stepOf(row) !== undefined && row.kind === 'notified' && row.userId !== null).map((row) => row.userId as number));
    for (const send of stepsInFlight.get(alert.id)?.sends ?? []) told.add(send.userId);
    const actor = what === 'acknowledged' ? alert.acknowledgedBy : alert.resolvedBy;
    if (actor?.id != null) told.delete(actor.id);
    const recipients = [...told]
      .sort((a, b) => a - b)
      .map((id) => store.users.byId(id)).filter((user): user is UserRow => user !== undefined && user.disabledAt === null);
    if (recipients.length === 0) return;
    const subject: NotifiedAlert = { id: alert.id, incidentId: alert.incidentId, title: alert.title, severity: alert.severity as NotifiedAlert['severity'], raisedAt: Date.parse(alert.raisedAt) };
    const message =
      what === 'acknowledged' ? acknowledgedMessage(subject, actor?.name ?? 'Someone') : resolvedMessage(subject, { by: actor?.name ?? null, note: alert.resolution });
    const at = clock.now();
    log.info({ alert: alert.id, message: what, recipients: recipients.map((u) => u.id) }, `passing on: ${message.title}`);
    startBatch(alert.id, at, sendAll(recipients, () => message), (outcomes) => {
      store.transaction(() => {
        for (const [userId, reports] of outcomes) timeline.record(alert.id, 'notified', userId, { message: what, outcomes: reports }, at);
      });
      // A resolved alert changes no more; from here the timeline itself says it was passed on.
      if (what === 'resolved') passedOn.delete(key);
    });
  }

  function alertChanged(alert: AlertJson): void {
    if (alert.status === 'resolved') {
      progress.delete(alert.id);
      passedOn.delete(`${alert.id}:acknowledged`);
      passOn(alert, 'resolved');
      return;
    }
    if (alert.acknowledgedAt !== null) {
      passOn(alert, 'acknowledged');
      return;
    }
    later(() => evaluateById(alert.id));
  }

  const service: EscalationService = {
    start(everyMs = 1000) {
      if (running) return;
      running = true;
      bus.on('alertChanged', OWNER, ({ alert }) => alertChanged(alert));
      // An acknowledgement made just before a stop may not have been passed on yet.
      for (const alert of alerts.openAlerts()) {
        if (alert.acknowledgedAt !== null) passOn(alerts.json(alert), 'acknowledged');
      }
      service.tick();
      timer = setInterval(() => service.tick(), everyMs);
      timer.unref();
    },

    stop() {
      if (!running) return;
      running = false;
      clearInterval(timer);
      bus.removeOwner(OWNER);
      // Not recorded: a step still sending is taken again after a restart (one message too many, not too few).
      batches.clear();
      stepsInFlight.clear();
      progress.clear();
      passedOn.clear();
    },

    tick() {
      if (!running) return;
      const now = clock.now();
      for (const batch of [...batches]) if (now >= batch.deadline) record(batch);
      const open = alerts.openAlerts();
      const openIds = new Set(open.map((alert) => alert.id));
      for (const alertId of progress.keys()) if (!openIds.has(alertId)) progress.delete(alertId);
      for (const alert of open) {
        try {
          evaluate(alert, now);
        } catch (error) {
          log.error({ err: error, alert: alert.id }, 'could not escalate an alert');
        }
      }
    },

    async idle() {
      // Each turn lets every answer already given settle and be recorded; what that starts is deferred, so go round again.
      do await new Promise<void>((resolve) => setImmediate(resolve));
      while (deferred.size > 0);
    },
  };
  return service;
}
