import { alertTypes, type AlertJson, type AlertType } from '../core/alerts.js';

/**
 * Home Assistant MQTT discovery (DESIGN.md, "MQTT out"; issue 6, item 9): a Home Assistant user sees
 * Homeward as one device with an entity per alert type, a count of open alerts, and an "I'm on it"
 * button, without writing any YAML.
 *
 * Discovery messages follow https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery:
 * topic `<prefix>/<component>/<node_id>/<object_id>/config`, retained, with `unique_id`, a `device`
 * block whose `identifiers` is a list, `availability` on Homeward's status topic, and `state_topic`
 * (binary_sensor, sensor) or `command_topic` (button). Every entity reads one retained state message
 * (`homeward/state`), each through its own `value_template`, so one publish updates them all.
 *
 * The button publishes to homeward/commands/acknowledge, which an integration's credential may write
 * (src/broker/access-policy.ts); mqtt-commands.ts turns it into an acknowledgement recorded as made
 * by that integration.
 */
export const DISCOVERY_PREFIX = 'homeassistant';
export const STATUS_TOPIC = 'homeward/status';
export const STATE_TOPIC = 'homeward/state';
export const ACKNOWLEDGE_TOPIC = 'homeward/commands/acknowledge';
export const RESOLVE_TOPIC = 'homeward/commands/resolve';
/** The hub's answer to each command, for Node-RED flows and scripts (not retained). */
export const COMMAND_RESULT_TOPIC = 'homeward/commands/result';
export const alertTopic = (alertId: string) => `homeward/alerts/${alertId}`;
export const incidentTopic = (incidentId: string) => `homeward/incidents/${incidentId}`;

export interface DiscoveryMessage {
  topic: string;
  payload: Record<string, unknown>;
}

export interface HubIdentity {
  /**
   * Stable for this household (so entities survive restarts and a renamed home): a random id made once
   * and kept in the settings table (mqtt-publisher.ts), never the home's name.
   */
  hubId: string;
  homeName: string;
  version: string;
  /** The dashboard's address, shown as the device's configuration link. */
  dashboardUrl?: string | undefined;
}

/** The alert types that mean "she may be out and unsafe" get HA's safety class; the rest are problems. */
const SAFETY: readonly AlertType[] = ['night-exit', 'left-safe-zone', 'tracker-silent', 'door-open-too-long', 'inactivity'];
/** Sensor trouble is for whoever maintains the system: HA shows these under Diagnostics. */
const DIAGNOSTIC: readonly AlertType[] = ['sensor-silent', 'low-battery', 'hub-storage-low'];

const LABELS: Record<AlertType, string> = {
  'night-exit': 'Night exit',
  'door-open-too-long': 'Door open too long',
  'left-safe-zone': 'Left safe zone',
  'tracker-silent': 'Tracker silent',
  'missed-dose': 'Missed dose',
  'double-dose': 'Possible double dose',
  'sensor-silent': 'Sensor silent',
  'low-battery': 'Low battery',
  inactivity: 'No activity',
  'hub-storage-low': 'Hub storage low',
};

/** Home Assistant object ids allow [a-zA-Z0-9_-]. */
const objectId = (text: string) => text.replace(/[^a-zA-Z0-9_-]/g, '_');

export function discoveryMessages(identity: HubIdentity): DiscoveryMessage[] {
  const node = objectId(`homeward_${identity.hubId}`);
  const device = {
    identifiers: [node],
    name: `Homeward — ${identity.homeName}`,
    manufacturer: 'Homeward',
    model: 'Care hub',
    sw_version: identity.version,
    ...(identity.dashboardUrl !== undefined ? { configuration_url: identity.dashboardUrl } : {}),
  };
  const common = {
    device,
    availability: [{ topic: STATUS_TOPIC, payload_available: 'online', payload_not_available: 'offline' }],
    origin: { name: 'Homeward', sw_version: identity.version },
  };
  const messages: DiscoveryMessage[] = alertTypes.map((type) => ({
    topic: `${DISCOVERY_PREFIX}/binary_sensor/${node}/${objectId(type)}/config`,
    payload: {
      ...common,
      name: LABELS[type],
      unique_id: `${node}_${objectId(type)}`,
      state_topic: STATE_TOPIC,
      value_template: `{{ 'ON' if value_json.open_by_type['${type}'] | default(0) > 0 else 'OFF' }}`,
      payload_on: 'ON',
      payload_off: 'OFF',
      device_class: SAFETY.includes(type) ? 'safety' : 'problem',
      json_attributes_topic: STATE_TOPIC,
      json_attributes_template: `{{ {'alerts': value_json.alerts | selectattr('type', 'equalto', '${type}') | list} | tojson }}`,
      ...(DIAGNOSTIC.includes(type) ? { entity_category: 'diagnostic' } : {}),
    },
  }));
  messages.push({
    topic: `${DISCOVERY_PREFIX}/sensor/${node}/open_alerts/config`,
    payload: {
      ...common,
      name: 'Open alerts',
      unique_id: `${node}_open_alerts`,
      state_topic: STATE_TOPIC,
      value_template: '{{ value_json.open }}',
      state_class: 'measurement',
      icon: 'mdi:bell-alert',
      json_attributes_topic: STATE_TOPIC,
      json_attributes_template: "{{ {'alerts': value_json.alerts} | tojson }}",
    },
  });
  messages.push({
    topic: `${DISCOVERY_PREFIX}/button/${node}/acknowledge/config`,
    payload: {
      ...common,
      name: "I'm on it",
      unique_id: `${node}_acknowledge`,
      command_topic: ACKNOWLEDGE_TOPIC,
      payload_press: JSON.stringify({ alerts: 'open' }),
      icon: 'mdi:hand-back-right',
    },
  });
  return messages;
}

/** The one retained state message every entity reads. */
export function stateMessage(openAlerts: readonly AlertJson[]): Record<string, unknown> {
  const openByType: Partial<Record<AlertType, number>> = {};
  for (const alert of openAlerts) openByType[alert.type] = (openByType[alert.type] ?? 0) + 1;
  return {
    open: openAlerts.length,
    open_by_type: openByType,
    // What an automation needs to act on, not the details (positions stay in Homeward); who is on it,
    // so a wall tablet can say "Anna is on it" (issue 6, item 3: an acknowledgement is shown to everyone).
    alerts: openAlerts.map((alert) => ({
      id: alert.id,
      type: alert.type,
      severity: alert.severity,
      title: alert.title,
      raised_at: alert.raisedAt,
      incident_id: alert.incidentId,
      acknowledged_by: alert.acknowledgedBy?.name ?? null,
    })),
  };
}
