import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import type { ClockFinding } from '../core/clock-health.js';

export interface HealthService {
  uptimeS(): number;
  mqttClients(): number;
  /** Whether MQTT readings can reach the hub: false while an external broker is unreachable (issue 9, item 6). */
  mqttConnected?(): boolean;
  dbOk(): boolean;
  /** Is the clock right (issue 7, item 6): src/core/clock-health.ts. */
  clock(): ClockFinding;
}

const HealthResponse = Type.Object(
  {
    status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
    version: Type.String(),
    uptimeS: Type.Integer(),
    mqtt: Type.Object({
      clients: Type.Integer(),
      connected: Type.Optional(Type.Boolean({ description: 'with an external broker (HOMEWARD_MQTT_URL): whether the hub is connected to it' })),
    }),
    db: Type.Object({ ok: Type.Boolean() }),
    clock: Type.Object(
      {
        ok: Type.Boolean(),
        now: Type.String({ description: 'what the hub’s clock says' }),
        synchronised: Type.Union([Type.Boolean(), Type.Null()], { description: 'kept by NTP, as the system reports it; null where it cannot tell' }),
        problem: Type.Optional(Type.Union([Type.Literal('before-plausible'), Type.Literal('not-synchronised')])),
        detail: Type.Optional(Type.String()),
        fix: Type.Optional(Type.String()),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

/**
 * GET /api/health: for supervision from outside (uptime monitors, `homeward doctor`). No personal data.
 * 503 when the hub cannot do its job: the database is unusable, or the clock is obviously wrong (the
 * rules hold alerts back and push services refuse its signatures). A clock that is plausible but not
 * synchronised is "degraded" with 200: the hub works, but someone should fix it before it drifts.
 */
export const healthRoutes: FastifyPluginAsync<{ health: HealthService; version: string }> = async (app, options) => {
  app.get(
    '/api/health',
    {
      config: { public: true },
      schema: {
        summary: 'Is the hub up, is its database usable, is its clock right, how many MQTT clients are connected',
        tags: ['health'],
        response: { 200: HealthResponse, 503: HealthResponse },
      },
    },
    async (_request, reply) => {
      const dbOk = options.health.dbOk();
      const clock = options.health.clock();
      // A broker that is down is "degraded", not 503: the hub still keeps time, HTTP ingest and push (issue 9, item 6).
      const mqttConnected = options.health.mqttConnected?.();
      const body = {
        status: dbOk && clock.ok && mqttConnected !== false ? ('ok' as const) : ('degraded' as const),
        version: options.version,
        uptimeS: Math.floor(options.health.uptimeS()),
        mqtt: { clients: options.health.mqttClients(), ...(mqttConnected === undefined ? {} : { connected: mqttConnected }) },
        db: { ok: dbOk },
        clock: { ...clock, now: new Date(clock.now).toISOString() },
      };
      return reply.code(dbOk && clock.problem !== 'before-plausible' ? 200 : 503).send(body);
    },
  );
};
