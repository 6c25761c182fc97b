import type { AlertJson, Responder } from '../core/alerts.js';
import type { AlertRow } from '../store/alerts-repo.js';
import type { Store } from '../store/store.js';
import { isoOrNull } from '../core/iso-time.js';

/**
 * Alerts as JSON (MQTT homeward/alerts/<id>, the API, live events), with who responded by name:
 * "Anna is on it" must read as a name on every phone (DESIGN.md, "Who uses it").
 */

/** Names the people (and integrations) who responded to alerts, from the users table and the timeline. */
export interface ResponderNames {
  /** A member by user id; an account since removed still gets a plain description. */
  person(userId: number): Responder;
  /** Who acknowledged this alert first, if anyone. */
  acknowledgerOf(alert: Pick<AlertRow, 'id' | 'acknowledgedAt' | 'acknowledgedBy'>): Responder | null;
}

export function createResponderNames(store: Pick<Store, 'users' | 'alertEvents'>): ResponderNames {
  const person = (userId: number): Responder => ({ id: userId, name: store.users.byId(userId)?.name ?? 'a former member of the circle' });
  return {
    person,
    acknowledgerOf(alert) {
      if (alert.acknowledgedAt === null) return null;
      if (alert.acknowledgedBy !== null) return person(alert.acknowledgedBy);
      // No user: an integration (Home Assistant's "I'm on it" button) acknowledged; its timeline entry says which.
      const first = store.alertEvents.firstOf(alert.id, 'acknowledged');
      const integration = first?.details.integration;
      return { id: null, name: typeof integration === 'string' ? integration : 'an integration' };
    },
  };
}

export function alertJson(alert: AlertRow, names: ResponderNames): AlertJson {
  return {
    id: alert.id,
    type: alert.type,
    severity: alert.severity,
    status: alert.status,
    deviceId: alert.deviceId,
    incidentId: alert.incidentId,
    title: alert.title,
    details: alert.details,
    raisedAt: new Date(alert.raisedAt).toISOString(),
    resolvedAt: isoOrNull(alert.resolvedAt),
    resolution: alert.resolution,
    acknowledgedAt: isoOrNull(alert.acknowledgedAt),
    acknowledgedBy: names.acknowledgerOf(alert),
    resolvedBy: alert.resolvedBy === null ? null : names.person(alert.resolvedBy),
  };
}

/**
 * The keys under which rules put a position in an alert's details (left-safe-zone's last fix,
 * tracker-silent's last known place). A position is the person's location: only roles with
 * positions.read see it, and each view of it is audited.
 */
const LOCATION_KEYS = ['lat', 'lon', 'accuracyM'] as const;

export function carriesLocation(alert: Pick<AlertJson, 'details'>): boolean {
  return typeof alert.details.lat === 'number' || typeof alert.details.lon === 'number';
}

/** The alert without its position, for a role that may not see where the person is. */
export function withoutLocation(alert: AlertJson): AlertJson {
  if (!carriesLocation(alert)) return alert;
  const details = { ...alert.details };
  for (const key of LOCATION_KEYS) delete details[key];
  return { ...alert, details };
}
