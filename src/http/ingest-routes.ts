import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { CredentialSubject, HttpIngestRequest } from '../core/device-source.js';
import type { IngestAnswer } from '../ingest/ingest-service.js';

/**
 * HTTP ingest for phones and trackers that cannot reach the MQTT port (DESIGN.md, "HTTP in"):
 *   POST /ingest/owntracks      OwnTracks HTTP mode, HTTP Basic with the phone's credential
 *   GET|POST /ingest/osmand     Traccar Client / OsmAnd protocol; HTTP Basic, or — for trackers that can
 *                               send only an identifier — the device's long secret as `id`
 * A reading is committed before the 200 goes out, as a QoS 1 publish is before its PUBACK.
 */
export interface IngestHttpServices {
  /** The subject a device credential speaks for, if the password is right. */
  authenticate(username: string, password: string): CredentialSubject | undefined;
  /** The tracker whose secret identifier this is (OsmAnd trackers that send only an id). */
  subjectBySecret(secret: string): CredentialSubject | undefined;
  /** The identifier an OsmAnd request claims (query id/deviceid or JSON device_id). */
  osmandIdentifier(request: HttpIngestRequest): string | undefined;
  accept(subject: CredentialSubject, request: HttpIngestRequest, path: string): Promise<IngestAnswer>;
  /** False when an address has failed to authenticate too often recently. */
  allowAttempt(address: string): boolean;
  /** Records a failed authentication from an address. */
  failedAttempt(address: string): void;
  /** What OwnTracks expects in answer to a location: a JSON array of messages for the phone. */
  owntracksReply: string;
}

const ErrorReply = Type.Object({ error: Type.String(), detail: Type.Optional(Type.String()) }, { additionalProperties: false });

function basicCredentials(request: FastifyRequest): { username: string; password: string } | undefined {
  const header = request.headers.authorization;
  if (header === undefined || !/^basic /i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function toIngestRequest(request: FastifyRequest): HttpIngestRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  const query: Record<string, string> = {};
  for (const [name, value] of Object.entries((request.query ?? {}) as Record<string, unknown>)) {
    query[name] = Array.isArray(value) ? String(value[value.length - 1]) : String(value);
  }
  return { method: request.method === 'GET' ? 'GET' : 'POST', query, body: request.body ?? undefined, headers };
}

export const ingestRoutes: FastifyPluginAsync<{ services: IngestHttpServices }> = async (app, { services }) => {
  // OsmAnd devices POST form-encoded bodies; parse them here, inside this plugin only.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  async function refuseAuth(request: FastifyRequest, reply: FastifyReply) {
    services.failedAttempt(request.ip);
    request.log.warn({ address: request.ip, path: request.url.split('?')[0] }, 'refused HTTP ingest: bad or missing credential');
    return reply.code(401).header('www-authenticate', 'Basic realm="homeward", charset="UTF-8"').send({ error: 'unauthorised' });
  }

  async function answer(reply: FastifyReply, result: Promise<IngestAnswer>, ok: () => FastifyReply) {
    let outcome: IngestAnswer;
    try {
      outcome = await result;
    } catch {
      // Not committed (disk full, I/O error): a 5xx makes the phone keep the fix and try again.
      return reply.code(503).send({ error: 'not stored, try again' });
    }
    if (!outcome.accepted) return reply.code(400).send({ error: outcome.reason, detail: outcome.detail });
    return ok();
  }

  app.post(
    '/ingest/owntracks',
    {
      // Public to the dashboard's authentication: each device proves itself with its own credential below.
      config: { public: true },
      bodyLimit: 16 * 1024,
      schema: {
        summary: 'OwnTracks HTTP mode: one location (or other OwnTracks message) per request',
        tags: ['ingest'],
        body: Type.Object({ _type: Type.String() }, { additionalProperties: true }),
        response: { 200: Type.Array(Type.Unknown()), 400: ErrorReply, 401: ErrorReply, 429: ErrorReply, 503: ErrorReply },
      },
    },
    async (request, reply) => {
      if (!services.allowAttempt(request.ip)) return reply.code(429).send({ error: 'too many failed attempts' });
      const credentials = basicCredentials(request);
      const subject = credentials && services.authenticate(credentials.username, credentials.password);
      if (subject === undefined) return refuseAuth(request, reply);
      return answer(reply, services.accept(subject, toIngestRequest(request), '/ingest/owntracks'), () =>
        reply.code(200).type('application/json').send(JSON.parse(services.owntracksReply) as unknown[]),
      );
    },
  );

  const osmandSchema = {
    summary: 'OsmAnd protocol (Traccar Client and many GPS trackers): query, form or JSON',
    tags: ['ingest'],
    querystring: Type.Record(Type.String(), Type.String({ maxLength: 256 })),
    response: { 200: Type.String(), 400: ErrorReply, 401: ErrorReply, 429: ErrorReply, 503: ErrorReply },
  };
  const osmand = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!services.allowAttempt(request.ip)) return reply.code(429).send({ error: 'too many failed attempts' });
    const ingestRequest = toIngestRequest(request);
    const credentials = basicCredentials(request);
    let subject: CredentialSubject | undefined;
    if (credentials !== undefined) subject = services.authenticate(credentials.username, credentials.password);
    else {
      const secret = services.osmandIdentifier(ingestRequest);
      if (secret !== undefined) subject = services.subjectBySecret(secret);
    }
    if (subject === undefined) return refuseAuth(request, reply);
    return answer(reply, services.accept(subject, ingestRequest, '/ingest/osmand'), () => reply.code(200).type('text/plain').send(''));
  };
  app.get('/ingest/osmand', { config: { public: true }, schema: osmandSchema }, osmand);
  app.post('/ingest/osmand', { config: { public: true }, bodyLimit: 16 * 1024, schema: osmandSchema }, osmand);
  // Traccar's own server answers OsmAnd on its root path too; some trackers only let you set host and port.
  app.get('/', { config: { public: true }, schema: { ...osmandSchema, hide: true, response: { ...osmandSchema.response, 404: ErrorReply } } }, async (request, reply) => {
    // Without a query this is a person opening the hub's address: the dashboard answers.
    if (Object.keys((request.query ?? {}) as object).length === 0) return reply.callNotFound();
    return osmand(request, reply);
  });
};
