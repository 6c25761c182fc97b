import type { Reading } from '../core/readings.js';
import { isStoredReading } from '../store/readings-repo.js';

/**
 * How a QoS 1 publish is recognised when it comes again after a crash (issue 10: kill -9, "none stored
 * twice"). A reading that carries its own time is stored once by its (device, time) key. One that does
 * not (Zigbee2MQTT, most door sensors) is stamped with its time of receipt, so a resend would be a new
 * reading a few seconds later. MQTT gives the one identity a resend keeps: the sender's packet id.
 * mqtt.js resends its unacknowledged publishes on reconnect under the same packet id, but without the
 * DUP flag, so the flag cannot be relied on; instead every committed publish of receipt-time readings
 * records (client, packet id, digest of topic and payload) in the same transaction as the readings
 * (one row per commit, store/mqtt-deliveries-repo.ts; looked up in memory, recent-deliveries.ts),
 * and a later publish matching all three within RESEND_WINDOW_MS is the same message again.
 *
 * A new message takes a packet id only after the sender has used up the 65,535 others (mqtt.js counts
 * up from a random start), so a false match needs that many publishes within the window and then the
 * very same payload. The one case that could match: a device that counts its packet ids from 1 again
 * after it reboots, and sends the very same payload under the same id within the window (a door
 * sensor that browns out as the door opens). A reading lost that way is worse than one stored twice,
 * so the window is short: long enough for a hub restarted by systemd, or after a power cut, and the
 * device's reconnect back-off; not an hour.
 */
export interface MqttDelivery {
  /** The MQTT client id, qualified by the credential that logged in with it. */
  client: string;
  packetId: number;
  /** A 48-bit digest of topic and payload (payloadDigest): enough, as the client and packet id must match too. */
  digest: number;
}

/** How long a committed publish is remembered for telling its resend apart (see above). */
export const RESEND_WINDOW_MS = 10 * 60_000;

export function mqttDelivery(credential: string, clientId: string, packetId: number, topic: string, payload: Buffer): MqttDelivery {
  return { client: clientKey(credential, clientId), packetId, digest: payloadDigest(topic, payload) };
}

// Each client's key is built once and then reused: the same string every publish, so the index's
// Map lookups reuse its hash instead of hashing a new string (measurable at 30,000 publishes/s).
// Bounded, as a client that picks a random id for every connection would otherwise grow it forever.
const KEYS_KEPT = 1024;
const clientKeys = new Map<string, { credential: string; key: string }>();

function clientKey(credential: string, clientId: string): string {
  const known = clientKeys.get(clientId);
  if (known !== undefined && known.credential === credential) return known.key;
  if (clientKeys.size >= KEYS_KEPT) clientKeys.clear();
  const key = `${credential}\u0000${clientId}`;
  clientKeys.set(clientId, { credential, key });
  return key;
}

/**
 * 48 bits over topic and payload from two independent 32-bit FNV-1a lanes. Not SHA-256: nobody
 * chooses these payloads to collide (a sender could only spoil its own readings), a match needs the
 * same client and packet id as well, and SHA-256 cost 1.3 µs of a reading's 30 µs on the hot path.
 */
export function payloadDigest(topic: string, payload: Uint8Array): number {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < topic.length; i++) {
    const c = topic.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  // A separator, so "ab" + "c" and "a" + "bc" differ.
  a = Math.imul(a ^ 0xff, 0x01000193);
  b = Math.imul(b ^ 0xff, 0x5bd1e995);
  for (let i = 0; i < payload.length; i++) {
    const c = payload[i] as number;
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  b ^= b >>> 15;
  b = Math.imul(b, 0x2c1b3c6d);
  b ^= b >>> 13;
  return (a >>> 0) * 0x10000 + (b >>> 16);
}

/** Whether a publish's readings need its packet id to be told from a resend: some are stamped on receipt. */
export function isTimedByReceipt(readings: readonly Reading[]): boolean {
  return readings.some((reading) => isStoredReading(reading) && !reading.atFromDevice);
}
