import type { Agent } from 'node:https';
import webpush from 'web-push';
import type { PushSubscriptionService } from '../../circle/push-subscription-service.js';
import type { Clock } from '../../core/clock.js';
import { isHomewardError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Counter } from '../../core/metrics.js';
import type { PushSubscriptionRow } from '../../store/push-subscriptions-repo.js';
import type { ChannelOutcome, NotificationChannel, NotificationMessage, Recipient } from '../channel.js';
import { ACTION_TOKEN_ANSWER_WINDOW_MS, type ActionTokens } from './action-tokens.js';
import { defaultDeliveryPolicy, deliveryDeadline, judge, requestOptions, type DeliveryPolicy, type PushAnswer } from './delivery-policy.js';
import { pushPayload } from './push-payload.js';
import type { VapidSigner } from './vapid-token.js';

/**
 * The Web Push channel (issue 7): a NotificationChannel (id 'web-push') that sends one message to
 * every browser and phone a member has subscribed, with web-push (aes128gcm, RFC 8291) and the hub's
 * VAPID signature (cached: vapid-token.ts). Each device is tried under delivery-policy.ts; each
 * request's outcome is counted in homeward_push_total{outcome}; a device's subscription records its
 * last success and failure, and one the push service says is gone (404/410) is deleted.
 *
 * The member's outcome is 'delivered' as soon as one device's push service accepts the message (the
 * others go on trying in the background, within the same bounded time), so the escalation ladder
 * hears at once that someone's phone has it. Otherwise it is 'failed' once every device has given up,
 * 'retryable' if trying later might work.
 */
export const WEB_PUSH_CHANNEL = 'web-push';
export const DEFAULT_PUSH_TIMEOUT_MS = 10_000;

export interface PushTransport {
  /** An HTTPS agent: tests pass one trusting their local push service's certificate (never disable verification). */
  agent?: Agent | undefined;
  /** A push service that sends nothing back for this long is given up on (and retried). */
  timeoutMs?: number | undefined;
}

export interface PushSenderDeps {
  subscriptions: Pick<PushSubscriptionService, 'forUsers' | 'recordSuccess' | 'recordFailure' | 'removeEndpoint'>;
  /** Undefined while Web Push is off (no VAPID subject); `off` says how to turn it on. */
  signer: VapidSigner | undefined;
  off?: string | undefined;
  tokens: Pick<ActionTokens, 'issue'>;
  /** homeward_push_total{outcome}. */
  pushTotal: Counter;
  clock: Clock;
  log: Logger;
  policy?: DeliveryPolicy | undefined;
  transport?: PushTransport | undefined;
  /** Waits `ms` between attempts; tests pass one that advances their manual clock instead of sleeping. */
  wait?: ((ms: number) => Promise<void>) | undefined;
}

export interface PushSender extends NotificationChannel {
  /** Ends every wait between retries (those deliveries give up) and touches the store no more. */
  stop(): void;
}

type DeviceResult = { status: 'delivered' } | { status: 'gone' } | { status: 'failed'; reason: string; retryable: boolean };

/** Timers between retries that stop() can end at once. */
function cancellableWaits() {
  const pending = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  return {
    wait: (ms: number) =>
      new Promise<void>((resolve) => {
        const entry = {
          timer: setTimeout(() => {
            pending.delete(entry);
            resolve();
          }, ms),
          resolve,
        };
        pending.add(entry);
      }),
    cancelAll() {
      for (const entry of pending) {
        clearTimeout(entry.timer);
        entry.resolve();
      }
      pending.clear();
    },
  };
}

function networkCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function createPushSender(deps: PushSenderDeps): PushSender {
  const { subscriptions, signer, tokens, pushTotal, clock, log } = deps;
  const policy = deps.policy ?? defaultDeliveryPolicy;
  const timeoutMs = deps.transport?.timeoutMs ?? DEFAULT_PUSH_TIMEOUT_MS;
  const timers = cancellableWaits();
  const wait = deps.wait ?? timers.wait;
  /** Push service origin → when its 429 lets us send again. */
  const holds = new Map<string, number>();
  let stopped = false;

  /** The store is closed once the hub has stopped: a late answer is only logged. */
  function record(what: string, work: () => void): void {
    if (stopped) return;
    try {
      work();
    } catch (error) {
      log.warn({ err: error, what }, 'could not record a push delivery');
    }
  }

  async function request(subscription: PushSubscriptionRow, payload: Buffer, message: NotificationMessage, origin: string): Promise<PushAnswer> {
    try {
      const sent = await webpush.sendNotification({ endpoint: subscription.endpoint, keys: { p256dh: subscription.p256dh, auth: subscription.auth } }, payload, {
        ...requestOptions(message),
        contentEncoding: 'aes128gcm',
        // Our own cached VAPID header: with no vapidDetails web-push signs nothing (DESIGN.md, "Pitfalls").
        headers: { Authorization: (signer as VapidSigner).authorization(origin) },
        timeout: timeoutMs,
        ...(deps.transport?.agent ? { agent: deps.transport.agent } : {}),
      });
      return { kind: 'status', status: sent.statusCode };
    } catch (error) {
      if (error instanceof webpush.WebPushError) {
        const retryAfter = (error.headers as Record<string, string | undefined>)['retry-after'];
        return { kind: 'status', status: error.statusCode, retryAfter };
      }
      if (error instanceof Error && error.message === 'Socket timeout') return { kind: 'timeout', afterMs: timeoutMs };
      const code = networkCode(error);
      if (code !== undefined) return { kind: 'network', error: code };
      return { kind: 'unsendable', error: error instanceof Error ? error.message : String(error) };
    }
  }

  async function deliverOne(subscription: PushSubscriptionRow, payload: Buffer, message: NotificationMessage, deadline: number): Promise<DeviceResult> {
    const origin = new URL(subscription.endpoint).origin;
    const device = { subscription: subscription.id, userId: subscription.userId, service: new URL(subscription.endpoint).host };
    const giveUp = (reason: string, retryable: boolean): DeviceResult => {
      record('failure', () => subscriptions.recordFailure(subscription.id));
      log.warn({ ...device, kind: message.kind, about: message.about, reason, retryable }, 'push not delivered to a device');
      return { status: 'failed', reason, retryable };
    };
    for (let attempt = 1; ; attempt += 1) {
      const hold = (holds.get(origin) ?? 0) - clock.now();
      if (hold > 0) {
        if (clock.now() + hold > deadline) return giveUp(`the push service asked us to wait until ${new Date(clock.now() + hold).toISOString()} (429)`, true);
        await wait(hold);
      }
      if (stopped) return { status: 'failed', reason: 'the hub stopped before the push service accepted it', retryable: true };
      const answer = await request(subscription, payload, message, origin);
      const verdict = judge(answer, attempt, clock.now(), deadline, policy);
      pushTotal.inc({ outcome: verdict.outcome });
      if ('holdServiceUntil' in verdict && verdict.holdServiceUntil !== undefined) holds.set(origin, Math.max(holds.get(origin) ?? 0, verdict.holdServiceUntil));
      switch (verdict.then) {
        case 'delivered':
          record('success', () => subscriptions.recordSuccess(subscription.id));
          return { status: 'delivered' };
        case 'remove':
          // The DESIGN.md promise: a subscription that answers 404/410 is removed, exactly that one.
          record('removal', () => subscriptions.removeEndpoint(subscription.endpoint));
          log.info({ ...device }, 'push subscription gone (404/410): removed');
          return { status: 'gone' };
        case 'give-up':
          return giveUp(verdict.reason, verdict.retryable);
        case 'retry':
          log.debug({ ...device, attempt, reason: verdict.reason, afterMs: verdict.afterMs }, 'push attempt failed: trying again');
          await wait(verdict.afterMs);
          if (stopped) return { status: 'failed', reason: `${verdict.reason}; the hub stopped before trying again`, retryable: true };
      }
    }
  }

  /** 'delivered' at the first device that has it; otherwise what every device came to. */
  function firstDelivered(name: string, deliveries: Array<Promise<DeviceResult>>): Promise<ChannelOutcome> {
    return new Promise((resolve) => {
      for (const delivery of deliveries) void delivery.then((result) => result.status === 'delivered' && resolve({ status: 'delivered' }));
      void Promise.all(deliveries).then((results) => {
        const failures = results.filter((result): result is Extract<DeviceResult, { status: 'failed' }> => result.status === 'failed');
        if (failures.length === 0) {
          resolve({ status: 'failed', reason: `every device of ${name}'s has unsubscribed (the push service answered 404/410): they were removed, and ${name} must allow notifications again`, retryable: false });
          return;
        }
        const [first] = failures as [Extract<DeviceResult, { status: 'failed' }>];
        const reason = results.length === 1 ? first.reason : `${failures.length} of ${results.length} devices not reached; the first: ${first.reason}`;
        resolve({ status: 'failed', reason, retryable: failures.some((failure) => failure.retryable) });
      });
    });
  }

  return {
    id: WEB_PUSH_CHANNEL,

    async send(recipient: Recipient, message: NotificationMessage): Promise<ChannelOutcome> {
      const devices = subscriptions.forUsers([recipient.userId]);
      if (devices.length === 0) return { status: 'no-route' };
      if (signer === undefined) return { status: 'failed', reason: `Web Push is off: ${deps.off ?? 'no VAPID subject'}`, retryable: false };
      // Off the caller's turn: an alert is raised on the ingest path, and encrypting for each device
      // waits for the next turn of the event loop (DESIGN.md, "Pitfalls").
      await new Promise<void>((resolve) => setImmediate(resolve));
      let payload: Buffer;
      try {
        const token =
          message.acknowledgeable && 'alertId' in message.about
            ? tokens.issue({ alertId: message.about.alertId, userId: recipient.userId }, message.ttlSeconds * 1000 + ACTION_TOKEN_ANSWER_WINDOW_MS)
            : undefined;
        payload = pushPayload(message, token);
      } catch (error) {
        if (!isHomewardError(error)) throw error;
        pushTotal.inc({ outcome: 'unsendable' });
        return { status: 'failed', reason: error.message, retryable: false };
      }
      const deadline = deliveryDeadline(message, clock.now(), policy);
      return firstDelivered(
        recipient.name,
        // A bug in one device's delivery must not leave the member's outcome unanswered.
        devices.map((device) =>
          deliverOne(device, payload, message, deadline).catch((error: unknown): DeviceResult => {
            log.error({ err: error, subscription: device.id }, 'push delivery failed unexpectedly');
            return { status: 'failed', reason: `push delivery failed: ${error instanceof Error ? error.message : String(error)}`, retryable: false };
          }),
        ),
      );
    },

    stop() {
      stopped = true;
      timers.cancelAll();
    },
  };
}
