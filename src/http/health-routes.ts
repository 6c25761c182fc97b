import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';

export interface HealthService {
  uptimeS(): number;
  mqttClients(): number;
  dbOk(): boolean;
}

const HealthResponse = Type.Object(
  {
    status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
    version: Type.String(),
    uptimeS: Type.Integer(),
    mqtt: Type.Object({ clients: Type.Integer() }),
    db: Type.Object({ ok: Type.Boolean() }),
  },
  { additionalProperties: false },
);

/** GET /api/health: for supervision from outside (uptime monitors, `homeward doctor`). No personal data. */
export const healthRoutes: FastifyPluginAsync<{ health: HealthService; version: string }> = async (app, options) => {
  app.get(
    '/api/health',
    {
      config: { public: true },
      schema: {
        summary: 'Is the hub up, is its database usable, how many MQTT clients are connected',
        tags: ['health'],
        response: { 200: HealthResponse, 503: HealthResponse },
      },
    },
    async (_request, reply) => {
      const dbOk = options.health.dbOk();
      const body = {
        status: dbOk ? ('ok' as const) : ('degraded' as const),
        version: options.version,
        uptimeS: Math.floor(options.health.uptimeS()),
        mqtt: { clients: options.health.mqttClients() },
        db: { ok: dbOk },
      };
      return reply.code(dbOk ? 200 : 503).send(body);
    },
  );
};
