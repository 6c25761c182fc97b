import type { Clock } from '../core/clock.js';
import type { CredentialSubject, DecodeOutcome, DeviceSource, DiscoveredDevice, HttpIngestRequest, MqttMessage } from '../core/device-source.js';
import type { EventBus } from '../core/event-bus.js';
import type { HouseholdDevice, SourceId } from '../core/household.js';
import type { Logger } from '../core/logger.js';
import type { Counter, Histogram } from '../core/metrics.js';
import { createBridgeHealth, type BridgeHealthSink } from './bridge-health.js';
import type { GroupCommit } from './group-commit.js';
import { isTimedByReceipt, mqttDelivery, type MqttDelivery } from './mqtt-delivery.js';

/**
 * Ingest: topic → the subject's device source → decode → validate → group commit → event.
 * Bad input is counted and logged (one line, rate-limited per subject and reason, so a broken device
 * cannot fill an SD card with logs) and never thrown: the connection stays up.
 */
export interface IngestMetrics {
  readings: Counter;
  commitSeconds: Histogram;
}

/** Where devices no household entry claims are written down for `devices discover`. */
export interface DiscoverySink {
  record(entry: { topic: string; source: string; bridgeId?: string; description?: string; suggested: Partial<HouseholdDevice> }, at: number): void;
}

export type IngestAnswer = { accepted: true; stored: number } | { accepted: false; reason: string; detail: string };

const LOG_EVERY_MS = 60_000;

export function createIngestService(options: {
  sources: ReadonlyMap<SourceId, DeviceSource>;
  commit: GroupCommit;
  clock: Clock;
  log: Logger;
  metrics: IngestMetrics;
  bus: EventBus;
  discovery: DiscoverySink;
  bridgeHealth: BridgeHealthSink;
}) {
  const { sources, commit, clock, log, metrics, bus, discovery } = options;
  const bridges = createBridgeHealth(options.bridgeHealth);
  const lastLogged = new Map<string, { at: number; suppressed: number }>();

  function sourceOf(subject: CredentialSubject): DeviceSource | undefined {
    if (subject.type === 'device') return sources.get(subject.device.source);
    if (subject.type === 'bridge') return sources.get(subject.bridge.source);
    return undefined;
  }

  function subjectName(subject: CredentialSubject): string {
    return subject.type === 'device' ? subject.device.id : subject.type === 'bridge' ? subject.bridge.id : subject.id;
  }

  function refused(subject: CredentialSubject, topic: string, reason: string, detail: string): IngestAnswer {
    return refusedBy(subjectName(subject), topic, reason, detail);
  }

  function refusedBy(device: string, topic: string, reason: string, detail: string): IngestAnswer {
    metrics.readings.inc({ result: 'refused', reason });
    const key = `${device}\u0000${reason}`;
    const now = clock.now();
    const previous = lastLogged.get(key);
    if (previous === undefined || now - previous.at >= LOG_EVERY_MS) {
      log.warn({ device, topic, reason, detail, suppressed: previous?.suppressed ?? 0 }, `refused reading from ${device}: ${detail}`);
      lastLogged.set(key, { at: now, suppressed: 0 });
    } else {
      previous.suppressed++;
    }
    bus.emit('readingRefused', { deviceId: device, topic, reason, detail });
    return { accepted: false, reason, detail };
  }

  function remember(subject: CredentialSubject, found: readonly DiscoveredDevice[], at: number): void {
    const source = sourceOf(subject);
    if (source === undefined) return;
    const bridgeId = subject.type === 'bridge' ? subject.bridge.id : undefined;
    const claimed = new Set([...(subject.type === 'bridge' ? subject.devices : [])].map((d) => d.topic));
    try {
      for (const entry of found) {
        if (claimed.has(entry.topic)) continue;
        const suggested: Partial<HouseholdDevice> = { ...entry.suggested, source: source.id, ...(bridgeId ? { bridge: bridgeId } : {}) };
        discovery.record({ topic: entry.topic, source: source.id, ...(bridgeId ? { bridgeId } : {}), ...(entry.description ? { description: entry.description } : {}), suggested }, at);
      }
    } catch (error) {
      // Discovery is a convenience for installers; failing to note one must never refuse a reading.
      log.warn({ err: error }, 'could not record a discovered device');
    }
  }

  function decodeSafely(run: () => DecodeOutcome | undefined): DecodeOutcome | undefined {
    try {
      return run();
    } catch (error) {
      // Decoders are pure and promise not to throw; if one does, the payload is refused, not the hub.
      return { status: 'refused', reason: 'malformed', detail: `decoder failed: ${(error as Error).message}` };
    }
  }

  function settle(
    subject: CredentialSubject,
    topic: string,
    outcome: DecodeOutcome | undefined,
    delivery: MqttDelivery | undefined,
    receivedAt: number,
    done: (error: Error | null, answer: IngestAnswer) => void,
  ): void {
    if (subject.type === 'bridge') {
      try {
        bridges.seen(subject.bridge.id, receivedAt, outcome?.status === 'ignored' ? outcome.bridgeOnline : undefined);
      } catch (error) {
        log.warn({ err: error, bridge: subject.bridge.id }, 'could not record bridge health');
      }
    }
    if (outcome !== undefined && outcome.status !== 'readings' && outcome.discovered !== undefined && outcome.discovered.length > 0) {
      remember(subject, outcome.discovered, receivedAt);
    }
    if (outcome === undefined) {
      done(null, refused(subject, topic, 'unknown_topic', 'this device source does not take messages here'));
      return;
    }
    if (outcome.status === 'refused') {
      done(null, refused(subject, topic, outcome.reason, outcome.detail));
      return;
    }
    if (outcome.status === 'ignored') {
      done(null, { accepted: true, stored: 0 });
      return;
    }
    const readings = outcome.readings;
    commit.enqueue({
      readings,
      receivedAt,
      ...(delivery === undefined ? {} : { delivery }),
      done: (error) => done(error, { accepted: true, stored: readings.length }),
    });
  }

  return {
    /**
     * An MQTT publish from an authenticated device or bridge. `done` runs after the commit. `sender`
     * (client id and packet id, for QoS 1 and 2) lets a resend after a crash be known (mqtt-delivery.ts).
     */
    acceptMqtt(
      subject: CredentialSubject,
      message: MqttMessage,
      sender: { clientId: string; packetId: number } | undefined,
      done: (error: Error | null, answer: IngestAnswer) => void,
    ): void {
      const source = sourceOf(subject);
      const receivedAt = clock.now();
      const outcome = decodeSafely(() => source?.decodeMqtt?.(subject, message, { receivedAt }));
      // Hashing every publish cost ~1 µs of a reading's ~22 µs; readings with their own time need no packet id.
      const delivery =
        sender === undefined || outcome?.status !== 'readings' || !isTimedByReceipt(outcome.readings)
          ? undefined
          : mqttDelivery(`${subject.type}:${subjectName(subject)}`, sender.clientId, sender.packetId, message.topic, message.payload);
      settle(subject, message.topic, outcome, delivery, receivedAt, done);
    },

    /** An HTTP ingest request (OwnTracks HTTP, OsmAnd) from an authenticated device. */
    acceptHttp(subject: CredentialSubject, request: HttpIngestRequest, path: string): Promise<IngestAnswer> {
      const source = sourceOf(subject);
      const receivedAt = clock.now();
      const outcome = decodeSafely(() => source?.decodeHttp?.(subject, request, { receivedAt }));
      return new Promise((resolve, reject) => {
        settle(subject, path, outcome, undefined, receivedAt, (error, answer) => (error ? reject(error) : resolve(answer)));
      });
    },

    /** Counts a refusal decided before decoding (e.g. by the broker's access policy). */
    refuse(subject: CredentialSubject, topic: string, reason: string, detail: string): void {
      refused(subject, topic, reason, detail);
    },

    /** A fix GPS hygiene dropped at commit: counted and logged (rate-limited) like any refusal. */
    screenedOut(deviceId: string, reason: string, detail: string): void {
      refusedBy(deviceId, '(gps fix)', reason, detail);
    },

    /** Called by the group commit with what reached the database. */
    committed(count: number, seconds: number): void {
      metrics.readings.inc({ result: 'accepted' }, count);
      metrics.commitSeconds.observe(seconds);
    },
  };
}

export type IngestService = ReturnType<typeof createIngestService>;
