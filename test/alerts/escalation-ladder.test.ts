import { describe, expect, it } from 'vitest';
import { audienceAt, incidentLadder, nextStep, type LadderAlert, type LadderMember, type TakenStep } from '../../src/alerts/escalation-ladder.js';

const M = 60_000;
const T0 = Date.UTC(2026, 0, 15, 2, 0, 0);
const settings = { ackWithinMs: 5 * M, repeatEveryMs: 2 * M };

// The circle of the issue: a live-in carer by day, Anna at night, Ben at weekends; an installer; a viewer.
const ANNA = 1;
const BEN = 2;
const CARER = 3;
const OWNER = 4;
const INSTALLER = 5;
const VIEWER = 6;

function member(userId: number, role: LadderMember['role'], patch: Partial<LadderMember> = {}): LadderMember {
  return { userId, role, away: false, inQuietHours: false, wants: true, ...patch };
}

const circle = (patch: Record<number, Partial<LadderMember>> = {}): LadderMember[] => [
  member(ANNA, 'family', patch[ANNA]),
  member(BEN, 'family', patch[BEN]),
  member(CARER, 'carer', patch[CARER]),
  member(OWNER, 'owner', patch[OWNER]),
  member(INSTALLER, 'installer', patch[INSTALLER]),
  member(VIEWER, 'viewer', patch[VIEWER]),
];

const urgent: LadderAlert = { type: 'night-exit', severity: 'urgent', raisedAt: T0, acknowledgedAt: null, resolvedAt: null };

/** Walks the ladder as the escalation service does: each step taken when due; returns (minutes after T0, recipients). */
function walk(alert: LadderAlert, members: LadderMember[], onCall: number[][], steps: number): Array<[number, number[]]> {
  const seen: Array<[number, number[]]> = [];
  let last: TakenStep | undefined;
  for (let i = 0; i < steps; i++) {
    const next = nextStep(alert, settings, last, members, onCall);
    if (next === undefined) break;
    seen.push([(next.step.dueAt - T0) / M, [...next.to].sort()]);
    last = { index: next.step.index, at: next.step.dueAt };
  }
  return seen;
}

describe('escalation ladder', () => {
  it('urgent: on call first, the next tier after ackWithin, then everyone who can act, repeated every repeatEvery', () => {
    expect(walk(urgent, circle(), [[ANNA], [BEN]], 6)).toEqual([
      [0, [ANNA]],
      [5, [BEN]],
      [10, [ANNA, BEN, CARER, OWNER]],
      [12, [ANNA, BEN, CARER, OWNER]],
      [14, [ANNA, BEN, CARER, OWNER]],
      [16, [ANNA, BEN, CARER, OWNER]],
    ]);
  });

  it('stops the moment someone is on it, or it is resolved', () => {
    expect(nextStep({ ...urgent, acknowledgedAt: T0 + M }, settings, { index: 0, at: T0 }, circle(), [[ANNA]])).toBeUndefined();
    expect(nextStep({ ...urgent, resolvedAt: T0 + M }, settings, undefined, circle(), [[ANNA]])).toBeUndefined();
  });

  it('quiet hours never silence an urgent alert for whoever is on call', () => {
    const quiet = circle({ [ANNA]: { inQuietHours: true, wants: false } });
    expect(walk(urgent, quiet, [[ANNA], [BEN]], 1)).toEqual([[0, [ANNA]]]);
  });

  it('a warning does not wake members in quiet hours who are not on call, and goes to everyone only once', () => {
    const warning: LadderAlert = { ...urgent, type: 'door-open-too-long', severity: 'warning' };
    const quiet = circle({ [CARER]: { inQuietHours: true } });
    expect(walk(warning, quiet, [[ANNA]], 5)).toEqual([
      [0, [ANNA]],
      [5, [ANNA, BEN, OWNER]],
    ]);
  });

  it('once the ladder reaches everyone, an unanswered urgent alert wakes even those in quiet hours', () => {
    const quiet = circle({ [CARER]: { inQuietHours: true } });
    expect(walk(urgent, quiet, [[ANNA]], 2)[1]).toEqual([5, [ANNA, BEN, CARER, OWNER]]);
  });

  it('muting means what notification-policy.ts says: not told, not even by "everyone", unless urgent and on call', () => {
    // The carer switched night exits off; Ben too, but he is on call tonight.
    const muted = circle({ [CARER]: { wants: false }, [BEN]: { wants: false } });
    expect(walk(urgent, muted, [[ANNA], [BEN]], 3)).toEqual([
      [0, [ANNA]],
      [5, [BEN]],
      [10, [ANNA, BEN, OWNER]],
    ]);
    // A warning is not urgent: on call or not, a muted member is not told (the tier is skipped at no cost).
    const warning: LadderAlert = { ...urgent, type: 'missed-dose', severity: 'warning' };
    expect(walk(warning, muted, [[BEN], [ANNA]], 3)).toEqual([
      [0, [ANNA]],
      [5, [ANNA, OWNER]],
    ]);
  });

  it('a warning is held for someone on call in their quiet hours (only urgent alerts override them)', () => {
    const warning: LadderAlert = { ...urgent, type: 'missed-dose', severity: 'warning' };
    expect(walk(warning, circle({ [ANNA]: { inQuietHours: true } }), [[ANNA], [BEN]], 3)).toEqual([
      [0, [BEN]],
      [5, [BEN, CARER, OWNER]],
    ]);
  });

  it('an urgent alert no channel delivered to anyone in a tier moves up at once (issue 7, item 4), and says why', () => {
    const next = nextStep(urgent, settings, { index: 0, at: T0 + 1 * M, undelivered: true }, circle(), [[ANNA], [BEN]]);
    expect(next).toEqual({ step: { index: 1, dueAt: T0 + 1 * M, audience: { kind: 'tier', tier: 2 } }, to: [BEN], reason: 'undelivered' });
    // Delivered: the tier has ackWithin to answer.
    expect(nextStep(urgent, settings, { index: 0, at: T0 }, circle(), [[ANNA], [BEN]])).toMatchObject({ step: { dueAt: T0 + 5 * M }, reason: 'not-acknowledged' });
    // Repeats to everyone keep their pace whatever was delivered: no loop of messages nobody receives.
    expect(nextStep(urgent, settings, { index: 2, at: T0 + 10 * M, undelivered: true }, circle(), [[ANNA], [BEN]])).toMatchObject({ step: { dueAt: T0 + 12 * M }, reason: 'repeat' });
    // A warning waits ackWithin as usual.
    const warning: LadderAlert = { ...urgent, type: 'missed-dose', severity: 'warning' };
    expect(nextStep(warning, settings, { index: 0, at: T0, undelivered: true }, circle(), [[ANNA], [BEN]])?.step.dueAt).toBe(T0 + 5 * M);
  });

  it('a fault is not sent to an owner or installer who switched faults off', () => {
    const fault: LadderAlert = { ...urgent, type: 'sensor-silent', severity: 'fault' };
    expect(walk(fault, circle({ [OWNER]: { wants: false } }), [[ANNA]], 2)).toEqual([[0, [INSTALLER]]]);
  });

  it('skips a tier whose members are all away, at no cost in time', () => {
    const anneAway = circle({ [ANNA]: { away: true } });
    expect(walk(urgent, anneAway, [[ANNA], [BEN]], 3)).toEqual([
      [0, [BEN]],
      [5, [BEN, CARER, OWNER]],
      [7, [BEN, CARER, OWNER]],
    ]);
  });

  it('with no rota, everyone who can act is told at once — never nobody', () => {
    expect(walk(urgent, circle(), [], 2)).toEqual([
      [0, [ANNA, BEN, CARER, OWNER]],
      [5, [ANNA, BEN, CARER, OWNER]],
    ]);
  });

  it('never sends an alert to an installer or a viewer on the ladder, even if the rota names them', () => {
    expect(walk(urgent, circle(), [[INSTALLER, VIEWER, ANNA]], 1)).toEqual([[0, [ANNA]]]);
  });

  it('a fault goes once to the owner and installers; a notice once to those who asked and are not in quiet hours', () => {
    const fault: LadderAlert = { ...urgent, type: 'sensor-silent', severity: 'fault' };
    expect(walk(fault, circle(), [[ANNA]], 3)).toEqual([[0, [OWNER, INSTALLER]]]);
    const notice: LadderAlert = { ...urgent, type: 'low-battery', severity: 'notice' };
    const members = circle({ [BEN]: { wants: false }, [CARER]: { inQuietHours: true } });
    expect(walk(notice, members, [[ANNA]], 3)).toEqual([[0, [ANNA, OWNER, VIEWER]]]);
  });

  it('after a restart, resumes from the step recorded: one catch-up step, not a burst of every repeat missed', () => {
    const last: TakenStep = { index: 2, at: T0 + 10 * M };
    // The hub was down from 10 to 40 minutes after the alert: the next repeat is due at once (12 < 40)…
    const next = nextStep(urgent, settings, last, circle(), [[ANNA], [BEN]]);
    expect(next?.step).toEqual({ index: 3, dueAt: T0 + 12 * M, audience: { kind: 'everyone', repeat: 1 } });
    // …and the one after is timed from when that one is actually taken.
    const after = nextStep(urgent, settings, { index: 3, at: T0 + 40 * M }, circle(), [[ANNA], [BEN]]);
    expect(after?.step.dueAt).toBe(T0 + 42 * M);
  });

  it('addresses tiers, then everyone, for urgent and warning; notices and faults once', () => {
    expect([0, 1, 2, 3].map((i) => audienceAt(i, 'urgent', 2)?.kind)).toEqual(['tier', 'tier', 'everyone', 'everyone']);
    expect([0, 1, 2, 3].map((i) => audienceAt(i, 'warning', 2)?.kind)).toEqual(['tier', 'tier', 'everyone', undefined]);
    expect([0, 1].map((i) => audienceAt(i, 'notice', 2)?.kind)).toEqual(['once', undefined]);
    expect(audienceAt(-1, 'urgent', 2)).toBeUndefined();
  });

  describe('one ladder per incident (DESIGN.md principle 3)', () => {
    const open = { acknowledgedAt: null, closedAt: null };
    const exit = { ...urgent, id: 'exit' };
    const doorOpen = { ...urgent, id: 'door', type: 'door-open-too-long', severity: 'warning', raisedAt: T0 + 3 * M } as const;
    const left = { ...urgent, id: 'left', type: 'left-safe-zone', raisedAt: T0 + 2 * M } as const;

    it('follows the most pressing open alert, and the step is about the latest raised of those', () => {
      expect(incidentLadder([exit, left, doorOpen], open)).toEqual({
        alert: { type: 'left-safe-zone', severity: 'urgent', raisedAt: T0, acknowledgedAt: null, resolvedAt: null },
        carrier: left,
      });
      // Whatever the order they come in.
      expect(incidentLadder([doorOpen, left, exit], open)?.carrier.id).toBe('left');
    });

    it('an urgent alert joining a warning carries the ladder on with urgent\'s rules from its step; once it clears, the warning\'s again', () => {
      const warningOnly = incidentLadder([{ ...doorOpen, raisedAt: T0 }], open);
      expect(warningOnly?.alert.severity).toBe('warning');
      // The warning's ladder has told everyone (step 2 with two tiers): it is over…
      const everyone: TakenStep = { index: 2, at: T0 + 10 * M };
      expect(nextStep(warningOnly!.alert, settings, everyone, circle(), [[ANNA], [BEN]])).toBeUndefined();
      // …until an urgent alert joins: the next repeat, timed from that step.
      const joined = incidentLadder([{ ...doorOpen, raisedAt: T0 }, { ...left, raisedAt: T0 + 11 * M }], open);
      expect(nextStep(joined!.alert, settings, everyone, circle(), [[ANNA], [BEN]])).toMatchObject({ step: { index: 3, dueAt: T0 + 12 * M }, reason: 'repeat' });
      const cleared = incidentLadder([{ ...doorOpen, raisedAt: T0 }, { ...left, resolvedAt: T0 + 13 * M }], open);
      expect(cleared?.alert.severity).toBe('warning');
      expect(cleared?.carrier.id).toBe('door');
    });

    it('began with its first alert, even one since cleared: the first step is due then', () => {
      const ladder = incidentLadder([{ ...exit, resolvedAt: T0 + M }, left], open);
      expect(ladder?.alert.raisedAt).toBe(T0);
      expect(ladder?.carrier.id).toBe('left');
    });

    it('stops once anyone acknowledged any of its alerts, or the incident, or it closed; nothing to climb for once all are resolved', () => {
      expect(incidentLadder([exit, { ...left, acknowledgedAt: T0 + 4 * M }], open)?.alert.acknowledgedAt).toBe(T0 + 4 * M);
      expect(incidentLadder([exit, left], { acknowledgedAt: T0 + 3 * M, closedAt: null })?.alert.acknowledgedAt).toBe(T0 + 3 * M);
      for (const ladder of [
        incidentLadder([exit, { ...left, acknowledgedAt: T0 + 4 * M }], open),
        incidentLadder([exit, left], { acknowledgedAt: null, closedAt: T0 + 9 * M }),
      ]) {
        expect(nextStep(ladder!.alert, settings, { index: 0, at: T0 }, circle(), [[ANNA], [BEN]])).toBeUndefined();
      }
      expect(incidentLadder([{ ...exit, resolvedAt: T0 + M }], open)).toBeUndefined();
      expect(incidentLadder([], open)).toBeUndefined();
    });
  });
});
