import Type, { type Static, type TBoolean } from 'typebox';
import Value from 'typebox/value';
import { alertTypes, type AlertType } from '../core/alerts.js';
import { CLOCK_TIME_PATTERN } from './clock-times.js';

/**
 * Each member's notification preferences (issue 6, item 1; stored as JSON in member_profiles). One
 * TypeBox schema is the API's body and answer, the check on what is stored, and the defaults: a
 * member who has never opened the page is notified of everything, by push, at any hour, and gets the
 * digest at 08:00. Times are local "HH:MM" in home.timezone.
 *
 * Quiet hours never silence an urgent alert for whoever is on call (issue 6, item 1): see
 * notification-policy.ts, which issue 6's escalation applies.
 */
const ClockTime = Type.String({ pattern: CLOCK_TIME_PATTERN, description: 'local time of day, "HH:MM" (24-hour) in home.timezone' });

const severities = ['urgent', 'warning', 'notice', 'fault'] as const;
export type PreferenceSeverity = (typeof severities)[number];

const toggles = <K extends string>(keys: readonly K[], description: (key: K) => string) =>
  Type.Object(Object.fromEntries(keys.map((key) => [key, Type.Boolean({ default: true, description: description(key) })])) as Record<K, TBoolean>, {
    additionalProperties: false,
    default: {},
  });

export const Preferences = Type.Object(
  {
    channels: Type.Object(
      {
        push: Type.Boolean({ default: true, description: 'Web Push to this member’s subscribed browsers and phones' }),
        // For the record (the circle's contact sheet); no channel sends to these yet.
        phone: Type.Union([Type.String({ minLength: 3, maxLength: 32, pattern: '^\\+?[0-9][0-9 ()-]*$' }), Type.Null()], { default: null }),
        email: Type.Union([Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+$' }), Type.Null()], { default: null }),
      },
      { additionalProperties: false, default: {} },
    ),
    alertTypes: toggles<AlertType>(alertTypes, (type) => `be notified of ${type} alerts`),
    severities: toggles<PreferenceSeverity>(severities, (severity) => `be notified of ${severity} alerts`),
    quietHours: Type.Union(
      [
        Type.Object(
          { start: ClockTime, end: ClockTime },
          { additionalProperties: false, description: 'no notifications from start until end (past midnight when end ≤ start), except urgent alerts while on call' },
        ),
        Type.Null(),
      ],
      { default: null },
    ),
    digest: Type.Object(
      { enabled: Type.Boolean({ default: true }), at: Type.String({ pattern: CLOCK_TIME_PATTERN, default: '08:00', description: 'local time of day, "HH:MM"' }) },
      { additionalProperties: false, default: {}, description: 'the daily digest (issue 6, item 7), at a local time' },
    ),
  },
  { additionalProperties: false },
);

export type Preferences = Static<typeof Preferences>;

/** A complete preferences object from a partial one (a new member's: `{}`). */
export function withDefaults(partial: unknown): Preferences {
  return Value.Default(Preferences, Value.Clone(partial ?? {})) as Preferences;
}

/** Stored preferences, completed with defaults; undefined if what is stored no longer fits the schema. */
export function parseStoredPreferences(json: string): Preferences | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const complete = withDefaults(parsed);
  return Value.Check(Preferences, complete) ? complete : undefined;
}
