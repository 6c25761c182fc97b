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
] as const;
export type AlertType = (typeof alertTypes)[number];

/** urgent: wake whoever is on call; warning: needs a person soon; notice: worth knowing; fault: the system itself (installers). */
export type Severity = 'urgent' | 'warning' | 'notice' | 'fault';

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
}

