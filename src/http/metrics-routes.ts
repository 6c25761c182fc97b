import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import type { MetricsRegistry } from '../core/metrics.js';

/** GET /metrics: Prometheus text exposition format 0.0.4. */
export const metricsRoutes: FastifyPluginAsync<{ metrics: MetricsRegistry }> = async (app, options) => {
  app.get(
    '/metrics',
    {
      config: { public: true },
      schema: {
        summary: 'Prometheus metrics',
        tags: ['health'],
        produces: ['text/plain'],
        response: { 200: Type.String() },
      },
    },
    async (_request, reply) => {
      return reply.type('text/plain; version=0.0.4; charset=utf-8').send(options.metrics.render());
    },
  );
};
