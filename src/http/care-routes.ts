import type { FastifyError, FastifyPluginAsync } from 'fastify';
import type { CareRouteServices } from '../alerts/care-services.js';
import { isHomewardError, type ErrorCode } from '../core/errors.js';
import { alertsRoutes } from './alerts-routes.js';
import { careLogRoutes } from './care-log-routes.js';
import { eventsRoutes } from './events-routes.js';
import { incidentsRoutes } from './incidents-routes.js';

/**
 * The care resources of the API (issue 5): alerts and faults, incidents, the care log, live events.
 * Each group is one encapsulated plugin; every route declares a permission and its schemas.
 *
 * Coded errors are caught here, once, at the edge: the services throw HomewardError with the
 * snake_case answer in details.error, and this handler turns the code into a status. Schema
 * violations answer 400 invalid_request with what was wrong, in the same { error, detail } shape.
 */
const STATUS: Partial<Record<ErrorCode, number>> = {
  HW_USAGE: 400,
  HW_FORBIDDEN: 403,
  HW_NOT_FOUND: 404,
  HW_CONFLICT: 409,
  HW_BUSY: 503,
};

const DEFAULT_ERROR: Record<number, string> = {
  400: 'invalid_request',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'body_too_large',
  415: 'unsupported_media_type',
  503: 'busy',
};

export const careRoutes: FastifyPluginAsync<{ services: CareRouteServices }> = async (app, { services }) => {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isHomewardError(error) && STATUS[error.code] !== undefined) {
      const status = STATUS[error.code] as number;
      const named = (error.details as { error?: unknown } | undefined)?.error;
      return reply.code(status).send({ error: typeof named === 'string' ? named : (DEFAULT_ERROR[status] ?? 'error'), detail: error.message });
    }
    if (error.validation !== undefined) return reply.code(400).send({ error: 'invalid_request', detail: error.message });
    const status = error.statusCode ?? 500;
    if (status < 500) return reply.code(status).send({ error: DEFAULT_ERROR[status] ?? 'bad_request', detail: error.message });
    request.log.error({ err: error, url: request.url }, 'care API request failed');
    return reply.code(500).send({ error: 'internal_error' });
  });

  await app.register(alertsRoutes, { services });
  await app.register(incidentsRoutes, { services });
  await app.register(careLogRoutes, { services });
  await app.register(eventsRoutes, { services });
};
