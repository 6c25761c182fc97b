import Type, { type Static, type TSchema } from 'typebox';
import Value from 'typebox/value';
import type { CredentialSubject, DecodeContext, DecodeOutcome, MqttMessage } from '../../src/core/device-source.js';
import { refuse } from '../../src/core/device-source.js';
import type { HouseholdDevice } from '../../src/core/household.js';
import type { DeviceHealth, Reading } from '../../src/core/readings.js';

/**
 * Shelly (DESIGN.md, "MQTT in"). Three shapes:
 *
 * Gen1 (Shelly Door/Window 2 connects itself): topic prefix `shellies/<id>`, e.g. shellies/shellydw2-A1B2C3
 *   <prefix>/sensor/state   `open` | `close`       <prefix>/sensor/battery  percent
 *   <prefix>/sensor/lux|illumination|tilt|vibration|temperature|error|act_reasons
 *   <prefix>/online         `true` | `false` (the MQTT will)      <prefix>/info, <prefix>/announce, shellies/announce
 *
 * Gen2+ (Plus/Pro/Gen3, a reed switch on an input): topic prefix = MQTT topic_prefix (device id by default)
 *   <prefix>/events/rpc     {"src","dst","method":"NotifyStatus"|"NotifyEvent"|"NotifyFullStatus","params":{"ts",...}}
 *                           (shelly-api-docs gen2 General/Notifications: "to receive notifications over MQTT subscribe
 *                           to <shelly-id>/events/rpc"; params.ts is "Unix timestamp (in UTC)")
 *   <prefix>/status/<component:id>  the component's status when status_ntf is on (gen2 Mqtt component docs)
 *   <prefix>/online         `true` | `false`
 *
 * Shelly BLU Door/Window through a Gen2+/Gen3 gateway (a `bridges` entry, baseTopic = the gateway's topic_prefix):
 *   NotifyStatus with params.blu["shellybludw-<address>"] = {addr, rssi, window, battery, ...}, as Allterco's
 *   ble/blu-gateway-bthome-to-mqtt.shelly.js publishes; NotifyEvent "shelly-blu" with data {address, window, battery, rssi}
 *   as ble/ble-shelly-blu.shelly.js emits; NotifyStatus bthomesensor:<id> {value} for native BTHome components.
 *   BTHome object 0x2D `window`: "1 - open, 0 - closed" (shelly-api-docs docs-ble/Devices/dw).
 */

const EARLIEST_PLAUSIBLE_S = Date.UTC(2000, 0, 1) / 1000;
const LATEST_PLAUSIBLE_S = Date.UTC(2100, 0, 1) / 1000;

const RpcFrame = Type.Object({
  src: Type.Optional(Type.String({ maxLength: 300 })),
  dst: Type.Optional(Type.String({ maxLength: 300 })),
  method: Type.String({ maxLength: 64 }),
  params: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

const InputStatus = Type.Object({ id: Type.Optional(Type.Integer()), state: Type.Union([Type.Boolean(), Type.Null()]) });
const DevicePowerStatus = Type.Object({
  battery: Type.Optional(Type.Object({ V: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })), percent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })) })),
});
const WifiStatus = Type.Object({ rssi: Type.Optional(Type.Number({ minimum: -150, maximum: 0 })) });

/** One BLU device in a gateway's NotifyStatus `blu` object or a "shelly-blu" event's data. */
const BluState = Type.Object({
  addr: Type.Optional(Type.String({ maxLength: 64 })),
  address: Type.Optional(Type.String({ maxLength: 64 })),
  // BTHome can carry an object several times; the scripts then report an array.
  window: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Array(Type.Number({ minimum: 0, maximum: 1 }), { minItems: 1, maxItems: 8 })])),
  battery: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  rssi: Type.Optional(Type.Number({ minimum: -150, maximum: 20 })),
});
type BluFields = Static<typeof BluState>;

const BthomeSensorStatus = Type.Object({ id: Type.Optional(Type.Integer()), value: Type.Optional(Type.Union([Type.Boolean(), Type.Number(), Type.String(), Type.Null()])) });

function problem(schema: TSchema, value: unknown): string {
  const first = Value.Errors(schema, value)[0];
  const where = first?.instancePath ? `${first.instancePath.slice(1)} ` : '';
  return `${where}${first?.message ?? 'does not match the Shelly format'}`;
}

function parseJson(payload: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(payload.toString('utf8')) as unknown };
  } catch {
    return { ok: false };
  }
}

/** Lower-case hex digits only: "3C:2E:F5:71:D5:2A", "3c2ef571d52a" and "shellybludw-3c2ef571d52a" all agree. */
export function normaliseBluAddress(text: string): string {
  const withoutPrefix = text.trim().toLowerCase().replace(/^shellyblu[a-z0-9]*-/, '');
  return withoutPrefix.replace(/[^0-9a-f]/g, '');
}

/** A direct device's topic prefix and which input (Gen2+) carries its reed switch: "<prefix>" or "<prefix>/input:N". */
export function shellyDeviceTopic(device: HouseholdDevice): { prefix: string; input: number } | undefined {
  const topic = device.topic;
  if (topic === undefined) return undefined;
  const match = /^(.+)\/input:(\d{1,3})$/.exec(topic);
  if (match?.[1] !== undefined && match[2] !== undefined) return { prefix: match[1], input: Number(match[2]) };
  return { prefix: topic, input: 0 };
}

function tsMs(ts: unknown): number | undefined {
  // A device that has not synchronised its clock reports 0 (blu-gateway script: "return 0").
  if (typeof ts !== 'number' || !Number.isFinite(ts) || ts < EARLIEST_PLAUSIBLE_S || ts > LATEST_PLAUSIBLE_S) return undefined;
  return Math.round(ts * 1000);
}

function contactReading(device: HouseholdDevice, open: boolean | undefined, health: DeviceHealth, at: number, atFromDevice: boolean): Reading | undefined {
  const base = { deviceId: device.id, at, atFromDevice, ...health };
  if (open === undefined) return { ...base, kind: 'health' };
  if (device.kind === 'door') return { ...base, kind: 'door', open };
  if (device.kind === 'pillbox') return { ...base, kind: 'pillbox', compartment: 0, open };
  return undefined;
}

function wrongKind(device: HouseholdDevice): DecodeOutcome {
  return refuse('invalid', `device ${device.id} is a ${device.kind}; a Shelly door/window sensor can only be a door or a pillbox`);
}

function decodeOnline(payload: Buffer): boolean | undefined {
  const text = payload.toString('utf8').trim();
  if (text === 'true') return true;
  if (text === 'false') return false;
  return undefined;
}

/** Gen2+ component statuses (NotifyStatus params, or <prefix>/status/<component>) for a directly connected device. */
function componentReadings(device: HouseholdDevice, input: number, components: Record<string, unknown>, at: number, atFromDevice: boolean): DecodeOutcome {
  const health: DeviceHealth = {};
  let open: boolean | undefined;
  let relevant = false;
  const inputStatus = components[`input:${input}`];
  if (inputStatus !== undefined) {
    if (!Value.Check(InputStatus, inputStatus)) return refuse('invalid', `input:${input} ${problem(InputStatus, inputStatus)}`);
    const state = (inputStatus as Static<typeof InputStatus>).state;
    // A normally-open reed switch closes (state true) while the door's magnet is beside it: true = closed.
    if (typeof state === 'boolean') open = !state;
    relevant = true;
  }
  const power = components['devicepower:0'];
  if (power !== undefined) {
    if (!Value.Check(DevicePowerStatus, power)) return refuse('invalid', `devicepower:0 ${problem(DevicePowerStatus, power)}`);
    const percent = (power as Static<typeof DevicePowerStatus>).battery?.percent;
    if (percent !== undefined) health.battery = Math.round(percent);
    relevant = true;
  }
  const wifi = components.wifi;
  if (wifi !== undefined && Value.Check(WifiStatus, wifi)) {
    const rssi = (wifi as Static<typeof WifiStatus>).rssi;
    if (rssi !== undefined) health.linkQuality = rssi;
  }
  if (!relevant) return { status: 'ignored', reason: 'status of components Homeward does not use' };
  const reading = contactReading(device, open, health, at, atFromDevice);
  return reading === undefined ? wrongKind(device) : { status: 'readings', readings: [reading] };
}

function parseFrame(payload: Buffer): { ok: true; frame: Static<typeof RpcFrame> } | { ok: false; outcome: DecodeOutcome } {
  const parsed = parseJson(payload);
  if (!parsed.ok) return { ok: false, outcome: refuse('malformed', 'events/rpc is not JSON') };
  if (!Value.Check(RpcFrame, parsed.value)) return { ok: false, outcome: refuse('invalid', problem(RpcFrame, parsed.value)) };
  return { ok: true, frame: parsed.value as Static<typeof RpcFrame> };
}

function decodeDirect(device: HouseholdDevice, suffix: string, payload: Buffer, context: DecodeContext): DecodeOutcome {
  const own = shellyDeviceTopic(device);
  const input = own?.input ?? 0;
  if (suffix === 'online') {
    const online = decodeOnline(payload);
    if (online === undefined) return refuse('invalid', 'online must be true or false');
    return { status: 'readings', readings: [{ deviceId: device.id, at: context.receivedAt, atFromDevice: false, kind: 'health', online }] };
  }
  if (suffix === 'sensor/state') {
    const text = payload.toString('utf8').trim();
    if (text !== 'open' && text !== 'close') return refuse('invalid', 'sensor/state must be open or close');
    const reading = contactReading(device, text === 'open', {}, context.receivedAt, false);
    return reading === undefined ? wrongKind(device) : { status: 'readings', readings: [reading] };
  }
  if (suffix === 'sensor/battery') {
    const battery = Number(payload.toString('utf8').trim());
    if (payload.length === 0 || !Number.isFinite(battery) || battery < 0 || battery > 100) return refuse('invalid', 'sensor/battery must be a percentage');
    return { status: 'readings', readings: [{ deviceId: device.id, at: context.receivedAt, atFromDevice: false, kind: 'health', battery: Math.round(battery) }] };
  }
  if (suffix.startsWith('sensor/')) return { status: 'ignored', reason: `${suffix} not used` };
  if (suffix === 'events/rpc') {
    const parsed = parseFrame(payload);
    if (!parsed.ok) return parsed.outcome;
    const { method, params } = parsed.frame;
    if ((method === 'NotifyStatus' || method === 'NotifyFullStatus') && params !== undefined) {
      const at = tsMs(params.ts);
      return componentReadings(device, input, params, at ?? context.receivedAt, at !== undefined);
    }
    return { status: 'ignored', reason: `${method} not used` };
  }
  const status = /^status\/([a-z0-9_]+:\d+|[a-z0-9_]+)$/.exec(suffix);
  if (status?.[1] !== undefined) {
    const parsed = parseJson(payload);
    if (!parsed.ok) return refuse('malformed', `${suffix} is not JSON`);
    return componentReadings(device, input, { [status[1]]: parsed.value }, context.receivedAt, false);
  }
  // info, announce, command, rpc, debug/log, relay/..., input/...: nothing a household rule reads.
  return { status: 'ignored', reason: `${suffix.split('/')[0] ?? ''} not used` };
}

function bluReading(device: HouseholdDevice, fields: BluFields, at: number, atFromDevice: boolean): Reading | undefined {
  const window = Array.isArray(fields.window) ? fields.window[0] : fields.window;
  const health: DeviceHealth = {};
  if (fields.battery !== undefined) health.battery = Math.round(fields.battery);
  if (fields.rssi !== undefined) health.linkQuality = fields.rssi;
  return contactReading(device, window === undefined ? undefined : window === 1, health, at, atFromDevice);
}

function decodeGateway(devices: readonly HouseholdDevice[], baseTopic: string, suffix: string, payload: Buffer, context: DecodeContext): DecodeOutcome {
  if (suffix === 'online') {
    const online = decodeOnline(payload);
    if (online === undefined) return refuse('invalid', 'online must be true or false');
    return { status: 'ignored', reason: `bridge state ${online ? 'online' : 'offline'}`, bridgeOnline: online };
  }
  if (suffix !== 'events/rpc') return { status: 'ignored', reason: `gateway ${suffix.split('/')[0] ?? ''} not used` };
  const parsed = parseFrame(payload);
  if (!parsed.ok) return parsed.outcome;
  const { method, params } = parsed.frame;
  if (params === undefined) return { status: 'ignored', reason: `${method} without params` };

  const byAddress = (address: string): HouseholdDevice | undefined => {
    const wanted = normaliseBluAddress(address);
    if (wanted === '') return undefined;
    return devices.find((device) => {
      const topic = device.topic;
      if (topic === undefined) return false;
      const own = topic.startsWith(`${baseTopic}/`) ? topic.slice(baseTopic.length + 1) : topic;
      return normaliseBluAddress(own) === wanted;
    });
  };
  const byComponent = (key: string): HouseholdDevice | undefined =>
    devices.find((device) => device.topic === key || device.topic === `${baseTopic}/${key}`);

  const frameAt = tsMs(params.ts);
  const readings: Reading[] = [];
  const unknown: string[] = [];
  const take = (device: HouseholdDevice | undefined, label: string, fields: unknown, at: number | undefined): DecodeOutcome | undefined => {
    if (device === undefined) {
      unknown.push(label);
      return undefined;
    }
    if (!Value.Check(BluState, fields)) return refuse('invalid', `${label}: ${problem(BluState, fields)}`);
    const reading = bluReading(device, fields as BluFields, at ?? context.receivedAt, at !== undefined);
    if (reading === undefined) return wrongKind(device);
    readings.push(reading);
    return undefined;
  };

  if (method === 'NotifyStatus' || method === 'NotifyFullStatus') {
    const blu = params.blu;
    if (typeof blu === 'object' && blu !== null && !Array.isArray(blu)) {
      for (const [key, state] of Object.entries(blu as Record<string, unknown>)) {
        const addr = typeof state === 'object' && state !== null ? (state as { addr?: unknown }).addr : undefined;
        const failed = take(byAddress(typeof addr === 'string' ? addr : key), key, state, frameAt);
        if (failed !== undefined) return failed;
      }
    }
    for (const [key, status] of Object.entries(params)) {
      if (!/^bthomesensor:\d+$/.test(key)) continue;
      const device = byComponent(key);
      if (device === undefined) {
        unknown.push(key);
        continue;
      }
      if (!Value.Check(BthomeSensorStatus, status)) return refuse('invalid', `${key} ${problem(BthomeSensorStatus, status)}`);
      const value = (status as Static<typeof BthomeSensorStatus>).value;
      // The household names the window sensor's component (obj_id 45); other objects of that device are not it.
      const open = typeof value === 'boolean' ? value : value === 1 ? true : value === 0 ? false : undefined;
      const reading = contactReading(device, open, {}, frameAt ?? context.receivedAt, frameAt !== undefined);
      if (reading === undefined) return wrongKind(device);
      readings.push(reading);
    }
  } else if (method === 'NotifyEvent') {
    const events = Array.isArray(params.events) ? params.events : [];
    for (const event of events) {
      if (typeof event !== 'object' || event === null) continue;
      const { event: name, data, ts } = event as { event?: unknown; data?: unknown; ts?: unknown };
      if (name !== 'shelly-blu' || typeof data !== 'object' || data === null) continue;
      const address = (data as { address?: unknown }).address;
      if (typeof address !== 'string') continue;
      const failed = take(byAddress(address), address, data, tsMs(ts) ?? frameAt);
      if (failed !== undefined) return failed;
    }
  }
  if (readings.length > 0) return { status: 'readings', readings };
  if (unknown.length > 0) {
    return refuse(
      'unknown_device',
      `no household device of this gateway is ${unknown.join(', ')}`,
      unknown.map((address) => ({ topic: `${baseTopic}/${address}`, suggested: { name: address, source: 'shelly' as const, topic: `${baseTopic}/${address}` } })),
    );
  }
  return { status: 'ignored', reason: `${method} of the gateway itself` };
}

/** Pure: Shelly topic + payload → readings. Never throws. */
export function decodeShelly(subject: CredentialSubject, message: MqttMessage, context: DecodeContext): DecodeOutcome {
  if (subject.type === 'device' && subject.device.source === 'shelly') {
    const own = shellyDeviceTopic(subject.device);
    if (own === undefined) return refuse('not_allowed', 'a Shelly device needs its topic prefix in "topic"');
    // Gen1 devices announce themselves on the shared shellies/announce as well as under their own prefix.
    if (message.topic === 'shellies/announce') return { status: 'ignored', reason: 'announce' };
    if (!message.topic.startsWith(`${own.prefix}/`)) return refuse('unknown_topic', `expected a topic under ${own.prefix}/`);
    return decodeDirect(subject.device, message.topic.slice(own.prefix.length + 1), message.payload, context);
  }
  if (subject.type === 'bridge' && subject.bridge.source === 'shelly') {
    const base = subject.bridge.baseTopic;
    if (message.topic === 'shellies/announce') return { status: 'ignored', reason: 'announce' };
    if (!message.topic.startsWith(`${base}/`)) return refuse('unknown_topic', `expected a topic under ${base}/`);
    const devices = subject.devices.filter((device) => device.source === 'shelly' && device.bridge === subject.bridge.id);
    return decodeGateway(devices, base, message.topic.slice(base.length + 1), message.payload, context);
  }
  return refuse('not_allowed', 'Shelly topics belong to a shelly device or gateway');
}
