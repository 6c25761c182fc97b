import type { Db } from './database.js';

/** The tables records leave by age: retention (issue 5, item 8) and erasure on request. */
export const prunableTables = ['positions', 'doors', 'pillbox', 'doses', 'alerts', 'incidents', 'careNotes', 'audit'] as const;
export type PrunableTable = (typeof prunableTables)[number];

/**
 * Deletes records older than a cutoff, at most `limit` rows per call: the caller commits each call
 * as its own short transaction and lets the event loop run between them, so a year of fixes leaves
 * in many small DELETEs, never in one that stalls ingest (DESIGN.md, "no stall").
 *
 * Readings are deleted device by device through the (device, at) primary key (oldest first, ORDER BY
 * with LIMIT: better-sqlite3 builds SQLite with SQLITE_ENABLE_UPDATE_DELETE_LIMIT), so each batch
 * finds its rows by index rather than by scanning the table. Dose records are judged by local date
 * ("YYYY-MM-DD"); every other table by Unix ms. Open alerts and incidents are never deleted: they are
 * someone's current business, and the alert service keeps them in memory.
 */
export function createRetentionRepo(db: Db) {
  const deviceNums = db.prepare<[], { num: number }>('SELECT num FROM devices ORDER BY num');
  const readings = {
    positions: db.prepare<[number, number, number]>('DELETE FROM position_readings WHERE device = ? AND at < ? ORDER BY at LIMIT ?'),
    doors: db.prepare<[number, number, number]>('DELETE FROM door_readings WHERE device = ? AND at < ? ORDER BY at LIMIT ?'),
    pillbox: db.prepare<[number, number, number]>('DELETE FROM pillbox_readings WHERE device = ? AND at < ? ORDER BY at LIMIT ?'),
  };
  const doses = db.prepare<[string, number]>('DELETE FROM dose_records WHERE date < ? ORDER BY date LIMIT ?');
  // An alert's timeline (alert_events) goes with it (ON DELETE CASCADE).
  const alerts = db.prepare<[number, number]>(
    "DELETE FROM alerts WHERE status = 'resolved' AND coalesce(resolved_at, raised_at) < ? ORDER BY raised_at LIMIT ?",
  );
  // Only incidents that are over and whose alerts have all gone (alerts.incident_id references them).
  const incidents = db.prepare<[number, number]>(
    `DELETE FROM incidents WHERE status IN ('closed', 'resolved') AND coalesce(closed_at, last_alert_at) < ?
       AND NOT EXISTS (SELECT 1 FROM alerts WHERE alerts.incident_id = incidents.id) ORDER BY opened_at LIMIT ?`,
  );
  // Reactions go with their note (ON DELETE CASCADE).
  const careNotes = db.prepare<[number, number]>('DELETE FROM care_notes WHERE at < ? ORDER BY at LIMIT ?');
  const audit = db.prepare<[number, number]>('DELETE FROM audit_log WHERE at < ? ORDER BY at LIMIT ?');

  function readingsOlder(statement: (typeof readings)['positions'], cutoff: number, limit: number): number {
    let left = limit;
    for (const { num } of deviceNums.all()) {
      if (left <= 0) break;
      left -= statement.run(num, cutoff, left).changes;
    }
    return limit - left;
  }

  return {
    /**
     * Deletes up to `limit` rows of `table` older than `cutoff` (Unix ms; for doses, a local date)
     * and returns how many went. Call inside a transaction.
     */
    deleteOlder(table: PrunableTable, cutoff: number | string, limit: number): number {
      if (table === 'doses') return doses.run(String(cutoff), limit).changes;
      const before = Number(cutoff);
      switch (table) {
        case 'positions':
        case 'doors':
        case 'pillbox':
          return readingsOlder(readings[table], before, limit);
        case 'alerts':
          return alerts.run(before, limit).changes;
        case 'incidents':
          return incidents.run(before, limit).changes;
        case 'careNotes':
          return careNotes.run(before, limit).changes;
        case 'audit':
          return audit.run(before, limit).changes;
      }
    },
  };
}

export type RetentionRepo = ReturnType<typeof createRetentionRepo>;
