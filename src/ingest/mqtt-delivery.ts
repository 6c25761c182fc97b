import { createHash } from 'node:crypto';
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
  /** 48 bits of SHA-256 over topic and payload: enough, as the client and packet id must match too. */
  digest: number;
}

/** How long a committed publish is remembered for telling its resend apart (see above). */
export const RESEND_WINDOW_MS = 10 * 60_000;

export function mqttDelivery(credential: string, clientId: string, packetId: number, topic: string, payload: Buffer): MqttDelivery {
  const digest = createHash('sha256').update(topic).update('\u0000').update(payload).digest().readUIntBE(0, 6);
  return { client: `${credential}\u0000${clientId}`, packetId, digest };
}

/** Whether a publish's readings need its packet id to be told from a resend: some are stamped on receipt. */
export function isTimedByReceipt(readings: readonly Reading[]): boolean {
  return readings.some((reading) => isStoredReading(reading) && !reading.atFromDevice);
}
