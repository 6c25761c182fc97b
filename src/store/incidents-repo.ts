import type { Db } from './database.js';

export interface IncidentRow {
  id: string;
  type: string;
  status: string;
  openedAt: number;
  lastAlertAt: number;
  closedAt: number | null;
}

/** Incidents: one timeline for related alerts (DESIGN.md principle 3, "one incident, not fifty alerts"). */
export function createIncidentsRepo(db: Db) {
  const insert = db.prepare<[string, string, number, number]>(
    "INSERT INTO incidents (id, type, status, opened_at, last_alert_at) VALUES (?, ?, 'open', ?, ?)",
  );
  const latestOpen = db.prepare<[string], { id: string; type: string; status: string; opened_at: number; last_alert_at: number; closed_at: number | null }>(
    "SELECT * FROM incidents WHERE type = ? AND status = 'open' ORDER BY last_alert_at DESC LIMIT 1",
  );
  const touch = db.prepare<[number, string]>('UPDATE incidents SET last_alert_at = max(last_alert_at, ?) WHERE id = ?');
  const close = db.prepare<[number, string]>("UPDATE incidents SET status = 'closed', closed_at = ? WHERE id = ? AND status = 'open'");
  const byId = db.prepare<[string], { id: string; type: string; status: string; opened_at: number; last_alert_at: number; closed_at: number | null }>(
    'SELECT * FROM incidents WHERE id = ?',
  );
  const toIncident = (r: { id: string; type: string; status: string; opened_at: number; last_alert_at: number; closed_at: number | null }): IncidentRow => ({
    id: r.id,
    type: r.type,
    status: r.status,
    openedAt: r.opened_at,
    lastAlertAt: r.last_alert_at,
    closedAt: r.closed_at,
  });

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
    close(id: string, at: number): boolean {
      return close.run(at, id).changes === 1;
    },
    byId(id: string): IncidentRow | undefined {
      const r = byId.get(id);
      return r === undefined ? undefined : toIncident(r);
    },
  };
}

export type IncidentsRepo = ReturnType<typeof createIncidentsRepo>;
