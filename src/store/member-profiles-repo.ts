import type { Db } from './database.js';

/** The member_profiles table(s) (migration 6). */
export function createMemberProfilesRepo(db: Db) {
  void db;
  return {};
}

export type MemberProfilesRepo = ReturnType<typeof createMemberProfilesRepo>;
