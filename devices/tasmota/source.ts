import type { CredentialSubject, DeviceHealthInput, DeviceSource, SimulatedMessage } from '../../src/core/device-source.js';
import type { HouseholdBridge, HouseholdDevice } from '../../src/core/household.js';
import { decodeTasmota, tasmotaZigbeeName } from './decoder.js';

/** The Tasmota %topic% a subject publishes under: the bridge's baseTopic, or a direct device's topic. */
function ownTopic(subject: CredentialSubject): string | undefined {
  if (subject.type === 'bridge' && subject.bridge.source === 'tasmota') return subject.bridge.baseTopic;
  if (subject.type === 'device' && subject.device.source === 'tasmota') return subject.device.topic;
  return undefined;
}

/** A stable made-up Zigbee short address for simulated devices named by ZbName rather than by address. */
function simulatedShortAddress(seed: string): string {
  let hash = 0;
  for (const char of seed) hash = (hash * 31 + char.charCodeAt(0)) & 0xffff;
  return `0x${hash.toString(16).toUpperCase().padStart(4, '0')}`;
}

function zbReceived(device: HouseholdDevice, bridge: HouseholdBridge, open: boolean, health: DeviceHealthInput | undefined): SimulatedMessage[] {
  const name = tasmotaZigbeeName(device, bridge.baseTopic) ?? device.id;
  const isAddress = /^0x[0-9a-f]{1,4}$/i.test(name);
  const short = isAddress ? name.toUpperCase().replace(/^0X/, '0x') : simulatedShortAddress(device.id);
  // Field order as Tasmota prints it (docs/Zigbee.md): Device, Name, attributes, Endpoint, LinkQuality.
  const entry: Record<string, unknown> = { Device: short };
  if (!isAddress) entry.Name = name;
  if (health?.battery !== undefined) entry.BatteryPercentage = health.battery;
  entry.Contact = open ? 1 : 0;
  entry.Endpoint = 1;
  if (health?.linkQuality !== undefined) entry.LinkQuality = health.linkQuality;
  return [{ transport: 'mqtt', topic: `tele/${bridge.baseTopic}/SENSOR`, payload: JSON.stringify({ ZbReceived: { [short]: entry } }) }];
}

function switchTelemetry(topic: string, open: boolean, at: number): SimulatedMessage[] {
  // SwitchMode 15 (docs/Buttons-and-Switches.md); "Time" is the device's local time without a zone.
  const time = new Date(at).toISOString().slice(0, 19);
  return [{ transport: 'mqtt', topic: `tele/${topic}/SENSOR`, payload: JSON.stringify({ Time: time, Switch1: open ? 'OFF' : 'ON' }) }];
}

function contactMessages(device: HouseholdDevice, bridge: HouseholdBridge | undefined, open: boolean, at: number, health: DeviceHealthInput | undefined): SimulatedMessage[] {
  if (bridge !== undefined) return zbReceived(device, bridge, open, health);
  return device.topic === undefined ? [] : switchTelemetry(device.topic, open, at);
}

export const tasmotaSource: DeviceSource = {
  id: 'tasmota',
  title: 'Tasmota (Zigbee2Tasmota bridge, or a Tasmota with a reed switch)',
  reach: 'either',
  checkDevice: (device) => {
    if (device.topic === undefined) {
      return device.bridge === undefined
        ? 'set "topic" to the Tasmota Topic (Configuration → MQTT → Topic)'
        : 'set "topic" to "<bridge baseTopic>/<ZbName>" (or the short address, e.g. "zbbridge/0x662E")';
    }
    if (device.kind !== 'door' && device.kind !== 'pillbox') return 'a Tasmota contact or switch can be a door or a pillbox (lid), not a tracker';
    if (device.bridge === undefined && device.topic.includes('/')) return 'a directly connected Tasmota is named by its single-word Topic; with the default FullTopic it has no "/"';
    if (device.kind === 'pillbox' && (device.compartments ?? 1) > 1) return 'one contact reports one lid: leave "compartments" out';
    return undefined;
  },
  // Tasmota publishes tele/ and stat/ under its topic, and on every connect an empty cmnd/<topic>/POWER
  // ("Satisfy iobroker (#299)", xdrv_02_9_mqtt.ino MqttConnected) unless SetOption90 is on; a refused
  // publish would drop the connection, so that one command topic is allowed too.
  publishTopics: (subject) => {
    const topic = ownTopic(subject);
    return topic === undefined ? [] : [`tele/${topic}/#`, `stat/${topic}/#`, `cmnd/${topic}/POWER`];
  },
  subscribeTopics: (subject) => {
    const topic = ownTopic(subject);
    return topic === undefined ? [] : [`cmnd/${topic}/#`];
  },
  // tele/<topic>/LWT is always retained; SensorRetain, StateRetain, InfoRetain, PowerRetain and StatusRetain
  // (docs/MQTT.md, "Retained MQTT Messages") retain the other tele/ and stat/ messages when an installer turns them on.
  retainAllowed: (subject, topic) => {
    const own = ownTopic(subject);
    return own !== undefined && (topic.startsWith(`tele/${own}/`) || topic.startsWith(`stat/${own}/`));
  },
  decodeMqtt: decodeTasmota,
  simulator: {
    door: (device, bridge, open, at, health) => contactMessages(device, bridge, open, at, health),
    pillbox: (device, bridge, _compartment, open, at, health) => contactMessages(device, bridge, open, at, health),
    availability(device, bridge, online) {
      // Only a directly connected Tasmota has a will of its own; Zigbee devices behind a bridge have none.
      if (bridge !== undefined || device.topic === undefined) return [];
      return [{ transport: 'mqtt', topic: `tele/${device.topic}/LWT`, payload: online ? 'Online' : 'Offline', retain: true }];
    },
  },
};
