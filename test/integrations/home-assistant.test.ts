import Type from 'typebox';
import { Value } from 'typebox/value';
import { describe, expect, it } from 'vitest';
import type { AlertJson } from '../../src/core/alerts.js';
import { alertTypes } from '../../src/core/alerts.js';
import { ACKNOWLEDGE_TOPIC, discoveryMessages, STATE_TOPIC, stateMessage, STATUS_TOPIC } from '../../src/integrations/home-assistant.js';

/**
 * Discovery payloads checked against Home Assistant's documented schema (issue 6, "Tests"), written
 * down here from its documentation:
 *   https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery (topic format, device, origin)
 *   https://www.home-assistant.io/integrations/binary_sensor.mqtt/ and /integrations/binary_sensor/#device-class
 *   https://www.home-assistant.io/integrations/sensor.mqtt/ and https://www.home-assistant.io/integrations/button.mqtt/
 * Only documented keys are allowed (additionalProperties: false): a typo would be ignored by Home
 * Assistant in silence, so it must fail here.
 */
const BINARY_SENSOR_DEVICE_CLASSES = [
  'battery', 'battery_charging', 'carbon_monoxide', 'cold', 'connectivity', 'door', 'garage_door', 'gas', 'heat', 'light', 'lock', 'moisture',
  'motion', 'moving', 'occupancy', 'opening', 'plug', 'power', 'presence', 'problem', 'running', 'safety', 'smoke', 'sound', 'tamper', 'update',
  'vibration', 'window',
];

const Device = Type.Object(
  {
    identifiers: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    name: Type.String({ minLength: 1 }),
    manufacturer: Type.Optional(Type.String()),
    model: Type.Optional(Type.String()),
    sw_version: Type.Optional(Type.String()),
    configuration_url: Type.Optional(Type.String({ pattern: '^(https?|homeassistant)://' })),
  },
  { additionalProperties: false },
);
const Availability = Type.Array(
  Type.Object({ topic: Type.String({ minLength: 1 }), payload_available: Type.Optional(Type.String()), payload_not_available: Type.Optional(Type.String()) }, { additionalProperties: false }),
  { minItems: 1 },
);
const Origin = Type.Object({ name: Type.String({ minLength: 1 }), sw_version: Type.Optional(Type.String()), support_url: Type.Optional(Type.String()) }, { additionalProperties: false });
const entityBase = {
  name: Type.String({ minLength: 1 }),
  unique_id: Type.String({ minLength: 1 }),
  device: Device,
  availability: Availability,
  origin: Origin,
  icon: Type.Optional(Type.String({ pattern: '^mdi:' })),
  entity_category: Type.Optional(Type.Union([Type.Literal('config'), Type.Literal('diagnostic')])),
  json_attributes_topic: Type.Optional(Type.String()),
  json_attributes_template: Type.Optional(Type.String()),
};
const BinarySensor = Type.Object(
  {
    ...entityBase,
    state_topic: Type.String({ minLength: 1 }),
    value_template: Type.Optional(Type.String()),
    payload_on: Type.Optional(Type.String()),
    payload_off: Type.Optional(Type.String()),
    device_class: Type.Optional(Type.Union(BINARY_SENSOR_DEVICE_CLASSES.map((c) => Type.Literal(c)))),
  },
  { additionalProperties: false },
);
const Sensor = Type.Object(
  {
    ...entityBase,
    state_topic: Type.String({ minLength: 1 }),
    value_template: Type.Optional(Type.String()),
    state_class: Type.Optional(Type.Union([Type.Literal('measurement'), Type.Literal('total'), Type.Literal('total_increasing')])),
    unit_of_measurement: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
const Button = Type.Object({ ...entityBase, command_topic: Type.String({ minLength: 1 }), payload_press: Type.Optional(Type.String()) }, { additionalProperties: false });

const SCHEMAS = { binary_sensor: BinarySensor, sensor: Sensor, button: Button } as const;
// <discovery_prefix>/<component>/[<node_id>/]<object_id>/config, ids of [a-zA-Z0-9_-].
const TOPIC = /^homeassistant\/(binary_sensor|sensor|button)\/[a-zA-Z0-9_-]+\/[a-zA-Z0-9_-]+\/config$/;

const identity = { hubId: 'mums-house', homeName: "Mum's house", version: '0.1.0', dashboardUrl: 'https://homeward.example.org' };

describe('Home Assistant discovery', () => {
  const messages = discoveryMessages(identity);

  it('every message has a discovery topic and a payload that fits the documented schema for its component', () => {
    for (const message of messages) {
      const component = TOPIC.exec(message.topic)?.[1] as keyof typeof SCHEMAS | undefined;
      expect(component, message.topic).toBeDefined();
      const errors = [...Value.Errors(SCHEMAS[component!], message.payload)].map((e) => `${message.topic}: ${e.instancePath} ${e.message}`);
      expect(errors).toEqual([]);
    }
  });

  it('the schema itself refuses what Home Assistant would ignore: a misspelt key, an unknown device class', () => {
    const sensor = messages.find((m) => m.topic.includes('/binary_sensor/'))!.payload;
    expect(Value.Check(BinarySensor, sensor)).toBe(true);
    expect(Value.Check(BinarySensor, { ...sensor, state_topc: 'x' })).toBe(false);
    expect(Value.Check(BinarySensor, { ...sensor, device_class: 'wandering' })).toBe(false);
    expect(Value.Check(BinarySensor, { ...sensor, device: { ...(sensor.device as object), identifiers: 'homeward' } })).toBe(false);
  });

  it('one entity per alert type, a count of open alerts and an "I\'m on it" button, all on one device with unique ids', () => {
    expect(messages.filter((m) => m.topic.includes('/binary_sensor/'))).toHaveLength(alertTypes.length);
    const ids = messages.map((m) => m.payload.unique_id);
    expect(new Set(ids).size).toBe(ids.length);
    const devices = new Set(messages.map((m) => JSON.stringify(m.payload.device)));
    expect(devices.size).toBe(1);
    const button = messages.find((m) => m.topic.includes('/button/'));
    expect(button?.payload).toMatchObject({ command_topic: ACKNOWLEDGE_TOPIC });
    for (const m of messages) expect(m.payload.availability).toEqual([{ topic: STATUS_TOPIC, payload_available: 'online', payload_not_available: 'offline' }]);
  });

  it('keeps entity ids stable for the same hub, and distinct for another', () => {
    expect(discoveryMessages(identity).map((m) => m.topic)).toEqual(messages.map((m) => m.topic));
    const other = discoveryMessages({ ...identity, hubId: 'dads-flat' });
    expect(other.map((m) => m.payload.unique_id)).not.toContain(messages[0]?.payload.unique_id);
  });

  it('the state message counts open alerts by type and carries no positions', () => {
    const alert = (id: string, type: AlertJson['type']): AlertJson => ({
      id,
      type,
      severity: 'urgent',
      status: 'open',
      deviceId: 'mum-phone',
      incidentId: 'i1',
      title: 'Margaret has left Home',
      details: { lat: 51.5, lon: -0.12 },
      raisedAt: '2026-01-15T02:00:00.000Z',
      resolvedAt: null,
      resolution: null,
      acknowledgedAt: null,
      acknowledgedBy: null,
      resolvedBy: null,
    });
    const state = stateMessage([alert('a1', 'night-exit'), alert('a2', 'left-safe-zone'), alert('a3', 'left-safe-zone')]);
    expect(state).toMatchObject({ open: 3, open_by_type: { 'night-exit': 1, 'left-safe-zone': 2 } });
    expect(JSON.stringify(state)).not.toContain('51.5');
    expect(stateMessage([])).toEqual({ open: 0, open_by_type: {}, alerts: [] });
    // Who is on it, by name, for a wall tablet's "Anna is on it"; null while nobody is.
    const taken = stateMessage([alert('a1', 'night-exit'), { ...alert('a4', 'night-exit'), acknowledgedAt: '2026-01-15T02:01:00.000Z', acknowledgedBy: { id: 3, name: 'Anna' } }]);
    expect((taken.alerts as Array<{ acknowledged_by: string | null }>).map((a) => a.acknowledged_by)).toEqual([null, 'Anna']);
    expect(messages.every((m) => m.payload.state_topic === undefined || m.payload.state_topic === STATE_TOPIC)).toBe(true);
  });
});
