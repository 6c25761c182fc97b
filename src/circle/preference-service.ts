import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/event-bus.js';
import type { Logger } from '../core/logger.js';
import type { AuditRepo } from '../store/audit-repo.js';
import type { AwaySpellRow, MemberProfilesRepo } from '../store/member-profiles-repo.js';
import type { UsersRepo } from '../store/users-repo.js';
import { refusal } from './circle-errors.js';
import { parseInstant } from './clock-times.js';
import { parseStoredPreferences, withDefaults, type Preferences } from './preferences.js';

/** A member's preferences and away spell, as the API shows them. */
export interface MemberPreferences {
  userId: number;
  preferences: Preferences;
  /** Current or coming away spell; null when none. */
  away: { from: number; until: number } | null;
  /** When they last changed any of it; null if never. */
  updatedAt: number | null;
}

/** An away spell longer than this is a leave of the circle, which is the owner's to arrange. */
const MAX_AWAY_MS = 366 * 86_400_000;

/**
 * Each member's notification preferences, quiet hours, digest and "away" (issue 6, items 1 and 2).
 * Issue 6 reads them through `preferencesOf` and `awaySpells`.
 */
export function createPreferenceService(deps: { profiles: MemberProfilesRepo; users: UsersRepo; audit: AuditRepo; bus: EventBus; clock: Clock; log: Logger }) {
  const { profiles, users, audit, bus, clock, log } = deps;

  function preferencesOf(userId: number): Preferences {
    const stored = profiles.byUser(userId)?.preferences;
    if (stored === undefined) return withDefaults({});
    const parsed = parseStoredPreferences(stored);
    if (parsed === undefined) {
      // Never leave a member unreachable over a damaged row: fall back to "notify of everything".
      log.warn({ userId }, 'stored notification preferences do not fit the schema: using the defaults');
      return withDefaults({});
    }
    return parsed;
  }

  function activeMember(userId: number) {
    const user = users.byId(userId);
    if (user === undefined || user.disabledAt !== null) throw refusal('HW_NOT_FOUND', 'not_found', `no member ${userId}`);
    return user;
  }

  function show(userId: number): MemberPreferences {
    const profile = profiles.byUser(userId);
    const now = clock.now();
    const away = profile?.awayFrom != null && profile.awayUntil != null && profile.awayUntil > now ? { from: profile.awayFrom, until: profile.awayUntil } : null;
    return { userId, preferences: preferencesOf(userId), away, updatedAt: profile?.updatedAt ?? null };
  }

  return {
    preferencesOf,

    /** Away spells still running or to come, for the rota. */
    awaySpells(now: number): AwaySpellRow[] {
      return profiles.awayAfter(now);
    },

    show(userId: number): MemberPreferences {
      activeMember(userId);
      return show(userId);
    },

    /** Replaces a member's preferences (missing fields take their defaults). */
    replace(userId: number, candidate: Preferences): MemberPreferences {
      activeMember(userId);
      const preferences = withDefaults(candidate);
      const quiet = preferences.quietHours;
      if (quiet !== null && quiet.start === quiet.end) {
        throw refusal('HW_USAGE', 'quiet_hours_empty', 'quiet hours need different start and end times (use null for none)');
      }
      const now = clock.now();
      profiles.savePreferences(userId, JSON.stringify(preferences), now);
      // Worth a line in the trail: a member who stops being notified changes who answers at 2 a.m.
      audit.append({ at: now, userId, action: 'preferences.changed', target: `user:${userId}`, details: { push: preferences.channels.push, quietHours: preferences.quietHours } });
      bus.emit('circleChanged', { what: 'preferences' });
      return show(userId);
    },

    /** Marks a member away from `from` until `until` (ISO 8601 with an offset); the rota skips them meanwhile. */
    setAway(userId: number, spell: { from: string; until: string }): MemberPreferences {
      activeMember(userId);
      const from = parseInstant(spell.from);
      const until = parseInstant(spell.until);
      if (from === undefined || until === undefined) {
        throw refusal('HW_USAGE', 'invalid_time', 'from and until must be ISO 8601 date-times with an offset, e.g. "2026-03-01T09:00:00Z"');
      }
      const now = clock.now();
      if (until <= from) throw refusal('HW_USAGE', 'away_ends_before_it_starts', 'until must be after from');
      if (until <= now) throw refusal('HW_USAGE', 'away_in_the_past', 'this away spell has already ended');
      if (until - from > MAX_AWAY_MS) throw refusal('HW_USAGE', 'away_too_long', 'an away spell can last a year at most');
      profiles.setAway(userId, { from, until }, now);
      audit.append({ at: now, userId, action: 'member.away-set', target: `user:${userId}`, details: { from: new Date(from).toISOString(), until: new Date(until).toISOString() } });
      bus.emit('circleChanged', { what: 'preferences' });
      return show(userId);
    },

    /** Back early (or never went): clears the away spell; false if there was none. */
    clearAway(userId: number): boolean {
      activeMember(userId);
      const now = clock.now();
      const profile = profiles.byUser(userId);
      if (profile?.awayUntil == null || profile.awayUntil <= now) return false;
      profiles.setAway(userId, null, now);
      audit.append({ at: now, userId, action: 'member.away-cleared', target: `user:${userId}` });
      bus.emit('circleChanged', { what: 'preferences' });
      return true;
    },
  };
}

export type PreferenceService = ReturnType<typeof createPreferenceService>;
