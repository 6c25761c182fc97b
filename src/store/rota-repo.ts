import type { Db } from './database.js';

/** A shift as stored: `days` is a comma list of mon..sun (the weekday each occurrence starts on). */
export interface RotaShiftRow {
  id: number;
  userId: number;
  days: string;
  start: string;
  end: string;
  tier: number;
}

/** Someone else covers one occurrence of a shift: the one starting on local date `date`. */
export interface RotaCoverRow {
  id: number;
  shiftId: number;
  date: string;
  userId: number;
  createdBy: number | null;
  createdAt: number;
}

interface CoverRow {
  id: number;
  shift_id: number;
  date: string;
  user_id: number;
  created_by: number | null;
  created_at: number;
}

interface ShiftRow {
  id: number;
  user_id: number;
  days: string;
  start: string;
  end: string;
  tier: number;
}

const toShift = (r: ShiftRow): RotaShiftRow => ({ id: r.id, userId: r.user_id, days: r.days, start: r.start, end: r.end, tier: r.tier });
const toCover = (r: CoverRow): RotaCoverRow => ({ id: r.id, shiftId: r.shift_id, date: r.date, userId: r.user_id, createdBy: r.created_by, createdAt: r.created_at });

/** The rota_shifts and rota_cover tables (migration 6): the on-call rota and its swaps (issue 6, item 2). */
export function createRotaRepo(db: Db) {
  const shifts = db.prepare<[], ShiftRow>('SELECT * FROM rota_shifts ORDER BY tier, start, id');
  const shiftById = db.prepare<[number], ShiftRow>('SELECT * FROM rota_shifts WHERE id = ?');
  const shiftsOf = db.prepare<[number], ShiftRow>('SELECT * FROM rota_shifts WHERE user_id = ? ORDER BY id');
  const insertShift = db.prepare<{ user_id: number; days: string; start: string; end: string; tier: number }>(
    'INSERT INTO rota_shifts (user_id, days, start, end, tier) VALUES (@user_id, @days, @start, @end, @tier)',
  );
  const updateShift = db.prepare<{ id: number; user_id: number; days: string; start: string; end: string; tier: number }>(
    'UPDATE rota_shifts SET user_id = @user_id, days = @days, start = @start, end = @end, tier = @tier WHERE id = @id',
  );
  const deleteShift = db.prepare<[number]>('DELETE FROM rota_shifts WHERE id = ?');
  const deleteShiftsOf = db.prepare<[number]>('DELETE FROM rota_shifts WHERE user_id = ?');

  const coversBetween = db.prepare<[string, string], CoverRow>('SELECT * FROM rota_cover WHERE date >= ? AND date <= ? ORDER BY date, shift_id');
  const coverById = db.prepare<[number], CoverRow>('SELECT * FROM rota_cover WHERE id = ?');
  const coverOf = db.prepare<[number, string], CoverRow>('SELECT * FROM rota_cover WHERE shift_id = ? AND date = ?');
  // One cover per occurrence (UNIQUE (shift_id, date)): a new arrangement replaces the previous one.
  const upsertCover = db.prepare<{ shift_id: number; date: string; user_id: number; created_by: number; created_at: number }>(
    `INSERT INTO rota_cover (shift_id, date, user_id, created_by, created_at) VALUES (@shift_id, @date, @user_id, @created_by, @created_at)
     ON CONFLICT (shift_id, date) DO UPDATE SET user_id = excluded.user_id, created_by = excluded.created_by, created_at = excluded.created_at`,
  );
  const deleteCover = db.prepare<[number]>('DELETE FROM rota_cover WHERE id = ?');
  const deleteCoversBy = db.prepare<[number]>('DELETE FROM rota_cover WHERE user_id = ?');

  return {
    shifts(): RotaShiftRow[] {
      return shifts.all().map(toShift);
    },
    shiftById(id: number): RotaShiftRow | undefined {
      const r = shiftById.get(id);
      return r === undefined ? undefined : toShift(r);
    },
    shiftsOf(userId: number): RotaShiftRow[] {
      return shiftsOf.all(userId).map(toShift);
    },
    insertShift(shift: Omit<RotaShiftRow, 'id'>): number {
      return Number(insertShift.run({ user_id: shift.userId, days: shift.days, start: shift.start, end: shift.end, tier: shift.tier }).lastInsertRowid);
    },
    updateShift(shift: RotaShiftRow): boolean {
      return updateShift.run({ id: shift.id, user_id: shift.userId, days: shift.days, start: shift.start, end: shift.end, tier: shift.tier }).changes === 1;
    },
    /** Deletes a shift and (ON DELETE CASCADE) its covers. */
    deleteShift(id: number): boolean {
      return deleteShift.run(id).changes === 1;
    },
    deleteShiftsOf(userId: number): number {
      return deleteShiftsOf.run(userId).changes;
    },
    /** Covers of occurrences starting on local dates `from`..`to` inclusive (YYYY-MM-DD sorts as it reads). */
    coversBetween(from: string, to: string): RotaCoverRow[] {
      return coversBetween.all(from, to).map(toCover);
    },
    coverById(id: number): RotaCoverRow | undefined {
      const r = coverById.get(id);
      return r === undefined ? undefined : toCover(r);
    },
    coverOf(shiftId: number, date: string): RotaCoverRow | undefined {
      const r = coverOf.get(shiftId, date);
      return r === undefined ? undefined : toCover(r);
    },
    /** Records who covers one occurrence, replacing an earlier arrangement for it; returns the cover. */
    putCover(cover: { shiftId: number; date: string; userId: number; createdBy: number; createdAt: number }): RotaCoverRow {
      upsertCover.run({ shift_id: cover.shiftId, date: cover.date, user_id: cover.userId, created_by: cover.createdBy, created_at: cover.createdAt });
      return toCover(coverOf.get(cover.shiftId, cover.date) as CoverRow);
    },
    deleteCover(id: number): boolean {
      return deleteCover.run(id).changes === 1;
    },
    /** Deletes the covers a member was to take. */
    deleteCoversBy(userId: number): number {
      return deleteCoversBy.run(userId).changes;
    },
  };
}

export type RotaRepo = ReturnType<typeof createRotaRepo>;
