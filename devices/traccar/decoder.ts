import Type, { type Static, type TSchema } from 'typebox';
import Value from 'typebox/value';
import type { CredentialSubject, DecodeContext, DecodeOutcome, HttpIngestRequest } from '../../src/core/device-source.js';
import { refuse } from '../../src/core/device-source.js';
import type { HouseholdDevice } from '../../src/core/household.js';
import type { DeviceHealth, HealthReading, PositionReading, Reading } from '../../src/core/readings.js';

/**
 * The OsmAnd protocol, as spoken by Traccar Client and many GPS trackers, received at /ingest/osmand.
 *
 * Followed: https://www.traccar.org/osmand/ and the server's decoder, traccar/traccar
 * src/main/java/org/traccar/protocol/OsmAndProtocolDecoder.java (decodeQuery and decodeJson), with its
 * test vectors in src/test/java/org/traccar/protocol/OsmAndProtocolDecoderTest.java. Two shapes:
 *
 * - Query / form: `id` (or `deviceid`), `lat`, `lon` (or `location=lat,lon`), `timestamp`, `speed`,
 *   `bearing`/`heading`, `altitude`, `accuracy`, `hdop`, `batt`, `charge`, `valid`, … as query
 *   parameters of any method, or as a urlencoded body when the query string is empty (the server reads
 *   the body only then). Sent by Traccar Client for Android before 9.0 (traccar-client-android
 *   ProtocolFormatter.kt: POST with everything in the query) and by DIY trackers.
 * - JSON (Traccar Client 9+, Traccar server 6.7+): the background-geolocation SDK's location record,
 *   `{"location": {"timestamp", "coords": {...}, "battery": {...}, ...}, "device_id": "..."}`
 *   (traccar/traccar-client lib/preferences.dart, `_locationTemplate` and `params: {device_id}`). The
 *   server takes this branch when Content-Type is application/json.
 */

const Latitude = Type.Number({ minimum: -90, maximum: 90 });
const Longitude = Type.Number({ minimum: -180, maximum: 180 });

// What Java's Double.parseDouble accepts in practice from trackers (sign, decimals, exponent). The server
// fails the whole request when a numeric parameter does not parse, so we refuse it too.
const DECIMAL = '[-+]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?';
const Decimal = Type.String({ pattern: `^${DECIMAL}$` });

/** The parameters decodeQuery gives meaning to; any others are the tracker's own attributes and are kept out. */
const OsmAndParameters = Type.Object({
  id: Type.Optional(Type.String()),
  deviceid: Type.Optional(Type.String()),
  valid: Type.Optional(Type.String()),
  timestamp: Type.Optional(Type.String({ maxLength: 40 })),
  lat: Type.Optional(Decimal),
  lon: Type.Optional(Decimal),
  location: Type.Optional(Type.String({ pattern: `^${DECIMAL},${DECIMAL}$` })),
  speed: Type.Optional(Decimal),
  bearing: Type.Optional(Decimal),
  heading: Type.Optional(Decimal),
  altitude: Type.Optional(Decimal),
  accuracy: Type.Optional(Decimal),
  hdop: Type.Optional(Decimal),
  batt: Type.Optional(Decimal),
  charge: Type.Optional(Type.String()),
});
type OsmAndParameters = Static<typeof OsmAndParameters>;

/*
 * The server reads coords.latitude/longitude/accuracy/speed/heading/altitude unconditionally; Traccar
 * Client always sends all six. Only the position is required here, so a client that leaves out, say,
 * altitude still reports where the person is. Unknown extra members (`floor`, `speed_accuracy`, `uuid`,
 * `extras`, the `_` query-string copy) are allowed, as the SDK adds fields across versions.
 */
const Coords = Type.Object({
  latitude: Latitude,
  longitude: Longitude,
  accuracy: Type.Optional(Type.Number({ description: 'metres; negative = unknown' })),
  speed: Type.Optional(Type.Number({ description: 'm/s; negative = unknown' })),
  heading: Type.Optional(Type.Number({ description: 'degrees; negative = unknown' })),
  altitude: Type.Optional(Type.Number({ description: 'metres' })),
});
const TraccarClientJson = Type.Object({
  // Required by the server (root.getString("device_id")); optional here because the hub has already
  // found the device (see osmandDeviceIdentifier) before it asks us to decode.
  device_id: Type.Optional(Type.String({ minLength: 1 })),
  location: Type.Object({
    timestamp: Type.String({ minLength: 1, maxLength: 40 }),
    coords: Type.Optional(Coords),
    battery: Type.Optional(
      Type.Object({
        level: Type.Optional(Type.Number({ description: '0–1; -1 = unknown' })),
        is_charging: Type.Optional(Type.Boolean()),
      }),
    ),
    is_moving: Type.Optional(Type.Boolean()),
    odometer: Type.Optional(Type.Number()),
    event: Type.Optional(Type.String()),
    mock: Type.Optional(Type.Boolean()),
    activity: Type.Optional(Type.Object({ type: Type.Optional(Type.String()) })),
    extras: Type.Optional(Type.Object({})),
  }),
});
type TraccarClientJson = Static<typeof TraccarClientJson>;

/** km/h per knot. decodeQuery reads `speed` with convertSpeed(value, "kn"): knots unless the server is configured otherwise. */
const KMH_PER_KNOT = 1.852;
/** km/h per m/s. decodeJson: `UnitsConverter.knotsFromMps(speed)`; the SDK reports metres per second. */
const KMH_PER_MPS = 3.6;
/** decodeQuery: a numeric timestamp below Integer.MAX_VALUE is seconds, otherwise milliseconds. */
const JAVA_INT_MAX = 2_147_483_647;
// Same plausibility window as the native format's `ts`: 2000-01-01 to 2100-01-01.
const EARLIEST_MS = 946_684_800_000;
const LATEST_MS = 4_102_444_800_000;

/**
 * The identifier the request claims, so the hub can find the household device and check its credential
 * before decoding: query `id` / `deviceid` (or the same fields of a urlencoded body when the query is
 * empty), or the JSON body's `device_id`. Pure; never throws; undefined when there is none.
 */
export function osmandDeviceIdentifier(request: HttpIngestRequest): string | undefined {
  try {
    if (isJsonRequest(request)) {
      let body = request.body;
      if (typeof body === 'string' || Buffer.isBuffer(body)) body = JSON.parse(body.toString()) as unknown;
      if (!isRecord(body)) return undefined;
      const id = body.device_id;
      return typeof id === 'string' && id !== '' ? id : undefined;
    }
    const params = parameterSource(request);
    if (params === undefined) return undefined;
    for (const name of ['id', 'deviceid']) {
      const value = lastText(params[name]);
      if (value !== undefined && value !== '') return value;
    }
    return undefined;
  } catch {
    return undefined;
  }
}

/** Pure: an OsmAnd request, already authenticated to `subject`, → readings. Never throws. */
export function decodeOsmAnd(
  subject: CredentialSubject,
  request: HttpIngestRequest,
  context: DecodeContext,
): DecodeOutcome {
  if (subject.type !== 'device') return refuse('not_allowed', 'OsmAnd requests come from the tracker\'s own credential');
  const device = subject.device;
  if (device.kind !== 'tracker') return refuse('not_allowed', `device ${device.id} is a ${device.kind}, not a tracker`);
  try {
    return isJsonRequest(request) ? decodeJson(device, request.body) : decodeQuery(device, request, context);
  } catch (error) {
    // Nothing above is expected to throw; this keeps "never throws" true even for a hostile body
    // (a getter, a proxy) that a future change might start to touch.
    return refuse('malformed', `request could not be read: ${String(error).slice(0, 80)}`);
  }
}

function decodeQuery(device: HouseholdDevice, request: HttpIngestRequest, context: DecodeContext): DecodeOutcome {
  const source = parameterSource(request);
  if (source === undefined) return refuse('malformed', 'no query parameters and no form body');
  const entries: [string, string][] = [];
  for (const [name, raw] of Object.entries(source)) {
    const value = lastText(raw);
    if (value === undefined) return refuse('invalid', `${name.slice(0, 40)} is not text`);
    // The server skips empty values ("if (value.isEmpty()) continue").
    if (value !== '') entries.push([name, value]);
  }
  // fromEntries defines own properties, so a parameter named __proto__ stays a parameter.
  const params: Record<string, string> = Object.fromEntries(entries);
  const problem = firstProblem(OsmAndParameters, params);
  if (problem !== undefined) return refuse('invalid', problem);
  const fields = params as OsmAndParameters;

  let at = context.receivedAt;
  let atFromDevice = false;
  if (fields.timestamp !== undefined) {
    const time = parseOsmAndTimestamp(fields.timestamp);
    if (time === undefined) return refuse('invalid', `timestamp "${fields.timestamp}" is not seconds, milliseconds, ISO 8601 or "yyyy-MM-dd HH:mm:ss"`);
    if (time < EARLIEST_MS || time >= LATEST_MS) return refuse('invalid', 'timestamp is before 2000 or after 2099');
    at = time;
    atFromDevice = true;
  }

  const health = batteryHealth(number(fields.batt));
  const coordinates = osmAndCoordinates(fields);
  if (typeof coordinates === 'string') return refuse('invalid', coordinates);

  // valid=false (or anything but "true"/"1", as Boolean.parseBoolean reads it) is the tracker saying its
  // fix is not good. The server stores it flagged invalid; our rules have no such flag and would act on
  // it, so we keep only the proof of life and the battery.
  const valid = fields.valid === undefined || fields.valid.toLowerCase() === 'true' || fields.valid === '1';
  if (coordinates === undefined || !valid) return healthOnly(device, at, atFromDevice, health);

  const reading: PositionReading = { deviceId: device.id, kind: 'position', at, atFromDevice, ...coordinates, ...health };
  // Traccar Client for Android before 9 sends accuracy 0 for GPS fixes (Position.kt: accuracy only for
  // non-GPS providers), i.e. "not measured": never a claim of 0 m.
  const accuracy = measured(number(fields.accuracy), Number.MIN_VALUE, 100_000);
  if (accuracy !== undefined) reading.accuracyM = accuracy;
  const altitude = measured(number(fields.altitude), -1000, 100_000);
  if (altitude !== undefined) reading.altitudeM = altitude;
  const knots = measured(number(fields.speed), 0, 1100);
  if (knots !== undefined) reading.speedKmh = knots * KMH_PER_KNOT;
  const bearing = measured(number(fields.bearing ?? fields.heading), 0, 360);
  if (bearing !== undefined) reading.bearing = bearing;
  return { status: 'readings', readings: [reading] };
}

/** lat/lon, else location=lat,lon; undefined when the request has no position (allowed: a heartbeat). */
function osmAndCoordinates(fields: OsmAndParameters): { lat: number; lon: number } | undefined | string {
  let lat: number | undefined;
  let lon: number | undefined;
  if (fields.lat !== undefined || fields.lon !== undefined) {
    if (fields.lat === undefined || fields.lon === undefined) return 'lat and lon must come together';
    lat = Number(fields.lat);
    lon = Number(fields.lon);
  } else if (fields.location !== undefined) {
    const [latText = '', lonText = ''] = fields.location.split(',');
    lat = Number(latText);
    lon = Number(lonText);
  } else {
    return undefined;
  }
  if (!Value.Check(Latitude, lat) || !Number.isFinite(lat)) return 'lat must be a number from -90 to 90';
  if (!Value.Check(Longitude, lon) || !Number.isFinite(lon)) return 'lon must be a number from -180 to 180';
  return { lat, lon };
}

function decodeJson(device: HouseholdDevice, rawBody: unknown): DecodeOutcome {
  let body = rawBody;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    try {
      body = JSON.parse(body.toString()) as unknown;
    } catch {
      return refuse('malformed', 'body is not JSON');
    }
  }
  if (body === undefined || body === null) return refuse('malformed', 'empty body');
  const problem = firstProblem(TraccarClientJson, body);
  if (problem !== undefined) return refuse('invalid', problem);
  const { location } = body as TraccarClientJson;
  const at = parseIsoTime(location.timestamp);
  if (at === undefined) return refuse('invalid', `location/timestamp "${location.timestamp}" is not an ISO 8601 time`);
  if (at < EARLIEST_MS || at >= LATEST_MS) return refuse('invalid', 'location/timestamp is before 2000 or after 2099');

  // The SDK reports "unknown" as -1 (battery level, speed, heading: the iOS fixture in
  // OsmAndProtocolDecoderTest); the server skips negative values, and so do we.
  const level = location.battery?.level;
  const health = batteryHealth(level === undefined || level < 0 ? undefined : level * 100);
  const coords = location.coords;
  // No coords: the server falls back to the last known position; for us it is proof of life.
  if (coords === undefined) return healthOnly(device, at, true, health);

  const reading: PositionReading = {
    deviceId: device.id,
    kind: 'position',
    at,
    atFromDevice: true,
    lat: coords.latitude,
    lon: coords.longitude,
    ...health,
  };
  const accuracy = measured(coords.accuracy, Number.MIN_VALUE, 100_000);
  if (accuracy !== undefined) reading.accuracyM = accuracy;
  const altitude = measured(coords.altitude, -1000, 100_000);
  if (altitude !== undefined) reading.altitudeM = altitude;
  const mps = measured(coords.speed, 0, 600);
  if (mps !== undefined) reading.speedKmh = mps * KMH_PER_MPS;
  const bearing = measured(coords.heading, 0, 360);
  if (bearing !== undefined) reading.bearing = bearing;
  return { status: 'readings', readings: [reading] };
}

function healthOnly(device: HouseholdDevice, at: number, atFromDevice: boolean, health: DeviceHealth): DecodeOutcome {
  // A request with no usable fix still proves the tracker is alive; a health reading carries its battery.
  if (health.battery === undefined) return { status: 'readings', readings: [] };
  const reading: HealthReading = { deviceId: device.id, kind: 'health', at, atFromDevice, ...health };
  const readings: Reading[] = [reading];
  return { status: 'readings', readings };
}

/**
 * decodeQuery's rules for `timestamp`, in its order: an integer is Unix seconds below Integer.MAX_VALUE
 * and milliseconds above it; text containing "T" is ISO 8601; anything else is "yyyy-MM-dd HH:mm:ss".
 * The server reads that last form (and ISO without an offset) in its own time zone; a tracker's clock is
 * GPS time, which is UTC, and a pure decoder has no zone of its own, so we read them as UTC.
 */
export function parseOsmAndTimestamp(value: string): number | undefined {
  if (/^[-+]?\d{1,18}$/.test(value)) {
    const number = Number(value);
    return number < JAVA_INT_MAX ? number * 1000 : number;
  }
  if (value.includes('T')) return parseIsoTime(value);
  return parseCalendarTime(value, ' ');
}

function parseIsoTime(value: string): number | undefined {
  return parseCalendarTime(value, 'T');
}

const CALENDAR_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** A calendar date and time, offset optional (UTC when absent); computed without the host's time zone. */
function parseCalendarTime(value: string, separator: 'T' | ' '): number | undefined {
  const match = CALENDAR_TIME.exec(value);
  if (match === null || value.charAt(10).toUpperCase() !== separator) return undefined;
  const [, y, mo, d, h, mi, s = '0', fraction = '', zone = 'Z'] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  const milliseconds = Number(fraction.padEnd(3, '0').slice(0, 3));
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, milliseconds);
  // Date.UTC rolls 31 April over into May; a day that does not exist is not a time.
  if (new Date(utc).getUTCDate() !== day) return undefined;
  return utc - zoneOffsetMs(zone);
}

function zoneOffsetMs(zone: string): number {
  if (zone.toUpperCase() === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  return sign * (hours * 60 + minutes) * 60_000;
}

/** decode(): JSON when Content-Type is application/json; without a Content-Type, by the body's shape. */
function isJsonRequest(request: HttpIngestRequest): boolean {
  const type = request.headers['content-type'];
  if (typeof type === 'string' && type.trim() !== '') return type.trim().toLowerCase().startsWith('application/json');
  const body = request.body;
  return isRecord(body) && isRecord(body.location);
}

/** decodeQuery: the query string's parameters, or the urlencoded body's when the query is empty. */
function parameterSource(request: HttpIngestRequest): Readonly<Record<string, unknown>> | undefined {
  const query: unknown = request.query;
  if (isRecord(query) && Object.keys(query).length > 0) return query;
  const body = request.body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    return Object.fromEntries(new URLSearchParams(body.toString()));
  }
  return isRecord(body) ? body : undefined;
}

/** A parameter's text; for a repeated parameter the last value, as the server's loop leaves it. */
function lastText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.length > 0) {
    const last: unknown = value[value.length - 1];
    return typeof last === 'string' ? last : undefined;
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

function number(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

function batteryHealth(percent: number | undefined): DeviceHealth {
  const value = measured(percent, 0, 100);
  return value === undefined ? {} : { battery: Math.round(value) };
}

/** The value if it is a measurement within [min, max]; undefined for absent values and "unknown" sentinels. */
function measured(value: number | undefined, min: number, max: number): number | undefined {
  return value !== undefined && value >= min && value <= max ? value : undefined;
}

function firstProblem(schema: TSchema, value: unknown): string | undefined {
  if (Value.Check(schema, value)) return undefined;
  const first = Value.Errors(schema, value)[0];
  const where = first?.instancePath ? `${first.instancePath.slice(1)} ` : '';
  return `${where}${first?.message ?? 'does not match the OsmAnd format'}`;
}
