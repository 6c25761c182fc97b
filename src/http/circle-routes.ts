import type { FastifyPluginAsync } from 'fastify';
import type { CircleRouteServices } from '../circle/circle-services.js';
import { invitationsRoutes } from './invitations-routes.js';
import { membersRoutes } from './members-routes.js';
import { preferencesRoutes } from './preferences-routes.js';
import { pushSubscriptionsRoutes } from './push-subscriptions-routes.js';
import { rotaRoutes } from './rota-routes.js';

/**
 * The circle resources of the API (issue 5, item 7): members, invitations, the rota, preferences and
 * push subscriptions, one encapsulated plugin each; every route declares a permission and its schemas.
 * Their coded errors become answers in src/http/error-replies.ts.
 */
export const circleRoutes: FastifyPluginAsync<{ services: CircleRouteServices }> = async (app, { services }) => {
  await app.register(membersRoutes, { services });
  await app.register(invitationsRoutes, { services });
  await app.register(rotaRoutes, { services });
  await app.register(preferencesRoutes, { services });
  await app.register(pushSubscriptionsRoutes, { services });
};
