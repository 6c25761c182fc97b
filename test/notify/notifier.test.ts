import { describe, expect, it } from 'vitest';
import { isHomewardError } from '../../src/core/errors.js';
import { createMetricsRegistry } from '../../src/core/metrics.js';
import type { ChannelOutcome, NotificationChannel, NotificationMessage, Recipient } from '../../src/notify/channel.js';
import { createNotifier } from '../../src/notify/notifier.js';
import { recordingLogger } from '../support/recording-logger.js';
import { nightExitMessage } from './night-exit-message.js';

/**
 * The notifier (issue 6, item 9): one message to one member through every channel, each channel's
 * outcome reported and counted; a broken channel never stops another.
 */
const anna: Recipient = { userId: 7, name: 'Anna' };

const nightExit = nightExitMessage;

/** A channel that answers what it is told to, recording what it was given. */
function channel(id: string, answer: (recipient: Recipient) => Promise<ChannelOutcome> | ChannelOutcome): NotificationChannel & { sent: Array<[Recipient, NotificationMessage]> } {
  const sent: Array<[Recipient, NotificationMessage]> = [];
  return {
    id,
    sent,
    send: async (recipient, message) => {
      sent.push([recipient, message]);
      return answer(recipient);
    },
  };
}

function setup(channels: NotificationChannel[]) {
  const metrics = createMetricsRegistry();
  const warnings: string[] = [];
  const notifier = createNotifier({
    channels,
    notifications: metrics.counter('homeward_notifications_total', 'Notifications sent, by channel and outcome'),
    log: recordingLogger((level, msg) => level === 'warn' && warnings.push(msg ?? '')),
  });
  return { notifier, metrics, warnings };
}

function refusal(work: () => unknown): { code: string; message: string; field?: string } {
  try {
    work();
  } catch (error) {
    if (isHomewardError(error)) return { code: error.code, message: error.message, ...(error.details as { field?: string } | undefined) };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('notifier', () => {
  it('sends one message through every channel and reports each outcome in channel order, counted in /metrics', async () => {
    const push = channel('web-push', () => ({ status: 'delivered' }));
    const sms = channel('sms', () => ({ status: 'no-route' }));
    const email = channel('email', () => ({ status: 'failed', reason: 'mail server said 451', retryable: true }));
    const { notifier, metrics, warnings } = setup([push, sms, email]);

    const reports = await notifier.send(anna, nightExit).done;

    expect(reports).toEqual([
      { channel: 'web-push', status: 'delivered' },
      { channel: 'sms', status: 'no-route' },
      { channel: 'email', status: 'failed', reason: 'mail server said 451', retryable: true },
    ]);
    expect(push.sent).toEqual([[anna, nightExit]]);
    expect(sms.sent).toHaveLength(1);
    const text = metrics.render();
    expect(text).toContain('homeward_notifications_total{channel="web-push",outcome="delivered"} 1');
    expect(text).toContain('homeward_notifications_total{channel="sms",outcome="no-route"} 1');
    expect(text).toContain('homeward_notifications_total{channel="email",outcome="failed"} 1');
    expect(warnings).toEqual(['notification not delivered']);
  });

  it('records a channel that throws, rejects or answers nonsense as failed, and the others still deliver', async () => {
    const throws: NotificationChannel = {
      id: 'throws',
      send: () => {
        throw new Error('boom');
      },
    };
    const rejects = channel('rejects', () => Promise.reject(new Error('socket hang up')));
    const nonsense = channel('nonsense', () => ({ status: 'sent' }) as unknown as ChannelOutcome);
    const push = channel('web-push', () => ({ status: 'delivered' }));
    const { notifier } = setup([throws, rejects, nonsense, push]);

    const reports = await notifier.send(anna, nightExit).done;

    expect(reports).toEqual([
      { channel: 'throws', status: 'failed', reason: 'the channel threw: boom', retryable: false },
      { channel: 'rejects', status: 'failed', reason: 'the channel threw: socket hang up', retryable: false },
      { channel: 'nonsense', status: 'failed', reason: 'channel nonsense answered with an unknown outcome: {"status":"sent"}', retryable: false },
      { channel: 'web-push', status: 'delivered' },
    ]);
  });

  it('shows which channels have answered so far; one still sending is pending', async () => {
    let answer: (outcome: ChannelOutcome) => void = () => {};
    const slow = channel('slow', () => new Promise<ChannelOutcome>((resolve) => (answer = resolve)));
    const push = channel('web-push', () => ({ status: 'delivered' }));
    const { notifier } = setup([slow, push]);

    const delivery = notifier.send(anna, nightExit);
    await new Promise((resolve) => setImmediate(resolve));
    expect(delivery.sofar()).toEqual([
      { channel: 'slow', status: 'pending' },
      { channel: 'web-push', status: 'delivered' },
    ]);
    answer({ status: 'no-route' });
    expect(await delivery.done).toEqual([
      { channel: 'slow', status: 'no-route' },
      { channel: 'web-push', status: 'delivered' },
    ]);
  });

  it('with no channel at all, reports nothing delivered', async () => {
    const { notifier } = setup([]);
    expect(await notifier.send(anna, nightExit).done).toEqual([]);
  });

  it('refuses channels without a usable id, or two with one id', () => {
    const ok = () => ({ status: 'delivered' }) as const;
    expect(refusal(() => setup([channel('Web Push', ok)]))).toMatchObject({ code: 'HW_CONFIG_INVALID' });
    expect(refusal(() => setup([channel('', ok)]))).toMatchObject({ code: 'HW_CONFIG_INVALID' });
    expect(refusal(() => setup([channel('web-push', ok), channel('web-push', ok)]))).toMatchObject({ code: 'HW_CONFIG_INVALID', message: 'two notification channels share the id "web-push"' });
  });

  it.each([
    ['an empty title', { title: '  ' }, 'title'],
    ['a title too long for a lock screen', { title: 'x'.repeat(201) }, 'title'],
    ['an unknown kind', { kind: 'shout' }, 'kind'],
    ['an unknown urgency', { urgency: 'urgent' }, 'urgency'],
    ['a negative TTL', { ttlSeconds: -1 }, 'ttlSeconds'],
    ['a TTL beyond four weeks', { ttlSeconds: 29 * 86_400 }, 'ttlSeconds'],
    ['a URL to another site', { url: '//evil.example/alerts/a1' }, 'url'],
    ['a full URL rather than a dashboard path', { url: 'https://evil.example/' }, 'url'],
    ['no alert or digest', { about: {} }, 'about'],
    ['a digest message about an alert', { kind: 'digest' }, 'about'],
    ['"I\'m on it" offered on news that it is over', { kind: 'resolved' }, 'acknowledgeable'],
  ] as const)('refuses a message with %s (HW_USAGE), sending nothing', (_what, patch, field) => {
    const push = channel('web-push', () => ({ status: 'delivered' }));
    const { notifier, metrics } = setup([push]);
    const message = { ...nightExit, ...patch } as unknown as NotificationMessage;
    expect(refusal(() => notifier.send(anna, message))).toMatchObject({ code: 'HW_USAGE', field });
    expect(push.sent).toEqual([]);
    expect(metrics.render()).toContain('homeward_notifications_total 0');
  });

  it('accepts a digest message about one day', async () => {
    const push = channel('web-push', () => ({ status: 'delivered' }));
    const { notifier } = setup([push]);
    const digest: NotificationMessage = { ...nightExit, kind: 'digest', about: { digest: '2026-01-15' }, severity: 'notice', urgency: 'low', ttlSeconds: 86_400, url: '/digest/2026-01-15', acknowledgeable: false };
    expect(await notifier.send(anna, digest).done).toEqual([{ channel: 'web-push', status: 'delivered' }]);
  });
});
