import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import Value from 'typebox/value';
import type { CredentialSubject, DecodeContext, DecodeOutcome, MqttMessage } from '../../src/core/device-source.js';
import { refuse } from '../../src/core/device-source.js';
import type { HouseholdDevice } from '../../src/core/household.js';
import type { DeviceHealth, Reading } from '../../src/core/readings.js';

/**
 * The native format for DIY devices (DESIGN.md, "MQTT in"):
 *   homeward/devices/<deviceId>/<kind>   with JSON such as
 *   {"open":true,"battery":87}  {"lat":51.5,"lon":-0.12,"acc":12}  {"compartment":1,"open":true}
 * and an optional "ts" in Unix seconds. <kind> is door, tracker, pillbox or status (health only).
 */
export const NATIVE_TOPIC_ROOT = 'homeward/devices';

const Health = {
  battery: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  rssi: Type.Optional(Type.Number({ minimum: -150, maximum: 0 })),
  voltage: Type.Optional(Type.Number({ minimum: 0, maximum: 100, description: 'volts' })),
  // Unix seconds; bounded so a millisecond value sent by mistake is refused rather than stored in 55000 AD.
  ts: Type.Optional(Type.Number({ minimum: 946_684_800, maximum: 4_102_444_800 })),
};

const DoorPayload = Type.Object({ open: Type.Boolean(), ...Health });
const TrackerPayload = Type.Object({
  lat: Type.Number({ minimum: -90, maximum: 90 }),
  lon: Type.Number({ minimum: -180, maximum: 180 }),
  acc: Type.Optional(Type.Number({ minimum: 0, maximum: 100_000 })),
  alt: Type.Optional(Type.Number({ minimum: -1000, maximum: 100_000 })),
  speed: Type.Optional(Type.Number({ minimum: 0, maximum: 2000, description: 'km/h' })),
  ...Health,
});
const PillboxPayload = Type.Object({
  compartment: Type.Optional(Type.Integer({ minimum: 0, maximum: 28 })),
  open: Type.Boolean(),
  ...Health,
});
const StatusPayload = Type.Object({ online: Type.Optional(Type.Boolean()), ...Health });

type HealthFields = { battery?: number; rssi?: number; voltage?: number; ts?: number };

// Compiled once: checking each payload with an interpreted schema cost 5 % of ingest CPU under load.
const topicKinds = {
  door: { schema: DoorPayload, check: Compile(DoorPayload), deviceKind: 'door' },
  tracker: { schema: TrackerPayload, check: Compile(TrackerPayload), deviceKind: 'tracker' },
  pillbox: { schema: PillboxPayload, check: Compile(PillboxPayload), deviceKind: 'pillbox' },
  status: { schema: StatusPayload, check: Compile(StatusPayload), deviceKind: undefined },
} as const;

export function nativeTopic(deviceId: string, kind: keyof typeof topicKinds | 'commands/#'): string {
  return `${NATIVE_TOPIC_ROOT}/${deviceId}/${kind}`;
}

function health(fields: HealthFields): DeviceHealth {
  const result: DeviceHealth = {};
  if (fields.battery !== undefined) result.battery = Math.round(fields.battery);
  if (fields.rssi !== undefined) result.linkQuality = fields.rssi;
  if (fields.voltage !== undefined) result.voltageMv = Math.round(fields.voltage * 1000);
  return result;
}

export function decodeNative(
  subject: CredentialSubject,
  message: MqttMessage,
  context: DecodeContext,
): DecodeOutcome {
  if (subject.type !== 'device') return refuse('not_allowed', 'native topics belong to native devices');
  const device: HouseholdDevice = subject.device;
  const parts = message.topic.split('/');
  const kindName = parts[3];
  if (parts.length !== 4 || `${parts[0]}/${parts[1]}` !== NATIVE_TOPIC_ROOT || parts[2] !== device.id) {
    return refuse('unknown_topic', `expected ${NATIVE_TOPIC_ROOT}/${device.id}/<door|tracker|pillbox|status>`);
  }
  // Own keys only: a topic ending in "constructor" or "valueOf" must not reach Object's prototype.
  const topicKind = kindName !== undefined && Object.hasOwn(topicKinds, kindName) ? topicKinds[kindName as keyof typeof topicKinds] : undefined;
  if (topicKind === undefined) {
    return refuse('unknown_topic', `unknown kind "${kindName}"; expected door, tracker, pillbox or status`);
  }
  if (topicKind.deviceKind !== undefined && topicKind.deviceKind !== device.kind) {
    return refuse('invalid', `device ${device.id} is a ${device.kind}, not a ${topicKind.deviceKind}`);
  }

  let body: unknown;
  try {
    body = JSON.parse(message.payload.toString('utf8'));
  } catch {
    return refuse('malformed', 'payload is not JSON');
  }
  if (!topicKind.check.Check(body)) {
    const first = Value.Errors(topicKind.schema, body)[0];
    const where = first?.instancePath ? `${first.instancePath.slice(1)} ` : '';
    return refuse('invalid', `${where}${first?.message ?? 'does not match the native format'}`);
  }

  const fields = body as HealthFields;
  const base = {
    deviceId: device.id,
    at: fields.ts !== undefined ? Math.round(fields.ts * 1000) : context.receivedAt,
    atFromDevice: fields.ts !== undefined,
    ...health(fields),
  };
  let reading: Reading;
  switch (kindName) {
    case 'door':
      reading = { ...base, kind: 'door', open: (body as Static<typeof DoorPayload>).open };
      break;
    case 'tracker': {
      const fix = body as Static<typeof TrackerPayload>;
      reading = { ...base, kind: 'position', lat: fix.lat, lon: fix.lon };
      if (fix.acc !== undefined) reading.accuracyM = fix.acc;
      if (fix.alt !== undefined) reading.altitudeM = fix.alt;
      if (fix.speed !== undefined) reading.speedKmh = fix.speed;
      break;
    }
    case 'pillbox': {
      const lid = body as Static<typeof PillboxPayload>;
      reading = { ...base, kind: 'pillbox', compartment: lid.compartment ?? 0, open: lid.open };
      break;
    }
    default: {
      const status = body as Static<typeof StatusPayload>;
      reading = { ...base, kind: 'health' };
      if (status.online !== undefined) reading.online = status.online;
    }
  }
  return { status: 'readings', readings: [reading] };
}
