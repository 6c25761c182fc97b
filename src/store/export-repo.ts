import type { Db } from './database.js';

/**
 * Everything held about the person, read page by page for an export (issue 5, item 8). Each page
 * starts after the last row of the previous one (keyset, on a primary key), so an export of a year of
 * fixes is many short reads with the event loop free in between, never one long one; and never an
 * open statement iterator, which would leave the connection busy for the ingest path's commits.
 */
export interface ReadingKey {
  device: number;
  at: number;
}

export interface ExportedFix extends ReadingKey {
  lat: number;
  lon: number;
  accuracyM: number | null;
}

export interface ExportedDoor extends ReadingKey {
  open: boolean;
}

export interface ExportedPillbox extends ReadingKey {
  compartment: number;
  open: boolean;
}

export interface ExportedDose {
  dose: string;
  date: string;
  status: string;
  at: number;
}

export interface ExportedAlert {
  rowid: number;
  id: string;
  type: string;
  severity: string;
  status: string;
  deviceId: string | null;
  incidentId: string | null;
  title: string;
  details: string;
  raisedAt: number;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  resolvedAt: number | null;
  resolvedBy: string | null;
  resolution: string | null;
}

export interface ExportedIncident {
  rowid: number;
  id: string;
  type: string;
  status: string;
  openedAt: number;
  lastAlertAt: number;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  closedAt: number | null;
  resolvedBy: string | null;
  resolution: string | null;
}

export interface ExportedCareNote {
  id: number;
  at: number;
  author: string | null;
  kind: string;
  text: string;
  incidentId: string | null;
  editedAt: number | null;
}

export const START_KEY: ReadingKey = { device: Number.MIN_SAFE_INTEGER, at: Number.MIN_SAFE_INTEGER };

export function createExportRepo(db: Db) {
  const fixes = db.prepare<[number, number, number], { device: number; at: number; lat_e6: number; lon_e6: number; accuracy_m: number | null }>(
    'SELECT device, at, lat_e6, lon_e6, accuracy_m FROM position_readings WHERE (device, at) > (?, ?) ORDER BY device, at LIMIT ?',
  );
  const doors = db.prepare<[number, number, number], { device: number; at: number; open: number }>(
    'SELECT device, at, open FROM door_readings WHERE (device, at) > (?, ?) ORDER BY device, at LIMIT ?',
  );
  const pillbox = db.prepare<[number, number, number], { device: number; at: number; compartment: number; open: number }>(
    'SELECT device, at, compartment, open FROM pillbox_readings WHERE (device, at) > (?, ?) ORDER BY device, at LIMIT ?',
  );
  const doses = db.prepare<[string, string, number], ExportedDose>(
    'SELECT dose, date, status, at FROM dose_records WHERE (dose, date) > (?, ?) ORDER BY dose, date LIMIT ?',
  );
  const alerts = db.prepare<
    [number, number],
    {
      rowid: number;
      id: string;
      type: string;
      severity: string;
      status: string;
      device_id: string | null;
      incident_id: string | null;
      title: string;
      details: string;
      raised_at: number;
      acknowledged_at: number | null;
      acknowledged_by: string | null;
      resolved_at: number | null;
      resolved_by: string | null;
      resolution: string | null;
    }
  >(
    `SELECT a.rowid, a.id, a.type, a.severity, a.status, a.device_id, a.incident_id, a.title, a.details, a.raised_at,
            a.acknowledged_at, ack.name AS acknowledged_by, a.resolved_at, res.name AS resolved_by, a.resolution
     FROM alerts a LEFT JOIN users ack ON ack.id = a.acknowledged_by LEFT JOIN users res ON res.id = a.resolved_by
     WHERE a.rowid > ? ORDER BY a.rowid LIMIT ?`,
  );
  const incidents = db.prepare<
    [number, number],
    {
      rowid: number;
      id: string;
      type: string;
      status: string;
      opened_at: number;
      last_alert_at: number;
      acknowledged_at: number | null;
      acknowledged_by: string | null;
      closed_at: number | null;
      resolved_by: string | null;
      resolution: string | null;
    }
  >(
    `SELECT i.rowid, i.id, i.type, i.status, i.opened_at, i.last_alert_at, i.acknowledged_at, ack.name AS acknowledged_by,
            i.closed_at, res.name AS resolved_by, i.resolution
     FROM incidents i LEFT JOIN users ack ON ack.id = i.acknowledged_by LEFT JOIN users res ON res.id = i.resolved_by
     WHERE i.rowid > ? ORDER BY i.rowid LIMIT ?`,
  );
  const careNotes = db.prepare<
    [number, number],
    { id: number; at: number; author: string | null; kind: string; text: string; incident_id: string | null; edited_at: number | null }
  >(
    `SELECT n.id, n.at, u.name AS author, n.kind, n.text, n.incident_id, n.edited_at
     FROM care_notes n LEFT JOIN users u ON u.id = n.author_id WHERE n.id > ? ORDER BY n.id LIMIT ?`,
  );

  return {
    fixes(after: ReadingKey, limit: number): ExportedFix[] {
      return fixes.all(after.device, after.at, limit).map((r) => ({ device: r.device, at: r.at, lat: r.lat_e6 / 1e6, lon: r.lon_e6 / 1e6, accuracyM: r.accuracy_m }));
    },
    doors(after: ReadingKey, limit: number): ExportedDoor[] {
      return doors.all(after.device, after.at, limit).map((r) => ({ device: r.device, at: r.at, open: r.open === 1 }));
    },
    pillbox(after: ReadingKey, limit: number): ExportedPillbox[] {
      return pillbox.all(after.device, after.at, limit).map((r) => ({ device: r.device, at: r.at, compartment: r.compartment, open: r.open === 1 }));
    },
    doses(after: { dose: string; date: string }, limit: number): ExportedDose[] {
      return doses.all(after.dose, after.date, limit);
    },
    alerts(afterRowid: number, limit: number): ExportedAlert[] {
      return alerts.all(afterRowid, limit).map((r) => ({
        rowid: r.rowid,
        id: r.id,
        type: r.type,
        severity: r.severity,
        status: r.status,
        deviceId: r.device_id,
        incidentId: r.incident_id,
        title: r.title,
        details: r.details,
        raisedAt: r.raised_at,
        acknowledgedAt: r.acknowledged_at,
        acknowledgedBy: r.acknowledged_by,
        resolvedAt: r.resolved_at,
        resolvedBy: r.resolved_by,
        resolution: r.resolution,
      }));
    },
    incidents(afterRowid: number, limit: number): ExportedIncident[] {
      return incidents.all(afterRowid, limit).map((r) => ({
        rowid: r.rowid,
        id: r.id,
        type: r.type,
        status: r.status,
        openedAt: r.opened_at,
        lastAlertAt: r.last_alert_at,
        acknowledgedAt: r.acknowledged_at,
        acknowledgedBy: r.acknowledged_by,
        closedAt: r.closed_at,
        resolvedBy: r.resolved_by,
        resolution: r.resolution,
      }));
    },
    careNotes(afterId: number, limit: number): ExportedCareNote[] {
      return careNotes.all(afterId, limit).map((r) => ({ id: r.id, at: r.at, author: r.author, kind: r.kind, text: r.text, incidentId: r.incident_id, editedAt: r.edited_at }));
    },
  };
}

export type ExportRepo = ReturnType<typeof createExportRepo>;
