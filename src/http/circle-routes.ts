import type { FastifyPluginAsync } from 'fastify';
import type { CircleRouteServices } from '../circle/circle-services.js';

/** The circle resources of the API (issue 5): one encapsulated plugin; every route declares a permission and its schemas. */
export const circleRoutes: FastifyPluginAsync<{ services: CircleRouteServices }> = async (app, { services }) => {
  void app;
  void services;
};
