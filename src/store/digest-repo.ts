import type { AlertType, Severity } from '../core/alerts.js';
import type { Db } from './database.js';

/**
 * The stored history the daily digest, the weekly "who was woken" view and the incident page's "who
 * was notified when" read (issue 6, items 5 and 7). Read-only, a day or a week at a time; times are
 * Unix ms and every range is [from, to).
 *
 * Readings are read per device through their (device, at) primary key, never by time across every
 * device, so a day's question costs that day's rows. Alerts, alert_events and care_notes are a few
 * rows a day (no index on alert_events.at: a week's scan of a year's timeline is thousands of rows).
 */
export interface DigestAlertRow {
  id: string;
  type: AlertType;
  severity: Severity;
  deviceId: string | null;
  details: Record<string, unknown>;
  raisedAt: number;
  acknowledgedAt: number | null;
  acknowledgedBy: number | null;
  resolvedAt: number | null;
}

export interface DigestFixRow {
  at: number;
  lat: number;
  lon: number;
  accuracyM: number | null;
}

/** One 'notified' entry of an alert's timeline: who was told (user id, null for none), and when. */
export interface NotifiedRow {
  at: number;
  alertId: string;
  userId: number | null;
  /** Their name while the account exists. */
  userName: string | null;
  /** As the escalation service recorded it: {step, audience, outcomes}, or {message, outcomes} for a follow-up. */
  details: Record<string, unknown>;
}

export interface IncidentNotifiedRow extends NotifiedRow {
  alertType: AlertType;
  alertTitle: string;
}

interface AlertSqlRow {
  id: string;
  type: AlertType;
  severity: Severity;
  device_id: string | null;
  details: string;
  raised_at: number;
  acknowledged_at: number | null;
  acknowledged_by: number | null;
  resolved_at: number | null;
}

const ALERT_COLUMNS = 'id, type, severity, device_id, details, raised_at, acknowledged_at, acknowledged_by, resolved_at';

const toAlert = (r: AlertSqlRow): DigestAlertRow => ({
  id: r.id,
  type: r.type,
  severity: r.severity,
  deviceId: r.device_id,
  details: JSON.parse(r.details) as Record<string, unknown>,
  raisedAt: r.raised_at,
  acknowledgedAt: r.acknowledged_at,
  acknowledgedBy: r.acknowledged_by,
  resolvedAt: r.resolved_at,
});

const toFix = (r: { at: number; lat_e6: number; lon_e6: number; accuracy_m: number | null }): DigestFixRow => ({
  at: r.at,
  lat: r.lat_e6 / 1e6,
  lon: r.lon_e6 / 1e6,
  accuracyM: r.accuracy_m,
});

export function createDigestRepo(db: Db) {
  // An opening is a change from closed to open (as the rules count them, readings-repo.ts): Zigbee2MQTT
  // repeats a door's state on every check-in, and a repeated "open" is not someone getting up.
  const firstDoorOpening = db.prepare<[number, number, number], { at: number }>(
    `SELECT r.at FROM door_readings r
     WHERE r.device = ? AND r.at >= ? AND r.at < ? AND r.open = 1
       AND coalesce((SELECT p.open FROM door_readings p WHERE p.device = r.device AND p.at < r.at
                     ORDER BY p.at DESC LIMIT 1), 0) = 0
     ORDER BY r.at LIMIT 1`,
  );
  const firstPillboxOpening = db.prepare<[number, number, number], { at: number }>(
    `SELECT r.at FROM pillbox_readings r
     WHERE r.device = ? AND r.at >= ? AND r.at < ? AND r.open = 1
       AND coalesce((SELECT p.open FROM pillbox_readings p
                     WHERE p.device = r.device AND p.compartment = r.compartment AND p.at < r.at
                     ORDER BY p.at DESC LIMIT 1), 0) = 0
     ORDER BY r.at LIMIT 1`,
  );
  const fixes = db.prepare<[number, number, number], { at: number; lat_e6: number; lon_e6: number; accuracy_m: number | null }>(
    'SELECT at, lat_e6, lon_e6, accuracy_m FROM position_readings WHERE device = ? AND at >= ? AND at < ? ORDER BY at',
  );
  const fixBefore = db.prepare<[number, number], { at: number; lat_e6: number; lon_e6: number; accuracy_m: number | null }>(
    'SELECT at, lat_e6, lon_e6, accuracy_m FROM position_readings WHERE device = ? AND at < ? ORDER BY at DESC LIMIT 1',
  );
  const raised = db.prepare<[number, number], AlertSqlRow>(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE raised_at >= ? AND raised_at < ? ORDER BY raised_at, id`);
  const acknowledged = db.prepare<[number, number], AlertSqlRow>(
    `SELECT ${ALERT_COLUMNS} FROM alerts WHERE acknowledged_at >= ? AND acknowledged_at < ? ORDER BY acknowledged_at, id`,
  );
  const openAt = db.prepare<{ at: number; types: string }, AlertSqlRow>(
    `SELECT ${ALERT_COLUMNS} FROM alerts
     WHERE type IN (SELECT value FROM json_each(@types)) AND raised_at < @at AND (resolved_at IS NULL OR resolved_at >= @at)
     ORDER BY raised_at, id`,
  );
  const careNotes = db.prepare<[number, number], { n: number }>('SELECT COUNT(*) AS n FROM care_notes WHERE at >= ? AND at < ?');
  const notified = db.prepare<[number, number], { at: number; alert_id: string; user_id: number | null; user_name: string | null; details: string }>(
    `SELECT e.at, e.alert_id, e.user_id, u.name AS user_name, e.details FROM alert_events e LEFT JOIN users u ON u.id = e.user_id
     WHERE e.kind = 'notified' AND e.at >= ? AND e.at < ? ORDER BY e.at, e.id`,
  );
  const notifiedInIncident = db.prepare<
    [string],
    { at: number; alert_id: string; user_id: number | null; user_name: string | null; type: AlertType; title: string; details: string }
  >(
    `SELECT e.at, e.alert_id, e.user_id, u.name AS user_name, a.type, a.title, e.details
     FROM alerts a JOIN alert_events e ON e.alert_id = a.id LEFT JOIN users u ON u.id = e.user_id
     WHERE a.incident_id = ? AND e.kind = 'notified' ORDER BY e.at, e.id`,
  );

  return {
    /** The first opening (closed → open) of one door or pill box in [from, to). */
    firstOpening(device: number, kind: 'door' | 'pillbox', from: number, to: number): number | undefined {
      return (kind === 'door' ? firstDoorOpening : firstPillboxOpening).get(device, from, to)?.at;
    },
    /** One tracker's fixes in [from, to), oldest first, with the last fix before `from` (where the day began). */
    fixes(device: number, from: number, to: number): { before: DigestFixRow | undefined; during: DigestFixRow[] } {
      const before = fixBefore.get(device, from);
      return { before: before === undefined ? undefined : toFix(before), during: fixes.all(device, from, to).map(toFix) };
    },
    /** Alerts raised in [from, to), oldest first. */
    raised(from: number, to: number): DigestAlertRow[] {
      return raised.all(from, to).map(toAlert);
    },
    /** Alerts first acknowledged in [from, to), in the order they were. */
    acknowledged(from: number, to: number): DigestAlertRow[] {
      return acknowledged.all(from, to).map(toAlert);
    },
    /** Alerts of these types that were open at `at` (raised before it, not resolved by it). */
    openAt(at: number, types: readonly AlertType[]): DigestAlertRow[] {
      return openAt.all({ at, types: JSON.stringify(types) }).map(toAlert);
    },
    careNoteCount(from: number, to: number): number {
      return careNotes.get(from, to)?.n ?? 0;
    },
    /** 'notified' timeline entries in [from, to), oldest first. */
    notified(from: number, to: number): NotifiedRow[] {
      return notified
        .all(from, to)
        .map((r) => ({ at: r.at, alertId: r.alert_id, userId: r.user_id, userName: r.user_name, details: JSON.parse(r.details) as Record<string, unknown> }));
    },
    /** 'notified' entries of every alert of an incident, oldest first. */
    notifiedInIncident(incidentId: string): IncidentNotifiedRow[] {
      return notifiedInIncident.all(incidentId).map((r) => ({
        at: r.at,
        alertId: r.alert_id,
        userId: r.user_id,
        userName: r.user_name,
        alertType: r.type,
        alertTitle: r.title,
        details: JSON.parse(r.details) as Record<string, unknown>,
      }));
    },
  };
}

export type DigestRepo = ReturnType<typeof createDigestRepo>;
