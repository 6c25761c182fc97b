import type { CredentialSubject, DeviceHealthInput, DeviceSource, SimulatedMessage } from '../../src/core/device-source.js';
import type { HouseholdBridge, HouseholdDevice } from '../../src/core/household.js';
import { decodeShelly, normaliseBluAddress, shellyDeviceTopic } from './decoder.js';

/** The topic prefix a subject publishes under: a device's Shelly prefix or a gateway's topic_prefix. */
function ownPrefix(subject: CredentialSubject): string | undefined {
  if (subject.type === 'device' && subject.device.source === 'shelly') return shellyDeviceTopic(subject.device)?.prefix;
  if (subject.type === 'bridge' && subject.bridge.source === 'shelly') return subject.bridge.baseTopic;
  return undefined;
}

/** "3c2ef571d52a" → "3c:2e:f5:71:d5:2a", the form the gateway script reports in `addr`. */
function colonAddress(compact: string): string {
  return compact.match(/.{1,2}/g)?.join(':') ?? compact;
}

function gen1Messages(prefix: string, open: boolean, health: DeviceHealthInput | undefined): SimulatedMessage[] {
  // A Door/Window 2 wakes up and publishes each value on its own topic (sensor/state: open|close, sensor/battery: %).
  const messages: SimulatedMessage[] = [{ transport: 'mqtt', topic: `${prefix}/sensor/state`, payload: open ? 'open' : 'close' }];
  if (health?.battery !== undefined) messages.push({ transport: 'mqtt', topic: `${prefix}/sensor/battery`, payload: String(health.battery) });
  return messages;
}

function gen2Messages(prefix: string, input: number, open: boolean, at: number): SimulatedMessage[] {
  // NotifyStatus as in shelly-api-docs gen2 General/Notifications (Example 1), for an input instead of a switch.
  const frame = { src: prefix, dst: `${prefix}/events`, method: 'NotifyStatus', params: { ts: at / 1000, [`input:${input}`]: { id: input, state: !open } } };
  return [{ transport: 'mqtt', topic: `${prefix}/events/rpc`, payload: JSON.stringify(frame) }];
}

function bluMessages(device: HouseholdDevice, bridge: HouseholdBridge, open: boolean, at: number, health: DeviceHealthInput | undefined): SimulatedMessage[] {
  const own = device.topic?.startsWith(`${bridge.baseTopic}/`) ? device.topic.slice(bridge.baseTopic.length + 1) : device.topic;
  const compact = normaliseBluAddress(own ?? '');
  if (compact === '') return [];
  // ble/blu-gateway-bthome-to-mqtt.shelly.js: publishRpcNotification("NotifyStatus", {ts, blu: {<device>: state}}).
  const state: Record<string, unknown> = { addr: colonAddress(compact) };
  if (health?.linkQuality !== undefined) state.rssi = health.linkQuality;
  state.local_name = 'SBDW-002C';
  if (health?.battery !== undefined) state.battery = health.battery;
  state.window = open ? 1 : 0;
  state.device_type = 'door-window';
  const frame = { src: bridge.baseTopic, dst: `${bridge.baseTopic}/events`, method: 'NotifyStatus', params: { ts: at / 1000, blu: { [`shellybludw-${compact}`]: state } } };
  return [{ transport: 'mqtt', topic: `${bridge.baseTopic}/events/rpc`, payload: JSON.stringify(frame) }];
}

function contactMessages(device: HouseholdDevice, bridge: HouseholdBridge | undefined, open: boolean, at: number, health: DeviceHealthInput | undefined): SimulatedMessage[] {
  if (bridge !== undefined) return bluMessages(device, bridge, open, at, health);
  const own = shellyDeviceTopic(device);
  if (own === undefined) return [];
  return own.prefix.startsWith('shellies/') ? gen1Messages(own.prefix, open, health) : gen2Messages(own.prefix, own.input, open, at);
}

export const shellySource: DeviceSource = {
  id: 'shelly',
  title: 'Shelly (Door/Window 2, a Plus/Pro input, or BLU Door/Window through a gateway)',
  reach: 'either',
  checkDevice: (device) => {
    if (device.topic === undefined) {
      return device.bridge === undefined
        ? 'set "topic" to the Shelly topic prefix, e.g. "shellies/shellydw2-A1B2C3" or "shellyplus1-a8032abe54dc"'
        : 'set "topic" to the BLU device\'s MAC address, e.g. "<gateway baseTopic>/3c:2e:f5:71:d5:2a"';
    }
    if (device.kind !== 'door' && device.kind !== 'pillbox') return 'a Shelly door/window sensor can be a door or a pillbox (lid), not a tracker';
    if (device.bridge === undefined && /\/(online|events\/rpc|sensor\/state)$/.test(device.topic)) return '"topic" is the Shelly topic prefix, without /online, /events/rpc or /sensor/state';
    if (device.kind === 'pillbox' && (device.compartments ?? 1) > 1) return 'one contact reports one lid: leave "compartments" out';
    return undefined;
  },
  // Everything a Shelly publishes is under its prefix, except Gen1's shared shellies/announce on connect.
  publishTopics: (subject) => {
    const prefix = ownPrefix(subject);
    return prefix === undefined ? [] : [`${prefix}/#`, 'shellies/announce'];
  },
  // Gen1 listens on <prefix>/command and shellies/command; Gen2+ on <prefix>/rpc and <prefix>/command/#.
  subscribeTopics: (subject) => {
    const prefix = ownPrefix(subject);
    return prefix === undefined ? [] : [`${prefix}/rpc`, `${prefix}/command`, `${prefix}/command/#`, 'shellies/command'];
  },
  // <prefix>/online is the retained will; Gen1's "retain" MQTT setting and Gen2's status_ntf retain other
  // topics under the prefix. RPC notifications (events/rpc) are never retained.
  retainAllowed: (subject, topic) => {
    const prefix = ownPrefix(subject);
    return prefix !== undefined && topic.startsWith(`${prefix}/`) && !topic.endsWith('/events/rpc');
  },
  decodeMqtt: decodeShelly,
  simulator: {
    door: (device, bridge, open, at, health) => contactMessages(device, bridge, open, at, health),
    pillbox: (device, bridge, _compartment, open, at, health) => contactMessages(device, bridge, open, at, health),
    availability(device, bridge, online) {
      // A BLU sensor has no connection of its own to lose; the gateway's will speaks for the gateway.
      if (bridge !== undefined) return [];
      const own = shellyDeviceTopic(device);
      return own === undefined ? [] : [{ transport: 'mqtt', topic: `${own.prefix}/online`, payload: online ? 'true' : 'false', retain: true }];
    },
  },
};
