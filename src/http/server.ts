import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import type { Logger } from '../core/logger.js';
import { healthRoutes, type HealthService } from './health-routes.js';
import { ingestRoutes, type IngestHttpServices } from './ingest-routes.js';
import { metricsRoutes } from './metrics-routes.js';
import type { MetricsRegistry } from '../core/metrics.js';

/**
 * Builds the HTTP API without listening (only main.ts listens), so tests drive it with inject() or a
 * real port alike. Every resource is one encapsulated plugin; every route declares its schema,
 * response included, which also feeds the OpenAPI document at /api/docs.
 */
export interface HttpServices {
  version: string;
  log: Logger;
  health: HealthService;
  ingest: IngestHttpServices;
  metrics: MetricsRegistry;
  /** Addresses of reverse proxies whose X-Forwarded-For is believed. */
  trustedProxies: readonly string[];
}

export async function buildServer(services: HttpServices): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: services.log as unknown as FastifyBaseLogger,
    // Per-request lines would wear an SD card for every /metrics scrape; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    trustProxy: services.trustedProxies.length > 0 ? [...services.trustedProxies] : false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Homeward',
        version: services.version,
        description: 'Home-monitoring hub for the care circle of a person living with dementia.',
      },
    },
  });

  await app.register(healthRoutes, { health: services.health, version: services.version });
  await app.register(metricsRoutes, { metrics: services.metrics });
  await app.register(ingestRoutes, { services: services.ingest });

  app.get('/api/docs', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
