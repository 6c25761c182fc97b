import type { Db } from './database.js';

export interface IncidentRow {
  id: string;
  type: string;
  /** 'open' | 'closed' */
  status: string;
  openedAt: number;
  lastAlertAt: number;
  closedAt: number | null;
  /** The first acknowledgement of any of its alerts. */
  acknowledgedAt: number | null;
  acknowledgedBy: number | null;
  /** Who closed it with a note; null while open or when its alerts all cleared by themselves. */
  resolvedBy: number | null;
  resolution: string | null;
}

/** An incident with counts of its alerts, for lists. */
export interface IncidentSummaryRow extends IncidentRow {
  alertCount: number;
  openAlertCount: number;
  alertTypes: string[];
}

interface Row {
  id: string;
  type: string;
  status: string;
  opened_at: number;
  last_alert_at: number;
  closed_at: number | null;
  acknowledged_at: number | null;
  acknowledged_by: number | null;
  resolved_by: number | null;
  resolution: string | null;
}

interface SummaryRow extends Row {
  alert_count: number;
  open_alert_count: number;
  alert_types: string | null;
}

export type IncidentStatusFilter = 'open' | 'closed' | 'all';

const toIncident = (r: Row): IncidentRow => ({
  id: r.id,
  type: r.type,
  status: r.status,
  openedAt: r.opened_at,
  lastAlertAt: r.last_alert_at,
  closedAt: r.closed_at,
  acknowledgedAt: r.acknowledged_at,
  acknowledgedBy: r.acknowledged_by,
  resolvedBy: r.resolved_by,
  resolution: r.resolution,
});

const toSummary = (r: SummaryRow): IncidentSummaryRow => ({
  ...toIncident(r),
  alertCount: r.alert_count,
  openAlertCount: r.open_alert_count,
  alertTypes: r.alert_types === null ? [] : r.alert_types.split(',').sort(),
});

const SUMMARY_COLUMNS = `i.*,
  (SELECT COUNT(*) FROM alerts a WHERE a.incident_id = i.id) AS alert_count,
  (SELECT COUNT(*) FROM alerts a WHERE a.incident_id = i.id AND a.status <> 'resolved') AS open_alert_count,
  (SELECT group_concat(DISTINCT a.type) FROM alerts a WHERE a.incident_id = i.id) AS alert_types`;

/** Incidents: one timeline for related alerts (DESIGN.md principle 3, "one incident, not fifty alerts"). */
export function createIncidentsRepo(db: Db) {
  const insert = db.prepare<[string, string, number, number]>(
    "INSERT INTO incidents (id, type, status, opened_at, last_alert_at) VALUES (?, ?, 'open', ?, ?)",
  );
  const latestOpen = db.prepare<[string], Row>("SELECT * FROM incidents WHERE type = ? AND status = 'open' ORDER BY last_alert_at DESC LIMIT 1");
  const touch = db.prepare<[number, string]>('UPDATE incidents SET last_alert_at = max(last_alert_at, ?) WHERE id = ?');
  const close = db.prepare<[number, string]>("UPDATE incidents SET status = 'closed', closed_at = ? WHERE id = ? AND status = 'open'");
  const closeBy = db.prepare<{ at: number; by: number | null; resolution: string; id: string }>(
    "UPDATE incidents SET status = 'closed', closed_at = @at, resolved_by = @by, resolution = @resolution WHERE id = @id AND status = 'open'",
  );
  const acknowledge = db.prepare<{ at: number; by: number | null; id: string }>(
    "UPDATE incidents SET acknowledged_at = @at, acknowledged_by = @by WHERE id = @id AND acknowledged_at IS NULL AND status = 'open'",
  );
  const byId = db.prepare<[string], Row>('SELECT * FROM incidents WHERE id = ?');
  const summary = db.prepare<[string], SummaryRow>(`SELECT ${SUMMARY_COLUMNS} FROM incidents i WHERE i.id = ?`);
  const page = db.prepare<{ status: IncidentStatusFilter; before_at: number; before_id: string; limit: number }, SummaryRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM incidents i
     WHERE (@status = 'all' OR i.status = @status)
       AND (i.opened_at < @before_at OR (i.opened_at = @before_at AND i.id < @before_id))
     ORDER BY i.opened_at DESC, i.id DESC
     LIMIT @limit`,
  );

  return {
    open(id: string, type: string, at: number): void {
      insert.run(id, type, at, at);
    },
    latestOpen(type: string): IncidentRow | undefined {
      const r = latestOpen.get(type);
      return r === undefined ? undefined : toIncident(r);
    },
    touch(id: string, at: number): void {
      touch.run(at, id);
    },
    /** Closes an incident whose alerts all cleared by themselves. */
    close(id: string, at: number): boolean {
      return close.run(at, id).changes === 1;
    },
    /** Closes an incident on someone's word, with their note; false if it was not open. */
    closeBy(id: string, at: number, resolution: string, by: number | null): boolean {
      return closeBy.run({ id, at, by, resolution }).changes === 1;
    },
    /** Records the first acknowledgement of an open incident; false if acknowledged before or closed. */
    acknowledge(id: string, at: number, by: number | null): boolean {
      return acknowledge.run({ id, at, by }).changes === 1;
    },
    byId(id: string): IncidentRow | undefined {
      const r = byId.get(id);
      return r === undefined ? undefined : toIncident(r);
    },
    summary(id: string): IncidentSummaryRow | undefined {
      const r = summary.get(id);
      return r === undefined ? undefined : toSummary(r);
    },
    /** One page, newest first; the cursor is the (openedAt, id) of the last incident of the previous page. */
    list(query: { status: IncidentStatusFilter; limit: number; before?: { at: number; id: string } | undefined }): IncidentSummaryRow[] {
      return page
        .all({ status: query.status, before_at: query.before?.at ?? Number.MAX_SAFE_INTEGER, before_id: query.before?.id ?? '', limit: query.limit })
        .map(toSummary);
    },
  };
}

export type IncidentsRepo = ReturnType<typeof createIncidentsRepo>;
