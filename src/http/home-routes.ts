import type { FastifyPluginAsync } from 'fastify';
import type { HomeRouteServices } from '../household/home-services.js';

/** The home resources of the API (issue 5): one encapsulated plugin; every route declares a permission and its schemas. */
export const homeRoutes: FastifyPluginAsync<{ services: HomeRouteServices }> = async (app, { services }) => {
  void app;
  void services;
};
