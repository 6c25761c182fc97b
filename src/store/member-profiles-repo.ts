import type { Db } from './database.js';

/** One member's stored profile: preferences as JSON text (the circle's schema reads it), and their away spell. */
export interface MemberProfileRow {
  userId: number;
  /** JSON; checked and completed with defaults by src/circle/preferences.ts on every read. */
  preferences: string;
  awayFrom: number | null;
  awayUntil: number | null;
  updatedAt: number;
}

/** A member's away spell, as the rota reads it: they are skipped while away (issue 6, item 2). */
export interface AwaySpellRow {
  userId: number;
  from: number;
  until: number;
}

interface Row {
  user_id: number;
  preferences: string;
  away_from: number | null;
  away_until: number | null;
  updated_at: number;
}

const toProfile = (r: Row): MemberProfileRow => ({ userId: r.user_id, preferences: r.preferences, awayFrom: r.away_from, awayUntil: r.away_until, updatedAt: r.updated_at });

/** The member_profiles table (migration 6): each member's notification preferences and whether they are away. */
export function createMemberProfilesRepo(db: Db) {
  const byUser = db.prepare<[number], Row>('SELECT * FROM member_profiles WHERE user_id = ?');
  const savePreferences = db.prepare<{ user_id: number; preferences: string; at: number }>(
    `INSERT INTO member_profiles (user_id, preferences, updated_at) VALUES (@user_id, @preferences, @at)
     ON CONFLICT (user_id) DO UPDATE SET preferences = excluded.preferences, updated_at = excluded.updated_at`,
  );
  const setAway = db.prepare<{ user_id: number; from: number | null; until: number | null; at: number }>(
    `INSERT INTO member_profiles (user_id, away_from, away_until, updated_at) VALUES (@user_id, @from, @until, @at)
     ON CONFLICT (user_id) DO UPDATE SET away_from = excluded.away_from, away_until = excluded.away_until, updated_at = excluded.updated_at`,
  );
  // Spells that have not ended yet; the few rows make an index unnecessary.
  const awayAfter = db.prepare<[number], { user_id: number; away_from: number; away_until: number }>(
    'SELECT user_id, away_from, away_until FROM member_profiles WHERE away_until IS NOT NULL AND away_until > ? ORDER BY user_id',
  );

  return {
    byUser(userId: number): MemberProfileRow | undefined {
      const r = byUser.get(userId);
      return r === undefined ? undefined : toProfile(r);
    },
    savePreferences(userId: number, preferences: string, at: number): void {
      savePreferences.run({ user_id: userId, preferences, at });
    },
    /** Sets (or, with nulls, clears) a member's away spell. */
    setAway(userId: number, spell: { from: number; until: number } | null, at: number): void {
      setAway.run({ user_id: userId, from: spell?.from ?? null, until: spell?.until ?? null, at });
    },
    /** Away spells still running or still to come at `now`. */
    awayAfter(now: number): AwaySpellRow[] {
      return awayAfter.all(now).map((r) => ({ userId: r.user_id, from: r.away_from, until: r.away_until }));
    },
  };
}

export type MemberProfilesRepo = ReturnType<typeof createMemberProfilesRepo>;
