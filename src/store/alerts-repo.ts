import { faultTypes, type AlertType, type Severity } from '../core/alerts.js';
import type { Db } from './database.js';

export interface AlertRow {
  id: string;
  key: string;
  type: AlertType;
  severity: Severity;
  status: string;
  deviceId: string | null;
  incidentId: string | null;
  title: string;
  details: Record<string, unknown>;
  raisedAt: number;
  resolvedAt: number | null;
  resolution: string | null;
  /** The first acknowledgement ("I'm on it"); later ones live in alert_events only. */
  acknowledgedAt: number | null;
  /** The user who acknowledged first; null for an integration's acknowledgement (see the timeline). */
  acknowledgedBy: number | null;
  /** The user who resolved it with a note; null when its condition cleared by itself. */
  resolvedBy: number | null;
}

interface Row {
  id: string;
  key: string;
  type: AlertType;
  severity: Severity;
  status: string;
  device_id: string | null;
  incident_id: string | null;
  title: string;
  details: string;
  raised_at: number;
  resolved_at: number | null;
  resolution: string | null;
  acknowledged_at: number | null;
  acknowledged_by: number | null;
  resolved_by: number | null;
}

const toAlert = (r: Row): AlertRow => ({
  id: r.id,
  key: r.key,
  type: r.type,
  severity: r.severity,
  status: r.status,
  deviceId: r.device_id,
  incidentId: r.incident_id,
  title: r.title,
  details: JSON.parse(r.details) as Record<string, unknown>,
  raisedAt: r.raised_at,
  resolvedAt: r.resolved_at,
  resolution: r.resolution,
  acknowledgedAt: r.acknowledged_at,
  acknowledgedBy: r.acknowledged_by,
  resolvedBy: r.resolved_by,
});

export type AlertStatusFilter = 'open' | 'resolved' | 'all';

/** One page of alerts, newest first; the cursor is the (raisedAt, id) of the last alert of the previous page. */
export interface AlertListQuery {
  status: AlertStatusFilter;
  type?: AlertType | undefined;
  /** Only sensor faults (GET /api/faults). */
  faultsOnly?: boolean;
  limit: number;
  before?: { at: number; id: string } | undefined;
}

/** Alerts, keyed by condition: inserting a key that exists changes nothing. */
export function createAlertsRepo(db: Db) {
  const insert = db.prepare<Omit<Row, 'acknowledged_at' | 'acknowledged_by' | 'resolved_by'>>(
    `INSERT OR IGNORE INTO alerts (id, key, type, severity, status, device_id, incident_id, title, details, raised_at)
     VALUES (@id, @key, @type, @severity, @status, @device_id, @incident_id, @title, @details, @raised_at)`,
  );
  const byKey = db.prepare<[string], Row>('SELECT * FROM alerts WHERE key = ?');
  const byId = db.prepare<[string], Row>('SELECT * FROM alerts WHERE id = ?');
  const open = db.prepare<[], Row>("SELECT * FROM alerts WHERE status <> 'resolved' ORDER BY raised_at");
  const resolve = db.prepare<[number, string, string]>("UPDATE alerts SET status = 'resolved', resolved_at = ?, resolution = ? WHERE id = ? AND status <> 'resolved'");
  const resolveBy = db.prepare<{ at: number; resolution: string; by: number | null; id: string }>(
    "UPDATE alerts SET status = 'resolved', resolved_at = @at, resolution = @resolution, resolved_by = @by WHERE id = @id AND status <> 'resolved'",
  );
  // Only the first acknowledgement is kept on the row: it is the one everyone is shown.
  const acknowledge = db.prepare<{ at: number; by: number | null; id: string }>(
    "UPDATE alerts SET acknowledged_at = @at, acknowledged_by = @by WHERE id = @id AND acknowledged_at IS NULL AND status <> 'resolved'",
  );
  const openInIncident = db.prepare<[string], { n: number }>("SELECT COUNT(*) AS n FROM alerts WHERE incident_id = ? AND status <> 'resolved'");
  const inIncident = db.prepare<[string], Row>('SELECT * FROM alerts WHERE incident_id = ? ORDER BY raised_at, id');
  const recent = db.prepare<[number], Row>('SELECT * FROM alerts WHERE raised_at >= ? ORDER BY raised_at');
  const faultList = faultTypes.map((t) => `'${t}'`).join(', ');
  const page = db.prepare<{ status: AlertStatusFilter; type: string | null; faults_only: number; before_at: number; before_id: string; limit: number }, Row>(
    `SELECT * FROM alerts
     WHERE (@status = 'all' OR (@status = 'open' AND status <> 'resolved') OR (@status = 'resolved' AND status = 'resolved'))
       AND (@type IS NULL OR type = @type)
       AND (@faults_only = 0 OR type IN (${faultList}))
       AND (raised_at < @before_at OR (raised_at = @before_at AND id < @before_id))
     ORDER BY raised_at DESC, id DESC
     LIMIT @limit`,
  );

  return {
    /** Inserts an open alert; false when its key was raised before (open or resolved). */
    insert(alert: Omit<AlertRow, 'status' | 'resolvedAt' | 'resolution' | 'acknowledgedAt' | 'acknowledgedBy' | 'resolvedBy'>): boolean {
      return (
        insert.run({
          id: alert.id,
          key: alert.key,
          type: alert.type,
          severity: alert.severity,
          status: 'open',
          device_id: alert.deviceId,
          incident_id: alert.incidentId,
          title: alert.title,
          details: JSON.stringify(alert.details),
          raised_at: alert.raisedAt,
          resolved_at: null,
          resolution: null,
        }).changes === 1
      );
    },
    byKey(key: string): AlertRow | undefined {
      const r = byKey.get(key);
      return r === undefined ? undefined : toAlert(r);
    },
    byId(id: string): AlertRow | undefined {
      const r = byId.get(id);
      return r === undefined ? undefined : toAlert(r);
    },
    open(): AlertRow[] {
      return open.all().map(toAlert);
    },
    raisedSince(at: number): AlertRow[] {
      return recent.all(at).map(toAlert);
    },
    /** Resolves an open alert whose condition cleared; false if it was not open. */
    resolve(id: string, at: number, resolution: string): boolean {
      return resolve.run(at, resolution, id).changes === 1;
    },
    /** Resolves an open alert on someone's word, with their note; false if it was not open. */
    resolveBy(id: string, at: number, resolution: string, by: number | null): boolean {
      return resolveBy.run({ id, at, resolution, by }).changes === 1;
    },
    /** Records the first acknowledgement of an open alert; false if it was acknowledged before or is resolved. */
    acknowledge(id: string, at: number, by: number | null): boolean {
      return acknowledge.run({ id, at, by }).changes === 1;
    },
    openInIncident(incidentId: string): number {
      return openInIncident.get(incidentId)?.n ?? 0;
    },
    /** Every alert of an incident, oldest first. */
    inIncident(incidentId: string): AlertRow[] {
      return inIncident.all(incidentId).map(toAlert);
    },
    /** One page, newest first. */
    list(query: AlertListQuery): AlertRow[] {
      return page
        .all({
          status: query.status,
          type: query.type ?? null,
          faults_only: query.faultsOnly === true ? 1 : 0,
          before_at: query.before?.at ?? Number.MAX_SAFE_INTEGER,
          before_id: query.before?.id ?? '',
          limit: query.limit,
        })
        .map(toAlert);
    },
  };
}

export type AlertsRepo = ReturnType<typeof createAlertsRepo>;
