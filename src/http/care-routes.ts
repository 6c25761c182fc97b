import type { FastifyPluginAsync } from 'fastify';
import type { CareRouteServices } from '../alerts/care-services.js';
import { alertsRoutes } from './alerts-routes.js';
import { careLogRoutes } from './care-log-routes.js';
import { digestRoutes } from './digest-routes.js';
import { eventsRoutes } from './events-routes.js';
import { incidentsRoutes } from './incidents-routes.js';

/**
 * The care resources of the API (issue 5): alerts and faults, incidents, the care log, live events.
 * Each group is one encapsulated plugin; every route declares a permission and its schemas.
 * Their coded errors become answers in src/http/error-replies.ts.
 */
export const careRoutes: FastifyPluginAsync<{ services: CareRouteServices }> = async (app, { services }) => {
  await app.register(alertsRoutes, { services });
  await app.register(incidentsRoutes, { services });
  await app.register(careLogRoutes, { services });
  await app.register(eventsRoutes, { services });
  await app.register(digestRoutes, { services });
};
