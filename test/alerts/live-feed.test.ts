import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createLiveFeed, type LiveFeedLimits, type LiveSink, type LiveSubscriber } from '../../src/alerts/live-feed.js';
import type { Role } from '../../src/accounts/roles.js';
import type { Reading } from '../../src/core/readings.js';
import { fix, startCareHub, type CareHub } from '../http/care-hub.js';

/**
 * The live feed behind GET /api/events, on the hub's real bus and store, with sinks that record what
 * a client would receive: coalescing a burst of readings, dropping a client that does not drain,
 * caps per person and in total, and the heartbeat.
 */
let t: CareHub | undefined;
let stopFeed: (() => void) | undefined;
afterEach(async () => {
  stopFeed?.();
  stopFeed = undefined;
  await t?.stop();
  t = undefined;
});

interface RecordingSink extends LiveSink {
  frames: string[];
  ended: boolean;
  destroyed: boolean;
  /** Resolves at the first frame containing `text`. */
  frame(text: string): Promise<string>;
  keepingUp: boolean;
}

function recordingSink(): RecordingSink {
  const waiters: Array<{ text: string; resolve: (frame: string) => void }> = [];
  const sink: RecordingSink = {
    frames: [],
    ended: false,
    destroyed: false,
    keepingUp: true,
    write(frame) {
      if (!sink.keepingUp) return false;
      sink.frames.push(frame);
      for (const waiter of [...waiters]) {
        if (frame.includes(waiter.text)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(frame);
        }
      }
      return true;
    },
    end: () => void (sink.ended = true),
    destroy: () => void (sink.destroyed = true),
    frame(text) {
      const seen = sink.frames.find((f) => f.includes(text));
      return seen !== undefined ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ text, resolve }));
    },
  };
  return sink;
}

function feedFor(hub: CareHub, limits: Partial<LiveFeedLimits> = {}) {
  const feed = createLiveFeed({
    bus: hub.hub.bus,
    clock: hub.clock,
    log: pino({ level: 'silent' }),
    store: hub.hub.store,
    sessions: hub.hub.home.sessions,
    deviceStatuses: (now) => hub.hub.home.deviceStatuses(hub.hub.commit.states(), now),
    incident: () => undefined,
    careNote: () => undefined,
    limits: { flushMs: 10, ...limits },
  });
  stopFeed = () => feed.stop();
  return feed;
}

function subscriber(hub: CareHub, role: Role): LiveSubscriber {
  const member = hub.members[role];
  return { userId: member.id, role, credential: { kind: 'api-token', tokenId: hub.hub.home.apiTokens.issue(member.id, 'feed test').apiToken.id } };
}

const named = (sink: RecordingSink, event: string) => sink.frames.filter((f) => f.includes(`\nevent: ${event}\n`));

describe('live feed', () => {
  it('coalesces a burst of 1,000 readings into the latest per device', async () => {
    t = await startCareHub();
    const feed = feedFor(t);
    const sink = recordingSink();
    expect(feed.open(subscriber(t, 'family'), sink).ok).toBe(true);
    const burst: Reading[] = [];
    for (let i = 0; i < 1000; i++) burst.push(fix('mum-phone', t.clock.now() + i, 51.5 + i / 1e6, -0.12));
    // As the group commit announces them: many commits, one after another, before the next flush.
    for (const reading of burst) t.hub.bus.emit('readingsCommitted', { readings: [reading] });
    await sink.frame('event: device');
    const positions = named(sink, 'position');
    expect(positions).toHaveLength(1);
    expect(positions[0]).toContain('"lat":51.500999');
    expect(named(sink, 'device')).toHaveLength(1);
  });

  it('drops a client that is not draining instead of buffering for it', async () => {
    t = await startCareHub();
    const feed = feedFor(t);
    const slow = recordingSink();
    const fast = recordingSink();
    feed.open(subscriber(t, 'family'), slow);
    feed.open(subscriber(t, 'carer'), fast);
    slow.keepingUp = false;
    t.raise('missed-dose');
    await fast.frame('event: alert');
    expect(slow.destroyed).toBe(true);
    expect(feed.count()).toBe(1);
    t.raise('missed-dose');
    expect(named(fast, 'alert')).toHaveLength(2);
  });

  it('keeps a few streams per person (the oldest gives way) and refuses beyond the total', async () => {
    t = await startCareHub();
    const feed = feedFor(t, { perUser: 2, total: 3 });
    const family = subscriber(t, 'family');
    const [first, second, third] = [recordingSink(), recordingSink(), recordingSink()];
    feed.open(family, first);
    feed.open(family, second);
    feed.open(family, third);
    expect(first.ended).toBe(true);
    expect(first.frames.some((f) => f.includes('replaced_by_newer_stream'))).toBe(true);
    expect([second.ended, third.ended]).toEqual([false, false]);
    expect(feed.open(subscriber(t, 'carer'), recordingSink()).ok).toBe(true);
    const refused = feed.open(subscriber(t, 'owner'), recordingSink());
    expect(refused).toEqual({ ok: false, error: 'too_many_streams' });
    expect(feed.count()).toBe(3);
  });

  it('sends a comment heartbeat so proxies keep the stream open', async () => {
    t = await startCareHub();
    const feed = feedFor(t, { heartbeatMs: 20 });
    const sink = recordingSink();
    feed.open(subscriber(t, 'viewer'), sink);
    expect(await sink.frame(': heartbeat')).toBe(': heartbeat\n\n');
  });
});
