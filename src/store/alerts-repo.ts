import type { AlertType, Severity } from '../core/alerts.js';
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
});

/** Alerts, keyed by condition: inserting a key that exists changes nothing. */
export function createAlertsRepo(db: Db) {
  const insert = db.prepare<Row>(
    `INSERT OR IGNORE INTO alerts (id, key, type, severity, status, device_id, incident_id, title, details, raised_at)
     VALUES (@id, @key, @type, @severity, @status, @device_id, @incident_id, @title, @details, @raised_at)`,
  );
  const byKey = db.prepare<[string], Row>('SELECT * FROM alerts WHERE key = ?');
  const byId = db.prepare<[string], Row>('SELECT * FROM alerts WHERE id = ?');
  const open = db.prepare<[], Row>("SELECT * FROM alerts WHERE status <> 'resolved' ORDER BY raised_at");
  const resolve = db.prepare<[number, string, string]>("UPDATE alerts SET status = 'resolved', resolved_at = ?, resolution = ? WHERE id = ? AND status <> 'resolved'");
  const openInIncident = db.prepare<[string], { n: number }>("SELECT COUNT(*) AS n FROM alerts WHERE incident_id = ? AND status <> 'resolved'");
  const recent = db.prepare<[number], Row>('SELECT * FROM alerts WHERE raised_at >= ? ORDER BY raised_at');

  return {
    /** Inserts an open alert; false when its key was raised before (open or resolved). */
    insert(alert: Omit<AlertRow, 'status' | 'resolvedAt' | 'resolution'>): boolean {
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
    /** Resolves an open alert; false if it was not open. */
    resolve(id: string, at: number, resolution: string): boolean {
      return resolve.run(at, resolution, id).changes === 1;
    },
    openInIncident(incidentId: string): number {
      return openInIncident.get(incidentId)?.n ?? 0;
    },
  };
}

export type AlertsRepo = ReturnType<typeof createAlertsRepo>;
