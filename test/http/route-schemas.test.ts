import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import SerializerSelector from '@fastify/fast-json-stringify-compiler';
import { buildServer, type HttpServices } from '../../src/http/server.js';
import { compiledOnFirstUse, serializersOnFirstUse, validatorsOnFirstUse } from '../../src/http/route-schemas.js';

/**
 * Route schemas are compiled on each route's first request (route-schemas.ts: 11 MiB of the idle
 * hub's RSS went on compiling them all at start). Fastify must not be able to tell: the same
 * answers, errors and coercions as its own compilers give, and a schema that cannot compile still
 * fails a test, here, since the hub no longer finds out at start.
 */
const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** A service that is never reached: only the routes' registration runs, which takes references and calls nothing. */
function unreached(): never {
  const handler: ProxyHandler<() => unknown> = {
    get: (_target, key) => (key === 'then' || typeof key === 'symbol' ? undefined : unreached()),
    apply: () => {
      throw new Error('a route-schema test reached a service');
    },
  };
  return new Proxy(() => undefined, handler) as never;
}

function servicesFor(compileSchemas: HttpServices['compileSchemas']): HttpServices {
  return {
    version: '0.0.0-test',
    log: pino({ level: 'silent' }),
    health: unreached(),
    ingest: unreached(),
    metrics: unreached(),
    trustedProxies: [],
    accounts: unreached(),
    api: unreached(),
    push: unreached(),
    dashboard: { map: { tiles: 'https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png', attribution: '© OpenStreetMap' } },
    compileSchemas,
  };
}

/** The same route on Fastify as it comes, and with this file's compilers. */
function twoApps(register: (app: FastifyInstance) => void): [FastifyInstance, FastifyInstance] {
  const ajv = { customOptions: { removeAdditional: false, coerceTypes: 'array' as const, allErrors: false } };
  const stock = Fastify({ ajv });
  const deferred = Fastify({ ajv: { ...ajv, onCreate: validatorsOnFirstUse }, schemaController: { compilersFactory: { buildSerializer: serializersOnFirstUse() } } });
  for (const app of [stock, deferred]) {
    register(app);
    apps.push(app);
  }
  return [stock, deferred];
}

describe('route schemas compiled on first use', () => {
  it("compiles every route's schemas when asked to at start, as Fastify did before", async () => {
    const app = await buildServer(servicesFor('at-start'));
    apps.push(app);
    await expect(app.ready()).resolves.toBeDefined();
  });

  it('answers a request that fails its schema the same either way', async () => {
    const answers = [];
    for (const mode of ['at-start', 'on-first-use'] as const) {
      const app = await buildServer(servicesFor(mode));
      apps.push(app);
      const reply = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'olive@example.org', remember: 'yes' } });
      answers.push({ status: reply.statusCode, body: reply.json() as unknown });
    }
    expect(answers[0]).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    expect(answers[1]).toEqual(answers[0]);
  });

  it('validates bodies, headers, query strings and parameters exactly as Fastify does, header names in any case', async () => {
    const apps = twoApps((app) =>
      app.put(
        '/doses/:id',
        {
          schema: {
            params: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] },
            querystring: { type: 'object', properties: { tags: { type: 'array', items: { type: 'string' } } } },
            headers: { type: 'object', properties: { 'If-Match': { type: 'string', maxLength: 4 } }, required: ['If-Match'] },
            body: { type: 'object', properties: { taken: { type: 'boolean' } }, required: ['taken'], additionalProperties: false },
          },
        },
        async (request) => ({ params: request.params, query: request.query, body: request.body }),
      ),
    );
    const requests = [
      { url: '/doses/7?tags=morning', headers: { 'if-match': '"3"' }, payload: { taken: true } },
      { url: '/doses/seven', headers: { 'if-match': '"3"' }, payload: { taken: true } },
      { url: '/doses/7', headers: {}, payload: { taken: true } },
      { url: '/doses/7', headers: { 'if-match': '"12345"' }, payload: { taken: true } },
      { url: '/doses/7', headers: { 'if-match': '"3"' }, payload: { taken: true, by: 'Olive' } },
      { url: '/doses/7', headers: { 'if-match': '"3"' }, payload: {} },
    ];
    for (const request of requests) {
      const [stock, deferred] = await Promise.all(apps.map((app) => app.inject({ method: 'PUT', ...request })));
      expect({ status: deferred?.statusCode, body: deferred?.body }).toEqual({ status: stock?.statusCode, body: stock?.body });
    }
  });

  it('serialises answers exactly as Fastify does, leaving out what the response schema does not name', async () => {
    const apps = twoApps((app) =>
      app.get(
        '/incident',
        { schema: { response: { 200: { type: 'object', properties: { id: { type: 'integer' }, openedAt: { type: 'string' } }, additionalProperties: false } } } },
        async () => ({ id: 4, openedAt: '2026-03-29T01:30:00.000Z', secretNote: 'not for the answer' }),
      ),
    );
    const [stock, deferred] = await Promise.all(apps.map((app) => app.inject({ method: 'GET', url: '/incident' })));
    expect(stock?.body).toBe('{"id":4,"openedAt":"2026-03-29T01:30:00.000Z"}');
    expect(deferred?.body).toBe(stock?.body);
  });

  it('compiles once, on first use, and forwards what the compiled function carries', () => {
    let compilations = 0;
    const validate = Object.assign((data: unknown) => data === 'ok', { errors: null as unknown, schemaEnv: { schema: true } });
    const standIn = compiledOnFirstUse(() => {
      compilations++;
      return validate;
    });
    expect(compilations).toBe(0);
    expect(standIn('ok')).toBe(true);
    validate.errors = [{ instancePath: '/taken' }];
    expect(standIn.errors).toEqual([{ instancePath: '/taken' }]);
    expect(standIn.schemaEnv).toBe(validate.schemaEnv);
    expect(standIn('no')).toBe(false);
    expect(compilations).toBe(1);
  });

  it('leaves a schema with an $id to Ajv at once, which keeps it by that id for the next route', () => {
    const compiled: unknown[] = [];
    const ajv = {
      compile(schema: unknown) {
        compiled.push(schema);
        return () => true;
      },
    };
    validatorsOnFirstUse(ajv);
    ajv.compile({ type: 'string' });
    expect(compiled).toEqual([]);
    ajv.compile({ $id: 'dose', type: 'object' });
    expect(compiled).toEqual([{ $id: 'dose', type: 'object' }]);
  });

  it("hands out Fastify's own serializers, made on first use", () => {
    const route = { method: 'GET', url: '/incident', httpStatus: '200', schema: { type: 'object', properties: { id: { type: 'integer' } } } };
    const serialise = serializersOnFirstUse()({}, {})(route);
    expect(serialise({ id: 4, extra: true })).toBe(SerializerSelector()({}, {})(route)({ id: 4, extra: true }));
  });
});
