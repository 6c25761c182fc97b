import mqtt, { type IClientOptions, type IClientSubscribeOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import type { Clock } from '../core/clock.js';
import type { CredentialSubject, DeviceSource } from '../core/device-source.js';
import { HomewardError } from '../core/errors.js';
import type { SourceId } from '../core/household.js';
import type { Logger } from '../core/logger.js';
import type { IngestService } from '../ingest/ingest-service.js';
import type { SettingsRepo } from '../store/settings-repo.js';
import { mayPublish, mayRetain, permissionsFor, type Permissions } from './access-policy.js';
import type { IntegrationPublishHandler, MessageBroker } from './message-broker.js';
import { loadCaCertificate } from './tls-files.js';
import { topicMatches } from './topic-filter.js';

/**
 * The hub as a CLIENT of an external broker (issue 9, item 6): many Zigbee2MQTT homes already run
 * Mosquitto or EMQX. The hub subscribes to every household subject's publish filters (the same
 * permissionsFor the embedded broker enforces) and to homeward/commands/#, maps each message back to the
 * device or bridge whose filters claim its topic, and hands it to the same ingest as the embedded broker.
 * Who may publish where is the external broker's ACL's job: `homeward broker acl` writes it from the
 * same policy, so the two cannot disagree.
 *
 * Nothing acknowledged is lost (DESIGN.md principle 2): mqtt.js sends the PUBACK for an incoming QoS 1
 * message only when handleMessage calls back (node_modules/mqtt/build/lib/handlers/publish.js), so the
 * callback waits for the commit. A failed commit never calls back without an error: no PUBACK, and the
 * connection is dropped so the broker sends the message again when the hub reconnects. A fixed client
 * id with clean: false and an MQTT 5 session expiry makes the broker queue QoS 1 readings while the hub
 * restarts. mqtt.js handles one incoming packet at a time, so readings are committed one after another:
 * ample for a home (a few a second), not a benchmark's rate.
 */
export interface ExternalBrokerDeps {
  /** mqtt:// or mqtts://, with the hub's credentials in the userinfo (config.mqtt.url). */
  url: string;
  /** A fixed client id, so the broker keeps the hub's session (config.mqtt.external.clientId). */
  clientId: string;
  /** PEM file of a private CA for mqtts:// ('' = the system's CAs) (config.mqtt.external.ca). */
  ca: string;
  /** Largest packet the broker may send the hub (the embedded broker's limit, config.mqtt.maxPacketBytes). */
  maxPacketBytes: number;
  connectTimeoutMs: number;
  log: Logger;
  sources: ReadonlyMap<SourceId, DeviceSource>;
  /** The household's credential subjects now, by username. */
  subjects: () => ReadonlyMap<string, CredentialSubject>;
  ingest: IngestService;
  /**
   * Where the filters the broker may still hold for the hub's session are written down: a persistent
   * session outlives the process, and a device removed while the hub was stopped must be unsubscribed.
   */
  subscriptionMemory: { load(): readonly string[]; save(filters: readonly string[]): void };
  /** Published by the broker if the hub vanishes without a clean disconnect (Home Assistant's availability). */
  will?: { topic: string; payload: string };
  /** Back-off between reconnection attempts: doubles from firstMs up to maxMs. */
  reconnect?: { firstMs: number; maxMs: number };
}

export const COMMANDS_FILTER = 'homeward/commands/#';
/** Mosquitto's count of connected clients, published every sys_interval (10 s by default). */
export const BROKER_CLIENTS_TOPIC = '$SYS/broker/clients/connected';
/** The attribution of a command when the household has several integrations (see integrationOf). */
export const UNATTRIBUTED_INTEGRATION = 'external-broker';
/** How long the broker keeps the hub's session (and queues its QoS 1 readings) while the hub is away. */
export const SESSION_EXPIRY_S = 7 * 24 * 3600;

// rap (retain as published): a live message keeps the retain flag its device set, so a retained publish
// is judged by mayRetain exactly as the embedded broker judges it. rh 2: no stored retained messages at
// (re)subscription — replaying a door's last retained "open" at each start would be a reading from the past.
const DEVICE_SUBSCRIPTION: IClientSubscribeOptions = { qos: 1, rap: true, rh: 2 };
// nl (no local): the hub's own answers on homeward/commands/result do not come back to it.
const COMMANDS_SUBSCRIPTION: IClientSubscribeOptions = { qos: 1, nl: true, rh: 2 };
const BROKER_CLIENTS_SUBSCRIPTION: IClientSubscribeOptions = { qos: 0 };
const INTEGRATION_PERMISSIONS = permissionsFor({ type: 'integration', id: UNATTRIBUTED_INTEGRATION }, new Map());
// Who a topic nobody claims is counted against in homeward_readings_total{result="refused"} and the log.
const NOBODY: CredentialSubject = { type: 'integration', id: UNATTRIBUTED_INTEGRATION };

interface Claim {
  subject: CredentialSubject;
  permissions: Permissions;
}

/** The broker's address without the password, for logs. */
export function redactedBrokerUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.username === '' ? '' : `${decodeURIComponent(parsed.username)}@`}${parsed.host}`;
}

/** How many literal (non-wildcard) levels the most specific of `filters` matching `topic` has; -1 if none matches. */
function specificity(permissions: Permissions, topic: string): number {
  if (!mayPublish(permissions, topic)) return -1;
  let best = 0;
  for (const filter of permissions.publish) {
    const levels = filter.split('/');
    const literal = levels.filter((level) => level !== '+' && level !== '#').length;
    if (literal > best && topicMatches(filter, topic)) best = literal;
  }
  return best;
}

export function createExternalBroker(deps: ExternalBrokerDeps): MessageBroker {
  const { log, sources, ingest } = deps;
  const parsed = new URL(deps.url);
  if (parsed.hostname === '') throw new HomewardError('HW_CONFIG_INVALID', `HOMEWARD_MQTT_URL ${redactedBrokerUrl(deps.url)} names no host`);
  const secure = parsed.protocol === 'mqtts:';
  const port = parsed.port === '' ? (secure ? 8883 : 1883) : Number(parsed.port);
  const where = redactedBrokerUrl(deps.url);
  const ca = secure && deps.ca !== '' ? loadCaCertificate(deps.ca) : undefined;
  if (!secure && deps.ca !== '') log.warn({ ca: deps.ca, url: where }, 'HOMEWARD_MQTT_CA is ignored: the external broker URL is mqtt://, not mqtts://');
  const backoff = deps.reconnect ?? { firstMs: 1000, maxMs: 30_000 };

  let client: MqttClient | undefined;
  let integrationPublish: IntegrationPublishHandler | undefined;
  let claims: Claim[] = [];
  let desired = new Map<string, IClientSubscribeOptions>();
  // Filters the broker may hold for the hub's session: remembered ones until unsubscribed, and ours.
  const held = new Set(deps.subscriptionMemory.load());
  let savedHeld = JSON.stringify([...held].sort());
  let connection = 0;
  let failedConnection = -1;
  let everConnected = false;
  let brokerClients: number | undefined;
  let retries = 0;
  const loggedErrors = new Set<string>();
  const refusedFilters = new Set<string>();

  function rebuild(): void {
    claims = [];
    desired = new Map();
    for (const subject of deps.subjects().values()) {
      if (subject.type === 'integration') continue;
      const permissions = permissionsFor(subject, sources);
      claims.push({ subject, permissions });
      for (const filter of permissions.publish) desired.set(filter, DEVICE_SUBSCRIPTION);
    }
    desired.set(COMMANDS_FILTER, COMMANDS_SUBSCRIPTION);
    desired.set(BROKER_CLIENTS_TOPIC, BROKER_CLIENTS_SUBSCRIPTION);
  }

  /** The device or bridge a topic belongs to: the one whose most specific filter matches it. */
  function claimantOf(topic: string): CredentialSubject | undefined {
    let best: Claim | undefined;
    let bestScore = -1;
    for (const claim of claims) {
      const score = specificity(claim.permissions, topic);
      if (score > bestScore) {
        best = claim;
        bestScore = score;
      }
    }
    return best?.subject;
  }

  /**
   * An external broker does not tell a subscriber who published (MQTT carries no publisher identity),
   * and its ACL, not ours, decided who could. With one integrations entry the command is that one's:
   * the generated ACL lets only integration users write homeward/commands/#. With several, a fixed
   * "external-broker" says honestly that the hub cannot tell which, rather than crediting the wrong
   * one in the timeline every member reads (issue 9, item 6).
   */
  function integrationOf(): string {
    const integrations = [...deps.subjects().values()].filter((subject) => subject.type === 'integration');
    return integrations.length === 1 && integrations[0]?.type === 'integration' ? integrations[0].id : UNATTRIBUTED_INTEGRATION;
  }

  function rememberHeld(): void {
    const text = JSON.stringify([...held].sort());
    if (text === savedHeld) return;
    try {
      deps.subscriptionMemory.save([...held].sort());
      savedHeld = text;
    } catch (error) {
      log.warn({ err: error }, 'could not write down the external broker subscriptions');
    }
  }

  function subscribe(mqttClient: MqttClient, filters: ReadonlyMap<string, IClientSubscribeOptions>): void {
    for (const [filter, options] of filters) {
      held.add(filter);
      mqttClient.subscribe(filter, options, (error, granted) => {
        if (error !== null && error !== undefined) return log.debug({ filter, err: error.message }, 'subscription not confirmed; repeated at the next connection');
        const code = granted?.[0]?.qos ?? 0;
        if (code < 0x80) {
          refusedFilters.delete(filter);
          return;
        }
        if (refusedFilters.has(filter)) return;
        refusedFilters.add(filter);
        // $SYS is optional: without it homeward_mqtt_clients counts only the hub's own connection.
        if (filter === BROKER_CLIENTS_TOPIC) return log.debug({ filter, code }, 'the external broker does not share its client count');
        log.error(
          { filter, code, url: where },
          `the external broker refused the hub's subscription to ${filter}: its ACL must let the hub's user read it (homeward broker acl writes one)`,
        );
      });
    }
    rememberHeld();
  }

  function unsubscribe(mqttClient: MqttClient, filters: readonly string[]): void {
    if (filters.length === 0) return;
    mqttClient.unsubscribe([...filters], (error) => {
      if (error !== null && error !== undefined) return;
      for (const filter of filters) if (!desired.has(filter)) held.delete(filter);
      rememberHeld();
    });
  }

  /** Subscribes to what the household needs now and drops what it no longer needs. */
  function syncSubscriptions(mqttClient: MqttClient, all: boolean): void {
    const missing = new Map([...desired].filter(([filter]) => all || !held.has(filter)));
    subscribe(mqttClient, missing);
    unsubscribe(mqttClient, [...held].filter((filter) => !desired.has(filter)));
  }

  function dropConnection(mqttClient: MqttClient): void {
    // Without a PUBACK the broker keeps the message and sends it again on the next connection.
    mqttClient.stream?.destroy();
  }

  function take(mqttClient: MqttClient, packet: IPublishPacket, callback: (error?: Error) => void): void {
    const topic = packet.topic;
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    const atLeastOnce = packet.qos > 0;
    const on = connection;
    // After a failed commit on this connection nothing more is acknowledged on it: it is being dropped.
    if (failedConnection === on) return callback(new Error('a commit failed on this connection'));

    if (topic === BROKER_CLIENTS_TOPIC) {
      const count = Number(payload.toString());
      brokerClients = Number.isInteger(count) && count >= 0 ? count : undefined;
      return callback();
    }
    if (topic.startsWith(COMMANDS_FILTER.slice(0, -1))) {
      // homeward/commands/result is the hub's answer, never a command (access-policy.ts, publishExcept).
      if (!mayPublish(INTEGRATION_PERMISSIONS, topic)) return callback();
      try {
        integrationPublish?.(integrationOf(), topic, payload);
      } catch (error) {
        log.error({ err: error, topic }, 'integration publish handler failed');
      }
      return callback();
    }
    const subject = claimantOf(topic);
    if (subject === undefined) {
      // A filter the broker still held from an earlier household, or a message racing an unsubscribe.
      ingest.refuse(NOBODY, topic, 'unknown_topic', `no household device or bridge publishes to ${topic}`);
      return callback();
    }
    if (packet.retain && !mayRetain(subject, topic, sources)) {
      ingest.refuse(subject, topic, 'retained', 'retained publishes from devices are refused');
      return callback();
    }
    // The broker resends to the hub's session under the packet id it first used, if our PUBACK was lost.
    const sender = atLeastOnce && typeof packet.messageId === 'number' ? { clientId: deps.clientId, packetId: packet.messageId } : undefined;
    ingest.acceptMqtt(subject, { topic, payload, retain: packet.retain }, sender, (error) => {
      if (!atLeastOnce) return;
      if (error) {
        if (failedConnection !== on) log.error({ err: error, topic }, 'commit failed: not acknowledged to the external broker, which will send it again');
        failedConnection = on;
        callback(error);
        if (on === connection) dropConnection(mqttClient);
        return;
      }
      callback();
    });
    // QoS 0 has no PUBACK to hold back: the next message need not wait for this commit.
    if (!atLeastOnce) callback();
  }

  function logOnce(key: string, level: 'warn' | 'error', fields: object, message: string): void {
    if (loggedErrors.has(key)) return;
    loggedErrors.add(key);
    log[level](fields, message);
  }

  function connect(): MqttClient {
    const options: IClientOptions = {
      protocol: secure ? 'mqtts' : 'mqtt',
      host: parsed.hostname.replace(/^\[|\]$/g, ''),
      port,
      protocolVersion: 5,
      clientId: deps.clientId,
      clean: false,
      properties: { sessionExpiryInterval: SESSION_EXPIRY_S, maximumPacketSize: deps.maxPacketBytes },
      connectTimeout: deps.connectTimeoutMs,
      reconnectPeriod: backoff.firstMs,
      // A refused credential (a password file being rewritten) is retried too, with the same back-off.
      reconnectOnConnackError: true,
      // Subscriptions are the household's, re-computed at each connection (syncSubscriptions).
      resubscribe: false,
      ...(parsed.username !== '' ? { username: decodeURIComponent(parsed.username) } : {}),
      ...(parsed.password !== '' ? { password: decodeURIComponent(parsed.password) } : {}),
      ...(ca !== undefined ? { ca } : {}),
      ...(deps.will !== undefined ? { will: { topic: deps.will.topic, payload: Buffer.from(deps.will.payload), qos: 1, retain: true } } : {}),
    };
    const mqttClient = mqtt.connect(options);
    mqttClient.handleMessage = (packet, callback) => take(mqttClient, packet, callback);

    mqttClient.on('connect', (connack) => {
      connection++;
      retries = 0;
      mqttClient.options.reconnectPeriod = backoff.firstMs;
      loggedErrors.clear();
      everConnected = true;
      log.info({ url: where, clientId: deps.clientId, sessionPresent: connack.sessionPresent }, `connected to the external MQTT broker ${where}`);
      syncSubscriptions(mqttClient, true);
    });
    mqttClient.on('reconnect', () => {
      // mqtt.js re-arms its timer from options.reconnectPeriod after each failed attempt.
      retries++;
      mqttClient.options.reconnectPeriod = Math.min(backoff.maxMs, backoff.firstMs * 2 ** Math.min(retries, 16));
    });
    mqttClient.on('close', () => {
      brokerClients = undefined;
      if (mqttClient.disconnecting) return;
      if (everConnected) logOnce('lost', 'warn', { url: where }, `lost the connection to the external MQTT broker ${where}; reconnecting`);
      else logOnce('unreachable', 'warn', { url: where }, `cannot reach the external MQTT broker ${where}; retrying`);
    });
    mqttClient.on('error', (error) => {
      const code = (error as { code?: number | string }).code;
      const refused = typeof code === 'number';
      const fix = refused ? ': check the user and password in HOMEWARD_MQTT_URL and the broker password file' : '';
      logOnce(`error:${error.message}`, refused ? 'error' : 'warn', { url: where, err: error.message, code }, `external MQTT broker ${where}: ${error.message}${fix}`);
    });
    return mqttClient;
  }

  return {
    /** Connects; resolves after the first attempt's outcome, so a broker that is down does not hold up the hub's start. */
    async listen(): Promise<number> {
      rebuild();
      const mqttClient = connect();
      client = mqttClient;
      await new Promise<void>((resolve) => {
        const settle = () => {
          mqttClient.off('connect', settle);
          mqttClient.off('close', settle);
          resolve();
        };
        mqttClient.on('connect', settle);
        mqttClient.on('close', settle);
      });
      return port;
    },

    tlsPort: () => undefined,

    attachWebSocket(): void {
      log.info({ url: where }, 'MQTT over WebSocket at /mqtt is off: devices and browsers connect to the external broker');
    },

    /**
     * homeward_mqtt_clients in this mode: the external broker's own count of connected clients
     * (Mosquitto's $SYS/broker/clients/connected, the hub included) when its ACL lets the hub read it;
     * else 1 for the hub's connection. 0 whenever the hub is not connected.
     */
    clientCount: () => (client?.connected === true ? (brokerClients ?? 1) : 0),

    connected: () => client?.connected === true,

    /**
     * QoS 1 to the external broker; resolves on its PUBACK. While it is unreachable mqtt.js keeps the
     * message and sends it on reconnection, and this resolves at once: the hub's start and stop must
     * not wait on a broker that is down.
     */
    publish(topic: string, payload: string, options: { retain?: boolean } = {}): Promise<void> {
      const mqttClient = client;
      if (mqttClient === undefined) return Promise.reject(new Error('the external MQTT broker is not connected yet'));
      const publishOptions = { qos: 1 as const, retain: options.retain ?? true };
      if (mqttClient.connected) return mqttClient.publishAsync(topic, payload, publishOptions).then(() => undefined);
      mqttClient.publish(topic, payload, publishOptions, (error) => {
        if (error) log.warn({ err: error.message, topic }, 'could not publish to the external MQTT broker');
      });
      return Promise.resolve();
    },

    onIntegrationPublish(handler: IntegrationPublishHandler): void {
      integrationPublish = handler;
    },

    /** After a household change: subscribe to new devices' and bridges' topics, drop removed ones. */
    revalidateSessions(): void {
      rebuild();
      if (client?.connected === true) syncSubscriptions(client, false);
    },

    disconnect(username: string): void {
      logOnce(`rotate:${username}`, 'warn', { username }, `${username}'s password changed: update the external broker's password file too (homeward broker passwords)`);
    },

    // Nothing to stop: the external broker takes the connections. The session stays, so readings
    // published while the hub is stopped are queued for it.
    stopAccepting(): void {},

    async close(): Promise<void> {
      const mqttClient = client;
      if (mqttClient === undefined) return;
      // A clean DISCONNECT keeps the session (its expiry was set at CONNECT). Waiting for in-flight
      // publishes needs a live connection: bounded, then forced.
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => mqttClient.end(true, () => resolve()), deps.connectTimeoutMs);
        force.unref();
        mqttClient.end(!mqttClient.connected, () => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}

/** Where the hub writes down the filters its persistent session may hold (the settings table). */
export const SUBSCRIPTIONS_SETTING = 'broker.external.subscriptions';

export function subscriptionMemoryIn(settings: Pick<SettingsRepo, 'get' | 'put'>, clock: Clock): ExternalBrokerDeps['subscriptionMemory'] {
  return {
    load: () => {
      const value = settings.get(SUBSCRIPTIONS_SETTING)?.value;
      return Array.isArray(value) ? value.filter((filter): filter is string => typeof filter === 'string') : [];
    },
    save: (filters) => settings.put(SUBSCRIPTIONS_SETTING, filters, clock.now(), null),
  };
}
