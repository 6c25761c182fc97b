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

/** An entry with the name of the person who acted, while their account still exists. */
export interface AuditEntryWithName extends AuditEntry {
  userName: string | null;
}

/** What the audit page filters by (issue 5, item 7): all optional but the page size. */
export interface AuditFilter {
  action?: string | undefined;
  userId?: number | undefined;
  /** Unix ms, inclusive. */
  from?: number | undefined;
  /** Unix ms, exclusive. */
  to?: number | undefined;
  /** An entry id: only older entries (the cursor of the previous page). */
  before?: number | undefined;
  limit: number;
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
  // One statement for every combination of filters: a NULL parameter switches its filter off. Newest
  // first by id (the append order), so a page boundary never splits entries written in the same ms.
  const filtered = db.prepare<
    { before: number; from: number; to: number; action: string | null; user: number | null; limit: number },
    Row & { user_name: string | null }
  >(
    `SELECT a.*, u.name AS user_name FROM audit_log a LEFT JOIN users u ON u.id = a.user_id
     WHERE a.id < @before AND a.at >= @from AND a.at < @to
       AND (@action IS NULL OR a.action = @action) AND (@user IS NULL OR a.user_id = @user)
     ORDER BY a.id DESC LIMIT @limit`,
  );

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
    /** Filtered, newest first, with each person's name where their account still exists. */
    query(filter: AuditFilter): AuditEntryWithName[] {
      return filtered
        .all({
          before: filter.before ?? Number.MAX_SAFE_INTEGER,
          from: filter.from ?? Number.MIN_SAFE_INTEGER,
          to: filter.to ?? Number.MAX_SAFE_INTEGER,
          action: filter.action ?? null,
          user: filter.userId ?? null,
          limit: filter.limit,
        })
        .map((r) => ({ ...toEntry(r), userName: r.user_name }));
    },
  };
}

export type AuditRepo = ReturnType<typeof createAuditRepo>;
