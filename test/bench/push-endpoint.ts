// The build (tsconfig.build.json) compiles test/bench, not test/notify: http_ece's types come from this ambient declaration.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="../notify/http-ece.d.ts" />
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startLocalPushService, type BrowserSubscriptionJson } from '../notify/local-push-service.js';
import type { RunningHub } from './hub-process.js';
import { postJson } from './net-util.js';

/**
 * The far end of the alert path (issue 10; DESIGN.md budgets "a night door-opening to the push request
 * reaching a local push endpoint"): the Web Push tests' push service (test/notify/local-push-service.ts:
 * real HTTPS on 127.0.0.1, the VAPID JWT verified, the body decrypted with http_ece using the
 * subscribing browser's private key), here in the benchmark process so that an arrival is timed on
 * the same clock as the door-opening it answers. A request counts as arrived once it has been read
 * in full and decrypted: the moment a phone could show it.
 *
 * The hub is a separate process: it trusts the service's self-signed certificate through
 * NODE_EXTRA_CA_CERTS (verification stays on), accepts an endpoint on 127.0.0.1 through
 * push.allowPrivateEndpoints, and signs with a mailto: VAPID subject (push.contact).
 */
export interface PushArrival {
  /** performance.now() once the request was read and decrypted. */
  arrivedAt: number;
  /** From the payload's tag ("alert:<id>"); undefined when it could not be read. */
  alertId: string | undefined;
  /** The payload's kind (alert-messages.ts: 'alert' for a ladder's first step and for an update about an alert joining its incident). */
  kind: string | undefined;
  decrypted: boolean;
  vapidValid: boolean;
}

export interface PushEndpoint {
  /** Every request that reached the subscribed browser's endpoint, in arrival order. */
  arrivals: PushArrival[];
  subscription: BrowserSubscriptionJson;
  /** What the hub process needs: its config sections and environment. */
  hubConfig: Record<string, unknown>;
  hubEnv: Record<string, string>;
  /** Subscribes the endpoint for the member the API token acts as (POST /api/push/subscriptions, as a browser does). */
  subscribe(hub: RunningHub, token: string): Promise<void>;
  close(): Promise<void>;
}

function readPayload(plaintext: Buffer | undefined): { alertId: string | undefined; kind: string | undefined } {
  if (plaintext === undefined) return { alertId: undefined, kind: undefined };
  try {
    const payload = JSON.parse(plaintext.toString('utf8')) as { tag?: unknown; kind?: unknown };
    const tag = typeof payload.tag === 'string' ? /^alert:(.+)$/.exec(payload.tag)?.[1] : undefined;
    return { alertId: tag, kind: typeof payload.kind === 'string' ? payload.kind : undefined };
  } catch {
    return { alertId: undefined, kind: undefined };
  }
}

/** Starts the push service, makes one subscribing "browser" and writes the certificate for the hub to trust. */
export async function startPushEndpoint(workDir: string): Promise<PushEndpoint> {
  const service = await startLocalPushService();
  const browser = service.browser();
  const arrivals: PushArrival[] = [];
  service.answer((request) => {
    const arrivedAt = performance.now();
    arrivals.push({
      arrivedAt,
      ...readPayload(request.plaintext),
      decrypted: request.browser === browser.id && request.plaintext !== undefined,
      vapidValid: request.vapid?.signatureValid === true,
    });
    return { status: 201 };
  });
  const caFile = path.join(workDir, 'push-endpoint-ca.pem');
  writeFileSync(caFile, service.cert);
  return {
    arrivals,
    subscription: browser.subscription,
    hubConfig: { push: { contact: 'mailto:bench@example.org', allowPrivateEndpoints: true } },
    hubEnv: { NODE_EXTRA_CA_CERTS: caFile },
    async subscribe(hub, token) {
      const { status, body } = await postJson(hub.httpPort, '/api/push/subscriptions', browser.subscription, { authorization: `Bearer ${token}` });
      if (status !== 201 && status !== 200) throw new Error(`POST /api/push/subscriptions answered ${status}: ${body}`);
    },
    close: () => service.close(),
  };
}
