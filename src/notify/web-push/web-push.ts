import type { PushSubscriptionService } from '../../circle/push-subscription-service.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { Counter } from '../../core/metrics.js';
import type { UsedActionTokensRepo } from '../../store/used-action-tokens-repo.js';
import { actionTokenKeyPath, createActionTokens, invalidActionToken } from './action-tokens.js';
import type { DeliveryPolicy } from './delivery-policy.js';
import { createPushSender, type PushSender, type PushTransport } from './push-sender.js';
import { loadOrCreateVapidKeys, vapidKeyPath, vapidSubject } from './vapid-keys.js';
import { createVapidSigner } from './vapid-token.js';

/**
 * Web Push as the hub wires it (issue 7): the VAPID keys and subject, the sending channel, and "I'm
 * on it" by action token. Built once by hub.ts; a VAPID subject Safari would reject is refused here,
 * at start (HW_CONFIG_INVALID), and a hub with no subject at all runs with Web Push off, saying why.
 */
export interface WebPushDeps {
  dataDir: string;
  /** HOMEWARD_PUBLIC_URL: its https origin is the VAPID subject unless a mailto: contact is given. */
  publicUrl?: string | undefined;
  /** A mailto: address the push services may write to about this hub. */
  contact?: string | undefined;
  store: { usedActionTokens: UsedActionTokensRepo; transaction: <T>(work: () => T) => T };
  subscriptions: Pick<PushSubscriptionService, 'forUsers' | 'recordSuccess' | 'recordFailure' | 'removeEndpoint'>;
  /** "I'm on it" (alert-actions.ts), on the member's behalf. */
  acknowledge(alertId: string, userId: number): { first: boolean };
  /** Whether the member may still acknowledge alerts (their account is active and their role allows it). */
  mayAcknowledge(userId: number): boolean;
  /** homeward_push_total{outcome}. */
  pushTotal: Counter;
  clock: Clock;
  log: Logger;
  /** Tests only: trust a local push service's certificate, a short time-out, waits that advance a manual clock. */
  transport?: PushTransport | undefined;
  wait?: ((ms: number) => Promise<void>) | undefined;
  policy?: DeliveryPolicy | undefined;
}

export interface WebPush {
  channel: PushSender;
  /** The applicationServerKey browsers subscribe with. */
  publicKey: string;
  /** Why Web Push cannot send, or undefined when it can. */
  off: string | undefined;
  /** "I'm on it" from the lock screen: one use, before the token expires; else action_token_invalid. */
  acknowledgeByToken(token: string): { alertId: string; first: boolean };
  stop(): void;
}

export function createWebPush(deps: WebPushDeps): WebPush {
  const { clock, log } = deps;
  const keys = loadOrCreateVapidKeys(vapidKeyPath(deps.dataDir));
  const subject = vapidSubject({ publicUrl: deps.publicUrl, contact: deps.contact });
  const off = subject.subject === undefined ? subject.why : undefined;
  if (off !== undefined) log.warn({ why: off }, `Web Push is off: ${off}`);
  const tokens = createActionTokens({ keyFile: actionTokenKeyPath(deps.dataDir), used: deps.store.usedActionTokens, transaction: deps.store.transaction, clock });
  const channel = createPushSender({
    subscriptions: deps.subscriptions,
    signer: subject.subject === undefined ? undefined : createVapidSigner({ keys, subject: subject.subject, clock }),
    off,
    tokens,
    pushTotal: deps.pushTotal,
    clock,
    log,
    transport: deps.transport,
    wait: deps.wait,
    policy: deps.policy,
  });

  return {
    channel,
    publicKey: keys.publicKey,
    off,
    acknowledgeByToken(token) {
      const done = tokens.redeem(token, (claims) => {
        // A member removed, disabled or made a viewer since the message was sent holds a token for nothing.
        if (!deps.mayAcknowledge(claims.userId)) throw invalidActionToken();
        return { alertId: claims.alertId, userId: claims.userId, first: deps.acknowledge(claims.alertId, claims.userId).first };
      });
      log.info({ alert: done.alertId, by: done.userId, first: done.first }, '"I\'m on it" from a notification');
      return { alertId: done.alertId, first: done.first };
    },
    stop: () => channel.stop(),
  };
}
