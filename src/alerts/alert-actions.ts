import type { Clock } from '../core/clock.js';
import { HomewardError } from '../core/errors.js';
import type { EventBus } from '../core/event-bus.js';
import type { Logger } from '../core/logger.js';
import type { AlertRow } from '../store/alerts-repo.js';
import type { IncidentRow } from '../store/incidents-repo.js';
import type { Store } from '../store/store.js';
import type { AlertService } from './alert-service.js';

/**
 * Responding to alerts (DESIGN.md, "Rule semantics": "An acknowledgement ('I'm on it') is shown to
 * everyone; resolving takes a short note"; issue 6, item 3):
 *  - the first acknowledgement is kept on the alert and shown to everyone; a later one (a second
 *    person also on their way) is recorded in the timeline and changes nothing else;
 *  - acknowledging or resolving a resolved alert is a conflict: the person must see it is over;
 *  - resolving takes a note, records who, and closes the incident when its last alert resolves.
 * Acting on an incident acts on each of its open alerts. Every action is audited and announced on the
 * bus (alertChanged, incidentChanged), after its transaction has committed.
 */

/** Who responded: a member of the circle, or an integration (Home Assistant's "I'm on it" button, issue 6 item 9). */
export type Responder = { userId: number } | { integration: string };

export const MAX_RESOLUTION_NOTE = 500;

const userOf = (responder: Responder): number | null => ('userId' in responder ? responder.userId : null);
const viaOf = (responder: Responder): Record<string, unknown> => ('integration' in responder ? { integration: responder.integration } : {});

function conflict(error: string, message: string): HomewardError {
  return new HomewardError('HW_CONFLICT', message, { reply: error });
}

function notFound(what: 'alert' | 'incident', id: string): HomewardError {
  return new HomewardError('HW_NOT_FOUND', `no ${what} ${id}`, { reply: 'not_found' });
}

/** The note a person resolves with: trimmed, 1..500 characters. */
export function resolutionNote(note: string): string {
  const trimmed = note.trim();
  if (trimmed === '' || trimmed.length > MAX_RESOLUTION_NOTE) {
    throw new HomewardError('HW_USAGE', `a resolution needs a short note (1 to ${MAX_RESOLUTION_NOTE} characters)`, { reply: 'note_required' });
  }
  return trimmed;
}

export interface AlertActionResult {
  alert: AlertRow;
  /** False when someone else had already acknowledged it (this one is in the timeline only). */
  first: boolean;
}

export function createAlertActions(deps: { store: Store; alerts: AlertService; bus: EventBus; clock: Clock; log: Logger }) {
  const { store, alerts, bus, clock, log } = deps;

  function alertOrThrow(alertId: string): AlertRow {
    const alert = store.alerts.byId(alertId);
    if (alert === undefined) throw notFound('alert', alertId);
    return alert;
  }

  function incidentOrThrow(incidentId: string): IncidentRow {
    const incident = store.incidents.byId(incidentId);
    if (incident === undefined) throw notFound('incident', incidentId);
    return incident;
  }

  /** Inside a transaction: the first acknowledgement goes on the row, every one into the timeline. */
  function acknowledgeInside(alert: AlertRow, responder: Responder, at: number, via: 'alert' | 'incident'): boolean {
    const by = userOf(responder);
    const first = store.alerts.acknowledge(alert.id, at, by);
    store.alertEvents.record({ alertId: alert.id, at, kind: 'acknowledged', userId: by, details: { first, via, ...viaOf(responder) } });
    if (alert.incidentId !== null) store.incidents.acknowledge(alert.incidentId, at, by);
    return first;
  }

  /** Inside a transaction: resolves the alert on someone's word, and its incident if it was the last open one. */
  function resolveInside(alert: AlertRow, responder: Responder, at: number, note: string, via: 'alert' | 'incident'): boolean {
    const by = userOf(responder);
    if (!store.alerts.resolveBy(alert.id, at, note, by)) return false;
    store.alertEvents.record({ alertId: alert.id, at, kind: 'resolved', userId: by, details: { auto: false, note, via, ...viaOf(responder) } });
    if (alert.incidentId !== null && store.alerts.openInIncident(alert.incidentId) === 0) store.incidents.closeBy(alert.incidentId, at, note, by);
    return true;
  }

  function audit(responder: Responder, at: number, action: string, target: string, details: Record<string, unknown>): void {
    store.audit.append({ at, userId: userOf(responder), action, target, details: { ...details, ...viaOf(responder) } });
  }

  /** After the commit: the rules' memory, MQTT and live views all learn of the change. */
  function announce(alertIds: readonly string[], incidentIds: ReadonlySet<string>): AlertRow[] {
    const rows: AlertRow[] = [];
    for (const id of alertIds) {
      const row = store.alerts.byId(id);
      if (row === undefined) continue;
      rows.push(row);
      alerts.changed(row);
      bus.emit('alertChanged', { alert: alerts.json(row) });
    }
    for (const incidentId of incidentIds) bus.emit('incidentChanged', { incidentId });
    return rows;
  }

  return {
    /** "I'm on it". 409 alert_resolved when it is over; a second person's acknowledgement is recorded and answered like the first. */
    acknowledge(alertId: string, responder: Responder): AlertActionResult {
      const at = clock.now();
      const first = store.transaction(() => {
        const alert = alertOrThrow(alertId);
        if (alert.status === 'resolved') throw conflict('alert_resolved', `alert ${alertId} is already resolved`);
        const isFirst = acknowledgeInside(alert, responder, at, 'alert');
        audit(responder, at, 'alert.acknowledged', `alert:${alertId}`, { first: isFirst, incidentId: alert.incidentId });
        return isFirst;
      });
      const [alert] = announce([alertId], incidentsOf([alertId]));
      log.info({ alert: alertId, by: userOf(responder), first }, 'alert acknowledged');
      return { alert: alert as AlertRow, first };
    },

    /** Resolves with a note (1..500 characters). 409 alert_resolved if it already is. */
    resolve(alertId: string, responder: Responder, note: string): AlertRow {
      const text = resolutionNote(note);
      const at = clock.now();
      store.transaction(() => {
        const alert = alertOrThrow(alertId);
        if (!resolveInside(alert, responder, at, text, 'alert')) throw conflict('alert_resolved', `alert ${alertId} is already resolved`);
        audit(responder, at, 'alert.resolved', `alert:${alertId}`, { incidentId: alert.incidentId });
      });
      const [alert] = announce([alertId], incidentsOf([alertId]));
      log.info({ alert: alertId, by: userOf(responder) }, 'alert resolved');
      return alert as AlertRow;
    },

    /** Acknowledges every open alert of an incident. 409 incident_closed when it is over. */
    acknowledgeIncident(incidentId: string, responder: Responder): IncidentRow {
      const at = clock.now();
      const touched = store.transaction(() => {
        const incident = incidentOrThrow(incidentId);
        if (incident.status !== 'open') throw conflict('incident_closed', `incident ${incidentId} is already closed`);
        const first = incident.acknowledgedAt === null;
        const open = store.alerts.inIncident(incidentId).filter((a) => a.status !== 'resolved');
        for (const alert of open) acknowledgeInside(alert, responder, at, 'incident');
        store.incidents.acknowledge(incidentId, at, userOf(responder));
        audit(responder, at, 'incident.acknowledged', `incident:${incidentId}`, { first, alerts: open.map((a) => a.id) });
        return open.map((a) => a.id);
      });
      announce(touched, new Set([incidentId]));
      log.info({ incident: incidentId, by: userOf(responder) }, 'incident acknowledged');
      return incidentOrThrow(incidentId);
    },

    /** Resolves every open alert of an incident with one note and closes it. 409 incident_closed when it is over. */
    resolveIncident(incidentId: string, responder: Responder, note: string): IncidentRow {
      const text = resolutionNote(note);
      const at = clock.now();
      const touched = store.transaction(() => {
        const incident = incidentOrThrow(incidentId);
        if (incident.status !== 'open') throw conflict('incident_closed', `incident ${incidentId} is already closed`);
        const open = store.alerts.inIncident(incidentId).filter((a) => a.status !== 'resolved');
        for (const alert of open) resolveInside(alert, responder, at, text, 'incident');
        // Open with no open alert (should not happen, but must not leave it open for ever): close it too.
        store.incidents.closeBy(incidentId, at, text, userOf(responder));
        audit(responder, at, 'incident.resolved', `incident:${incidentId}`, { alerts: open.map((a) => a.id) });
        return open.map((a) => a.id);
      });
      announce(touched, new Set([incidentId]));
      log.info({ incident: incidentId, by: userOf(responder) }, 'incident resolved');
      return incidentOrThrow(incidentId);
    },
  };

  function incidentsOf(alertIds: readonly string[]): Set<string> {
    const ids = new Set<string>();
    for (const id of alertIds) {
      const incidentId = store.alerts.byId(id)?.incidentId;
      if (incidentId != null) ids.add(incidentId);
    }
    return ids;
  }
}

export type AlertActions = ReturnType<typeof createAlertActions>;
