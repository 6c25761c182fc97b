import Type, { type Static } from 'typebox';
import { durationPattern } from './duration.js';

/**
 * The household document: the care plan as JSON (DESIGN.md, "The household document").
 * `setup import`, `setup export` and the dashboard all read and write this one shape.
 * Objects are closed (additionalProperties: false) so a misspelt key ("exti": true on a door)
 * is an error at import rather than a silently ignored safety setting.
 */

const Id = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$', description: 'lower-case letters, digits, - and _' });
const Duration = Type.String({ pattern: durationPattern, minLength: 2, description: 'a duration such as "90s", "10m", "26h"' });
const ClockTime = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', description: 'a time of day, "HH:MM"' });
const Latitude = Type.Number({ minimum: -90, maximum: 90 });
const Longitude = Type.Number({ minimum: -180, maximum: 180 });
const Text = Type.String({ maxLength: 2000 });
const TextList = Type.Array(Type.String({ maxLength: 500 }), { maxItems: 100 });

export const sourceIds = ['native', 'zigbee2mqtt', 'owntracks', 'traccar', 'tasmota', 'shelly'] as const;
export const SourceIdSchema = Type.Union([
  Type.Literal('native'),
  Type.Literal('zigbee2mqtt'),
  Type.Literal('owntracks'),
  Type.Literal('traccar'),
  Type.Literal('tasmota'),
  Type.Literal('shelly'),
]);
export type SourceId = (typeof sourceIds)[number];

export const HomeSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    timezone: Type.String({ minLength: 1, description: 'an IANA time zone, e.g. "Europe/London"' }),
    lat: Type.Optional(Latitude),
    lon: Type.Optional(Longitude),
  },
  { additionalProperties: false },
);

export const PersonSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Text),
    routines: Type.Optional(TextList),
    triggers: Type.Optional(TextList),
    calming: Type.Optional(TextList),
    likelyPlaces: Type.Optional(TextList),
  },
  { additionalProperties: false },
);

/**
 * A safe zone: a circle (lat, lon, radiusM) or a polygon of [lat, lon] corners (for a long garden or
 * a care home's grounds). lat/lon are the zone's centre or label point either way.
 */
export const ZoneSchema = Type.Object(
  {
    id: Id,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    lat: Latitude,
    lon: Longitude,
    radiusM: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 100_000 })),
    polygon: Type.Optional(Type.Array(Type.Tuple([Latitude, Longitude]), { minItems: 3, maxItems: 200 })),
  },
  { additionalProperties: false },
);

export const DeviceSchema = Type.Object(
  {
    id: Id,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    kind: Type.Union([Type.Literal('door'), Type.Literal('tracker'), Type.Literal('pillbox')]),
    source: SourceIdSchema,
    /** The `bridges` entry this device is reached through (Zigbee2MQTT, Tasmota, a Shelly gateway). */
    bridge: Type.Optional(Id),
    /** The device's MQTT topic, where its source names devices by topic (Zigbee2MQTT, OwnTracks, Tasmota, Shelly). */
    topic: Type.Optional(Type.String({ minLength: 1, maxLength: 256, pattern: '^[^#+\\u0000]+$' })),
    /** A door people can leave the home by: night-exit and door-open-too-long watch only these. */
    exit: Type.Optional(Type.Boolean()),
    /** No message for this long makes the device "silent". */
    heartbeat: Type.Optional(Duration),
    /** Pill boxes: number of compartments (omit or 1 for a one-lid box). */
    compartments: Type.Optional(Type.Integer({ minimum: 1, maximum: 28 })),
  },
  { additionalProperties: false },
);

export const BridgeSchema = Type.Object(
  {
    id: Id,
    source: SourceIdSchema,
    baseTopic: Type.String({ minLength: 1, maxLength: 128, pattern: '^[^#+/\\u0000$][^#+\\u0000]*$' }),
  },
  { additionalProperties: false },
);

export const IntegrationSchema = Type.Object(
  {
    id: Id,
    kind: Type.Union([Type.Literal('home-assistant'), Type.Literal('node-red'), Type.Literal('script')]),
  },
  { additionalProperties: false },
);

export const MedicationSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    at: ClockTime,
    window: Duration,
    /** The compartment holding this dose; 0 or absent for a one-lid box. */
    compartment: Type.Optional(Type.Integer({ minimum: 0, maximum: 28 })),
    /** Only on these days (absent: every day). */
    days: Type.Optional(
      Type.Array(
        Type.Union([Type.Literal('mon'), Type.Literal('tue'), Type.Literal('wed'), Type.Literal('thu'), Type.Literal('fri'), Type.Literal('sat'), Type.Literal('sun')]),
        { minItems: 1, maxItems: 7, uniqueItems: true },
      ),
    ),
  },
  { additionalProperties: false },
);

export const RulesSchema = Type.Object(
  {
    night: Type.Optional(Type.Object({ start: ClockTime, end: ClockTime }, { additionalProperties: false })),
    doorOpenTooLong: Type.Optional(Duration),
    medication: Type.Optional(Type.Array(MedicationSchema, { maxItems: 50 })),
    /** A tracker last seen outside every zone that sends nothing for this long is "silent" (default 10m). */
    trackerSilentAfter: Type.Optional(Duration),
    /** Battery percentage below which a device raises a low-battery notice (default 20). */
    lowBatteryPercent: Type.Optional(Type.Integer({ minimum: 1, maximum: 99 })),
    /** The "fridge not opened by 10" check: no door or pill-box activity between `since` and `by`. */
    inactivity: Type.Optional(Type.Object({ by: ClockTime, since: Type.Optional(ClockTime) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

export const EscalationSchema = Type.Object(
  { ackWithin: Duration, repeatEvery: Duration },
  { additionalProperties: false },
);

export const HouseholdSchema = Type.Object(
  {
    home: HomeSchema,
    person: PersonSchema,
    zones: Type.Optional(Type.Array(ZoneSchema, { maxItems: 50 })),
    devices: Type.Optional(Type.Array(DeviceSchema, { maxItems: 500 })),
    bridges: Type.Optional(Type.Array(BridgeSchema, { maxItems: 20 })),
    integrations: Type.Optional(Type.Array(IntegrationSchema, { maxItems: 20 })),
    rules: Type.Optional(RulesSchema),
    escalation: Type.Optional(EscalationSchema),
  },
  { additionalProperties: false },
);

export type Household = Static<typeof HouseholdSchema>;
export type HouseholdDevice = Static<typeof DeviceSchema>;
export type HouseholdBridge = Static<typeof BridgeSchema>;
export type HouseholdIntegration = Static<typeof IntegrationSchema>;
export type Zone = Static<typeof ZoneSchema>;
export type Medication = Static<typeof MedicationSchema>;

/** A home with nothing in it yet: what a fresh hub runs with until a household is imported. */
export function emptyHousehold(): Household {
  return { home: { name: 'Home', timezone: 'UTC' }, person: { name: 'Someone' } };
}
