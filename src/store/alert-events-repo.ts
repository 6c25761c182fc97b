import type { Db } from './database.js';

/**
 * What can happen to an alert (issue 6, item 3: raised → notified → acknowledged → resolved). Issue 6's
 * escalation adds 'notified' and 'escalated' entries through the same record(); 'noted' is a care-log
 * note written about it.
 */
export type AlertEventKind = 'raised' | 'notified' | 'escalated' | 'acknowledged' | 'resolved' | 'noted';

export interface AlertEventRow {
  id: number;
  alertId: string;
  at: number;
  kind: AlertEventKind;
  /** Who did it (or, for 'notified', who was told); null for the hub itself or an integration. */
  userId: number | null;
  /** The user's name, if they still have an account. */
  userName: string | null;
  details: Record<string, unknown>;
}

interface Row {
  id: number;
  alert_id: string;
  at: number;
  kind: AlertEventKind;
  user_id: number | null;
  user_name: string | null;
  details: string;
}

const toEvent = (r: Row): AlertEventRow => ({
  id: r.id,
  alertId: r.alert_id,
  at: r.at,
  kind: r.kind,
  userId: r.user_id,
  userName: r.user_name,
  details: JSON.parse(r.details) as Record<string, unknown>,
});

/** The alert_events table (migration 6): each alert's timeline, append-only. */
export function createAlertEventsRepo(db: Db) {
  const insert = db.prepare<{ alert_id: string; at: number; kind: string; user_id: number | null; details: string }>(
    'INSERT INTO alert_events (alert_id, at, kind, user_id, details) VALUES (@alert_id, @at, @kind, @user_id, @details)',
  );
  const forAlert = db.prepare<[string], Row>(
    `SELECT e.id, e.alert_id, e.at, e.kind, e.user_id, u.name AS user_name, e.details
     FROM alert_events e LEFT JOIN users u ON u.id = e.user_id
     WHERE e.alert_id = ? ORDER BY e.at, e.id`,
  );
  const firstOf = db.prepare<[string, string], Row>(
    `SELECT e.id, e.alert_id, e.at, e.kind, e.user_id, u.name AS user_name, e.details
     FROM alert_events e LEFT JOIN users u ON u.id = e.user_id
     WHERE e.alert_id = ? AND e.kind = ? ORDER BY e.at, e.id LIMIT 1`,
  );

  return {
    /** Appends one entry to an alert's timeline; returns its id. Call inside the change's transaction. */
    record(entry: { alertId: string; at: number; kind: AlertEventKind; userId: number | null; details?: Record<string, unknown> }): number {
      return Number(
        insert.run({ alert_id: entry.alertId, at: entry.at, kind: entry.kind, user_id: entry.userId, details: JSON.stringify(entry.details ?? {}) }).lastInsertRowid,
      );
    },
    /** An alert's timeline, oldest first. */
    forAlert(alertId: string): AlertEventRow[] {
      return forAlert.all(alertId).map(toEvent);
    },
    /** The earliest entry of one kind (who acknowledged first, when an integration did). */
    firstOf(alertId: string, kind: AlertEventKind): AlertEventRow | undefined {
      const r = firstOf.get(alertId, kind);
      return r === undefined ? undefined : toEvent(r);
    },
  };
}

export type AlertEventsRepo = ReturnType<typeof createAlertEventsRepo>;
