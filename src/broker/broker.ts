import net from 'node:net';
import tls from 'node:tls';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { Aedes, type AuthenticateError, type Client, type PublishPacket } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { Clock } from '../core/clock.js';
import type { CredentialSubject, DeviceSource } from '../core/device-source.js';
import type { SourceId } from '../core/household.js';
import type { Logger } from '../core/logger.js';
import type { IngestService } from '../ingest/ingest-service.js';
import { mayPublish, mayReceive, mayRetain, maySubscribe, permissionsFor, type Permissions } from './access-policy.js';
import { createAttemptLimiter } from './connection-limits.js';
import type { IntegrationPublishHandler, MessageBroker } from './message-broker.js';
import { guardPacketSize } from './packet-size-guard.js';
import { loadServerCertificate } from './tls-files.js';

export type { IntegrationPublishHandler } from './message-broker.js';

/**
 * The embedded MQTT broker: aedes on TCP, on TLS when given a certificate (issue 9, item 7), and on
 * WebSocket (/mqtt on the HTTP port), with per-credential
 * authentication, topic ACLs, size and connection limits, and durable ingest inside authorizePublish —
 * the last hook before aedes writes the PUBACK (DESIGN.md principle 2).
 */
export interface BrokerLimits {
  maxPacketBytes: number;
  connectTimeoutMs: number;
  maxConnections: number;
  connectAttemptsPerMinute: number;
}

export interface BrokerDeps {
  clock: Clock;
  log: Logger;
  limits: BrokerLimits;
  sources: ReadonlyMap<SourceId, DeviceSource>;
  /** Who a username speaks for, in the current household; undefined if nobody. */
  subjectOf: (username: string) => CredentialSubject | undefined;
  verifyPassword: (username: string, password: Buffer | undefined) => boolean;
  ingest: IngestService;
  /** MQTT over TLS (config.mqtt.tls): PEM files; an empty cert means no TLS listener. */
  tls?: { port: number; cert: string; key: string };
}

interface Session {
  username: string;
  subject: CredentialSubject;
  permissions: Permissions;
}

// MQTT 3.1.1 §3.2.2.3 CONNACK return codes.
const IDENTIFIER_REJECTED = 2;
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

/**
 * aedes delivers a message to a client only if its broker counter is above the last one delivered to
 * that client (lib/client.js, dedupe()). Counters are given when a publish starts, but a retained or
 * QoS 1 publish passes through more persistence steps than a QoS 0 one, so a later message can arrive
 * first and an earlier one is then dropped as a "duplicate": an alert published by the hub followed
 * at once by a command's answer, or by a door's QoS 0 reading, never reached Home Assistant (DESIGN.md
 * "Pitfalls"; upstream #994, #955). The counters exist to de-duplicate across a cluster of brokers;
 * this hub is one broker, and QoS 1 allows a duplicate where a drop loses an alert. So no message is
 * ever taken for a duplicate. test/integrations/mqtt-commands.test.ts and mqtt-publisher.test.ts check it.
 */
const neverDuplicate: Record<string, number> = new Proxy(Object.create(null) as Record<string, number>, {
  get: () => 0,
  set: () => true,
  deleteProperty: () => true,
});

function authError(returnCode: 2 | 4 | 5, message: string): AuthenticateError {
  const error = new Error(message) as AuthenticateError;
  error.returnCode = returnCode;
  return error;
}

export function createBroker(deps: BrokerDeps) {
  const { log, limits, sources, ingest } = deps;
  // Read and checked now, so a bad file stops the start with its name (tls-files.ts), not a device's handshake.
  const serverCertificate = deps.tls !== undefined && deps.tls.cert !== '' ? loadServerCertificate(deps.tls.cert, deps.tls.key) : undefined;
  const sessions = new WeakMap<Client, Session>();
  // Publishes refused after aedes has committed to acknowledging them: MQTT 3.1.1 cannot refuse a
  // single PUBLISH without closing the connection, so like Mosquitto we acknowledge and drop.
  const dropped = new WeakSet<object>();
  const attempts = createAttemptLimiter({ perMinute: limits.connectAttemptsPerMinute, clock: deps.clock });
  let openConnections = 0;
  // Admitted connections that have not logged in yet, oldest first (issue 10, "2,000 idle sockets"):
  // when every connection is taken, the oldest of these makes way for a newcomer, so sockets that
  // never send a CONNECT cannot lock the household's devices out until the CONNECT time-out. A
  // connection that has logged in is never displaced.
  const notLoggedIn = new Set<Duplex>();
  let integrationPublish: IntegrationPublishHandler | undefined;

  const aedes = new Aedes({
    connectTimeout: limits.connectTimeoutMs,
    // Zigbee2MQTT, OwnTracks and ESP32 firmwares use client ids longer than the 3.1.1 minimum of 23.
    maxClientsIdLength: 128,

    authenticate(client, username, password, done) {
      if (username === undefined || username === '') {
        log.warn({ clientId: client.id, address: addressOf(client) }, 'refused anonymous MQTT connection');
        return done(authError(NOT_AUTHORIZED, 'anonymous connections are not allowed'), false);
      }
      const subject = deps.subjectOf(username);
      if (subject === undefined || !deps.verifyPassword(username, password)) {
        log.warn({ clientId: client.id, username, address: addressOf(client) }, 'refused MQTT connection: bad username or password');
        return done(authError(BAD_USERNAME_OR_PASSWORD, 'bad username or password'), false);
      }
      // A credential may reconnect under its own client id (taking over its stale session), never another's.
      const holder = (aedes as unknown as { clients: Record<string, Client | undefined> }).clients[client.id];
      const holderSession = holder ? sessions.get(holder) : undefined;
      if (holderSession !== undefined && holderSession.username !== username) {
        log.warn({ clientId: client.id, username, holder: holderSession.username }, 'refused client id takeover');
        return done(authError(IDENTIFIER_REJECTED, 'client id belongs to another credential'), false);
      }
      sessions.set(client, { username, subject, permissions: permissionsFor(subject, sources) });
      notLoggedIn.delete(client.conn as unknown as Duplex);
      (client as unknown as { duplicates: Record<string, number> }).duplicates = neverDuplicate;
      done(null, true);
    },

    authorizePublish(client, packet, done) {
      const session = client ? sessions.get(client) : undefined;
      if (client === null || session === undefined) return done(new Error('publish without an authenticated session'));
      const topic = packet.topic;
      const { subject } = session;
      const drop = (reason: string, detail: string) => {
        ingest.refuse(subject, topic, reason, detail);
        dropped.add(packet);
        done(null);
      };
      if (!mayPublish(session.permissions, topic)) return drop('not_allowed', `${session.username} may not publish to ${topic}`);
      if (packet.retain && !mayRetain(subject, topic, sources)) return drop('retained', 'retained publishes from devices are refused');
      if (subject.type === 'integration') {
        try {
          integrationPublish?.(subject.id, topic, toBuffer(packet.payload));
        } catch (error) {
          // The handler answers bad commands itself; anything else must not take the broker down.
          log.error({ err: error, integration: subject.id, topic }, 'integration publish handler failed');
        }
        return done(null);
      }

      const sender = packet.qos > 0 && typeof packet.messageId === 'number' ? { clientId: client.id, packetId: packet.messageId } : undefined;
      ingest.acceptMqtt(subject, { topic, payload: toBuffer(packet.payload), retain: packet.retain }, sender, (error, answer) => {
        // A failed commit closes the connection without a PUBACK: the device keeps the message and resends it.
        if (error) return done(error);
        if (!answer.accepted) dropped.add(packet);
        done(null);
      });
    },

    // A subscription can be wider than what may be delivered (an integration's homeward/# does not
    // include the devices' own messages: access-policy.ts, INTEGRATION).
    authorizeForward(client, packet) {
      const session = sessions.get(client);
      return session === undefined || mayReceive(session.permissions, packet.topic) ? packet : null;
    },

    authorizeSubscribe(client, subscription, done) {
      const session = sessions.get(client);
      if (session === undefined || !maySubscribe(session.permissions, subscription.topic)) {
        log.warn({ clientId: client.id, username: session?.username, topic: subscription.topic }, 'refused subscription');
        return done(null, null); // SUBACK 0x80 for this filter; the connection stays up.
      }
      done(null, subscription);
    },
  });

  // Drop refused publishes after their PUBACK instead of relaying them (see `dropped`).
  const relay = aedes.publish.bind(aedes) as (packet: PublishPacket, client: unknown, done: (error?: Error) => void) => void;
  (aedes as unknown as { publish: typeof relay }).publish = (packet, client, done) => {
    if (typeof client === 'function') return relay(packet, null, client as (error?: Error) => void);
    if (dropped.has(packet)) return done?.();
    relay(packet, client, done);
  };

  aedes.on('clientError', (client, error) => log.debug({ clientId: client.id, err: error.message }, 'MQTT client error'));
  aedes.on('connectionError', (client, error) => log.debug({ clientId: client?.id, err: error.message }, 'MQTT connection error'));

  /** Admits a new connection (TCP or WebSocket) or refuses it at once. */
  function admit(stream: Duplex, address: string, req?: IncomingMessage): void {
    // The address's attempts first: one over its rate must not displace anyone.
    if (!attempts.allow(address)) {
      log.warn({ address }, 'refused MQTT connection: too many attempts from this address');
      stream.destroy();
      return;
    }
    if (openConnections >= limits.maxConnections) {
      const oldest = notLoggedIn.values().next().value;
      if (oldest === undefined) {
        log.warn({ address, open: openConnections }, 'refused MQTT connection: connection limit reached');
        stream.destroy();
        return;
      }
      log.warn({ address, open: openConnections }, 'connection limit reached: closed the oldest connection that had not logged in');
      notLoggedIn.delete(oldest);
      oldest.destroy();
    }
    openConnections++;
    notLoggedIn.add(stream);
    stream.once('close', () => {
      openConnections--;
      notLoggedIn.delete(stream);
    });
    guardPacketSize(stream, limits.maxPacketBytes, (reason) => log.warn({ address, reason }, 'closed MQTT connection: packet too large'));
    aedes.handle(stream as never, req);
  }

  const tcpServer = net.createServer((socket) => {
    // Nagle's algorithm delays small PUBACKs by up to 40 ms (DESIGN.md, "Pitfalls").
    socket.setNoDelay(true);
    socket.on('error', () => socket.destroy());
    admit(socket, socket.remoteAddress ?? 'unknown');
  });

  // MQTT over TLS (issue 9, item 7): the same admission, limits and authentication as TCP, once the
  // handshake is done. A handshake that does not finish within the CONNECT time-out is dropped.
  const tlsServer =
    serverCertificate === undefined
      ? undefined
      : tls.createServer({ ...serverCertificate, handshakeTimeout: limits.connectTimeoutMs }, (socket) => {
          socket.setNoDelay(true);
          socket.on('error', () => socket.destroy());
          admit(socket, socket.remoteAddress ?? 'unknown');
        });
  // A plaintext client, or one that does not trust the certificate, fails its handshake: not the hub's error.
  tlsServer?.on('tlsClientError', (error, socket) => {
    log.debug({ address: socket.remoteAddress, err: error.message }, 'MQTT over TLS handshake failed');
    socket.destroy();
  });
  let listeningTlsPort: number | undefined;

  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxPacketBytes + 16 });

  return {
    aedes,

    async listen(port: number, host: string): Promise<number> {
      // aedes 1.x sets up its persistence and counters in listen(); it must run before any client.
      await aedes.listen();
      const tcpPort = await listenOn(tcpServer, port, host);
      if (tlsServer !== undefined && deps.tls !== undefined) listeningTlsPort = await listenOn(tlsServer, deps.tls.port, host);
      return tcpPort;
    },

    tlsPort: (): number | undefined => listeningTlsPort,

    // The TCP listener itself, not a flag: a listener that closed (an error, stopAccepting) is not up.
    connected: (): boolean => tcpServer.listening,

    /** Serves MQTT over WebSocket at /mqtt on an HTTP server (browsers, and phones behind proxies). */
    attachWebSocket(server: HttpServer): void {
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (new URL(req.url ?? '/', 'http://hub').pathname !== '/mqtt') {
          socket.destroy();
          return;
        }
        (socket as net.Socket).setNoDelay?.(true);
        wss.handleUpgrade(req, socket, head, (ws) => {
          const stream = createWebSocketStream(ws);
          stream.on('error', () => stream.destroy());
          admit(stream, req.socket.remoteAddress ?? 'unknown', req);
        });
      });
    },

    // aedes sets its counter in listen(): before that there are simply no clients.
    clientCount: () => aedes.connectedClients ?? 0,

    /** Publishes as the hub itself (alerts, Home Assistant discovery): QoS 1, retained by default. */
    publish(topic: string, payload: string, options: { retain?: boolean } = {}): Promise<void> {
      return new Promise((resolve, reject) => {
        aedes.publish(
          { cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: options.retain ?? true, dup: false },
          (error?: Error) => (error ? reject(error) : resolve()),
        );
      });
    },

    /** Sets who carries out integrations' commands (src/integrations/mqtt-commands.ts). */
    onIntegrationPublish(handler: IntegrationPublishHandler): void {
      integrationPublish = handler;
    },

    /** Disconnects clients whose credential no longer speaks for anyone (after a household import). */
    revalidateSessions(): void {
      const clients = (aedes as unknown as { clients: Record<string, Client> }).clients;
      for (const client of Object.values(clients)) {
        const session = sessions.get(client);
        if (session === undefined) continue;
        const subject = deps.subjectOf(session.username);
        if (subject === undefined) {
          log.info({ clientId: client.id, username: session.username }, 'disconnecting: credential removed from household');
          client.close();
        } else {
          sessions.set(client, { username: session.username, subject, permissions: permissionsFor(subject, sources) });
        }
      }
    },

    /** Closes one credential's connections (after its password is rotated). */
    disconnect(username: string): void {
      const clients = (aedes as unknown as { clients: Record<string, Client> }).clients;
      for (const client of Object.values(clients)) if (sessions.get(client)?.username === username) client.close();
    },

    /** Stops new TCP and TLS connections; connected clients stay until close(). */
    stopAccepting(): void {
      if (tcpServer.listening) tcpServer.close();
      if (tlsServer?.listening === true) tlsServer.close();
    },

    close(): Promise<void> {
      return new Promise((resolve) => {
        wss.close();
        aedes.close(() => resolve());
      });
    },
  };
}

function listenOn(server: net.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

function toBuffer(payload: Buffer | string): Buffer {
  return typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
}

function addressOf(client: Client): string | undefined {
  return client.req?.socket?.remoteAddress ?? (client.conn as unknown as net.Socket).remoteAddress;
}

export type Broker = ReturnType<typeof createBroker>;

// The embedded broker is one MessageBroker; external-broker.ts is the other (issue 9, item 6).
createBroker satisfies (deps: BrokerDeps) => MessageBroker;
