import type { FastifyPluginAsync } from 'fastify';
import type { HomeRouteServices } from '../household/home-services.js';
import { auditRoutes } from './audit-routes.js';
import { devicesRoutes } from './devices-routes.js';
import { householdRoutes } from './household-routes.js';
import { medicationRoutes } from './medication-routes.js';
import { privacyRoutes } from './privacy-routes.js';
import { readingsRoutes } from './readings-routes.js';

/**
 * The home resources of the API (issue 5): the household document, devices, reading history and
 * positions, medication, privacy, the audit log. One encapsulated plugin per resource; every route
 * declares a permission and its schemas; coded errors become answers in one place (home-replies.ts).
 */
export const homeRoutes: FastifyPluginAsync<{ services: HomeRouteServices }> = async (app, { services }) => {
  await app.register(householdRoutes, { household: services.household });
  await app.register(devicesRoutes, { devices: services.devices });
  await app.register(readingsRoutes, { history: services.history });
  await app.register(medicationRoutes, { medication: services.medication });
  await app.register(privacyRoutes, { privacy: services.privacy, clock: services.clock, timezone: services.timezone });
  await app.register(auditRoutes, { audit: services.audit });
};
