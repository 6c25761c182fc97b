import type { Db } from './database.js';

/** The care_notes, care_note_reactions table(s) (migration 6). */
export function createCareNotesRepo(db: Db) {
  void db;
  return {};
}

export type CareNotesRepo = ReturnType<typeof createCareNotesRepo>;
