import type { Role } from '../accounts/roles.js';
import type { Responder } from '../core/alerts.js';
import type { Clock } from '../core/clock.js';
import { HomewardError } from '../core/errors.js';
import type { EventBus } from '../core/event-bus.js';
import type { CareNoteKind, CareNoteReaction, CareNoteRow } from '../store/care-notes-repo.js';
import type { Store } from '../store/store.js';
import { nextCursor, readCursor } from '../alerts/page-cursor.js';
import { iso } from '../core/iso-time.js';

/**
 * The shared care log (issue 6, item 6): visit notes, handovers, "slept badly", beside the sensor
 * timeline, with reactions ("seen", "thank you") so the circle acknowledges each other's efforts.
 *  - Anyone with care-log.write adds notes and reacts; only a note's author edits it (the words
 *    are theirs); its author or the owner deletes it (the owner keeps the log in order).
 *  - Edits and deletions are audited (who, which note; never the words, so a deleted note is gone).
 *  - Every change is announced as careLogChanged, so live views update.
 */
export const MAX_NOTE_TEXT = 2000;

export interface CareNoteJson {
  id: number;
  at: string;
  kind: CareNoteKind;
  text: string;
  incidentId: string | null;
  editedAt: string | null;
  /** Null when the author's account no longer exists. */
  author: Responder | null;
  reactions: Array<{ reaction: CareNoteReaction; by: Responder; at: string }>;
}

export interface CareLogAuthor {
  userId: number;
  role: Role;
}


function noteText(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.length > MAX_NOTE_TEXT) {
    throw new HomewardError('HW_USAGE', `a note needs some words (1 to ${MAX_NOTE_TEXT} characters)`, { reply: 'text_required' });
  }
  return trimmed;
}

export function createCareLog(deps: { store: Store; bus: EventBus; clock: Clock }) {
  const { store, bus, clock } = deps;

  function json(note: CareNoteRow): CareNoteJson {
    return {
      id: note.id,
      at: iso(note.at),
      kind: note.kind,
      text: note.text,
      incidentId: note.incidentId,
      editedAt: note.editedAt === null ? null : iso(note.editedAt),
      author: note.authorId === null ? null : { id: note.authorId, name: note.authorName ?? 'a former member of the circle' },
      reactions: store.careNotes.reactions(note.id).map((r) => ({ reaction: r.reaction, by: { id: r.userId, name: r.userName }, at: iso(r.at) })),
    };
  }

  function noteOrThrow(noteId: number): CareNoteRow {
    const note = store.careNotes.byId(noteId);
    if (note === undefined) throw new HomewardError('HW_NOT_FOUND', `no care-log note ${noteId}`, { reply: 'not_found' });
    return note;
  }

  function current(noteId: number): CareNoteJson {
    return json(noteOrThrow(noteId));
  }

  return {
    /** Notes written in [from, to), newest first. */
    list(query: { from?: number | undefined; to?: number | undefined; limit: number; before?: string | undefined }): { notes: CareNoteJson[]; nextBefore: string | null } {
      const from = query.from ?? 0;
      const to = query.to ?? Number.MAX_SAFE_INTEGER;
      if (from >= to) throw new HomewardError('HW_USAGE', 'from must be before to', { reply: 'invalid_range' });
      const cursor = readCursor(query.before);
      const before = cursor === undefined ? undefined : { at: cursor.at, id: Number(cursor.id) };
      if (before !== undefined && !Number.isSafeInteger(before.id)) throw new HomewardError('HW_USAGE', 'before is not a care-log cursor', { reply: 'invalid_cursor' });
      const rows = store.careNotes.list({ from, to, limit: query.limit, before });
      return { notes: rows.map(json), nextBefore: nextCursor(rows, query.limit, (n) => ({ at: n.at, id: n.id })) };
    },

    get: current,

    /** Notes attached to an incident, oldest first (the incident page). */
    forIncident: (incidentId: string, limit: number): CareNoteJson[] => store.careNotes.forIncident(incidentId, limit).map(json),

    add(author: CareLogAuthor, note: { kind: CareNoteKind; text: string; incidentId?: string | undefined }): CareNoteJson {
      const text = noteText(note.text);
      const incidentId = note.incidentId ?? null;
      if (incidentId !== null && store.incidents.byId(incidentId) === undefined) {
        throw new HomewardError('HW_USAGE', `no incident ${incidentId} to attach the note to`, { reply: 'unknown_incident' });
      }
      const id = store.careNotes.insert({ at: clock.now(), authorId: author.userId, kind: note.kind, text, incidentId });
      bus.emit('careLogChanged', { noteId: id, change: 'added' });
      return current(id);
    },

    /** Only the author edits their words. */
    edit(editor: CareLogAuthor, noteId: number, change: { kind?: CareNoteKind | undefined; text?: string | undefined }): CareNoteJson {
      const at = clock.now();
      store.transaction(() => {
        const note = noteOrThrow(noteId);
        if (note.authorId !== editor.userId) throw new HomewardError('HW_FORBIDDEN', 'only the author of a note may edit it', { reply: 'not_author' });
        const text = change.text === undefined ? note.text : noteText(change.text);
        const kind = change.kind ?? note.kind;
        store.careNotes.update(noteId, { kind, text, editedAt: at });
        const changed = [...(text !== note.text ? ['text'] : []), ...(kind !== note.kind ? ['kind'] : [])];
        store.audit.append({ at, userId: editor.userId, action: 'care-log.edited', target: `care-note:${noteId}`, details: { noteId, changed } });
      });
      bus.emit('careLogChanged', { noteId, change: 'edited' });
      return current(noteId);
    },

    /** Its author or the owner deletes a note (and its reactions). */
    remove(remover: CareLogAuthor, noteId: number): void {
      const at = clock.now();
      store.transaction(() => {
        const note = noteOrThrow(noteId);
        if (note.authorId !== remover.userId && remover.role !== 'owner') {
          throw new HomewardError('HW_FORBIDDEN', 'only the author of a note, or the owner, may delete it', { reply: 'not_author' });
        }
        store.careNotes.remove(noteId);
        store.audit.append({
          at,
          userId: remover.userId,
          action: 'care-log.deleted',
          target: `care-note:${noteId}`,
          details: { noteId, authorId: note.authorId, kind: note.kind, writtenAt: iso(note.at) },
        });
      });
      bus.emit('careLogChanged', { noteId, change: 'removed' });
    },

    /** "Seen" or "thank you"; saying it twice is saying it once. */
    react(reactor: CareLogAuthor, noteId: number, reaction: CareNoteReaction): CareNoteJson {
      noteOrThrow(noteId);
      if (store.careNotes.react(noteId, reactor.userId, reaction, clock.now())) bus.emit('careLogChanged', { noteId, change: 'reacted' });
      return current(noteId);
    },

    unreact(reactor: CareLogAuthor, noteId: number, reaction: CareNoteReaction): CareNoteJson {
      noteOrThrow(noteId);
      if (store.careNotes.unreact(noteId, reactor.userId, reaction)) bus.emit('careLogChanged', { noteId, change: 'reacted' });
      return current(noteId);
    },
  };
}

export type CareLog = ReturnType<typeof createCareLog>;
