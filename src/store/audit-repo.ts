import type { Db } from './database.js';

export interface AuditEntry {
  id: number;
  at: number;
  userId: number | null;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
}

interface Row {
  id: number;
  at: number;
  user_id: number | null;
  action: string;
  target: string | null;
  details: string;
}

const toEntry = (r: Row): AuditEntry => ({
  id: r.id,
  at: r.at,
  userId: r.user_id,
  action: r.action,
  target: r.target,
  details: JSON.parse(r.details) as Record<string, unknown>,
});

/** The audit trail: append-only here; retention (issue 5, item 8) prunes by age. */
export function createAuditRepo(db: Db) {
  const insert = db.prepare<{ at: number; user_id: number | null; action: string; target: string | null; details: string }>(
    'INSERT INTO audit_log (at, user_id, action, target, details) VALUES (@at, @user_id, @action, @target, @details)',
  );
  const recent = db.prepare<[number, number], Row>('SELECT * FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?');

  return {
    append(entry: { at: number; userId: number | null; action: string; target?: string | null; details?: Record<string, unknown> }): number {
      return Number(
        insert.run({ at: entry.at, user_id: entry.userId, action: entry.action, target: entry.target ?? null, details: JSON.stringify(entry.details ?? {}) }).lastInsertRowid,
      );
    },
    /** Newest first; `before` (an entry id) pages back through older entries. */
    recent(limit: number, before = Number.MAX_SAFE_INTEGER): AuditEntry[] {
      return recent.all(before, limit).map(toEntry);
    },
  };
}

export type AuditRepo = ReturnType<typeof createAuditRepo>;
