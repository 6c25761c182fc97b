/**
 * Alerts and incidents as rules produce them (DESIGN.md, "Alert types" and "Rule semantics").
 * Times are Unix ms.
 */
export const alertTypes = [
  'night-exit',
  'door-open-too-long',
  'left-safe-zone',
  'tracker-silent',
  'missed-dose',
  'double-dose',
  'sensor-silent',
  'low-battery',
  'inactivity',
  // Issue 10: the data directory's disk is (nearly) full, so readings may soon not be saved.
  'hub-storage-low',
] as const;
export type AlertType = (typeof alertTypes)[number];

/** urgent: wake whoever is on call; warning: needs a person soon; notice: worth knowing; fault: the system itself (installers). */
export type Severity = 'urgent' | 'warning' | 'notice' | 'fault';

/**
 * Faults of the system itself rather than news about the person: installers see and fix these
 * (permission faults.read), and they are served at GET /api/faults as well as with every alert.
 */
export const faultTypes: readonly AlertType[] = ['sensor-silent', 'low-battery', 'hub-storage-low'];

export function isFaultType(type: string): boolean {
  return (faultTypes as readonly string[]).includes(type);
}

/** The alerts that join one "wandering" incident when raised within an hour of each other. */
export const wanderingTypes: readonly AlertType[] = ['night-exit', 'left-safe-zone', 'tracker-silent', 'door-open-too-long'];

/** What a rule asks for: an alert to raise. */
export interface AlertDraft {
  type: AlertType;
  /**
   * Names the condition, so one condition gives one alert, ever: a second draft with the same key is
   * ignored, whether the first is still open or long resolved (e.g. "missed-dose:morning-tablets:2026-01-15",
   * "door-open-too-long:front-door:1768442400000"). Restarts and clock jumps re-derive the same keys.
   */
  key: string;
  severity: Severity;
  deviceId?: string;
  /** When the condition arose (the deadline that passed, the reading that showed it). */
  at: number;
  /** One line for a notification, in plain words. */
  title: string;
  /** Facts for whoever responds: the last position, the dose, the door. No secrets. */
  details: Record<string, unknown>;
}

/** What a rule asks for: an open alert to resolve because its condition cleared. */
export interface AlertClearance {
  key: string;
  at: number;
  /** Why it cleared, in plain words ("door closed", "back in Home", "taken late at 09:40"). */
  reason: string;
}

/** Adherence for one scheduled dose on one local date. */
export interface DoseRecord {
  dose: string;
  /** Local date in home.timezone, YYYY-MM-DD. */
  date: string;
  status: 'on-time' | 'late' | 'missed' | 'double';
  at: number;
}

export interface RuleOutcome {
  raise: AlertDraft[];
  clear: AlertClearance[];
  doses: DoseRecord[];
}

export const nothing = (): RuleOutcome => ({ raise: [], clear: [], doses: [] });

/** An alert as published on MQTT homeward/alerts/<id>, printed by `status --json` and served over HTTP. */
export interface AlertJson {
  id: string;
  type: AlertType;
  severity: string;
  status: string;
  deviceId: string | null;
  incidentId: string | null;
  title: string;
  details: Record<string, unknown>;
  raisedAt: string;
  resolvedAt: string | null;
  resolution: string | null;
  /** The first "I'm on it" (issue 6, item 3): shown to everyone; later ones are in the alert's timeline. */
  acknowledgedAt: string | null;
  acknowledgedBy: Responder | null;
  /** Who resolved it with a note; null while open, or when its condition cleared by itself. */
  resolvedBy: Responder | null;
}

/** A member of the circle (by user id) or an integration (id null, e.g. Home Assistant's button) who responded. */
export interface Responder {
  id: number | null;
  name: string;
}

