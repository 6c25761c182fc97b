import type { AlertJson, AlertType, Responder } from '../core/alerts.js';
import { isFaultType } from '../core/alerts.js';
import type { Clock } from '../core/clock.js';
import { HomewardError } from '../core/errors.js';
import type { AlertEventRow } from '../store/alert-events-repo.js';
import type { AlertRow, AlertStatusFilter } from '../store/alerts-repo.js';
import type { Store } from '../store/store.js';
import { carriesLocation, withoutLocation } from './alert-json.js';
import type { AlertService } from './alert-service.js';
import { nextCursor, readCursor } from './page-cursor.js';

/**
 * Reading alerts and their timelines (issue 5, item 7; issue 6, item 3), as a given person may see
 * them. Some alerts carry the person's last position (left-safe-zone, tracker-silent): a role without
 * positions.read gets them without it, and every answer that does show one is written to the audit
 * log as a location view (DESIGN.md: "every view of their location is logged").
 */
export interface AlertViewer {
  userId: number;
  /** The caller's role has positions.read. */
  seesLocation: boolean;
}

export interface TimelineEntry {
  at: string;
  kind: string;
  /** Who did it (for 'notified', who was told); null for the hub itself. */
  by: Responder | null;
  details: Record<string, unknown>;
}

export type AlertWithTimeline = AlertJson & { timeline: TimelineEntry[] };

export interface AlertListQuery {
  status: AlertStatusFilter;
  type?: AlertType | undefined;
  limit: number;
  before?: string | undefined;
}

export function timelineEntry(event: AlertEventRow): TimelineEntry {
  const integration = event.details.integration;
  const by: Responder | null =
    event.userId !== null
      ? { id: event.userId, name: event.userName ?? 'a former member of the circle' }
      : typeof integration === 'string'
        ? { id: null, name: integration }
        : null;
  return { at: new Date(event.at).toISOString(), kind: event.kind, by, details: event.details };
}

export function createAlertRecord(deps: { store: Store; alerts: AlertService; clock: Clock }) {
  const { store, alerts, clock } = deps;

  /** The alerts as JSON, without positions unless `seesLocation`; audits nothing (the caller does). */
  function visible(rows: readonly AlertRow[], seesLocation: boolean): AlertJson[] {
    const json = rows.map((row) => alerts.json(row));
    return seesLocation ? json : json.map(withoutLocation);
  }

  /** The alerts as this viewer may see them; audits the answer if it shows a position. */
  function shown(rows: readonly AlertRow[], viewer: AlertViewer, via: string): AlertJson[] {
    const json = visible(rows, viewer.seesLocation);
    if (!viewer.seesLocation) return json;
    const located = json.filter(carriesLocation).map((a) => a.id);
    if (located.length > 0) {
      store.audit.append({ at: clock.now(), userId: viewer.userId, action: 'location.viewed', target: located.length === 1 ? `alert:${located[0]}` : 'alerts', details: { via, alertIds: located } });
    }
    return json;
  }

  function page(query: AlertListQuery & { faultsOnly: boolean }, viewer: AlertViewer, via: string): { alerts: AlertJson[]; nextBefore: string | null } {
    const rows = store.alerts.list({ status: query.status, type: query.type, faultsOnly: query.faultsOnly, limit: query.limit, before: readCursor(query.before) });
    return { alerts: shown(rows, viewer, via), nextBefore: nextCursor(rows, query.limit, (a) => ({ at: a.raisedAt, id: a.id })) };
  }

  return {
    visible,
    shown,

    /** GET /api/alerts: newest first. */
    list: (query: AlertListQuery, viewer: AlertViewer) => page({ ...query, faultsOnly: false }, viewer, 'alerts'),

    /** GET /api/faults: sensor faults only, for installers too (they have no alerts.read). */
    faults(query: AlertListQuery, viewer: AlertViewer): { alerts: AlertJson[]; nextBefore: string | null } {
      if (query.type !== undefined && !isFaultType(query.type)) return { alerts: [], nextBefore: null };
      return page({ ...query, faultsOnly: true }, viewer, 'faults');
    },

    /** One alert with its timeline. */
    detail(alertId: string, viewer: AlertViewer): AlertWithTimeline {
      const row = store.alerts.byId(alertId);
      if (row === undefined) throw new HomewardError('HW_NOT_FOUND', `no alert ${alertId}`, { reply: 'not_found' });
      return withTimeline(shown([row], viewer, 'alert')[0] as AlertJson);
    },

    /** The alert as just changed by an action, with its timeline, as this viewer may see it. */
    afterAction(row: AlertRow, viewer: AlertViewer): AlertWithTimeline {
      return withTimeline(shown([row], viewer, 'alert')[0] as AlertJson);
    },

    withTimeline,
  };

  function withTimeline(alert: AlertJson): AlertWithTimeline {
    return { ...alert, timeline: store.alertEvents.forAlert(alert.id).map(timelineEntry) };
  }
}

export type AlertRecord = ReturnType<typeof createAlertRecord>;
