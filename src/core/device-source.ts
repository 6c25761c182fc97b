import type { Reading } from './readings.js';
import type { HouseholdBridge, HouseholdDevice, SourceId } from './household.js';

/**
 * A device source: one folder in devices/ (decoder, fixtures, installer notes, simulator) described by
 * one of these and listed by one line in devices/registry.ts. The hub applies sources generically, in the
 * manner of Zigbee2MQTT's declarative converters; nothing outside devices/ knows a payload format.
 */

/** Who holds an MQTT or HTTP credential, and so which household devices its messages may speak for. */
export type CredentialSubject =
  | { type: 'device'; device: HouseholdDevice }
  | { type: 'bridge'; bridge: HouseholdBridge; devices: readonly HouseholdDevice[] }
  | { type: 'integration'; id: string };

export interface DecodeContext {
  /** Time of receipt, Unix ms: the reading's time when the payload carries none. */
  receivedAt: number;
}

/** A device seen on the wire that no household entry claims yet (for `devices discover`). */
export interface DiscoveredDevice {
  /** The topic (or bridge-side name) it publishes under. */
  topic: string;
  /** What the source says it is, e.g. "Aqara MCCGQ11LM door & window contact sensor". */
  description?: string;
  /** A household `devices` entry an installer could paste in. */
  suggested: Partial<HouseholdDevice>;
}

export type DecodeOutcome =
  /** Readings for household devices; may be empty (e.g. a heartbeat that only proves life). */
  | { status: 'readings'; readings: Reading[]; discovered?: DiscoveredDevice[] }
  /** Understood and deliberately not stored (a bridge's log line, an OwnTracks waypoint list). */
  | { status: 'ignored'; reason: string; discovered?: DiscoveredDevice[]; bridgeOnline?: boolean }
  /** Not acceptable: unknown topic or device, or a payload that does not validate. An unknown device may still be worth discovering. */
  | { status: 'refused'; reason: RefusalReason; detail: string; discovered?: DiscoveredDevice[] };

/** Reasons counted in homeward_readings_total{result="refused",reason}. Keep the set small and stable. */
export type RefusalReason =
  | 'unknown_device'
  | 'unknown_topic'
  | 'malformed'
  | 'invalid'
  | 'not_allowed'
  | 'retained'
  | 'duplicate'
  | 'implausible';

export interface MqttMessage {
  topic: string;
  payload: Buffer;
  retain: boolean;
}

/** An HTTP ingest request (OwnTracks HTTP mode, OsmAnd / Traccar Client), already authenticated to `subject`. */
export interface HttpIngestRequest {
  method: 'GET' | 'POST';
  /** Query-string parameters (OsmAnd sends its fields here). */
  query: Readonly<Record<string, string>>;
  /** Parsed body: a JSON value, or form fields as a record; undefined when empty. */
  body: unknown;
  /** Lower-case header names. */
  headers: Readonly<Record<string, string | undefined>>;
}

/** One message a simulator would send, in the source's real format. */
export type SimulatedMessage =
  | { transport: 'mqtt'; topic: string; payload: string; retain?: boolean }
  | { transport: 'http'; method: 'GET' | 'POST'; path: string; query?: Record<string, string>; body?: unknown };

/**
 * Builds real-format messages for simulated devices. `bridge` is the device's bridges entry when it has one.
 * `at` is Unix ms; sources without timestamps in their payloads ignore it.
 */
export interface SourceSimulator {
  door?(device: HouseholdDevice, bridge: HouseholdBridge | undefined, open: boolean, at: number, health?: DeviceHealthInput): SimulatedMessage[];
  position?(device: HouseholdDevice, bridge: HouseholdBridge | undefined, fix: { lat: number; lon: number; accuracyM?: number }, at: number, health?: DeviceHealthInput): SimulatedMessage[];
  pillbox?(device: HouseholdDevice, bridge: HouseholdBridge | undefined, compartment: number, open: boolean, at: number, health?: DeviceHealthInput): SimulatedMessage[];
  availability?(device: HouseholdDevice, bridge: HouseholdBridge | undefined, online: boolean, at: number): SimulatedMessage[];
}

export interface DeviceHealthInput {
  battery?: number;
  linkQuality?: number;
}

export interface DeviceSource {
  id: SourceId;
  /** Shown to installers. */
  title: string;
  /** Whether devices of this source connect themselves, come through a bridge, or either. */
  reach: 'device' | 'bridge' | 'either';
  /** A problem with this device's household entry that the schema cannot see, or undefined. */
  checkDevice?(device: HouseholdDevice): string | undefined;
  /** MQTT topic filters this subject may publish to. Default deny: none unless listed. */
  publishTopics(subject: CredentialSubject): string[];
  /** MQTT topic filters this subject may subscribe to (its own command topics). */
  subscribeTopics(subject: CredentialSubject): string[];
  /** Retained publishes are refused unless the source's own protocol always retains this topic. */
  retainAllowed?(subject: CredentialSubject, topic: string): boolean;
  /** Pure: topic + payload → readings for the subject's devices. Never throws. */
  decodeMqtt?(subject: CredentialSubject, message: MqttMessage, context: DecodeContext): DecodeOutcome;
  /** Pure: an HTTP ingest request → readings (OwnTracks HTTP mode, OsmAnd). Never throws. */
  decodeHttp?(subject: CredentialSubject, request: HttpIngestRequest, context: DecodeContext): DecodeOutcome;
  simulator?: SourceSimulator;
}

/** Refusal helper for decoders. */
export function refuse(reason: RefusalReason, detail: string, discovered?: DiscoveredDevice[]): DecodeOutcome {
  return discovered === undefined ? { status: 'refused', reason, detail } : { status: 'refused', reason, detail, discovered };
}
