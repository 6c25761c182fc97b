import type { AlertType, Severity } from '../core/alerts.js';

/**
 * The escalation ladder (DESIGN.md, "Rule semantics"; issue 6, item 4), as a pure function of the
 * alert, the settings, who is on call and who may be told. The escalation service (escalation.ts)
 * asks it what is due, sends, and records each step taken in the alert's timeline, so after a restart
 * the ladder resumes from the steps recorded: nothing here keeps state.
 *
 * An urgent alert:   step 0 → on-call tier 1 at once; not acknowledged within `ackWithin` → tier 2,
 *                    and so on; after the last tier → everyone who can act; then everyone again every
 *                    `repeatEvery` until someone says "I'm on it".
 * A warning:         the same tiers, then everyone once; no repeats (it needs a person soon, not a siren).
 * A notice:          once, to the members who asked for that kind of notice; no escalation.
 * A fault:           once, to the owner and installers (the system itself needs fixing).
 * With no rota at all, "on call" is everyone who can act: the alert is never sent to nobody.
 * A tier whose members are all away (or who all turned this off) is skipped without waiting, so an
 * empty tier cannot eat `ackWithin` of a night-time emergency.
 *
 * Quiet hours and muting (issue 6, item 1) mean what src/circle/notification-policy.ts says: an urgent
 * alert for whoever is on call is always sent ("quiet hours never silence an urgent alert for whoever
 * is on call", nor do their toggles); otherwise a member who switched this alert's type or severity
 * (or push) off is not told, and one in quiet hours is held. The ladder adds one thing: once it reaches
 * "everyone", quiet hours give way for an urgent alert nobody on call has acknowledged — an unanswered
 * emergency at 2 a.m. is what the circle agreed to be woken for. Muting does not give way: a member
 * who switched it off said so.
 *
 * An urgent alert that no channel accepted for anyone in a tier (issue 7, item 4) moves up at once:
 * waiting `ackWithin` for an answer from people the alert never reached only loses time.
 *
 * One incident, one ladder (DESIGN.md principle 3, "one incident, not fifty alerts"): the alerts of an
 * incident climb a single ladder together (incidentLadder below), as if they were one alert.
 */
export interface LadderAlert {
  type: AlertType;
  severity: Severity;
  raisedAt: number;
  acknowledgedAt: number | null;
  resolvedAt: number | null;
}

export interface LadderSettings {
  ackWithinMs: number;
  repeatEveryMs: number;
}

export type LadderRole = 'owner' | 'family' | 'carer' | 'installer' | 'viewer';

/** One member as the ladder sees them at the moment a step is taken. */
export interface LadderMember {
  userId: number;
  role: LadderRole;
  away: boolean;
  /** Inside their quiet hours now (notification-policy.ts's 'held-quiet-hours'). */
  inQuietHours: boolean;
  /** False when their preferences mute this alert's type or severity, or push (notification-policy.ts's 'muted'). */
  wants: boolean;
}

export interface LadderStep {
  /** 0 for the first notification; recorded with each step so a restart resumes after it. */
  index: number;
  dueAt: number;
  /** An on-call tier (numbered from 1), everyone who can act (`repeat` 0 the first time), or one message for notices and faults. */
  audience: Audience;
}

export type Audience = { kind: 'tier'; tier: number } | { kind: 'everyone'; repeat: number } | { kind: 'once' };

/** The step taken last, as recorded in the alert's timeline. */
export interface TakenStep {
  index: number;
  at: number;
  /** True when no channel accepted the step's message for any of its recipients (issue 7, item 4). */
  undelivered?: boolean;
}

/** Why a step is taken: the first message, a tier that did not answer, a repeat, or a tier the alert never reached. */
export type StepReason = 'raised' | 'not-acknowledged' | 'repeat' | 'undelivered';

/** Roles that can say "I'm on it" (alerts.act in src/http/permissions.ts). */
const RESPONDERS: readonly LadderRole[] = ['owner', 'family', 'carer'];

/** Whether a member in this role can say "I'm on it" (so is offered it in a notification). */
export function respondsToAlerts(role: LadderRole): boolean {
  return RESPONDERS.includes(role);
}

/** Most pressing first: what an incident's ladder follows when its alerts differ. */
const SEVERITY_ORDER: readonly Severity[] = ['urgent', 'warning', 'notice', 'fault'];
const pressing = (severity: Severity) => SEVERITY_ORDER.indexOf(severity);

const escalates = (severity: Severity) => severity === 'urgent' || severity === 'warning';

/** Who a step with this index addresses, or undefined past the ladder's end (`tiers` on-call tiers). */
export function audienceAt(index: number, severity: Severity, tiers: number): Audience | undefined {
  if (index < 0 || !Number.isInteger(index)) return undefined;
  if (!escalates(severity)) return index === 0 ? { kind: 'once' } : undefined;
  if (index < tiers) return { kind: 'tier', tier: index + 1 };
  const repeat = index - tiers;
  // A warning goes to everyone once; only an urgent alert repeats.
  if (repeat > 0 && severity !== 'urgent') return undefined;
  return { kind: 'everyone', repeat };
}

/** Whether the ladder has stopped for this alert: someone is on it, or it is over. */
export function ladderStopped(alert: LadderAlert): boolean {
  return alert.acknowledgedAt !== null || alert.resolvedAt !== null;
}

/**
 * Who is told at a step. `onCall` lists the on-call tiers (user ids, tier 1 first) at the step's time;
 * members absent from `members` (disabled, gone) are never told.
 */
export function recipients(step: LadderStep, alert: LadderAlert, members: readonly LadderMember[], onCall: readonly (readonly number[])[]): number[] {
  const byId = new Map(members.map((m) => [m.userId, m]));
  const onCallIds = new Set(onCall.flat());
  const present = (m: LadderMember | undefined): m is LadderMember => m !== undefined && !m.away;

  const urgent = alert.severity === 'urgent';
  // notification-policy.ts for someone not on call (and for anything but an urgent alert): not muted, not in quiet hours.
  const free = (m: LadderMember) => m.wants && !m.inQuietHours;

  if (step.audience.kind === 'once') {
    // Faults to those who fix the system; notices to anyone who asked. Never in their quiet hours.
    if (alert.severity === 'fault') return members.filter((m) => !m.away && (m.role === 'owner' || m.role === 'installer') && free(m)).map((m) => m.userId);
    return members.filter((m) => !m.away && m.role !== 'installer' && free(m)).map((m) => m.userId);
  }

  if (step.audience.kind === 'tier') {
    const tier = onCall[step.audience.tier - 1] ?? [];
    // On call means on call: neither quiet hours nor toggles silence an urgent alert they answer first.
    return tier
      .map((id) => byId.get(id))
      .filter(present)
      .filter((m) => RESPONDERS.includes(m.role) && (urgent || free(m)))
      .map((m) => m.userId);
  }

  return members
    .filter((m) => !m.away && RESPONDERS.includes(m.role))
    .filter((m) => (urgent && onCallIds.has(m.userId)) || (m.wants && (urgent || !m.inQuietHours)))
    .map((m) => m.userId);
}

/**
 * The next step: due at once for a new alert, `ackWithin` after a tier was told, `repeatEvery` after
 * everyone was. Timed from when the last step was TAKEN (not from when it was due), so a hub that was
 * down catches up with one step, not a burst of every repeat it missed. A tier nobody in it can be
 * told is skipped at no cost in time. Undefined when the ladder is over or someone is on it.
 */
export function nextStep(
  alert: LadderAlert,
  settings: LadderSettings,
  last: TakenStep | undefined,
  members: readonly LadderMember[],
  onCall: readonly (readonly number[])[],
): { step: LadderStep; to: number[]; reason: StepReason } | undefined {
  if (ladderStopped(alert)) return undefined;
  // With no rota, everyone who can act is "on call", as one tier.
  const tiers = onCall.length === 0 ? [members.filter((m) => RESPONDERS.includes(m.role)).map((m) => m.userId)] : onCall;
  let dueAt = alert.raisedAt;
  let reason: StepReason = 'raised';
  if (last !== undefined) {
    const previous = audienceAt(last.index, alert.severity, tiers.length);
    if (previous?.kind === 'everyone') {
      dueAt = last.at + settings.repeatEveryMs;
      reason = 'repeat';
    } else if (last.undelivered === true && alert.severity === 'urgent') {
      // Issue 7, item 4: nobody in that tier got it, so nobody in it can answer — the next people now.
      dueAt = last.at;
      reason = 'undelivered';
    } else {
      dueAt = last.at + settings.ackWithinMs;
      reason = 'not-acknowledged';
    }
  }
  for (let index = last === undefined ? 0 : last.index + 1; ; index++) {
    const audience = audienceAt(index, alert.severity, tiers.length);
    if (audience === undefined) return undefined;
    const step: LadderStep = { index, dueAt, audience };
    const to = recipients(step, alert, members, tiers);
    if (to.length > 0 || audience.kind !== 'tier') return { step, to, reason };
  }
}

/** What the ladder needs of an incident: when someone first said "I'm on it" to any of it, and when it closed. */
export interface LadderIncident {
  acknowledgedAt: number | null;
  closedAt: number | null;
}

/**
 * An incident's alerts as ONE ladder (DESIGN.md principle 3: a night exit, then leaving the safe zone,
 * then the tracker going silent are one incident, not three ladders of messages):
 *  - it follows the rules of the most pressing alert still open, so an urgent alert joining a warning's
 *    incident carries the ladder on with urgent's rules (repeats included) from the step it has reached;
 *    once that alert clears, the rest go on by their own;
 *  - it began when the incident's first alert was raised (the first step is due then);
 *  - it stops once anyone acknowledged any alert of the incident, or the incident itself, or it closed;
 *  - the carrier — the alert a step's message is about, and whose timeline records the step — is the
 *    most pressing open alert, the most recently raised among equals: the freshest news of the worst
 *    that is happening, which is what someone hearing of it for the first time needs to read.
 * Undefined when none of its alerts is open (nothing left to climb for). `alerts` may come in any order.
 */
export function incidentLadder<A extends LadderAlert>(alerts: readonly A[], incident: LadderIncident): { alert: LadderAlert; carrier: A } | undefined {
  let carrier: A | undefined;
  for (const alert of alerts) {
    if (alert.resolvedAt !== null) continue;
    if (
      carrier === undefined ||
      pressing(alert.severity) < pressing(carrier.severity) ||
      (pressing(alert.severity) === pressing(carrier.severity) && alert.raisedAt >= carrier.raisedAt)
    ) {
      carrier = alert;
    }
  }
  if (carrier === undefined) return undefined;
  const acknowledged = alerts.map((alert) => alert.acknowledgedAt).filter((at): at is number => at !== null);
  const alert: LadderAlert = {
    type: carrier.type,
    severity: carrier.severity,
    raisedAt: Math.min(...alerts.map((a) => a.raisedAt)),
    acknowledgedAt: incident.acknowledgedAt ?? (acknowledged.length === 0 ? null : Math.min(...acknowledged)),
    resolvedAt: incident.closedAt,
  };
  return { alert, carrier };
}
