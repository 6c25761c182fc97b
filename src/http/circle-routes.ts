import type { FastifyError, FastifyPluginAsync } from 'fastify';
import type { CircleRouteServices } from '../circle/circle-services.js';
import { replyOf } from '../circle/circle-errors.js';
import { isHomewardError, type ErrorCode } from '../core/errors.js';
import { tooSoon } from './auth-routes.js';
import { invitationsRoutes } from './invitations-routes.js';
import { membersRoutes } from './members-routes.js';
import { preferencesRoutes } from './preferences-routes.js';
import { pushSubscriptionsRoutes } from './push-subscriptions-routes.js';
import { rotaRoutes } from './rota-routes.js';

/**
 * The circle resources of the API (issue 5, item 7): members, invitations, the rota, preferences and
 * push subscriptions, one encapsulated plugin each; every route declares a permission and its schemas.
 *
 * Coded errors are caught once, here at the edge (STYLE.md, habit 3): a service's refusal names its
 * snake_case answer (circle-errors.ts), and its code decides the status. A body that fails its schema
 * gets `{ error: 'invalid_request', detail }` naming the field, rather than fastify's own shape.
 */
const ANSWERS: Partial<Record<ErrorCode, { status: 400 | 403 | 404 | 409; error: string }>> = {
  HW_USAGE: { status: 400, error: 'invalid_request' },
  HW_PASSWORD_WEAK: { status: 400, error: 'weak_password' },
  HW_FORBIDDEN: { status: 403, error: 'not_allowed' },
  HW_INVITATION_INVALID: { status: 403, error: 'invitation_invalid' },
  HW_NOT_FOUND: { status: 404, error: 'not_found' },
  HW_CONFLICT: { status: 409, error: 'conflict' },
  HW_ACCOUNT_EXISTS: { status: 409, error: 'account_exists' },
};

export const circleRoutes: FastifyPluginAsync<{ services: CircleRouteServices }> = async (app, { services }) => {
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if (isHomewardError(error)) {
      if (error.code === 'HW_BUSY') return tooSoon(reply, 503, 'busy', 1000);
      const answer = ANSWERS[error.code];
      if (answer !== undefined) return reply.code(answer.status).send({ error: replyOf(error) ?? answer.error, detail: error.message });
    }
    if (error.validation !== undefined) return reply.code(400).send({ error: 'invalid_request', detail: error.message });
    if (error.statusCode === 413) return reply.code(413).send({ error: 'body_too_large', detail: error.message });
    if (error.statusCode === 415) return reply.code(415).send({ error: 'unsupported_media_type', detail: error.message });
    if (error.statusCode === 400) return reply.code(400).send({ error: 'invalid_request', detail: error.message });
    // Anything else is ours to fix: fastify's own handler logs it and answers 500 without details.
    throw error;
  });

  await app.register(membersRoutes, { services });
  await app.register(invitationsRoutes, { services });
  await app.register(rotaRoutes, { services });
  await app.register(preferencesRoutes, { services });
  await app.register(pushSubscriptionsRoutes, { services });
};
