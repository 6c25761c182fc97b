import type { Role } from '../accounts/roles.js';
import type { SessionService } from '../accounts/session-service.js';
import { isFaultType, type AlertJson } from '../core/alerts.js';
import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/event-bus.js';
import type { Logger } from '../core/logger.js';
import type { Reading } from '../core/readings.js';
import type { DeviceStatus } from '../household/device-status.js';
import { roleMay, type Permission } from '../http/permissions.js';
import type { Store } from '../store/store.js';
import { withoutLocation } from './alert-json.js';

/**
 * Live events for the dashboard (issue 5, item 7: "GET /api/events server-sent events filtered by
 * role"): bus events become server-sent events, each sent only to streams whose person's role has the
 * permission that would read the same thing over the API (src/http/permissions.ts).
 *
 *   alert      alerts.read (sensor faults: faults.read, so installers see them)   positions only with positions.read
 *   incident   alerts.read          care-log   care-log.read      household  household.read
 *   circle     circle.read          device     devices.read (health and door state; never coordinates)
 *   door, pillbox  readings.read    position   positions.read (opening such a stream is audited)
 *
 * A phone on a slow link must not be flooded nor the hub made to buffer for it: readings are
 * coalesced (the latest per device and kind, flushed at most every `flushMs`), and a stream whose
 * socket is not draining is dropped (the sink says so), not buffered without bound. Streams are
 * capped per person (the oldest gives way: a phone that changed network leaves a dead one behind) and
 * in total. A stream ends when its session ends or is revoked, its API token is revoked, or its
 * person's role changes or account is disabled: checked every `checkEveryMs` against the hub's clock,
 * and at once when the circle changes.
 */
export interface LiveSubscriber {
  userId: number;
  role: Role;
  credential: { kind: 'session'; sessionId: number } | { kind: 'api-token'; tokenId: number };
}

/** One client's connection, as the HTTP layer provides it. */
export interface LiveSink {
  /** Queues a frame; false when the client is not keeping up (the feed then destroys the sink). */
  write(frame: string): boolean;
  /** Ends the stream cleanly. */
  end(): void;
  /** Drops the connection at once. */
  destroy(): void;
}

export interface LiveFeedLimits {
  perUser: number;
  total: number;
  heartbeatMs: number;
  flushMs: number;
  checkEveryMs: number;
  /** How often devices are re-judged online/offline when no message says so (a heartbeat running out). */
  onlineSweepMs: number;
}

export const defaultLiveFeedLimits: LiveFeedLimits = {
  perUser: 4,
  // A Raspberry Pi Zero 2 W serves one family's phones and tablets: dozens, not hundreds.
  total: 32,
  heartbeatMs: 25_000,
  flushMs: 250,
  checkEveryMs: 1000,
  onlineSweepMs: 15_000,
};

export interface LiveFeedDeps {
  bus: EventBus;
  clock: Clock;
  log: Logger;
  store: Pick<Store, 'users' | 'apiTokens' | 'audit'>;
  sessions: Pick<SessionService, 'listFor'>;
  deviceStatuses: (now: number) => DeviceStatus[];
  incident: (incidentId: string) => unknown;
  careNote: (noteId: number) => unknown;
  limits?: Partial<LiveFeedLimits>;
}

export type OpenResult = { ok: true; close: () => void } | { ok: false; error: 'too_many_streams' };

interface Stream {
  id: number;
  subscriber: LiveSubscriber;
  sink: LiveSink;
  closed: boolean;
}

const OWNER = 'live-feed';

export function createLiveFeed(deps: LiveFeedDeps) {
  const { bus, clock, log, store, sessions } = deps;
  const limits: LiveFeedLimits = { ...defaultLiveFeedLimits, ...deps.limits };
  const streams = new Map<number, Stream>();
  let nextStreamId = 1;
  let nextEventId = 1;
  let stopped = false;
  let timers: NodeJS.Timeout[] = [];
  let flushTimer: NodeJS.Timeout | undefined;
  // Coalesced until the next flush: the latest reading per device and kind, and devices whose health changed.
  const latestReadings = new Map<string, Reading>();
  const dirtyDevices = new Set<string>();
  const lastOnline = new Map<string, boolean>();

  function frame(id: number, event: string, data: unknown): string {
    return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
  }

  function write(stream: Stream, text: string): void {
    if (stream.closed) return;
    let keptUp: boolean;
    try {
      keptUp = stream.sink.write(text);
    } catch {
      keptUp = false;
    }
    if (!keptUp) {
      log.warn({ user: stream.subscriber.userId, stream: stream.id }, 'live events: client not keeping up, dropped');
      drop(stream, () => stream.sink.destroy());
    }
  }

  /**
   * Sends one event to every stream whose role has `permission`; `redacted` (if given) is what a role
   * without positions.read receives instead. Each variant is serialised once, not once per stream.
   */
  function deliver(event: string, permission: Permission, data: unknown, redacted?: unknown): void {
    if (streams.size === 0) return;
    const id = nextEventId++;
    let full: string | undefined;
    let partial: string | undefined;
    for (const stream of [...streams.values()]) {
      const role = stream.subscriber.role;
      if (!roleMay(role, permission)) continue;
      if (redacted !== undefined && !roleMay(role, 'positions.read')) write(stream, (partial ??= frame(id, event, redacted)));
      else write(stream, (full ??= frame(id, event, data)));
    }
  }

  function drop(stream: Stream, how: () => void): void {
    if (stream.closed) return;
    stream.closed = true;
    streams.delete(stream.id);
    try {
      how();
    } catch (error) {
      log.debug({ err: error, stream: stream.id }, 'live events: closing a stream failed');
    }
    if (streams.size === 0) stopTimers();
  }

  /** Tells the client why, then ends the stream (its EventSource will reconnect and be asked to sign in again). */
  function end(stream: Stream, reason: string): void {
    if (stream.closed) return;
    write(stream, frame(nextEventId++, 'end', { reason }));
    drop(stream, () => stream.sink.end());
  }

  /** Why this stream may no longer run, or undefined while it may. */
  function revoked(subscriber: LiveSubscriber): string | undefined {
    const user = store.users.byId(subscriber.userId);
    if (user === undefined || user.disabledAt !== null) return 'account_disabled';
    if (user.role !== subscriber.role) return 'role_changed';
    const credential = subscriber.credential;
    if (credential.kind === 'session') {
      return sessions.listFor(subscriber.userId).some((s) => s.id === credential.sessionId) ? undefined : 'session_ended';
    }
    const token = store.apiTokens.byId(credential.tokenId);
    return token === undefined || token.revokedAt !== null ? 'token_revoked' : undefined;
  }

  function revalidate(): void {
    for (const stream of [...streams.values()]) {
      let reason: string | undefined;
      try {
        reason = revoked(stream.subscriber);
      } catch (error) {
        // A database that cannot answer cannot vouch for the caller either.
        log.error({ err: error }, 'live events: could not check a stream’s credential');
        reason = 'unavailable';
      }
      if (reason !== undefined) end(stream, reason);
    }
  }

  function heartbeat(): void {
    // A comment line: EventSource ignores it; proxies see traffic and keep the connection open.
    for (const stream of [...streams.values()]) write(stream, ': heartbeat\n\n');
  }

  function flush(): void {
    flushTimer = undefined;
    if (streams.size === 0) {
      latestReadings.clear();
      dirtyDevices.clear();
      return;
    }
    for (const reading of latestReadings.values()) {
      switch (reading.kind) {
        case 'door':
          deliver('door', 'readings.read', { deviceId: reading.deviceId, at: new Date(reading.at).toISOString(), open: reading.open });
          break;
        case 'pillbox':
          deliver('pillbox', 'readings.read', { deviceId: reading.deviceId, at: new Date(reading.at).toISOString(), compartment: reading.compartment, open: reading.open });
          break;
        case 'position':
          deliver('position', 'positions.read', {
            deviceId: reading.deviceId,
            at: new Date(reading.at).toISOString(),
            lat: reading.lat,
            lon: reading.lon,
            accuracyM: reading.accuracyM ?? null,
          });
          break;
        case 'health':
          break;
      }
    }
    latestReadings.clear();
    if (dirtyDevices.size > 0) {
      const dirty = new Set(dirtyDevices);
      dirtyDevices.clear();
      for (const status of deps.deviceStatuses(clock.now())) {
        if (!dirty.has(status.id)) continue;
        lastOnline.set(status.id, status.online);
        deliver('device', 'devices.read', status);
      }
    }
  }

  function scheduleFlush(): void {
    if (flushTimer !== undefined || streams.size === 0) return;
    flushTimer = setTimeout(() => guarded('flush', flush), limits.flushMs);
    flushTimer.unref();
  }

  /** A device whose heartbeat ran out went offline without any message saying so. */
  function sweepOnline(): void {
    for (const status of deps.deviceStatuses(clock.now())) {
      const before = lastOnline.get(status.id);
      lastOnline.set(status.id, status.online);
      if (before !== undefined && before !== status.online) deliver('device', 'devices.read', status);
    }
  }

  function guarded(what: string, work: () => void): void {
    try {
      work();
    } catch (error) {
      log.error({ err: error, what }, 'live events: failed');
    }
  }

  function startTimers(): void {
    if (timers.length > 0) return;
    const every = (ms: number, what: string, work: () => void) => {
      const timer = setInterval(() => guarded(what, work), ms);
      timer.unref();
      timers.push(timer);
    };
    every(limits.checkEveryMs, 'revalidate', revalidate);
    every(limits.heartbeatMs, 'heartbeat', heartbeat);
    every(limits.onlineSweepMs, 'online sweep', sweepOnline);
  }

  function stopTimers(): void {
    for (const timer of timers) clearInterval(timer);
    timers = [];
    if (flushTimer !== undefined) clearTimeout(flushTimer);
    flushTimer = undefined;
    latestReadings.clear();
    dirtyDevices.clear();
  }

  function onAlert(alert: AlertJson): void {
    // On the night-exit path to the push notification: nothing to do when nobody is listening.
    if (streams.size === 0) return;
    deliver('alert', isFaultType(alert.type) ? 'faults.read' : 'alerts.read', alert, withoutLocation(alert));
  }

  bus.on('alertChanged', OWNER, ({ alert }) => onAlert(alert));
  bus.on('incidentChanged', OWNER, ({ incidentId }) => {
    if (streams.size === 0) return;
    const incident = deps.incident(incidentId);
    if (incident !== undefined) deliver('incident', 'alerts.read', incident);
  });
  bus.on('careLogChanged', OWNER, ({ noteId, change }) => {
    if (streams.size === 0) return;
    deliver('care-log', 'care-log.read', { noteId, change, note: change === 'removed' ? null : (deps.careNote(noteId) ?? null) });
  });
  bus.on('householdChanged', OWNER, ({ revision }) => deliver('household', 'household.read', { revision }));
  bus.on('circleChanged', OWNER, ({ what }) => {
    // A role may have changed or a member been removed: check every stream now, before telling anyone.
    revalidate();
    deliver('circle', 'circle.read', { what });
  });
  // The ingest path: with nobody listening this costs one comparison per commit.
  bus.on('readingsCommitted', OWNER, ({ readings }) => {
    if (streams.size === 0) return;
    for (const reading of readings) {
      dirtyDevices.add(reading.deviceId);
      if (reading.kind === 'health') continue;
      const key = reading.kind === 'pillbox' ? `pillbox:${reading.deviceId}:${reading.compartment}` : `${reading.kind}:${reading.deviceId}`;
      latestReadings.set(key, reading);
    }
    scheduleFlush();
  });
  bus.on('deviceAvailability', OWNER, ({ deviceId }) => {
    if (streams.size === 0) return;
    dirtyDevices.add(deviceId);
    scheduleFlush();
  });

  return {
    /**
     * Opens a stream for a caller the HTTP layer has authenticated. Writes the audit entry for a
     * stream that will carry positions (DESIGN.md: every view of the person's location is logged).
     */
    open(subscriber: LiveSubscriber, sink: LiveSink): OpenResult {
      if (stopped || streams.size >= limits.total) return { ok: false, error: 'too_many_streams' };
      const own = [...streams.values()].filter((s) => s.subscriber.userId === subscriber.userId);
      for (const old of own.slice(0, Math.max(0, own.length - limits.perUser + 1))) end(old, 'replaced_by_newer_stream');
      const stream: Stream = { id: nextStreamId++, subscriber, sink, closed: false };
      streams.set(stream.id, stream);
      startTimers();
      if (roleMay(subscriber.role, 'positions.read')) {
        store.audit.append({ at: clock.now(), userId: subscriber.userId, action: 'location.viewed', target: 'positions:live', details: { via: 'events', stream: stream.id } });
      }
      // EventSource waits this long before reconnecting after the stream ends or drops.
      write(stream, 'retry: 5000\n\n');
      write(stream, frame(nextEventId++, 'ready', { at: new Date(clock.now()).toISOString(), role: subscriber.role }));
      return { ok: true, close: () => drop(stream, () => {}) };
    },

    /** Open streams (for tests and /metrics). */
    count: () => streams.size,

    /** Ends every stream and stops listening (the hub is stopping). */
    stop(): void {
      stopped = true;
      for (const stream of [...streams.values()]) end(stream, 'hub_stopping');
      stopTimers();
      bus.removeOwner(OWNER);
    },
  };
}

export type LiveFeed = ReturnType<typeof createLiveFeed>;
