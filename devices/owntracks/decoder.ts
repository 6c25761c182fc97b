import Type, { type Static, type TSchema } from 'typebox';
import Value from 'typebox/value';
import type {
  CredentialSubject,
  DecodeContext,
  DecodeOutcome,
  HttpIngestRequest,
  MqttMessage,
} from '../../src/core/device-source.js';
import { refuse } from '../../src/core/device-source.js';
import type { HouseholdDevice } from '../../src/core/household.js';
import type { DeviceHealth, HealthReading, PositionReading } from '../../src/core/readings.js';

/**
 * OwnTracks (Android and iOS apps), in both of its modes.
 *
 * Format: the OwnTracks booklet, "JSON" (https://owntracks.org/booklet/tech/json/, source
 * owntracks/booklet docs/tech/json.md) and "HTTP" (docs/tech/http.md).
 *
 * MQTT mode: the app publishes under its base topic `owntracks/<user>/<device>` (the household entry's
 * `topic`): `_type: location` and the broker-published `_type: lwt` on the base topic itself,
 * `_type: transition` on `<topic>/event`, cards, waypoints, steps, status and config dumps on other
 * sub-topics. HTTP mode: the app POSTs exactly the same JSON objects to one URL (/ingest/owntracks).
 *
 * We dispatch on `_type`, not on the sub-topic: the broker's ACL already confines a phone to its own
 * topics, and the booklet names each payload by its `_type` ("That endpoint needs to distinguish which
 * type of payload it is receiving").
 */

/**
 * What the hub must answer to an OwnTracks HTTP POST, with status 200 and Content-Type application/json.
 *
 * http.md: "If the endpoint returns a status code 200 it will typically return an empty JSON payload
 * array `[]`. The HTTP endpoint may, however, return an array of JSON objects to the OwnTracks device,
 * each of which must be a valid `_type`" (friends' locations, cards, cmd). We send nothing back: the
 * person's phone must not receive other people's positions. The same page says the app considers a
 * payload delivered once the endpoint answers with *any* status, even 5xx, so the hub must commit the
 * reading before it answers, and answer this reply (not an error) for payloads it refused.
 */
export const OWNTRACKS_HTTP_REPLY = '[]';

/** The base topic OwnTracks publishes under by default (booklet, "Topics": pubTopicBase `owntracks/%u/%d`). */
export const OWNTRACKS_TOPIC_PATTERN = /^owntracks\/[^/#+]+\/[^/#+]+$/;

// Unix seconds, bounded like the native format's `ts` so a millisecond value (or the Android app's
// "tst": 0, which its own parser treats as invalid: fixture invalid_location_message_zero_timestamp.json)
// is refused rather than stored in 1970 or 55000 AD.
const UnixSeconds = Type.Number({ minimum: 946_684_800, maximum: 4_102_444_800 });
const Latitude = Type.Number({ minimum: -90, maximum: 90 });
const Longitude = Type.Number({ minimum: -180, maximum: 180 });

/*
 * Measured values are typed as plain numbers, not ranges: json.md calls them integers, but real apps send
 * floats ("alt": 0.0 in the Android fixtures, "batt": 73.85 from bridges), and iOS uses negative numbers
 * for "unknown". A fix is still a fix without its speed or battery, so out-of-range measurements are
 * dropped (see `measured`) instead of refusing the position a wandering rule needs.
 */
const LocationMessage = Type.Object({
  _type: Type.Literal('location'),
  lat: Latitude,
  lon: Longitude,
  tst: UnixSeconds,
  acc: Type.Optional(Type.Number()),
  alt: Type.Optional(Type.Number()),
  vel: Type.Optional(Type.Number({ description: 'km/h' })),
  cog: Type.Optional(Type.Number({ description: 'degrees' })),
  batt: Type.Optional(Type.Number({ description: 'percent' })),
  bs: Type.Optional(Type.Integer({ description: '0 unknown, 1 unplugged, 2 charging, 3 full' })),
  vac: Type.Optional(Type.Number()),
  p: Type.Optional(Type.Number()),
  rad: Type.Optional(Type.Number()),
  m: Type.Optional(Type.Integer()),
  t: Type.Optional(Type.String()),
  tid: Type.Optional(Type.String()),
  conn: Type.Optional(Type.String()),
  topic: Type.Optional(Type.String()),
  created_at: Type.Optional(Type.Number()),
  inregions: Type.Optional(Type.Array(Type.String())),
  inrids: Type.Optional(Type.Array(Type.String())),
  SSID: Type.Optional(Type.String()),
  BSSID: Type.Optional(Type.String()),
});

// json.md marks lat/lon "optional" and tst "required" for transitions; we still accept one without tst
// and ignore it (see decodeTransition).
const TransitionMessage = Type.Object({
  _type: Type.Literal('transition'),
  lat: Type.Optional(Latitude),
  lon: Type.Optional(Longitude),
  tst: Type.Optional(UnixSeconds),
  acc: Type.Optional(Type.Number()),
  wtst: Type.Optional(Type.Number()),
  event: Type.Optional(Type.String()),
  desc: Type.Optional(Type.String()),
  t: Type.Optional(Type.String()),
  tid: Type.Optional(Type.String()),
  rid: Type.Optional(Type.String()),
  topic: Type.Optional(Type.String()),
  created_at: Type.Optional(Type.Number()),
});

// json.md: "tst: UNIX epoch timestamp at which the app first connected" (not when the will was sent).
const LwtMessage = Type.Object({
  _type: Type.Literal('lwt'),
  tst: Type.Optional(Type.Number()),
  created_at: Type.Optional(Type.Number()),
});

const Envelope = Type.Object({ _type: Type.String() });

/**
 * The `_type`s json.md lists that carry nothing a care rule uses: cards (`<topic>/info`), waypoint
 * definitions and exports (`<topic>/waypoint`, `<topic>/waypoints`), remote commands (`<topic>/cmd`),
 * config dumps, steps, beacon ranging, iOS requests and app status reports (`<topic>/status`).
 */
const IGNORED_TYPES: ReadonlySet<string> = new Set([
  'beacon',
  'card',
  'cmd',
  'configuration',
  'request',
  'status',
  'steps',
  'waypoint',
  'waypoints',
]);

export function decodeOwnTracksMqtt(
  subject: CredentialSubject,
  message: MqttMessage,
  context: DecodeContext,
): DecodeOutcome {
  const device = ownTracksDevice(subject);
  if (typeof device === 'string') return refuse('not_allowed', device);
  const base = device.topic;
  if (base === undefined) {
    return refuse('unknown_topic', `device ${device.id} has no "topic"; set it to the app's owntracks/<user>/<device> for MQTT mode`);
  }
  if (message.topic !== base && !message.topic.startsWith(`${base}/`)) {
    return refuse('unknown_topic', `expected ${base} or ${base}/<sub-topic>`);
  }
  // A zero-length publish is how MQTT clears a retained message (e.g. the phone's retained location);
  // it says nothing about the phone.
  if (message.payload.length === 0) return { status: 'ignored', reason: 'empty payload (clears a retained message)' };
  const body = parseJson(message.payload.toString('utf8'));
  if (body === PARSE_FAILED) return refuse('malformed', 'payload is not JSON');
  return decodeOwnTracksMessage(device, body, context);
}

/** HTTP mode: the request is already authenticated (HTTP Basic) to `subject` by the hub. */
export function decodeOwnTracksHttp(
  subject: CredentialSubject,
  request: HttpIngestRequest,
  context: DecodeContext,
): DecodeOutcome {
  const device = ownTracksDevice(subject);
  if (typeof device === 'string') return refuse('not_allowed', device);
  if (request.method !== 'POST') return refuse('invalid', 'OwnTracks HTTP mode POSTs its messages');
  // The app identifies itself with X-Limit-U / X-Limit-D headers and a `topic` element, but those are
  // its own claims; who it is comes from the Basic credential the hub checked, so they are not consulted.
  let body: unknown = request.body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    const text = body.toString();
    if (text.trim() === '') return refuse('malformed', 'empty body');
    body = parseJson(text);
    if (body === PARSE_FAILED) return refuse('malformed', 'body is not JSON');
  }
  if (body === undefined || body === null) return refuse('malformed', 'empty body');
  return decodeOwnTracksMessage(device, body, context);
}

/** One parsed OwnTracks JSON message (either transport) → outcome. */
export function decodeOwnTracksMessage(device: HouseholdDevice, body: unknown, context: DecodeContext): DecodeOutcome {
  if (Array.isArray(body)) {
    // Arrays are what an HTTP endpoint sends *to* the app (http.md); the app POSTs one object at a time.
    return refuse('invalid', 'expected one OwnTracks message, got an array');
  }
  if (!Value.Check(Envelope, body)) return refuse('invalid', 'not an OwnTracks message: no "_type"');
  const type = (body as Static<typeof Envelope>)._type;
  switch (type) {
    case 'location':
      return decodeLocation(device, body);
    case 'transition':
      return decodeTransition(device, body);
    case 'lwt':
      return decodeLwt(device, body, context);
    case 'encrypted':
      // docs/features/encrypt.md: payload encryption uses a key the app never exports. Refusing (not
      // ignoring) makes the misconfiguration visible in the refused-readings counter and the log,
      // instead of a phone that looks silent.
      return refuse('invalid', 'encrypted OwnTracks payloads cannot be read; turn off payload encryption in the app');
    default:
      if (IGNORED_TYPES.has(type)) return { status: 'ignored', reason: `OwnTracks ${type} message` };
      return refuse('invalid', `unknown OwnTracks _type "${type.slice(0, 40)}"`);
  }
}

function decodeLocation(device: HouseholdDevice, body: unknown): DecodeOutcome {
  const problem = firstProblem(LocationMessage, body);
  if (problem !== undefined) return refuse('invalid', problem);
  const fix = body as Static<typeof LocationMessage>;
  const reading = position(device, fix.lat, fix.lon, fix.tst, fix.acc);
  // json.md: "The acc, alt, cog, vac, vel elements are only added if they are not zero" and "Some Android
  // devices always return 0 for alt or vel". An absent element may therefore mean zero or unknown; we
  // cannot tell which, so absent stays absent rather than becoming a claim of standing still at sea level.
  const altitude = measured(fix.alt, -1000, 100_000);
  if (altitude !== undefined) reading.altitudeM = altitude;
  const speed = measured(fix.vel, 0, 2000);
  if (speed !== undefined) reading.speedKmh = speed;
  const bearing = measured(fix.cog, 0, 360);
  if (bearing !== undefined) reading.bearing = bearing;
  Object.assign(reading, battery(fix.batt));
  return { status: 'readings', readings: [reading] };
}

/*
 * A transition says the phone entered or left a region *defined on the phone*; those regions are not the
 * household's zones, so the event itself means nothing to our rules (left-safe-zone works from positions
 * and the household zones). But json.md says the message carries "the coordinates where the event fired"
 * with their accuracy and a `tst` of when it fired: a real fix, often the freshest one while the person is
 * on the move (the app may suppress the ordinary location report in between). So: with lat, lon and tst
 * we keep it as a position (duplicates of the accompanying location are dropped by de-duplication on
 * device time); without them there is no fix, and the message is ignored.
 */
function decodeTransition(device: HouseholdDevice, body: unknown): DecodeOutcome {
  const problem = firstProblem(TransitionMessage, body);
  if (problem !== undefined) return refuse('invalid', problem);
  const transition = body as Static<typeof TransitionMessage>;
  if (transition.lat === undefined || transition.lon === undefined || transition.tst === undefined) {
    return { status: 'ignored', reason: 'OwnTracks transition without a fix (lat, lon and tst)' };
  }
  const reading = position(device, transition.lat, transition.lon, transition.tst, transition.acc);
  return { status: 'readings', readings: [reading] };
}

/*
 * The last will is published by the broker, not the phone, when the connection drops (json.md, "lwt";
 * mqtt.md: after keepalive + 50 %). Its `tst` is when the app *first connected*, so the reading's time is
 * our receipt time.
 */
function decodeLwt(device: HouseholdDevice, body: unknown, context: DecodeContext): DecodeOutcome {
  const problem = firstProblem(LwtMessage, body);
  if (problem !== undefined) return refuse('invalid', problem);
  const reading: HealthReading = {
    deviceId: device.id,
    kind: 'health',
    at: context.receivedAt,
    atFromDevice: false,
    online: false,
  };
  return { status: 'readings', readings: [reading] };
}

function position(device: HouseholdDevice, lat: number, lon: number, tst: number, acc: number | undefined): PositionReading {
  const reading: PositionReading = {
    deviceId: device.id,
    kind: 'position',
    at: Math.round(tst * 1000),
    atFromDevice: true,
    lat,
    lon,
  };
  // An accuracy of 0 m is not a measurement (json.md: acc is omitted when zero); the left-safe-zone
  // rule would read it as "exactly here".
  const accuracy = measured(acc, Number.MIN_VALUE, 100_000);
  if (accuracy !== undefined) reading.accuracyM = accuracy;
  return reading;
}

function battery(batt: number | undefined): DeviceHealth {
  const percent = measured(batt, 0, 100);
  return percent === undefined ? {} : { battery: Math.round(percent) };
}

/** The value if it is a measurement within [min, max]; undefined for absent values and "unknown" sentinels. */
function measured(value: number | undefined, min: number, max: number): number | undefined {
  return value !== undefined && value >= min && value <= max ? value : undefined;
}

function ownTracksDevice(subject: CredentialSubject): HouseholdDevice | string {
  if (subject.type !== 'device') return 'OwnTracks messages come from the phone\'s own credential';
  if (subject.device.kind !== 'tracker') {
    return `device ${subject.device.id} is a ${subject.device.kind}, not a tracker`;
  }
  return subject.device;
}

const PARSE_FAILED = Symbol('parse failed');

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return PARSE_FAILED;
  }
}

function firstProblem(schema: TSchema, value: unknown): string | undefined {
  if (Value.Check(schema, value)) return undefined;
  const first = Value.Errors(schema, value)[0];
  const where = first?.instancePath ? `${first.instancePath.slice(1)} ` : '';
  return `${where}${first?.message ?? 'does not match the OwnTracks format'}`;
}
