import { RESEND_WINDOW_MS, type MqttDelivery } from './mqtt-delivery.js';

/**
 * The publishes committed lately, per MQTT client, in memory: how a resend is told apart without a
 * database lookup and write for every publish (issue 10's ingest budget). The database keeps one row
 * per committed batch (store/mqtt-deliveries-repo.ts), read back into this index when the hub starts.
 *
 * Each client keeps its last PUBLISHES_PER_CLIENT publishes. A resend is of a publish whose PUBACK
 * was lost: the last ones sent before the connection broke or the hub died, so a few hundred at most
 * even from a client that sends without waiting. A resend older than that is stored a second time —
 * a duplicate, never a loss.
 */
export const PUBLISHES_PER_CLIENT = 2048;

/** One client's last publishes: a ring of (packet id, digest, time), indexed by packet id. */
interface ClientRing {
  slotOf: Map<number, number>;
  packetIds: Uint16Array;
  digests: Float64Array;
  ats: Float64Array;
  /** Where the next publish goes; the ring is full once `size` reaches the capacity. */
  next: number;
  size: number;
  newestAt: number;
}

// A household's devices send a few publishes a window; only a flood needs the whole ring.
const FIRST_CAPACITY = 16;

function newRing(): ClientRing {
  return { slotOf: new Map(), packetIds: new Uint16Array(FIRST_CAPACITY), digests: new Float64Array(FIRST_CAPACITY), ats: new Float64Array(FIRST_CAPACITY), next: 0, size: 0, newestAt: Number.NEGATIVE_INFINITY };
}

/** Doubles a full ring that has never wrapped: its publishes sit in slots 0 … length − 1, in order. */
function grow(ring: ClientRing): void {
  const filled = ring.packetIds.length;
  const capacity = Math.min(ring.packetIds.length * 2, PUBLISHES_PER_CLIENT);
  const packetIds = new Uint16Array(capacity);
  const digests = new Float64Array(capacity);
  const ats = new Float64Array(capacity);
  packetIds.set(ring.packetIds);
  digests.set(ring.digests);
  ats.set(ring.ats);
  Object.assign(ring, { packetIds, digests, ats, next: filled });
}

export function createRecentDeliveries(perClient = PUBLISHES_PER_CLIENT) {
  const clients = new Map<string, ClientRing>();

  function remember(delivery: MqttDelivery, at: number): void {
    let ring = clients.get(delivery.client);
    if (ring === undefined) clients.set(delivery.client, (ring = newRing()));
    if (ring.size === ring.packetIds.length && ring.size < perClient) grow(ring);
    const capacity = Math.min(ring.packetIds.length, perClient);
    const slot = ring.next;
    // The slot's old publish is forgotten, unless its packet id has moved to a newer slot since.
    if (ring.size === capacity && ring.slotOf.get(ring.packetIds[slot] as number) === slot) ring.slotOf.delete(ring.packetIds[slot] as number);
    ring.packetIds[slot] = delivery.packetId;
    ring.digests[slot] = delivery.digest;
    ring.ats[slot] = at;
    ring.slotOf.set(delivery.packetId, slot);
    ring.next = (slot + 1) % capacity;
    ring.size = Math.min(ring.size + 1, capacity);
    ring.newestAt = Math.max(ring.newestAt, at);
  }

  return {
    remember,
    /** The publish was committed before, within the window: its PUBACK was lost, not its readings. */
    isResend(delivery: MqttDelivery, now: number): boolean {
      const ring = clients.get(delivery.client);
      const slot = ring?.slotOf.get(delivery.packetId);
      if (ring === undefined || slot === undefined) return false;
      return ring.digests[slot] === delivery.digest && Math.abs(now - (ring.ats[slot] as number)) <= RESEND_WINDOW_MS;
    },
    /** Forgets a publish remembered at `at` whose commit then failed: its resend must be stored. */
    forget(delivery: MqttDelivery, at: number): void {
      const ring = clients.get(delivery.client);
      const slot = ring?.slotOf.get(delivery.packetId);
      if (ring === undefined || slot === undefined) return;
      if (ring.digests[slot] === delivery.digest && ring.ats[slot] === at) ring.slotOf.delete(delivery.packetId);
    },
    /** Forgets the clients that have committed nothing since `at`, so a quiet hub holds nothing. */
    forgetBefore(at: number): void {
      for (const [client, ring] of clients) if (ring.newestAt < at) clients.delete(client);
    },
    /** How many clients are remembered (the tests check that quiet ones are dropped). */
    clientCount: () => clients.size,
  };
}

export type RecentDeliveries = ReturnType<typeof createRecentDeliveries>;
