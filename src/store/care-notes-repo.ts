import type { Db } from './database.js';

/** What a note records (issue 6, item 6): a note ("slept badly"), a visit, a handover to the next carer. */
export const careNoteKinds = ['note', 'visit', 'handover'] as const;
export type CareNoteKind = (typeof careNoteKinds)[number];

/** Reactions that acknowledge each other's efforts (issue 6, item 6: "seen", "thank you"). */
export const careNoteReactions = ['seen', 'thanks'] as const;
export type CareNoteReaction = (typeof careNoteReactions)[number];

export interface CareNoteRow {
  id: number;
  at: number;
  authorId: number | null;
  /** The author's name, if they still have an account. */
  authorName: string | null;
  kind: CareNoteKind;
  text: string;
  incidentId: string | null;
  editedAt: number | null;
}

export interface CareNoteReactionRow {
  noteId: number;
  userId: number;
  userName: string;
  reaction: CareNoteReaction;
  at: number;
}

interface Row {
  id: number;
  at: number;
  author_id: number | null;
  author_name: string | null;
  kind: CareNoteKind;
  text: string;
  incident_id: string | null;
  edited_at: number | null;
}

const toNote = (r: Row): CareNoteRow => ({
  id: r.id,
  at: r.at,
  authorId: r.author_id,
  authorName: r.author_name,
  kind: r.kind,
  text: r.text,
  incidentId: r.incident_id,
  editedAt: r.edited_at,
});

const NOTE_COLUMNS = 'n.id, n.at, n.author_id, u.name AS author_name, n.kind, n.text, n.incident_id, n.edited_at';

/** The care_notes and care_note_reactions tables (migration 6): the shared care log. */
export function createCareNotesRepo(db: Db) {
  const insert = db.prepare<{ at: number; author_id: number; kind: string; text: string; incident_id: string | null }>(
    'INSERT INTO care_notes (at, author_id, kind, text, incident_id) VALUES (@at, @author_id, @kind, @text, @incident_id)',
  );
  const byId = db.prepare<[number], Row>(`SELECT ${NOTE_COLUMNS} FROM care_notes n LEFT JOIN users u ON u.id = n.author_id WHERE n.id = ?`);
  const page = db.prepare<{ from: number; to: number; before_at: number; before_id: number; limit: number }, Row>(
    `SELECT ${NOTE_COLUMNS} FROM care_notes n LEFT JOIN users u ON u.id = n.author_id
     WHERE n.at >= @from AND n.at < @to
       AND (n.at < @before_at OR (n.at = @before_at AND n.id < @before_id))
     ORDER BY n.at DESC, n.id DESC
     LIMIT @limit`,
  );
  const forIncident = db.prepare<[string, number], Row>(
    `SELECT ${NOTE_COLUMNS} FROM care_notes n LEFT JOIN users u ON u.id = n.author_id WHERE n.incident_id = ? ORDER BY n.at, n.id LIMIT ?`,
  );
  const update = db.prepare<{ id: number; kind: string; text: string; edited_at: number }>(
    'UPDATE care_notes SET kind = @kind, text = @text, edited_at = @edited_at WHERE id = @id',
  );
  const remove = db.prepare<[number]>('DELETE FROM care_notes WHERE id = ?');
  const react = db.prepare<{ note_id: number; user_id: number; reaction: string; at: number }>(
    'INSERT OR IGNORE INTO care_note_reactions (note_id, user_id, reaction, at) VALUES (@note_id, @user_id, @reaction, @at)',
  );
  const unreact = db.prepare<[number, number, string]>('DELETE FROM care_note_reactions WHERE note_id = ? AND user_id = ? AND reaction = ?');
  const reactions = db.prepare<[number], { note_id: number; user_id: number; user_name: string; reaction: CareNoteReaction; at: number }>(
    `SELECT r.note_id, r.user_id, u.name AS user_name, r.reaction, r.at
     FROM care_note_reactions r JOIN users u ON u.id = r.user_id
     WHERE r.note_id = ? ORDER BY r.at, r.user_id`,
  );

  return {
    insert(note: { at: number; authorId: number; kind: CareNoteKind; text: string; incidentId: string | null }): number {
      return Number(insert.run({ at: note.at, author_id: note.authorId, kind: note.kind, text: note.text, incident_id: note.incidentId }).lastInsertRowid);
    },
    byId(id: number): CareNoteRow | undefined {
      const r = byId.get(id);
      return r === undefined ? undefined : toNote(r);
    },
    /** Notes written in [from, to), newest first; the cursor is the (at, id) of the last note of the previous page. */
    list(query: { from: number; to: number; limit: number; before?: { at: number; id: number } | undefined }): CareNoteRow[] {
      return page
        .all({ from: query.from, to: query.to, before_at: query.before?.at ?? Number.MAX_SAFE_INTEGER, before_id: query.before?.id ?? Number.MAX_SAFE_INTEGER, limit: query.limit })
        .map(toNote);
    },
    /** Notes attached to an incident, oldest first. */
    forIncident(incidentId: string, limit: number): CareNoteRow[] {
      return forIncident.all(incidentId, limit).map(toNote);
    },
    update(id: number, change: { kind: CareNoteKind; text: string; editedAt: number }): boolean {
      return update.run({ id, kind: change.kind, text: change.text, edited_at: change.editedAt }).changes === 1;
    },
    /** Deletes a note and, by cascade, its reactions. */
    remove(id: number): boolean {
      return remove.run(id).changes === 1;
    },
    /** Adds a reaction; false if this person had already reacted so. */
    react(noteId: number, userId: number, reaction: CareNoteReaction, at: number): boolean {
      return react.run({ note_id: noteId, user_id: userId, reaction, at }).changes === 1;
    },
    unreact(noteId: number, userId: number, reaction: CareNoteReaction): boolean {
      return unreact.run(noteId, userId, reaction).changes === 1;
    },
    reactions(noteId: number): CareNoteReactionRow[] {
      return reactions.all(noteId).map((r) => ({ noteId: r.note_id, userId: r.user_id, userName: r.user_name, reaction: r.reaction, at: r.at }));
    },
  };
}

export type CareNotesRepo = ReturnType<typeof createCareNotesRepo>;
