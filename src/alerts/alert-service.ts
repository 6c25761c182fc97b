import { randomUUID } from 'node:crypto';
import { wanderingTypes, type AlertDraft, type AlertJson, type RuleOutcome } from '../core/alerts.js';
import type { EventBus } from '../core/event-bus.js';
import type { Logger } from '../core/logger.js';
import type { Counter } from '../core/metrics.js';
import type { AlertRow } from '../store/alerts-repo.js';
import type { Store } from '../store/store.js';
import { alertJson, createResponderNames } from './alert-json.js';

/**
 * Turns rule outcomes into stored alerts and incidents: one condition, one alert (by key); related
 * wandering alerts within an hour join one incident; clearing a condition resolves its alert but
 * keeps the record. Every change is announced on the bus (for MQTT, and later notifications), and
 * written to the alert's timeline (alert_events: raised, and resolved by the rule with its reason) in
 * the same transaction as the change itself.
 */
const INCIDENT_WINDOW_MS = 60 * 60_000;

export function createAlertService(options: { store: Store; bus: EventBus; log: Logger; alertsTotal: Counter; newId?: () => string }) {
  const { store, bus, log, alertsTotal } = options;
  const newId = options.newId ?? (() => randomUUID());
  const names = createResponderNames(store);
  // Open alerts, in memory: rules ask about them for every reading, and reading them from SQLite each
  // time made a reading's cost grow with the number of open alerts (measured: 65 % of CPU, 5 s stalls).
  let openByKey: Map<string, AlertRow> | undefined;
  const openIndex = () => (openByKey ??= new Map(store.alerts.open().map((a) => [a.key, a])));

  function incidentFor(draft: AlertDraft): string | null {
    if (!wanderingTypes.includes(draft.type)) return null;
    const open = store.incidents.latestOpen('wandering');
    if (open !== undefined && draft.at - open.lastAlertAt <= INCIDENT_WINDOW_MS) {
      store.incidents.touch(open.id, draft.at);
      return open.id;
    }
    const id = newId();
    store.incidents.open(id, 'wandering', draft.at);
    return id;
  }

  return {
    /**
     * Applies one rule's outcome in one transaction; returns the alerts raised and resolved.
     * Call inside the caller's transaction if it also advances a watermark.
     */
    apply(outcome: RuleOutcome): { raised: AlertRow[]; resolved: AlertRow[] } {
      const raised: AlertRow[] = [];
      const resolved: AlertRow[] = [];
      for (const draft of outcome.raise) {
        if (store.alerts.byKey(draft.key) !== undefined) continue;
        const incidentId = incidentFor(draft);
        const row = {
          id: newId(),
          key: draft.key,
          type: draft.type,
          severity: draft.severity,
          deviceId: draft.deviceId ?? null,
          incidentId,
          title: draft.title,
          details: draft.details,
          raisedAt: draft.at,
        };
        if (store.alerts.insert(row)) {
          raised.push({ ...row, status: 'open', resolvedAt: null, resolution: null, acknowledgedAt: null, acknowledgedBy: null, resolvedBy: null });
          store.alertEvents.record({ alertId: row.id, at: draft.at, kind: 'raised', userId: null, details: { severity: draft.severity, ...(incidentId === null ? {} : { incidentId }) } });
        }
      }
      for (const clearance of outcome.clear) {
        const alert = store.alerts.byKey(clearance.key);
        if (alert === undefined || alert.status === 'resolved') continue;
        if (store.alerts.resolve(alert.id, clearance.at, clearance.reason)) {
          resolved.push({ ...alert, status: 'resolved', resolvedAt: clearance.at, resolution: clearance.reason });
          // Auto-resolved keeps the record (issue 6, item 3): the timeline says the condition cleared, and why.
          store.alertEvents.record({ alertId: alert.id, at: clearance.at, kind: 'resolved', userId: null, details: { auto: true, reason: clearance.reason } });
          // When every alert of an incident has cleared by itself, so has the incident; the record stays.
          if (alert.incidentId !== null && store.alerts.openInIncident(alert.incidentId) === 0) store.incidents.close(alert.incidentId, clearance.at);
        }
      }
      for (const dose of outcome.doses) store.ruleState.recordDose(dose);
      return { raised, resolved };
    },

    /** Applies an outcome in its own transaction and announces it; nothing is written for an empty one. */
    commit(outcome: RuleOutcome): void {
      if (outcome.raise.length === 0 && outcome.clear.length === 0 && outcome.doses.length === 0) return;
      const changes = store.transaction(() => this.apply(outcome));
      const index = openIndex();
      for (const alert of changes.raised) index.set(alert.key, alert);
      for (const alert of changes.resolved) index.delete(alert.key);
      this.announce(changes);
    },

    /** The open alert with this key (from memory). */
    openAlert: (key: string): AlertRow | undefined => openIndex().get(key),
    /** Open alerts (from memory). */
    openAlerts: (): AlertRow[] => [...openIndex().values()],
    /** Whether this key was ever raised. */
    raised: (key: string): boolean => openIndex().has(key) || store.alerts.byKey(key) !== undefined,

    /** Announces changes once their transaction has committed. */
    announce(changes: { raised: AlertRow[]; resolved: AlertRow[] }): void {
      const incidents = new Set<string>();
      for (const alert of changes.raised) {
        alertsTotal.inc({ type: alert.type });
        log.warn({ alert: alert.id, type: alert.type, device: alert.deviceId, key: alert.key }, `alert: ${alert.title}`);
        bus.emit('alertChanged', { alert: alertJson(alert, names) });
        if (alert.incidentId !== null) incidents.add(alert.incidentId);
      }
      for (const alert of changes.resolved) {
        log.info({ alert: alert.id, type: alert.type, resolution: alert.resolution }, `resolved: ${alert.title}`);
        bus.emit('alertChanged', { alert: alertJson(alert, names) });
        if (alert.incidentId !== null) incidents.add(alert.incidentId);
      }
      // An incident opened, grew or closed with these alerts (live views show its counts).
      for (const incidentId of incidents) bus.emit('incidentChanged', { incidentId });
    },

    /**
     * Keeps the in-memory open alerts in step after a person acknowledged or resolved one (see
     * alert-actions.ts): rules must not see a resolved alert as open, nor escalation an acknowledged one as not.
     */
    changed(alert: AlertRow): void {
      const index = openIndex();
      if (alert.status === 'resolved') index.delete(alert.key);
      else index.set(alert.key, alert);
    },

    /** An alert as JSON, with its responders named. */
    json: (alert: AlertRow): AlertJson => alertJson(alert, names),

    /** Resolves open alerts of devices no longer in the household (DESIGN: a removed device's alerts resolve). */
    resolveForRemovedDevices(deviceIds: ReadonlySet<string>, now: number): void {
      const clear = [...openIndex().values()]
        .filter((a) => a.deviceId !== null && !deviceIds.has(a.deviceId))
        .map((a) => ({ key: a.key, at: now, reason: 'device removed from the household' }));
      this.commit({ raise: [], clear, doses: [] });
    },

    open: (): AlertJson[] => store.alerts.open().map((alert) => alertJson(alert, names)),
  };
}

export type AlertService = ReturnType<typeof createAlertService>;
