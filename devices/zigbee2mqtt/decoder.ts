import Type, { type Static, type TSchema } from 'typebox';
import Value from 'typebox/value';
import type {
  CredentialSubject,
  DecodeContext,
  DecodeOutcome,
  DiscoveredDevice,
  MqttMessage,
} from '../../src/core/device-source.js';
import { refuse } from '../../src/core/device-source.js';
import type { HouseholdBridge, HouseholdDevice } from '../../src/core/household.js';
import type { DeviceHealth, Reading } from '../../src/core/readings.js';

/**
 * Zigbee2MQTT, a bridge source (DESIGN.md, "MQTT in"). Topics and payloads follow
 * https://www.zigbee2mqtt.io/guide/usage/mqtt_topics_and_messages.html (Koenkk/zigbee2mqtt.io,
 * docs/guide/usage/mqtt_topics_and_messages.md):
 *   <base>/<friendly name>               device state, always JSON ("Published messages are always in a JSON format")
 *   <base>/<friendly name>/availability  `online`/`offline` (1.x legacy) or {"state":"online"} (2.x; lib/extension/availability.ts)
 *   <base>/<friendly name>/set|get       commands to the device (Zigbee2MQTT subscribes to them itself)
 *   <base>/bridge/state|info|devices|groups|definitions|extensions|logging|event|request/+|response/+
 * A friendly name may itself contain `/` ("kitchen/floor_light"), so devices are matched by the longest
 * household topic that prefixes the message topic, never by splitting on `/`.
 */

/** Contact sensors expose `contact: true` for CLOSED (docs/devices/MCCGQ11LM.md: "closed (= true) or open (= false)"). */
const StatePayload = Type.Object({
  contact: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
  battery: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 100 }), Type.Null()])),
  // Millivolts for battery sensors ("Voltage of the battery in millivolts", MCCGQ11LM exposes).
  voltage: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 100_000 }), Type.Null()])),
  linkquality: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 255 }), Type.Null()])),
  // advanced.last_seen: disable (absent), ISO_8601, ISO_8601_local (with offset) or epoch (ms); docs/guide/configuration/mqtt.md.
  last_seen: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Number(), Type.Null()])),
});
type StateFields = Static<typeof StatePayload>;

const AvailabilityJson = Type.Object({ state: Type.Union([Type.Literal('online'), Type.Literal('offline')]) });

/** One entry of the retained `<base>/bridge/devices` array (docs: "zigbee2mqtt/bridge/devices"). */
const BridgeDevice = Type.Object({
  friendly_name: Type.String({ minLength: 1, maxLength: 256 }),
  ieee_address: Type.Optional(Type.String({ maxLength: 64 })),
  type: Type.Optional(Type.String({ maxLength: 32 })),
  definition: Type.Optional(
    Type.Union([
      Type.Null(),
      Type.Object({
        model: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
        vendor: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
        description: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
        exposes: Type.Optional(Type.Array(Type.Unknown())),
        // Before exposes existed (1.x up to ~1.16) definitions carried a free-text `supports` list.
        supports: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
      }),
    ]),
  ),
});
const BridgeDevices = Type.Array(BridgeDevice, { maxItems: 2000 });
type BridgeDeviceEntry = Static<typeof BridgeDevice>;

const EARLIEST_PLAUSIBLE_MS = Date.UTC(2000, 0, 1);
const LATEST_PLAUSIBLE_MS = Date.UTC(2100, 0, 1);

function problem(schema: TSchema, value: unknown): string {
  const first = Value.Errors(schema, value)[0];
  const where = first?.instancePath ? `${first.instancePath.slice(1)} ` : '';
  return `${where}${first?.message ?? 'does not match the Zigbee2MQTT format'}`;
}

function parseJson(payload: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(payload.toString('utf8')) as unknown };
  } catch {
    return { ok: false };
  }
}

/** Availability and bridge state: plain `online`/`offline` (legacy) or `{"state":"online"}`. */
export function parseZigbee2mqttAvailability(payload: Buffer): 'online' | 'offline' | undefined {
  const text = payload.toString('utf8').trim();
  if (text === 'online' || text === 'offline') return text;
  const parsed = parseJson(payload);
  if (parsed.ok && Value.Check(AvailabilityJson, parsed.value)) return parsed.value.state;
  return undefined;
}

/** The device of this bridge whose topic is the longest prefix of `topic`, and what follows it. */
function claimingDevice(devices: readonly HouseholdDevice[], topic: string): { device: HouseholdDevice; rest: string } | undefined {
  let best: HouseholdDevice | undefined;
  for (const device of devices) {
    const own = device.topic;
    if (own === undefined) continue;
    if (topic === own || topic.startsWith(`${own}/`)) {
      if (best === undefined || own.length > (best.topic ?? '').length) best = device;
    }
  }
  return best === undefined ? undefined : { device: best, rest: topic.slice((best.topic ?? '').length) };
}

/** Zigbee2MQTT's `last_seen` is the time of the device's last Zigbee message, so it is the event's own time. */
function lastSeenMs(value: StateFields['last_seen']): number | undefined {
  let ms: number | undefined;
  if (typeof value === 'number') ms = value;
  // Only ISO strings that say which zone they are in (Z or ±hh:mm); ISO_8601_local carries its offset.
  else if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(value)) {
    ms = Date.parse(value);
  }
  if (ms === undefined || !Number.isFinite(ms) || ms < EARLIEST_PLAUSIBLE_MS || ms > LATEST_PLAUSIBLE_MS) return undefined;
  return Math.round(ms);
}

function health(fields: StateFields): DeviceHealth {
  const result: DeviceHealth = {};
  if (typeof fields.battery === 'number') result.battery = Math.round(fields.battery);
  if (typeof fields.linkquality === 'number') result.linkQuality = fields.linkquality;
  if (typeof fields.voltage === 'number') result.voltageMv = Math.round(fields.voltage);
  return result;
}

function decodeState(device: HouseholdDevice, payload: Buffer, context: DecodeContext): DecodeOutcome {
  const parsed = parseJson(payload);
  if (!parsed.ok) return refuse('malformed', 'device state is not JSON');
  const body = parsed.value;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return refuse('invalid', 'device state must be a JSON object');
  if (!Value.Check(StatePayload, body)) return refuse('invalid', problem(StatePayload, body));
  const fields = body as StateFields;
  const deviceAt = lastSeenMs(fields.last_seen);
  const base = {
    deviceId: device.id,
    at: deviceAt ?? context.receivedAt,
    atFromDevice: deviceAt !== undefined,
    ...health(fields),
  };
  const contact = typeof fields.contact === 'boolean' ? fields.contact : undefined;
  let reading: Reading;
  if (contact === undefined) {
    // Battery-only reports and sensors that have not reported `contact` yet still prove the device is alive.
    reading = { ...base, kind: 'health' };
  } else if (device.kind === 'door') {
    reading = { ...base, kind: 'door', open: !contact };
  } else if (device.kind === 'pillbox') {
    // A contact sensor on a one-lid box: the box itself is compartment 0 (src/core/readings.ts).
    reading = { ...base, kind: 'pillbox', compartment: 0, open: !contact };
  } else {
    return refuse('invalid', `device ${device.id} is a ${device.kind}; a Zigbee contact sensor can only be a door or a pillbox`);
  }
  return { status: 'readings', readings: [reading] };
}

function decodeAvailability(device: HouseholdDevice, payload: Buffer, context: DecodeContext): DecodeOutcome {
  const state = parseZigbee2mqttAvailability(payload);
  if (state === undefined) return refuse('invalid', 'availability must be online/offline or {"state":"online"|"offline"}');
  return {
    status: 'readings',
    readings: [{ deviceId: device.id, at: context.receivedAt, atFromDevice: false, kind: 'health', online: state === 'online' }],
  };
}

/** Does this definition expose a `contact` property (possibly nested in a composite's features)? */
function exposesContact(exposes: readonly unknown[] | undefined, depth = 0): boolean {
  if (exposes === undefined || depth > 4) return false;
  for (const expose of exposes) {
    if (typeof expose !== 'object' || expose === null) continue;
    const entry = expose as { property?: unknown; name?: unknown; features?: unknown };
    if (entry.property === 'contact' || entry.name === 'contact') return true;
    if (Array.isArray(entry.features) && exposesContact(entry.features, depth + 1)) return true;
  }
  return false;
}

/** A household id (`^[a-z0-9][a-z0-9_-]{0,63}$`) from a friendly name. */
export function slugFromFriendlyName(name: string, fallback: string): string {
  const slug = name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
  if (slug !== '') return slug;
  const tail = fallback.toLowerCase().replace(/[^a-z0-9]+/g, '').slice(-16);
  return `zigbee-${tail || 'device'}`;
}

function describe(entry: BridgeDeviceEntry): string | undefined {
  const definition = entry.definition;
  if (definition === undefined || definition === null) return undefined;
  const text = [definition.vendor, definition.model, definition.description].filter((part) => typeof part === 'string' && part !== '').join(' ');
  return text === '' ? undefined : text;
}

function decodeBridgeDevices(bridge: HouseholdBridge, devices: readonly HouseholdDevice[], payload: Buffer): DecodeOutcome {
  const parsed = parseJson(payload);
  if (!parsed.ok) return refuse('malformed', 'bridge/devices is not JSON');
  if (!Value.Check(BridgeDevices, parsed.value)) return refuse('invalid', problem(BridgeDevices, parsed.value));
  const claimed = new Set(devices.map((device) => device.topic).filter((topic): topic is string => topic !== undefined));
  const discovered: DiscoveredDevice[] = [];
  for (const entry of parsed.value as BridgeDeviceEntry[]) {
    if (entry.type === 'Coordinator') continue;
    const topic = `${bridge.baseTopic}/${entry.friendly_name}`;
    if (claimed.has(topic)) continue;
    const definition = entry.definition ?? undefined;
    const isContact =
      definition !== undefined &&
      (exposesContact(definition.exposes) || (typeof definition.supports === 'string' && /\bcontact\b/.test(definition.supports)));
    const suggested: Partial<HouseholdDevice> = {
      id: slugFromFriendlyName(entry.friendly_name, entry.ieee_address ?? entry.friendly_name),
      name: entry.friendly_name.slice(0, 200),
      source: 'zigbee2mqtt',
      bridge: bridge.id,
      topic,
    };
    if (isContact) suggested.kind = 'door';
    const found: DiscoveredDevice = { topic, suggested };
    const description = describe(entry);
    if (description !== undefined) found.description = description;
    discovered.push(found);
  }
  return { status: 'ignored', reason: 'bridge device list', discovered };
}

function decodeBridgeTopic(bridge: HouseholdBridge, devices: readonly HouseholdDevice[], rest: string, payload: Buffer): DecodeOutcome {
  if (rest === 'state') {
    const state = parseZigbee2mqttAvailability(payload);
    if (state === undefined) return refuse('invalid', 'bridge/state must be online/offline or {"state":"online"|"offline"}');
    return { status: 'ignored', reason: `bridge state ${state}`, bridgeOnline: state === 'online' };
  }
  if (rest === 'devices') return decodeBridgeDevices(bridge, devices, payload);
  // info, logging, log, event, groups, definitions, extensions, converters, health, request/+, response/+:
  // the bridge talking about itself; nothing a household rule needs.
  return { status: 'ignored', reason: `bridge/${rest.split('/')[0] ?? ''}` };
}

/** Pure: Zigbee2MQTT topic + payload → readings for the bridge's household devices. Never throws. */
export function decodeZigbee2mqtt(subject: CredentialSubject, message: MqttMessage, context: DecodeContext): DecodeOutcome {
  if (subject.type !== 'bridge' || subject.bridge.source !== 'zigbee2mqtt') {
    return refuse('not_allowed', 'Zigbee2MQTT topics belong to a zigbee2mqtt bridge');
  }
  const { bridge } = subject;
  const devices = subject.devices.filter((device) => device.source === 'zigbee2mqtt' && device.bridge === bridge.id);
  const base = bridge.baseTopic;
  if (!message.topic.startsWith(`${base}/`)) return refuse('unknown_topic', `expected a topic under ${base}/`);
  const rest = message.topic.slice(base.length + 1);
  if (rest === 'bridge' || rest.startsWith('bridge/')) return decodeBridgeTopic(bridge, devices, rest.slice('bridge/'.length), message.payload);

  const claim = claimingDevice(devices, message.topic);
  // `/set` and `/get` (and `/set/<attribute>`) are commands to the device, never reports from it.
  const isCommand = /\/(set|get)(\/[^/]+)?$/.test(message.topic);
  if (claim === undefined) {
    if (isCommand) return { status: 'ignored', reason: 'device command' };
    const deviceTopic = message.topic.replace(/\/availability$/, '');
    const discovered = [{ topic: deviceTopic, suggested: { name: deviceTopic.slice(base.length + 1), source: 'zigbee2mqtt' as const, bridge: bridge.id, topic: deviceTopic } }];
    // Zigbee2MQTT republishes (retained) availability for every paired device at each start: bulbs and
    // remotes the household does not use are not refusals worth counting, only worth discovering.
    if (deviceTopic !== message.topic) return { status: 'ignored', reason: 'availability of a device no household entry claims', discovered };
    return refuse('unknown_device', `no household device of bridge ${bridge.id} has topic ${deviceTopic}`, discovered);
  }
  const { device, rest: suffix } = claim;
  if (suffix === '') return decodeState(device, message.payload, context);
  if (suffix === '/availability') return decodeAvailability(device, message.payload, context);
  if (/^\/(set|get)(\/[^/]+)?$/.test(suffix)) return { status: 'ignored', reason: 'device command' };
  // advanced.output `attribute` / `attribute_and_json` also publishes one topic per attribute; the JSON state carries the same.
  return { status: 'ignored', reason: 'attribute topic; Homeward reads the JSON state' };
}
