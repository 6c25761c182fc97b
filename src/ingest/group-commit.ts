import type { Reading } from '../core/readings.js';
import type { Logger } from '../core/logger.js';
import { emptyDeviceState, type DeviceState } from '../store/device-state-repo.js';
import { isStoredReading } from '../store/readings-repo.js';
import type { Store } from '../store/store.js';
import { applyReading } from './device-state.js';
import { screenFix, type GpsHygieneOptions } from './gps-hygiene.js';
import { isTimedByReceipt, RESEND_WINDOW_MS, type MqttDelivery } from './mqtt-delivery.js';
import { createRecentDeliveries } from './recent-deliveries.js';

/**
 * Group commit (DESIGN.md principle 2): publishes arriving within `windowMs` share one SQLite
 * transaction, and each publisher's callback — which lets aedes send the PUBACK — runs only after
 * that transaction has committed. A failed commit (disk full, I/O error) fails every callback in the
 * batch, so no PUBACK goes out for a reading that is not on disk and the device will send it again.
 */
export interface PendingReadings {
  readings: readonly Reading[];
  receivedAt: number;
  /** Which MQTT publish this is (QoS 1 and 2): how a resend after a crash is known (mqtt-delivery.ts). */
  delivery?: MqttDelivery;
  done: (error: Error | null) => void;
}

export interface CommitResult {
  committed: Reading[];
  duplicates: number;
  /** Fixes dropped by GPS hygiene, by reason; their device still counts as heard from. */
  screenedOut: Array<{ deviceId: string; reason: string; detail: string }>;
}

/** How often publishes older than the resend window are forgotten. */
const PRUNE_DELIVERIES_EVERY_MS = 10 * 60_000;
/** A batch this large is committed at once rather than waiting for the window. */
const MAX_BATCH = 2000;

export function createGroupCommit(options: {
  store: Store;
  windowMs: number;
  gpsHygiene: GpsHygieneOptions;
  now: () => number;
  log: Logger;
  deviceNum: (deviceId: string) => number | undefined;
  onCommitted: (result: CommitResult, seconds: number) => void;
  /**
   * Told of each failed commit, with how many publishes it fails; it reports the failure instead of
   * the line logged here for every batch (issue 10: a full disk is one clear error, not one a reading).
   */
  onFailed?: (error: Error, publishes: number) => void;
}) {
  const { store, windowMs, log } = options;
  const states = store.deviceState.loadAll();
  let pending: PendingReadings[] = [];
  let timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  let prunedAt = Number.NEGATIVE_INFINITY;
  // What was committed before this start, so a resend after a crash is known (mqtt-delivery.ts).
  const recent = createRecentDeliveries();
  for (const batch of store.mqttDeliveries.since(options.now() - RESEND_WINDOW_MS)) {
    for (const publish of batch.publishes) recent.remember(publish, batch.at);
  }

  function schedule(): void {
    if (timer !== undefined) return;
    timer = windowMs === 0 ? setImmediate(flush) : setTimeout(flush, windowMs);
  }

  function flush(): void {
    if (timer !== undefined) {
      if (windowMs === 0) clearImmediate(timer as NodeJS.Immediate);
      else clearTimeout(timer as NodeJS.Timeout);
      timer = undefined;
    }
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];

    const started = process.hrtime.bigint();
    const touched = new Map<number, DeviceState>();
    const result: CommitResult = { committed: [], duplicates: 0, screenedOut: [] };
    const now = options.now();
    // This batch's publishes: remembered as they come (a resend may be in the same batch), and
    // forgotten again if the commit fails, so the device's resend is then stored.
    const delivered: MqttDelivery[] = [];
    try {
      store.transaction(() => {
        for (const item of batch) {
          // Readings with their own time are told apart by it; only receipt-time ones need the packet id.
          const delivery = isTimedByReceipt(item.readings) ? item.delivery : undefined;
          if (delivery !== undefined) {
            if (recent.isResend(delivery, now)) {
              result.duplicates += item.readings.filter(isStoredReading).length;
              continue;
            }
            recent.remember(delivery, now);
            delivered.push(delivery);
          }
          for (const original of item.readings) {
            const num = options.deviceNum(original.deviceId);
            if (num === undefined) continue;
            let reading: Reading = original;
            if (reading.kind === 'position') {
              // Screened here, in commit order, so a fix is compared with the one just before it even within one batch.
              const verdict = screenFix(reading, touched.get(num) ?? states.get(num), now, options.gpsHygiene);
              if (!verdict.keep) {
                result.screenedOut.push({ deviceId: reading.deviceId, reason: verdict.reason, detail: verdict.detail });
                // The position is dropped, but the tracker was heard from and its battery is real.
                const { lat: _lat, lon: _lon, accuracyM: _acc, altitudeM: _alt, speedKmh: _speed, bearing: _bearing, ...health } = reading;
                reading = { ...health, kind: 'health' };
              }
            }
            if (isStoredReading(reading)) {
              const outcome = store.readings.insert(num, reading);
              if (!outcome.stored) {
                result.duplicates++;
                continue;
              }
              // Rules and state see the reading as stored: two openings in one millisecond are two
              // events a millisecond apart, not one event seen twice.
              if (outcome.at !== reading.at) reading = { ...reading, at: outcome.at };
            }
            const before = touched.get(num) ?? states.get(num) ?? emptyDeviceState(num);
            touched.set(num, applyReading(before, reading, item.receivedAt));
            result.committed.push(reading);
          }
        }
        for (const state of touched.values()) store.deviceState.save(state);
        store.mqttDeliveries.append(now, delivered);
        if (now - prunedAt >= PRUNE_DELIVERIES_EVERY_MS || now < prunedAt) {
          store.mqttDeliveries.pruneBefore(now - RESEND_WINDOW_MS);
          recent.forgetBefore(now - RESEND_WINDOW_MS);
          prunedAt = now;
        }
      });
    } catch (error) {
      for (const delivery of delivered) recent.forget(delivery, now);
      if (options.onFailed !== undefined) options.onFailed(error as Error, batch.length);
      else log.error({ err: error, batch: batch.length }, 'commit failed: readings not acknowledged, devices will resend');
      for (const item of batch) item.done(error as Error);
      return;
    }
    // Only now, with the transaction durable, does the in-memory state move on.
    for (const [num, state] of touched) states.set(num, state);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    for (const item of batch) item.done(null);
    options.onCommitted(result, seconds);
  }

  return {
    enqueue(item: PendingReadings): void {
      pending.push(item);
      if (pending.length >= MAX_BATCH) flush();
      else schedule();
    },
    /** Commits whatever is pending now (on shutdown). */
    flush,
    pendingCount: () => pending.length,
    state: (num: number): DeviceState | undefined => states.get(num),
    states: (): ReadonlyMap<number, DeviceState> => states,
  };
}

export type GroupCommit = ReturnType<typeof createGroupCommit>;
