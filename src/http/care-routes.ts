import type { FastifyPluginAsync } from 'fastify';
import type { CareRouteServices } from '../alerts/care-services.js';

/** The care resources of the API (issue 5): one encapsulated plugin; every route declares a permission and its schemas. */
export const careRoutes: FastifyPluginAsync<{ services: CareRouteServices }> = async (app, { services }) => {
  void app;
  void services;
};
