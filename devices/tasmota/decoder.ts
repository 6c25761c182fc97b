import Type, { type Static, type TSchema } from 'typebox';
import Value from 'typebox/value';
import type { CredentialSubject, DecodeContext, DecodeOutcome, MqttMessage } from '../../src/core/device-source.js';
import { refuse } from '../../src/core/device-source.js';
import type { HouseholdDevice } from '../../src/core/household.js';
import type { DeviceHealth, Reading } from '../../src/core/readings.js';

/**
 * Tasmota (DESIGN.md, "MQTT in"), with the default FullTopic `%prefix%/%topic%/` (tasmota/docs, docs/MQTT.md):
 *   tele/<topic>/LWT      `Online` (published retained on connect) / `Offline` (the MQTT will)
 *   tele/<topic>/SENSOR   telemetry; a Zigbee bridge publishes {"ZbReceived":{"<shortaddr or name>":{...}}}
 *                         (docs/Zigbee.md); SetOption89 moves it to tele/<topic>/<shortaddr>/SENSOR
 *   tele/<topic>/RESULT, tele/<topic>/STATE, tele/<topic>/INFOn, stat/<topic>/..., cmnd/<topic>/POWER (empty, on connect)
 *
 * Two kinds of subject:
 *   - a Tasmota Zigbee bridge (a `bridges` entry; baseTopic = its %topic%), whose household devices name
 *     the Zigbee device in `topic` as "<baseTopic>/<ZbName or short address>" (the bare name is accepted too);
 *   - a directly connected Tasmota with a reed switch (`topic` = its %topic%), reporting `Switch1`.
 *
 * `Contact: 1` means OPEN: Tasmota maps IAS Zone status bit 0 (alarm 1, "opened" for a contact switch) to
 * `Contact` (arendst/Tasmota, tasmota/tasmota_xdrv_driver/xdrv_23_zigbee_5_1_attributes.ino: "We fit the
 * first bit in the LSB"; PR #9759: "The attribute is now "Contact":0 and "Contact":1").
 */

const ZigbeeEntry = Type.Object({
  Device: Type.Optional(Type.String({ maxLength: 32 })),
  Name: Type.Optional(Type.String({ maxLength: 64 })),
  IEEEAddr: Type.Optional(Type.String({ maxLength: 32 })),
  Contact: Type.Optional(Type.Union([Type.Literal(0), Type.Literal(1), Type.Boolean()])),
  // Tasmota's own battery attribute is BatteryPercentage; older builds and its docs' examples say Battery.
  BatteryPercentage: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  Battery: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  // Volts (docs/Zigbee.md: "Voltage: Battery voltage (float)"; e.g. "BatteryVoltage":3.01).
  BatteryVoltage: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  Voltage: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  LinkQuality: Type.Optional(Type.Number({ minimum: 0, maximum: 255 })),
});
type ZigbeeFields = Static<typeof ZigbeeEntry>;

const SwitchTelemetry = Type.Object({
  // SwitchMode 15: tele/<topic>/SENSOR = {"Time":"2021-01-01T00:00:00","Switch1":"OFF"} (docs/Buttons-and-Switches.md).
  Switch1: Type.Optional(Type.Union([Type.Literal('ON'), Type.Literal('OFF')])),
});

const StateTelemetry = Type.Object({
  // tele/<topic>/STATE carries Wifi.Signal in dBm (Wifi.RSSI there is a 0–100 quality, not dBm).
  Wifi: Type.Optional(Type.Object({ Signal: Type.Optional(Type.Number({ minimum: -150, maximum: 0 })) })),
});

function problem(schema: TSchema, value: unknown): string {
  const first = Value.Errors(schema, value)[0];
  const where = first?.instancePath ? `${first.instancePath.slice(1)} ` : '';
  return `${where}${first?.message ?? 'does not match the Tasmota format'}`;
}

function parseJsonObject(payload: Buffer): { ok: true; value: Record<string, unknown> } | { ok: false; malformed: boolean } {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    return { ok: false, malformed: true };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, malformed: false };
  return { ok: true, value: value as Record<string, unknown> };
}

function isShortAddress(text: string): boolean {
  return /^0x[0-9a-f]{1,16}$/i.test(text);
}

/** How a bridged household device names its Zigbee device: the part of `topic` after "<baseTopic>/". */
export function tasmotaZigbeeName(device: HouseholdDevice, baseTopic: string): string | undefined {
  const topic = device.topic;
  if (topic === undefined) return undefined;
  const name = topic.startsWith(`${baseTopic}/`) ? topic.slice(baseTopic.length + 1) : topic;
  return name.trim() === '' ? undefined : name.trim();
}

function sameName(a: string, b: string): boolean {
  const left = a.trim();
  const right = b.trim();
  // Short and IEEE addresses are hex: 0x662e and 0x662E are the same device. Friendly names compare exactly.
  return isShortAddress(left) && isShortAddress(right) ? left.toLowerCase() === right.toLowerCase() : left === right;
}

function zigbeeHealth(fields: ZigbeeFields): DeviceHealth {
  const result: DeviceHealth = {};
  const battery = fields.BatteryPercentage ?? fields.Battery;
  if (battery !== undefined) result.battery = Math.round(battery);
  if (fields.LinkQuality !== undefined) result.linkQuality = fields.LinkQuality;
  const volts = fields.BatteryVoltage ?? fields.Voltage;
  if (volts !== undefined) result.voltageMv = Math.round(volts * 1000);
  return result;
}

function contactReading(device: HouseholdDevice, open: boolean | undefined, healthFields: DeviceHealth, at: number): Reading | undefined {
  // ZbReceived and plain telemetry carry no time zone (Tasmota's "Time" is local time), so the hub's clock is used.
  const base = { deviceId: device.id, at, atFromDevice: false, ...healthFields };
  if (open === undefined) return { ...base, kind: 'health' };
  if (device.kind === 'door') return { ...base, kind: 'door', open };
  if (device.kind === 'pillbox') return { ...base, kind: 'pillbox', compartment: 0, open };
  return undefined;
}

/** ZbReceived on a bridge: one entry per Zigbee device, keyed by short address or (SetOption83) by name. */
function decodeZbReceived(
  devices: readonly HouseholdDevice[],
  baseTopic: string,
  received: unknown,
  context: DecodeContext,
): DecodeOutcome {
  if (typeof received !== 'object' || received === null || Array.isArray(received)) return refuse('invalid', 'ZbReceived must be an object');
  const readings: Reading[] = [];
  const unknown: string[] = [];
  for (const [key, entry] of Object.entries(received as Record<string, unknown>)) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return refuse('invalid', `ZbReceived/${key} must be an object`);
    const raw = entry as Record<string, unknown>;
    const labels = [key, raw.Device, raw.Name, raw.IEEEAddr].filter((label): label is string => typeof label === 'string' && label.trim() !== '');
    const device = devices.find((candidate) => {
      const name = tasmotaZigbeeName(candidate, baseTopic);
      return name !== undefined && labels.some((label) => sameName(label, name));
    });
    if (device === undefined) {
      // Other Zigbee devices on the same bridge (bulbs, remotes) are none of the household's business.
      unknown.push(typeof raw.Name === 'string' && raw.Name.trim() !== '' ? raw.Name.trim() : key);
      continue;
    }
    if (!Value.Check(ZigbeeEntry, entry)) return refuse('invalid', `ZbReceived/${key}: ${problem(ZigbeeEntry, entry)}`);
    const fields = entry as ZigbeeFields;
    const open = fields.Contact === undefined ? undefined : fields.Contact === 1 || fields.Contact === true;
    const reading = contactReading(device, open, zigbeeHealth(fields), context.receivedAt);
    if (reading === undefined) return refuse('invalid', `device ${device.id} is a ${device.kind}; a Zigbee contact sensor can only be a door or a pillbox`);
    readings.push(reading);
  }
  if (readings.length === 0) {
    if (unknown.length === 0) return { status: 'ignored', reason: 'empty ZbReceived' };
    return refuse(
      'unknown_device',
      `no household device of this bridge is named ${unknown.join(', ')}`,
      unknown.map((name) => ({ topic: `${baseTopic}/${name}`, suggested: { name, source: 'tasmota' as const, topic: `${baseTopic}/${name}` } })),
    );
  }
  return { status: 'readings', readings };
}

function decodeLwt(payload: Buffer): 'online' | 'offline' | undefined {
  const text = payload.toString('utf8').trim();
  // MQTT_LWT_ONLINE "Online" / MQTT_LWT_OFFLINE "Offline" (tasmota/my_user_config.h); compare loosely for custom builds.
  if (text.toLowerCase() === 'online') return 'online';
  if (text.toLowerCase() === 'offline') return 'offline';
  return undefined;
}

function decodeBridge(devices: readonly HouseholdDevice[], baseTopic: string, prefix: string, suffix: string, payload: Buffer, context: DecodeContext): DecodeOutcome {
  if (prefix === 'tele' && suffix === 'LWT') {
    const state = decodeLwt(payload);
    if (state === undefined) return refuse('invalid', 'LWT must be Online or Offline');
    return { status: 'ignored', reason: `bridge state ${state}`, bridgeOnline: state === 'online' };
  }
  // ZbReceived arrives on tele/<topic>/SENSOR (older builds: RESULT), or tele/<topic>/<device>/SENSOR with SetOption89.
  const last = suffix.split('/').pop();
  if (prefix === 'tele' && (last === 'SENSOR' || last === 'RESULT')) {
    const parsed = parseJsonObject(payload);
    if (!parsed.ok) return parsed.malformed ? refuse('malformed', `${suffix} is not JSON`) : refuse('invalid', `${suffix} must be a JSON object`);
    if ('ZbReceived' in parsed.value) return decodeZbReceived(devices, baseTopic, parsed.value.ZbReceived, context);
    // SetOption100 drops the ZbReceived wrapper: {"0x8F20":{"Device":"0x8F20",...}}.
    const entries = Object.entries(parsed.value);
    if (entries.length > 0 && entries.every(([, value]) => typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as { Device?: unknown }).Device === 'string')) {
      return decodeZbReceived(devices, baseTopic, parsed.value, context);
    }
    return { status: 'ignored', reason: `bridge ${prefix}/${suffix}` };
  }
  // STATE, INFOn, ZbState on RESULT, stat/... command results, cmnd/<topic>/POWER sent on connect.
  return { status: 'ignored', reason: `bridge ${prefix}/${suffix.split('/')[0] ?? ''}` };
}

function decodeDirect(device: HouseholdDevice, prefix: string, suffix: string, payload: Buffer, context: DecodeContext): DecodeOutcome {
  if (prefix === 'tele' && suffix === 'LWT') {
    const state = decodeLwt(payload);
    if (state === undefined) return refuse('invalid', 'LWT must be Online or Offline');
    return { status: 'readings', readings: [{ deviceId: device.id, at: context.receivedAt, atFromDevice: false, kind: 'health', online: state === 'online' }] };
  }
  if (prefix === 'tele' && suffix === 'SENSOR') {
    const parsed = parseJsonObject(payload);
    if (!parsed.ok) return parsed.malformed ? refuse('malformed', 'SENSOR is not JSON') : refuse('invalid', 'SENSOR must be a JSON object');
    if (!Value.Check(SwitchTelemetry, parsed.value)) return refuse('invalid', problem(SwitchTelemetry, parsed.value));
    const switch1 = (parsed.value as Static<typeof SwitchTelemetry>).Switch1;
    // A normally-open reed switch is closed (ON) while the magnet on the door is next to it, so OFF = open.
    // Wiring decides this; the README's walk test catches a swapped sensor (fix it with SwitchMode 16).
    const reading = contactReading(device, switch1 === undefined ? undefined : switch1 === 'OFF', {}, context.receivedAt);
    if (reading === undefined) return refuse('invalid', `device ${device.id} is a ${device.kind}; a Tasmota switch can only be a door or a pillbox`);
    return { status: 'readings', readings: [reading] };
  }
  if (prefix === 'tele' && suffix === 'STATE') {
    const parsed = parseJsonObject(payload);
    if (!parsed.ok) return parsed.malformed ? refuse('malformed', 'STATE is not JSON') : refuse('invalid', 'STATE must be a JSON object');
    if (!Value.Check(StateTelemetry, parsed.value)) return refuse('invalid', problem(StateTelemetry, parsed.value));
    const signal = (parsed.value as Static<typeof StateTelemetry>).Wifi?.Signal;
    const reading: Reading = { deviceId: device.id, at: context.receivedAt, atFromDevice: false, kind: 'health' };
    if (signal !== undefined) reading.linkQuality = signal;
    return { status: 'readings', readings: [reading] };
  }
  return { status: 'ignored', reason: `${prefix}/${suffix.split('/')[0] ?? ''}` };
}

/** Pure: Tasmota topic + payload → readings. Never throws. */
export function decodeTasmota(subject: CredentialSubject, message: MqttMessage, context: DecodeContext): DecodeOutcome {
  let ownTopic: string;
  if (subject.type === 'bridge' && subject.bridge.source === 'tasmota') ownTopic = subject.bridge.baseTopic;
  else if (subject.type === 'device' && subject.device.source === 'tasmota' && subject.device.topic !== undefined) ownTopic = subject.device.topic;
  else return refuse('not_allowed', 'Tasmota topics belong to a tasmota bridge or device with a topic');

  const match = /^(tele|stat|cmnd)\/(.+)$/.exec(message.topic);
  const prefix = match?.[1];
  const afterPrefix = match?.[2];
  if (prefix === undefined || afterPrefix === undefined || !afterPrefix.startsWith(`${ownTopic}/`)) {
    return refuse('unknown_topic', `expected tele/${ownTopic}/..., stat/${ownTopic}/... or cmnd/${ownTopic}/...`);
  }
  const suffix = afterPrefix.slice(ownTopic.length + 1);
  if (suffix === '') return refuse('unknown_topic', 'missing the Tasmota message name after the topic');
  if (subject.type === 'bridge') {
    const devices = subject.devices.filter((device) => device.source === 'tasmota' && device.bridge === subject.bridge.id);
    return decodeBridge(devices, ownTopic, prefix, suffix, message.payload, context);
  }
  if (subject.type === 'device') return decodeDirect(subject.device, prefix, suffix, message.payload, context);
  return refuse('not_allowed', 'Tasmota topics belong to a tasmota bridge or device');
}
