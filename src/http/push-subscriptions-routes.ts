import type { FastifyPluginAsync } from 'fastify';
import Type, { type Static } from 'typebox';
import type { CircleRouteServices } from '../circle/circle-services.js';
import type { SubscriptionSummary } from '../circle/push-subscription-service.js';
import { callerOf, ErrorReply } from './authenticate.js';
import { iso, isoOrNull } from '../core/iso-time.js';

/**
 * Web Push subscriptions (DESIGN.md, "HTTP"; issue 5, item 7), each member's own (push.subscribe):
 *   POST   /api/push/subscriptions       body: the browser's PushSubscription JSON → 201 new, 200 known endpoint
 *   GET    /api/push/subscriptions       mine: label, push service, created, last success and failure (never keys)
 *   DELETE /api/push/subscriptions/:id   one of mine (someone else's is 404)
 * (VAPID keys and GET /api/push/vapid-public-key are issue 7's.)
 */
const SubscriptionBody = Type.Object(
  {
    // Longer than the 2 KB an endpoint may be, so an overlong one gets its own clear code (endpoint_too_long).
    endpoint: Type.String({ minLength: 1, maxLength: 4096, description: 'the push service URL (https, at most 2 KB)' }),
    // Null first: with the server's type coercion, a null tried against number first would become 0.
    expirationTime: Type.Optional(Type.Union([Type.Null(), Type.Number()])),
    keys: Type.Object(
      {
        p256dh: Type.String({ minLength: 1, maxLength: 200, description: 'base64url of the 65-byte uncompressed P-256 public key' }),
        auth: Type.String({ minLength: 1, maxLength: 100, description: 'base64url of the 16-byte authentication secret' }),
      },
      { additionalProperties: false },
    ),
    label: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'what the member calls this device (default: its User-Agent)' })),
  },
  { additionalProperties: false },
);

const SubscriptionSchema = Type.Object(
  {
    id: Type.Integer(),
    label: Type.Union([Type.String(), Type.Null()]),
    service: Type.String({ description: 'the push service’s host' }),
    createdAt: Type.String(),
    lastSuccessAt: Type.Union([Type.String(), Type.Null()]),
    lastFailureAt: Type.Union([Type.String(), Type.Null()]),
    failures: Type.Integer({ description: 'failed deliveries since the last success' }),
  },
  { additionalProperties: false },
);

const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 31 }) }, { additionalProperties: false });


const subscriptionJson = (subscription: SubscriptionSummary): Static<typeof SubscriptionSchema> => ({
  ...subscription,
  createdAt: iso(subscription.createdAt),
  lastSuccessAt: isoOrNull(subscription.lastSuccessAt),
  lastFailureAt: isoOrNull(subscription.lastFailureAt),
});

export const pushSubscriptionsRoutes: FastifyPluginAsync<{ services: CircleRouteServices }> = async (app, { services }) => {
  const { push } = services;

  app.post<{ Body: Static<typeof SubscriptionBody> }>(
    '/api/push/subscriptions',
    {
      config: { permission: 'push.subscribe' },
      bodyLimit: 8 * 1024,
      schema: {
        summary: 'Subscribe this browser to notifications: the body is its PushSubscription JSON',
        description:
          'The endpoint identifies the subscription: subscribing again (or a shared tablet now signed in as someone else) updates it and answers 200. ' +
          'Refused with a code naming the problem: endpoint_too_long, endpoint_invalid, endpoint_not_https, p256dh_invalid, auth_invalid, subscription_expired; too_many_subscriptions (409).',
        tags: ['push'],
        body: SubscriptionBody,
        response: { 200: SubscriptionSchema, 201: SubscriptionSchema, 400: ErrorReply, 409: ErrorReply },
      },
    },
    async (request, reply) => {
      const result = push.subscribe(callerOf(request).user.id, request.body, request.headers['user-agent']);
      return reply.code(result.created ? 201 : 200).send(subscriptionJson(result.subscription));
    },
  );

  app.get(
    '/api/push/subscriptions',
    {
      config: { permission: 'push.subscribe' },
      schema: {
        summary: 'My push subscriptions: each device’s label, push service, and last delivery success and failure (never keys)',
        tags: ['push'],
        response: { 200: Type.Object({ subscriptions: Type.Array(SubscriptionSchema) }, { additionalProperties: false }) },
      },
    },
    async (request) => ({ subscriptions: push.list(callerOf(request).user.id).map(subscriptionJson) }),
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    '/api/push/subscriptions/:id',
    {
      config: { permission: 'push.subscribe' },
      schema: { summary: 'Stop notifications to one of my devices', tags: ['push'], params: IdParams, response: { 204: Type.Null(), 400: ErrorReply, 404: ErrorReply } },
    },
    async (request, reply) => {
      push.remove(callerOf(request).user.id, request.params.id);
      return reply.code(204).send();
    },
  );
};
