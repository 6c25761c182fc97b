import type { Server as HttpServer } from 'node:http';

/**
 * Receives what an integration publishes (only homeward/commands/# gets this far: access-policy.ts),
 * before the PUBACK, so a command is carried out before the integration is told it arrived (issue 6, item 9).
 */
export type IntegrationPublishHandler = (integrationId: string, topic: string, payload: Buffer) => void;

/**
 * What the hub needs from MQTT, whichever broker carries it (issue 9, item 6): the embedded aedes
 * (broker.ts) or an external Mosquitto / EMQX the hub is a client of (external-broker.ts). hub.ts
 * depends on this and nothing more, so both give the same decoders, alerts and metrics.
 */
export interface MessageBroker {
  /** Starts taking readings; resolves with the MQTT port devices use. */
  listen(port: number, host: string): Promise<number>;
  /** The MQTT-over-TLS port, once listening; undefined when there is none. */
  tlsPort(): number | undefined;
  /** Serves MQTT over WebSocket at /mqtt on the hub's HTTP server, where the hub is the broker. */
  attachWebSocket(server: HttpServer): void;
  /** homeward_mqtt_clients: connected MQTT clients (each broker says what it counts). */
  clientCount(): number;
  /** Whether readings can reach the hub over MQTT now (always, for the embedded broker once listening). */
  connected(): boolean;
  /** Publishes as the hub (alerts, Home Assistant discovery): QoS 1, retained by default. */
  publish(topic: string, payload: string, options?: { retain?: boolean }): Promise<void>;
  /** Sets who carries out integrations' commands (src/integrations/mqtt-commands.ts). */
  onIntegrationPublish(handler: IntegrationPublishHandler): void;
  /** The household changed: who may publish where, and so whose messages are taken, changes with it. */
  revalidateSessions(): void;
  /** Closes one credential's connections (after its password is rotated), where the hub can. */
  disconnect(username: string): void;
  /** Stops taking new connections; what is connected stays until close(). */
  stopAccepting(): void;
  close(): Promise<void>;
}
