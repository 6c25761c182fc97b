import type { CredentialSubject, DeviceHealthInput, DeviceSource, SimulatedMessage } from '../../src/core/device-source.js';
import type { HouseholdBridge, HouseholdDevice } from '../../src/core/household.js';
import { decodeZigbee2mqtt } from './decoder.js';

function bridgeBase(subject: CredentialSubject): string | undefined {
  return subject.type === 'bridge' && subject.bridge.source === 'zigbee2mqtt' ? subject.bridge.baseTopic : undefined;
}

function deviceTopic(device: HouseholdDevice, bridge: HouseholdBridge | undefined): string | undefined {
  if (device.topic !== undefined) return device.topic;
  return bridge === undefined ? undefined : `${bridge.baseTopic}/${device.id}`;
}

/**
 * A contact sensor's state message as Zigbee2MQTT publishes it with `advanced.last_seen: ISO_8601`
 * (e.g. `{"battery":100,"contact":false,"linkquality":93,"voltage":3135}` in Koenkk/zigbee2mqtt#10871).
 */
function contactState(topic: string, contact: boolean, at: number, health: DeviceHealthInput | undefined): SimulatedMessage {
  const state: Record<string, unknown> = {};
  if (health?.battery !== undefined) state.battery = health.battery;
  state.contact = contact;
  state.last_seen = new Date(at).toISOString();
  if (health?.linkQuality !== undefined) state.linkquality = health.linkQuality;
  return { transport: 'mqtt', topic, payload: JSON.stringify(state) };
}

export const zigbee2mqttSource: DeviceSource = {
  id: 'zigbee2mqtt',
  title: 'Zigbee2MQTT (Zigbee contact sensors through a Zigbee2MQTT bridge)',
  reach: 'bridge',
  checkDevice: (device) => {
    if (device.bridge === undefined) return 'Zigbee2MQTT devices are reached through a bridge: set "bridge" to a bridges entry';
    if (device.topic === undefined) return 'set "topic" to "<baseTopic>/<friendly name>", e.g. "zigbee2mqtt/Front Door"';
    if (device.kind !== 'door' && device.kind !== 'pillbox') return 'a Zigbee2MQTT contact sensor can be a door or a pillbox (lid), not a tracker';
    if (/\/(availability|set|get)$/.test(device.topic)) return '"topic" is the device topic itself, without /availability, /set or /get';
    if (device.topic.split('/')[1] === 'bridge') return '"<baseTopic>/bridge/..." belongs to Zigbee2MQTT itself, not to a device';
    if (device.kind === 'pillbox' && (device.compartments ?? 1) > 1) return 'a contact sensor on a pill box reports one lid: leave "compartments" out';
    return undefined;
  },
  // Zigbee2MQTT publishes only under its base topic (docs/guide/usage/mqtt_topics_and_messages.md) and
  // subscribes to `<base>/#` for its own set/get and bridge/request topics. Turn off its Home Assistant
  // integration (homeassistant: false) or its discovery publishes to homeassistant/# are refused.
  publishTopics: (subject) => {
    const base = bridgeBase(subject);
    return base === undefined ? [] : [`${base}/#`];
  },
  subscribeTopics: (subject) => {
    const base = bridgeBase(subject);
    return base === undefined ? [] : [`${base}/#`];
  },
  // Zigbee2MQTT retains bridge/state, bridge/info, bridge/devices, bridge/groups, bridge/definitions,
  // bridge/extensions and every <device>/availability, and device state when a device's `retain` option is set.
  retainAllowed: (subject, topic) => {
    const base = bridgeBase(subject);
    return base !== undefined && topic.startsWith(`${base}/`);
  },
  decodeMqtt: decodeZigbee2mqtt,
  simulator: {
    door(device, bridge, open, at, health) {
      const topic = deviceTopic(device, bridge);
      return topic === undefined ? [] : [contactState(topic, !open, at, health)];
    },
    pillbox(device, bridge, _compartment, open, at, health) {
      // One contact sensor per lid: the compartment number has nowhere to go in Zigbee2MQTT's payload.
      const topic = deviceTopic(device, bridge);
      return topic === undefined ? [] : [contactState(topic, !open, at, health)];
    },
    availability(device, bridge, online) {
      const topic = deviceTopic(device, bridge);
      // 2.x form, retained (lib/extension/availability.ts: publish(`${name}/availability`, {state}, {retain: true})).
      return topic === undefined
        ? []
        : [{ transport: 'mqtt', topic: `${topic}/availability`, payload: JSON.stringify({ state: online ? 'online' : 'offline' }), retain: true }];
    },
  },
};
