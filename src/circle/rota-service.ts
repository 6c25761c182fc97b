import type { PublicUser } from '../accounts/account-service.js';
import type { Role } from '../accounts/roles.js';
import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/event-bus.js';
import { addDays, clockMinutes, localDate, weekdayOf } from '../core/local-time.js';
import { roleMay } from '../http/permissions.js';
import type { AuditRepo } from '../store/audit-repo.js';
import type { AwaySpellRow } from '../store/member-profiles-repo.js';
import type { RotaCoverRow, RotaRepo, RotaShiftRow } from '../store/rota-repo.js';
import type { UserRow, UsersRepo } from '../store/users-repo.js';
import { refusal } from './circle-errors.js';
import { canonicalDays, isClockTime, isLocalDate, weekdayName, weekdays, type Weekday } from './clock-times.js';
import { onCallAt, shiftOccurrence, type OnCallShift, type OnCallTier } from './on-call.js';

/**
 * The on-call rota (issue 6, item 2): who answers first for which local hours and days, swaps and
 * covers, and who is on call at an instant. Issue 6's escalation ladder calls `onCallAt`.
 */
export interface ShiftInput {
  userId: number;
  days: Weekday[];
  start: string;
  end: string;
  tier: number;
}

export interface RotaView {
  timezone: string;
  at: number;
  shifts: OnCallShift[];
  covers: RotaCoverRow[];
  onCall: OnCallTier[];
}

const WEEK_MINUTES = 7 * 1440;
/** Covers are arranged for the coming year at most; listing them spans no more. */
const MAX_COVER_AHEAD_DAYS = 366;

/**
 * Only those who may act on alerts can answer them (an installer or a viewer on call would leave an
 * alert unanswered): the permission table says who, so the rota follows it.
 */
export function canBeOnCall(role: Role): boolean {
  return roleMay(role, 'alerts.act');
}

const toShift = (row: RotaShiftRow): OnCallShift => ({
  id: row.id,
  userId: row.userId,
  days: canonicalDays(row.days.split(',') as Weekday[]),
  start: row.start,
  end: row.end,
  tier: row.tier,
});

/** Minutes an occurrence lasts on the clock: end ≤ start runs past midnight; equal times, a whole day. */
function lengthMinutes(shift: Pick<OnCallShift, 'start' | 'end'>): number {
  const length = (clockMinutes(shift.end) - clockMinutes(shift.start) + 1440) % 1440;
  return length === 0 ? 1440 : length;
}

/** Whether two shifts ever run at the same time in a week (on the clock; DST does not make or break an overlap). */
function overlap(a: OnCallShift, b: OnCallShift): boolean {
  const starts = (shift: OnCallShift) => shift.days.map((day) => weekdays.indexOf(day) * 1440 + clockMinutes(shift.start));
  const lengthA = lengthMinutes(a);
  const lengthB = lengthMinutes(b);
  for (const startA of starts(a)) {
    for (const startB of starts(b)) {
      if ((startB - startA + WEEK_MINUTES) % WEEK_MINUTES < lengthA || (startA - startB + WEEK_MINUTES) % WEEK_MINUTES < lengthB) return true;
    }
  }
  return false;
}

export function createRotaService(deps: {
  rota: RotaRepo;
  users: UsersRepo;
  audit: AuditRepo;
  bus: EventBus;
  clock: Clock;
  transaction: <T>(work: () => T) => T;
  timezone: () => string;
  awaySpells: (now: number) => AwaySpellRow[];
}) {
  const { rota, users, audit, bus, clock, transaction, timezone } = deps;

  /** The shifts of people who can answer now (a disabled member's shifts are removed with them; this is a second guard). */
  function liveShifts(): OnCallShift[] {
    const eligible = new Map<number, boolean>();
    const canAnswer = (userId: number) => {
      let known = eligible.get(userId);
      if (known === undefined) {
        const user = users.byId(userId);
        known = user !== undefined && user.disabledAt === null && canBeOnCall(user.role);
        eligible.set(userId, known);
      }
      return known;
    };
    return rota.shifts().map(toShift).filter((shift) => canAnswer(shift.userId));
  }

  function onCallAtInstant(at: number): OnCallTier[] {
    const zone = timezone();
    const today = localDate(at, zone);
    return onCallAt(at, zone, liveShifts(), rota.coversBetween(addDays(today, -1), today), deps.awaySpells(at));
  }

  /** Someone who can be put on call: an active member whose role may act on alerts. */
  function onCallMember(userId: number): UserRow {
    const user = users.byId(userId);
    if (user === undefined || user.disabledAt !== null) throw refusal('HW_NOT_FOUND', 'member_not_found', `no member ${userId}`);
    if (!canBeOnCall(user.role)) throw refusal('HW_USAGE', 'member_cannot_be_on_call', `${user.name} is ${user.role === 'installer' ? 'an' : 'a'} ${user.role}, who cannot act on alerts`);
    return user;
  }

  function checkShift(candidate: OnCallShift): void {
    if (!isClockTime(candidate.start) || !isClockTime(candidate.end)) throw refusal('HW_USAGE', 'invalid_time', 'start and end are local times "HH:MM"');
    if (candidate.days.length === 0) throw refusal('HW_USAGE', 'no_days', 'a shift runs on at least one day');
    onCallMember(candidate.userId);
    // One person cannot be on call twice at once (in two tiers, or two shifts of one tier).
    const clash = rota
      .shiftsOf(candidate.userId)
      .map(toShift)
      .find((shift) => shift.id !== candidate.id && overlap(shift, candidate));
    if (clash !== undefined) {
      throw refusal('HW_CONFLICT', 'shift_overlaps', `this overlaps shift ${clash.id} of the same member (${clash.days.join(',')} ${clash.start}–${clash.end})`);
    }
  }

  function shiftOrThrow(id: number): OnCallShift {
    const row = rota.shiftById(id);
    if (row === undefined) throw refusal('HW_NOT_FOUND', 'shift_not_found', `no shift ${id}`);
    return toShift(row);
  }

  const changed = () => bus.emit('circleChanged', { what: 'rota' });

  return {
    onCallAt: onCallAtInstant,

    /**
     * Shifts, covers of occurrences starting `from`..`to` (local dates; by default yesterday to four
     * weeks ahead), and who is on call at `at`.
     */
    view(at: number, range: { from?: string | undefined; to?: string | undefined } = {}): RotaView {
      const zone = timezone();
      const today = localDate(at, zone);
      const from = range.from ?? addDays(today, -1);
      const to = range.to ?? addDays(today, 28);
      if (!isLocalDate(from) || !isLocalDate(to)) throw refusal('HW_USAGE', 'invalid_date', 'from and to are local dates "YYYY-MM-DD"');
      if (to < from) throw refusal('HW_USAGE', 'invalid_range', 'to is before from');
      if (addDays(from, MAX_COVER_AHEAD_DAYS) < to) throw refusal('HW_USAGE', 'range_too_long', `a range spans ${MAX_COVER_AHEAD_DAYS} days at most`);
      return { timezone: zone, at, shifts: liveShifts(), covers: rota.coversBetween(from, to), onCall: onCallAtInstant(at) };
    },

    addShift(actorId: number, input: ShiftInput): OnCallShift {
      const candidate: OnCallShift = { id: 0, userId: input.userId, days: canonicalDays(input.days), start: input.start, end: input.end, tier: input.tier };
      const id = transaction(() => {
        checkShift(candidate);
        const id = rota.insertShift({ userId: candidate.userId, days: candidate.days.join(','), start: candidate.start, end: candidate.end, tier: candidate.tier });
        audit.append({ at: clock.now(), userId: actorId, action: 'rota.shift-added', target: `shift:${id}`, details: { ...candidate, id } });
        return id;
      });
      changed();
      return { ...candidate, id };
    },

    changeShift(actorId: number, id: number, patch: Partial<ShiftInput>): OnCallShift {
      const updated = transaction(() => {
        const before = shiftOrThrow(id);
        const after: OnCallShift = { ...before, ...patch, days: canonicalDays(patch.days ?? before.days), id };
        checkShift(after);
        rota.updateShift({ id, userId: after.userId, days: after.days.join(','), start: after.start, end: after.end, tier: after.tier });
        audit.append({ at: clock.now(), userId: actorId, action: 'rota.shift-changed', target: `shift:${id}`, details: { before, after } });
        return after;
      });
      changed();
      return updated;
    },

    removeShift(actorId: number, id: number): void {
      transaction(() => {
        const before = shiftOrThrow(id);
        rota.deleteShift(id);
        audit.append({ at: clock.now(), userId: actorId, action: 'rota.shift-removed', target: `shift:${id}`, details: { before } });
      });
      changed();
    },

    /**
     * Someone covers one occurrence of a shift (a swap). `mayArrangeAny` is rota.manage; without it
     * (a carer: rota.swap) the caller may cover a shift themselves, or hand on a turn that is theirs
     * (their own shift, or a cover they had taken), but not rearrange other people's turns.
     */
    cover(actor: Pick<PublicUser, 'id'>, mayArrangeAny: boolean, input: { shiftId: number; date: string; userId: number }): RotaCoverRow {
      const result = transaction(() => {
        const shift = shiftOrThrow(input.shiftId);
        if (!isLocalDate(input.date)) throw refusal('HW_USAGE', 'invalid_date', 'date is a local date "YYYY-MM-DD"');
        if (!shift.days.includes(weekdayName(weekdayOf(input.date)))) throw refusal('HW_USAGE', 'not_a_shift_day', `shift ${shift.id} does not run on ${input.date} (${shift.days.join(',')})`);
        const now = clock.now();
        const zone = timezone();
        if (shiftOccurrence(shift, input.date, zone).end <= now) throw refusal('HW_USAGE', 'shift_over', `the shift of ${input.date} is over`);
        if (input.date > addDays(localDate(now, zone), MAX_COVER_AHEAD_DAYS)) throw refusal('HW_USAGE', 'too_far_ahead', `covers are arranged up to ${MAX_COVER_AHEAD_DAYS} days ahead`);
        if (input.userId === shift.userId) throw refusal('HW_USAGE', 'cover_is_shift_holder', 'this member holds the shift already: remove the cover instead');
        onCallMember(input.userId);
        const existing = rota.coverOf(shift.id, input.date);
        const currentHolder = existing?.userId ?? shift.userId;
        if (!mayArrangeAny && input.userId !== actor.id && currentHolder !== actor.id && shift.userId !== actor.id) {
          throw refusal('HW_FORBIDDEN', 'not_your_shift', 'you may cover a shift yourself or hand on your own; arranging others’ turns needs rota.manage');
        }
        if (!mayArrangeAny && existing !== undefined && input.userId === actor.id && existing.userId !== actor.id && shift.userId !== actor.id) {
          throw refusal('HW_CONFLICT', 'already_covered', `someone already covers this shift on ${input.date}`);
        }
        const cover = rota.putCover({ shiftId: shift.id, date: input.date, userId: input.userId, createdBy: actor.id, createdAt: now });
        audit.append({ at: now, userId: actor.id, action: 'rota.cover-added', target: `shift:${shift.id}`, details: { date: input.date, userId: input.userId, replaced: existing?.userId ?? null } });
        return cover;
      });
      changed();
      return result;
    },

    /** Cancels a cover: the shift's holder is on call again. Without rota.manage, only someone it concerns may. */
    removeCover(actor: Pick<PublicUser, 'id'>, mayArrangeAny: boolean, id: number): void {
      transaction(() => {
        const cover = rota.coverById(id);
        if (cover === undefined) throw refusal('HW_NOT_FOUND', 'cover_not_found', `no cover ${id}`);
        const shift = rota.shiftById(cover.shiftId);
        const concerned = [cover.userId, cover.createdBy, shift?.userId].includes(actor.id);
        if (!mayArrangeAny && !concerned) throw refusal('HW_FORBIDDEN', 'not_your_shift', 'only the people a cover concerns, or rota.manage, may cancel it');
        rota.deleteCover(id);
        audit.append({ at: clock.now(), userId: actor.id, action: 'rota.cover-removed', target: `shift:${cover.shiftId}`, details: { date: cover.date, userId: cover.userId } });
      });
      changed();
    },

    /** Takes a member off the rota (they left, or their new role cannot act on alerts); returns what was removed. */
    removeMember(actorId: number, userId: number): { shifts: number; covers: number } {
      const removed = transaction(() => ({ covers: rota.deleteCoversBy(userId), shifts: rota.deleteShiftsOf(userId) }));
      if (removed.shifts + removed.covers > 0) {
        audit.append({ at: clock.now(), userId: actorId, action: 'rota.member-removed', target: `user:${userId}`, details: removed });
        changed();
      }
      return removed;
    },
  };
}

export type RotaService = ReturnType<typeof createRotaService>;
