import type { AwaySpellRow } from '../store/member-profiles-repo.js';
import type { OnCallTier } from '../circle/on-call.js';
import type { Preferences } from '../circle/preferences.js';
import { notificationDecision } from '../circle/notification-policy.js';
import type { AlertJson, AlertType, Severity } from '../core/alerts.js';
import type { Clock } from '../core/clock.js';
import { parseDuration } from '../core/duration.js';
import type { EventBus } from '../core/event-bus.js';
import { localMinutes } from '../core/local-time.js';
import type { Logger } from '../core/logger.js';
import type { HouseholdService } from '../household/household-service.js';
import { acknowledgedMessage, resolvedMessage, stepMessage, updateMessage, type NotifiedAlert } from '../notify/alert-messages.js';
import type { NotificationMessage } from '../notify/channel.js';
import type { ChannelReport, Delivery, Notifier } from '../notify/notifier.js';
import type { AlertEventRow } from '../store/alert-events-repo.js';
import type { AlertRow } from '../store/alerts-repo.js';
import type { Store } from '../store/store.js';
import type { UserRow } from '../store/users-repo.js';
import type { AlertService } from './alert-service.js';
import type { CareServices } from './care-services.js';
import {
  incidentLadder,
  ladderStopped,
  nextStep,
  respondsToAlerts,
  type Audience,
  type LadderAlert,
  type LadderMember,
  type LadderSettings,
  type StepReason,
  type TakenStep,
} from './escalation-ladder.js';

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
 *
 * One incident, one ladder (DESIGN.md principle 3, "one incident, not fifty alerts"). The alerts of an
 * incident (a night exit, then leaving the safe zone, then the tracker going silent) climb ONE ladder
 * (escalation-ladder.ts, incidentLadder); an alert with no incident keeps its own, as above.
 *   - The incident's first alert starts it. An alert joining later starts nothing: those already told
 *     in the incident hear "Update: …" once — a 'notified' entry {message: 'update', outcomes} in the
 *     joining alert's timeline — and the ladder goes on at its step and pace (with urgent's rules from
 *     there, if the alert that joined is urgent and the incident was not).
 *   - Each step is recorded on the alert that carried it: the incident's most pressing open alert,
 *     the latest raised among equals — the one its message was about. So the entries stay per alert
 *     and each step is recorded once, whatever the number of alerts ("who was woken" counts a member
 *     once per step, digest-facts.ts). A restart resumes from the latest step recorded on any of the
 *     incident's alerts.
 *   - Anyone acknowledging any alert of the incident, or the incident, stops its ladder, and those told
 *     in the incident hear "Anna is on it" once. When the whole incident is over they hear that once
 *     (details {message: 'resolved', incidentClosed: true, outcomes}); an alert that clears while the
 *     rest goes on says so ("the rest of this incident is still open").
 */
export interface EscalationCircle {
  /** Who answers an alert at `at`, tier by tier (away members skipped). */
  onCallAt(at: number): OnCallTier[];
  preferencesOf(userId: number): Preferences;
  /** Away spells running at or after `now`. */
  awaySpells(now: number): AwaySpellRow[];
}

export interface EscalationDeps {
  store: Pick<Store, 'alerts' | 'incidents' | 'users' | 'transaction'>;
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

/** The sends of one step, or of one "update" / "on it" / "over" message: recorded together once all have answered. */
interface Batch {
  /** The alert whose timeline records it. */
  alertId: string;
  deadline: number;
  sends: Send[];
  write(outcomes: Map<number, ChannelReport[]>): void;
  /** After it is recorded (or failed to be). */
  then?: () => void;
}

/** One ladder: an incident's, shared by all its alerts, or the ladder of an alert with no incident. */
interface Ladder {
  key: string;
  incidentId: string | null;
  /** Every alert on it, oldest first; an incident's resolved ones too (their timelines hold its steps as well). */
  alerts: AlertRow[];
  /** The ladder as escalation-ladder.ts sees it. */
  state: LadderAlert;
  /** The alert the next step is about, and whose timeline records it (incidentLadder). */
  carrier: AlertRow;
}

/** Whose ladder an alert climbs: its incident's, or its own. */
const ladderKey = (alert: { id: string; incidentId: string | null }): string =>
  alert.incidentId === null ? `alert:${alert.id}` : `incident:${alert.incidentId}`;

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

/** A 'notified' entry for someone told as part of the ladder: a step, or an update about an alert that joined the incident. */
const isTold = (row: AlertEventRow): row is AlertEventRow & { userId: number } =>
  row.kind === 'notified' && row.userId !== null && (stepOf(row) !== undefined || row.details.message === 'update');

/** The last ladder step taken, from the timeline (an incident's: all its alerts' entries): what a restart resumes from. */
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
  /** By ladder (ladderKey). */
  const progress = new Map<string, Progress>();
  /** The ladder step being sent on each ladder: no second step starts until it is recorded. */
  const stepsInFlight = new Map<string, Batch>();
  const batches = new Set<Batch>();
  /** "<ladder>:acknowledged", "<ladder or alert>:resolved": passed on already (or being), in this process. */
  const passedOn = new Set<string>();
  /** Alerts a step taken in this process was about (its incident's alerts then): nobody needs an update about them. */
  const covered = new Set<string>();
  /** Alerts whose joining has been looked at (and its update sent, if one was due), in this process. */
  const joinChecked = new Set<string>();
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
  function circleNow(alert: { type: AlertType; severity: Severity }, now: number): { members: LadderMember[]; users: Map<number, UserRow> } {
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

  /** An alert's ladder as stored now (another process, the CLI, may have changed it; another alert may have joined). */
  function readLadder(alert: Pick<AlertRow, 'id' | 'incidentId'>): Ladder | undefined {
    const key = ladderKey(alert);
    if (alert.incidentId === null) {
      const fresh = store.alerts.byId(alert.id);
      return fresh === undefined ? undefined : { key, incidentId: null, alerts: [fresh], state: fresh, carrier: fresh };
    }
    const incident = store.incidents.byId(alert.incidentId);
    if (incident === undefined) return undefined;
    const members = store.alerts.inIncident(alert.incidentId);
    const joined = incidentLadder(members, incident);
    return joined === undefined ? undefined : { key, incidentId: alert.incidentId, alerts: members, state: joined.alert, carrier: joined.carrier };
  }

  /** The timelines of every alert on a ladder, as one list. */
  function ladderTimeline(alertIds: readonly string[]): AlertEventRow[] {
    return alertIds.flatMap((id) => timeline.forAlert(id));
  }

  /** The alerts sharing this alert's ladder: its incident's, or itself alone. */
  function ladderAlertIds(alert: Pick<AlertRow, 'id' | 'incidentId'>): string[] {
    return alert.incidentId === null ? [alert.id] : store.alerts.inIncident(alert.incidentId).map((row) => row.id);
  }

  /** Who has been told as part of a ladder: recorded steps and updates, and the step being sent now. */
  function toldOn(key: string, rows: readonly AlertEventRow[]): Set<number> {
    const told = new Set(rows.filter(isTold).map((row) => row.userId));
    for (const send of stepsInFlight.get(key)?.sends ?? []) told.add(send.userId);
    return told;
  }

  /** Active members among these ids, in id order. */
  function activeUsers(ids: Iterable<number>): UserRow[] {
    return [...ids]
      .sort((a, b) => a - b)
      .map((id) => store.users.byId(id))
      .filter((user): user is UserRow => user !== undefined && user.disabledAt === null);
  }

  function progressOf(ladder: Ladder): Progress {
    let known = progress.get(ladder.key);
    if (known === undefined) {
      known = { last: lastStepTaken(ladderTimeline(ladder.alerts.map((alert) => alert.id))), checkAfter: 0, ended: false };
      progress.set(ladder.key, known);
    }
    return known;
  }

  /** Something changed on a ladder (an alert joined or cleared): whatever it waited for, look again. */
  function reconsider(key: string): void {
    const known = progress.get(key);
    if (known !== undefined) {
      known.checkAfter = 0;
      known.ended = false;
    }
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

  /** Takes one ladder step now: sends, and records it on the step's carrier when the sends have answered. */
  function takeStep(ladder: Ladder, next: { step: { index: number; audience: Audience }; to: number[]; reason: StepReason }, users: Map<number, UserRow>, now: number): void {
    const { index, audience } = next.step;
    const { carrier, key } = ladder;
    const recipients = next.to.map((id) => users.get(id)).filter((user): user is UserRow => user !== undefined);
    const sends = sendAll(recipients, (user) => stepMessage(notifiedAlert(carrier), next.reason, { acknowledgeable: respondsToAlerts(user.role), now }));
    log.info(
      { alert: carrier.id, incident: ladder.incidentId, type: carrier.type, step: index, audience, reason: next.reason, recipients: recipients.map((u) => u.id) },
      `escalation step ${index}: ${carrier.title}`,
    );
    const batch = startBatch(carrier.id, now, sends, (outcomes) => {
      let delivered = false;
      store.transaction(() => {
        for (const [userId, reports] of outcomes) {
          delivered ||= reports.some((report) => report.status === 'delivered');
          timeline.record(carrier.id, 'notified', userId, { step: index, audience, outcomes: reports }, now);
        }
        if (index > 0 || recipients.length === 0) {
          timeline.record(carrier.id, 'escalated', null, { step: index, audience, recipients: recipients.map((u) => u.id), reason: next.reason }, now);
        }
      });
      progress.set(key, { last: { index, at: now, ...(recipients.length > 0 && !delivered ? { undelivered: true } : {}) }, checkAfter: 0, ended: false });
      if (recipients.length > 0 && !delivered) log.warn({ alert: carrier.id, incident: ladder.incidentId, step: index }, 'no channel delivered this step to anyone');
    });
    // Even if recording fails, the step was taken: without this, every tick would send it again.
    progress.set(key, { last: { index, at: now }, checkAfter: 0, ended: false });
    stepsInFlight.set(key, batch);
    // The step's message leads to the incident page: it told its recipients of every alert the incident has now.
    for (const alert of ladder.alerts) if (alert.resolvedAt === null) covered.add(alert.id);
    batch.then = () => {
      stepsInFlight.delete(key);
      // An undelivered urgent step moves up at once: look again now rather than at the next tick.
      later(() => evaluateById(carrier.id));
    };
  }

  /** Takes the step due now on this alert's ladder, if any. */
  function evaluate(alert: AlertRow, now: number): void {
    const key = ladderKey(alert);
    if (!running || stepsInFlight.has(key)) return;
    // Anyone's "I'm on it" stops the ladder, an incident's too. A resolved alert's incident may climb on for its other alerts.
    if (alert.acknowledgedAt !== null || (alert.incidentId === null && alert.status === 'resolved')) return;
    const cached = progress.get(key);
    if (cached !== undefined && (cached.ended || now < cached.checkAfter)) return;
    const ladder = readLadder(alert);
    if (ladder === undefined) return;
    const known = cached ?? progressOf(ladder);
    if (ladderStopped(ladder.state)) {
      known.ended = true;
      return;
    }
    const { members, users } = circleNow(ladder.state, now);
    const tiers = circle.onCallAt(now).map((tier) => tier.userIds);
    // An alert stamped a little ahead of this hub's clock (a device's clock runs fast) is still told at once.
    const next = nextStep({ ...ladder.state, raisedAt: Math.min(ladder.state.raisedAt, now) }, settings(), known.last, members, tiers);
    if (next === undefined) {
      known.ended = true;
      return;
    }
    if (next.step.dueAt > now) {
      known.checkAfter = next.step.dueAt;
      return;
    }
    takeStep(ladder, next, users, now);
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
   * An alert joined an incident whose ladder has told people already: each of them hears "Update: …"
   * once, recorded in the joining alert's timeline ('notified', {message: 'update', outcomes}). Not for
   * an alert a step was about (it carried one, or it was already in the incident when a step was taken
   * in this process), nor twice. After a restart only the recorded steps are known, so "told before it
   * joined" is judged by time: those told at a step taken before the alert was raised. An update that
   * was still sending when the hub stopped is thus sent again: one message too many, never one too few.
   */
  function announceJoin(alertId: string, afterRestart: boolean): void {
    if (joinChecked.has(alertId)) return;
    joinChecked.add(alertId);
    if (covered.has(alertId)) return;
    const alert = store.alerts.byId(alertId);
    if (alert === undefined || alert.incidentId === null || alert.status === 'resolved') return;
    const ladder = readLadder(alert);
    if (ladder === undefined) return;
    const rows = ladderTimeline(ladder.alerts.map((a) => a.id));
    if (rows.some((row) => row.alertId === alert.id && isTold(row))) return;
    const told = new Set<number>();
    for (const row of rows) {
      if (row.alertId !== alert.id && stepOf(row) !== undefined && isTold(row) && (!afterRestart || row.at < alert.raisedAt)) told.add(row.userId);
    }
    if (!afterRestart) for (const send of stepsInFlight.get(ladder.key)?.sends ?? []) told.add(send.userId);
    const recipients = activeUsers(told);
    if (recipients.length === 0) return;
    const acknowledged = ladder.alerts.find((a) => a.acknowledgedAt !== null);
    const onIt = ladder.state.acknowledgedAt === null ? null : ((acknowledged === undefined ? undefined : alerts.json(acknowledged).acknowledgedBy?.name) ?? 'Someone');
    const at = clock.now();
    log.info({ alert: alert.id, incident: alert.incidentId, recipients: recipients.map((u) => u.id) }, `update: ${alert.title}`);
    startBatch(alert.id, at, sendAll(recipients, (user) => updateMessage(notifiedAlert(alert), { acknowledgeable: respondsToAlerts(user.role), onIt })), (outcomes) => {
      store.transaction(() => {
        for (const [userId, reports] of outcomes) timeline.record(alert.id, 'notified', userId, { message: 'update', outcomes: reports }, at);
      });
    });
  }

  /**
   * Tells those already told (on the alert's ladder: its incident's, or its own) that someone is on it.
   * Once per ladder: acknowledging an incident acknowledges each of its alerts, and that is one piece of
   * news. Not again if the timeline shows it was done (before a restart); never to the person who did it.
   */
  function passOnAcknowledged(alert: AlertJson): void {
    const key = `${ladderKey(alert)}:acknowledged`;
    if (passedOn.has(key)) return;
    passedOn.add(key);
    const rows = ladderTimeline(ladderAlertIds(alert));
    if (rows.some((row) => row.kind === 'notified' && row.details.message === 'acknowledged')) return;
    const actor = alert.acknowledgedBy;
    const told = toldOn(ladderKey(alert), rows);
    if (actor?.id != null) told.delete(actor.id);
    const recipients = activeUsers(told);
    if (recipients.length === 0) return;
    const message = acknowledgedMessage(subjectOf(alert), actor?.name ?? 'Someone');
    const at = clock.now();
    log.info({ alert: alert.id, incident: alert.incidentId, message: 'acknowledged', recipients: recipients.map((u) => u.id) }, `passing on: ${message.title}`);
    startBatch(alert.id, at, sendAll(recipients, () => message), (outcomes) => {
      store.transaction(() => {
        for (const [userId, reports] of outcomes) timeline.record(alert.id, 'notified', userId, { message: 'acknowledged', outcomes: reports }, at);
      });
    });
  }

  /**
   * Tells those already told that it is over: once for an alert with no incident; once for a whole
   * incident when it closes (resolving an incident resolves each of its alerts: one piece of news),
   * recorded with incidentClosed; and, for an alert of an incident that goes on, that this part is over
   * and the rest is not. Never to the person who resolved it.
   */
  function passOnResolved(alert: AlertJson): void {
    const incident = alert.incidentId === null ? undefined : store.incidents.byId(alert.incidentId);
    const incidentClosed = incident !== undefined && incident.status !== 'open';
    const key = incidentClosed ? `${ladderKey(alert)}:resolved` : `alert:${alert.id}:resolved`;
    if (passedOn.has(key)) return;
    passedOn.add(key);
    // Over changes no more: once passed on (or found to need nothing), the timeline itself says so.
    if (incidentClosed) passedOn.delete(`${ladderKey(alert)}:acknowledged`);
    if (!startResolved(alert, incident !== undefined, incidentClosed, () => passedOn.delete(key))) passedOn.delete(key);
  }

  /** Sends "Over: …" to those told, unless the timeline shows it was; false when nothing was started. */
  function startResolved(alert: AlertJson, inIncident: boolean, incidentClosed: boolean, recorded: () => void): boolean {
    const rows = ladderTimeline(ladderAlertIds(alert));
    const passed = (row: AlertEventRow) => row.kind === 'notified' && row.details.message === 'resolved';
    if (rows.some((row) => passed(row) && (incidentClosed ? row.details.incidentClosed === true : row.alertId === alert.id))) return false;
    const actor = alert.resolvedBy;
    const told = toldOn(ladderKey(alert), rows);
    if (actor?.id != null) told.delete(actor.id);
    const recipients = activeUsers(told);
    if (recipients.length === 0) return false;
    const message = resolvedMessage(subjectOf(alert), { by: actor?.name ?? null, note: alert.resolution }, { incidentOpen: inIncident && !incidentClosed });
    const at = clock.now();
    log.info({ alert: alert.id, incident: alert.incidentId, message: 'resolved', recipients: recipients.map((u) => u.id) }, `passing on: ${message.title}`);
    startBatch(alert.id, at, sendAll(recipients, () => message), (outcomes) => {
      store.transaction(() => {
        for (const [userId, reports] of outcomes) {
          timeline.record(alert.id, 'notified', userId, { message: 'resolved', ...(incidentClosed ? { incidentClosed: true } : {}), outcomes: reports }, at);
        }
      });
      recorded();
    });
    return true;
  }

  function subjectOf(alert: AlertJson): NotifiedAlert {
    return { id: alert.id, incidentId: alert.incidentId, title: alert.title, severity: alert.severity as NotifiedAlert['severity'], raisedAt: Date.parse(alert.raisedAt) };
  }

  function alertChanged(alert: AlertJson): void {
    const key = ladderKey(alert);
    if (alert.status === 'resolved') {
      covered.delete(alert.id);
      joinChecked.delete(alert.id);
      if (alert.incidentId === null) {
        progress.delete(key);
        passedOn.delete(`${key}:acknowledged`);
      } else {
        // The incident's other alerts climb on, by their own rules (an urgent one cleared: a warning's).
        reconsider(key);
      }
      passOnResolved(alert);
      return;
    }
    if (alert.acknowledgedAt !== null) {
      passOnAcknowledged(alert);
      return;
    }
    // Raised: a new ladder, or one more alert on its incident's (which may now follow urgent's rules).
    reconsider(key);
    later(() => {
      announceJoin(alert.id, false);
      evaluateById(alert.id);
    });
  }

  const service: EscalationService = {
    start(everyMs = 1000) {
      if (running) return;
      running = true;
      bus.on('alertChanged', OWNER, ({ alert }) => alertChanged(alert));
      const open = alerts.openAlerts();
      // An acknowledgement made just before a stop may not have been passed on yet; nor an update.
      for (const alert of open) {
        if (alert.acknowledgedAt !== null) passOnAcknowledged(alerts.json(alert));
      }
      for (const alert of open) {
        try {
          if (alert.incidentId !== null) announceJoin(alert.id, true);
        } catch (error) {
          log.error({ err: error, alert: alert.id }, 'could not pass on an update');
        }
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
      covered.clear();
      joinChecked.clear();
    },

    tick() {
      if (!running) return;
      const now = clock.now();
      for (const batch of [...batches]) if (now >= batch.deadline) record(batch);
      const open = alerts.openAlerts();
      const openLadders = new Set(open.map(ladderKey));
      for (const key of progress.keys()) if (!openLadders.has(key)) progress.delete(key);
      // An incident's alerts share one ladder: looked at once a tick.
      const seen = new Set<string>();
      for (const alert of open) {
        const key = ladderKey(alert);
        if (seen.has(key)) continue;
        seen.add(key);
        try {
          evaluate(alert, now);
        } catch (error) {
          log.error({ err: error, alert: alert.id, incident: alert.incidentId }, 'could not escalate an alert');
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
