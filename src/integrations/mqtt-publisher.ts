import { randomBytes } from 'node:crypto';
import { withoutLocation } from '../alerts/alert-json.js';
import type { IncidentJson } from '../alerts/incident-record.js';
import type { AlertJson } from '../core/alerts.js';
import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/event-bus.js';
import type { Logger } from '../core/logger.js';
import type { SettingsRepo } from '../store/settings-repo.js';
import { alertTopic, discoveryMessages, incidentTopic, STATE_TOPIC, stateMessage, STATUS_TOPIC, type HubIdentity } from './home-assistant.js';

/**
 * MQTT out (DESIGN.md, "MQTT out"; issue 6, item 9): what integrations subscribed to homeward/# and
 * homeassistant/# see, all retained so a subscriber that connects later (Home Assistant after its own
 * restart) has the present at once:
 *   homeassistant/.../config   Home Assistant discovery (home-assistant.ts), at start and when the home changes
 *   homeward/status            "online" once started, "offline" at a clean stop
 *   homeward/state             the one state message every Home Assistant entity reads: the open alerts
 *   homeward/alerts/<id>       each alert change, as JSON
 *   homeward/incidents/<id>    each incident change, as its summary JSON
 * The embedded broker keeps retained messages in memory only: after a restart the hub publishes the
 * open alerts and incidents again, so nothing open is missing from a subscriber's view.
 *
 * No positions leave the hub this way. An integration's credential reads everything under homeward/#
 * and is no member of the circle: it has no positions.read, and nobody's view through it could be
 * audited (DESIGN.md: "every view of their location is logged"). Alerts go out without the position
 * in their details; an incident goes out as its summary (who is on it, counts, the resolution), never
 * its page, which carries the track.
 *
 * The state message and incidents are coalesced to one publish per event-loop turn: a burst of alerts
 * (eight doors in one tick, or an incident acknowledged with all its alerts) sends the latest state once
 * rather than a message per step. Each alert's own change is published as it happens.
 */
export const HUB_ID_SETTING = 'integrations.hub-id';

export interface MqttPublisherDeps {
  /** Publishes as the hub (broker.publish): QoS 1. */
  publish: (topic: string, payload: string, options: { retain: boolean }) => Promise<void>;
  bus: EventBus;
  settings: Pick<SettingsRepo, 'get' | 'put'>;
  /** The home's name, the hub's version and the dashboard's address, as discovery shows them. */
  identity: () => Omit<HubIdentity, 'hubId'>;
  /** The open alerts, as JSON (from the hub's in-memory index). */
  openAlerts: () => AlertJson[];
  /** Open incidents, to publish again after a restart. */
  openIncidents: () => IncidentJson[];
  /** One incident's summary; undefined when it no longer exists (erased). */
  incident: (incidentId: string) => IncidentJson | undefined;
  clock: Clock;
  log: Logger;
}

const OWNER = 'mqtt-out';

/** This household's hub id: made once, at random, and kept in the settings table (it survives restarts, renames and backups). */
export function stableHubId(settings: Pick<SettingsRepo, 'get' | 'put'>, now: number): string {
  const stored = settings.get(HUB_ID_SETTING)?.value;
  if (typeof stored === 'string' && /^[a-z0-9]{6,32}$/.test(stored)) return stored;
  const hubId = randomBytes(6).toString('hex');
  settings.put(HUB_ID_SETTING, hubId, now, null);
  return hubId;
}

export function createMqttPublisher(deps: MqttPublisherDeps) {
  const { bus, log } = deps;
  let running = false;
  let hubId: string | undefined;
  let publishedDiscovery = '';
  let pendingState = false;
  const pendingIncidents = new Set<string>();
  let flushTimer: NodeJS.Immediate | undefined;

  function send(topic: string, payload: string, retain = true): Promise<void> {
    return deps.publish(topic, payload, { retain }).catch((error: unknown) => log.error({ err: error, topic }, 'could not publish'));
  }

  async function publishDiscovery(): Promise<void> {
    if (hubId === undefined) return;
    const messages = discoveryMessages({ hubId, ...deps.identity() });
    const text = JSON.stringify(messages);
    if (text === publishedDiscovery) return;
    publishedDiscovery = text;
    await Promise.all(messages.map((message) => send(message.topic, JSON.stringify(message.payload))));
  }

  function publishAlert(alert: AlertJson): Promise<void> {
    return send(alertTopic(alert.id), JSON.stringify(withoutLocation(alert)));
  }

  function publishIncident(incidentId: string): Promise<void> {
    const incident = deps.incident(incidentId);
    // An incident erased from the record (privacy erasure) leaves no retained copy behind: an empty
    // retained payload removes it (MQTT 3.1.1 §3.3.1.3).
    return send(incidentTopic(incidentId), incident === undefined ? '' : JSON.stringify(incident));
  }

  function publishState(): Promise<void> {
    return send(STATE_TOPIC, JSON.stringify(stateMessage(deps.openAlerts())));
  }

  function flush(): Promise<unknown> {
    flushTimer = undefined;
    const sent: Array<Promise<void>> = [];
    if (pendingState) sent.push(publishState());
    pendingState = false;
    for (const incidentId of pendingIncidents) sent.push(publishIncident(incidentId));
    pendingIncidents.clear();
    return Promise.all(sent);
  }

  function later(): void {
    flushTimer ??= setImmediate(() => void flush());
  }

  bus.on('alertChanged', OWNER, ({ alert }) => {
    if (!running) return;
    void publishAlert(alert);
    pendingState = true;
    later();
  });
  bus.on('incidentChanged', OWNER, ({ incidentId }) => {
    if (!running) return;
    pendingIncidents.add(incidentId);
    later();
  });
  // The home's name is the device's name in Home Assistant; its entities keep their ids (hubId).
  bus.on('householdChanged', OWNER, () => {
    if (running) void publishDiscovery();
  });

  return {
    /** After the broker listens: discovery, the present state, what is open, then "online". */
    async start(): Promise<void> {
      hubId = stableHubId(deps.settings, deps.clock.now());
      running = true;
      await publishDiscovery();
      await Promise.all([publishState(), ...deps.openAlerts().map(publishAlert), ...deps.openIncidents().map((incident) => publishIncident(incident.id))]);
      await send(STATUS_TOPIC, 'online');
      log.info({ hubId }, 'publishing state and Home Assistant discovery on MQTT');
    },

    /** Before the broker closes: "offline", so Home Assistant shows Homeward's entities as unavailable. */
    async stop(): Promise<void> {
      if (!running) return;
      running = false;
      // What changed in this last turn still goes out, before "offline".
      if (flushTimer !== undefined) clearImmediate(flushTimer);
      await flush();
      await send(STATUS_TOPIC, 'offline');
    },

    hubId: (): string | undefined => hubId,
  };
}

export type MqttPublisher = ReturnType<typeof createMqttPublisher>;
