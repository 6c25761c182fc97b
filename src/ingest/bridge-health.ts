/**
 * Bridge health (a Zigbee2MQTT instance, a Tasmota or Shelly gateway): when it was last heard from and
 * whether it says it is online. Kept in memory on the hot path and written to the database only when
 * the online state changes or a minute has passed, so a busy bridge costs no extra write per message.
 */
export interface BridgeHealthSink {
  markSeen(id: string, at: number, online?: boolean): void;
}

const PERSIST_EVERY_MS = 60_000;

export function createBridgeHealth(sink: BridgeHealthSink) {
  const known = new Map<string, { lastSeenAt: number; online: boolean | undefined; persistedAt: number }>();
  return {
    seen(id: string, at: number, online?: boolean): void {
      const previous = known.get(id);
      const next = { lastSeenAt: at, online: online ?? previous?.online, persistedAt: previous?.persistedAt ?? 0 };
      if (previous === undefined || next.online !== previous.online || at - next.persistedAt >= PERSIST_EVERY_MS) {
        sink.markSeen(id, at, next.online);
        next.persistedAt = at;
      }
      known.set(id, next);
    },
  };
}
