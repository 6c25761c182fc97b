import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import Type, { type Static } from 'typebox';
import { ErrorReply } from './authenticate.js';
import { findDashboardFile } from './dashboard-routes.js';

/**
 * Web Push (issue 7; DESIGN.md, "HTTP"):
 *   GET  /api/push/vapid-public-key        the key browsers subscribe with (push.subscribe)
 *   POST /api/push/actions/acknowledge     "I'm on it" from the lock screen {token}: public, the token
 *                                          is the credential; a used, expired or forged one gets one
 *                                          answer, 403 action_token_invalid
 *   GET  /service-worker.js                the service worker, at the root so its scope is the whole
 *                                          dashboard, never cached stale (a fix must reach every phone)
 */
export interface PushHttpServices {
  /** The applicationServerKey, and why the hub cannot send yet (undefined when it can). */
  vapid(): { publicKey: string; off: string | undefined };
  acknowledgeByToken(token: string): { alertId: string; first: boolean };
}

const VapidKeyReply = Type.Object(
  {
    publicKey: Type.String({ description: 'base64url of the P-256 public key: PushManager.subscribe({ applicationServerKey })' }),
    sending: Type.Boolean({ description: 'false while the hub cannot send (no VAPID subject configured): `detail` says what to set' }),
    detail: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const AcknowledgeBody = Type.Object({ token: Type.String({ minLength: 1, maxLength: 1000, description: 'the action token the notification carried' }) }, { additionalProperties: false });

const AcknowledgeReply = Type.Object(
  {
    alertId: Type.String(),
    first: Type.Boolean({ description: 'false when someone else had already said "I\'m on it" (this one is recorded too)' }),
  },
  { additionalProperties: false },
);

/** dashboard/public/service-worker.js, served as written (it is plain JavaScript, not built). */
function readServiceWorker(): string | undefined {
  const file = findDashboardFile(path.join('public', 'service-worker.js'));
  return file === undefined ? undefined : readFileSync(file, 'utf8');
}

export const pushRoutes: FastifyPluginAsync<{ services: PushHttpServices }> = async (app, { services }) => {
  app.get(
    '/api/push/vapid-public-key',
    {
      config: { permission: 'push.subscribe' },
      schema: { summary: 'The key a browser subscribes to notifications with (VAPID, RFC 8292)', tags: ['push'], response: { 200: VapidKeyReply } },
    },
    async () => {
      const { publicKey, off } = services.vapid();
      return off === undefined ? { publicKey, sending: true } : { publicKey, sending: false, detail: off };
    },
  );

  app.post<{ Body: Static<typeof AcknowledgeBody> }>(
    '/api/push/actions/acknowledge',
    {
      config: { public: true },
      bodyLimit: 4 * 1024,
      schema: {
        summary: '"I\'m on it" from a notification, without signing in: the action token it carried is the credential',
        description:
          'Each token names one alert and one member, expires, and works once. A used, expired or forged token: 403 action_token_invalid. ' +
          'An alert already resolved: 409 alert_resolved (the token stays unused).',
        tags: ['push'],
        body: AcknowledgeBody,
        response: { 200: AcknowledgeReply, 400: ErrorReply, 403: ErrorReply, 404: ErrorReply, 409: ErrorReply },
      },
    },
    async (request) => services.acknowledgeByToken(request.body.token),
  );

  // Read once: it is small, and the hub serves the copy it started with.
  const serviceWorker = readServiceWorker();
  app.get('/service-worker.js', { config: { public: true }, schema: { hide: true } }, async (_request, reply) => {
    if (serviceWorker === undefined) return reply.code(404).send({ error: 'not_found', detail: 'dashboard/public/service-worker.js is missing from this installation' });
    return reply
      .header('content-type', 'text/javascript; charset=utf-8')
      .header('service-worker-allowed', '/')
      .header('cache-control', 'no-cache')
      .send(serviceWorker);
  });
};
