import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema, RouteOptions } from 'fastify';
import Type from 'typebox';
import type { PublicUser } from '../accounts/account-service.js';
import { publicUser } from '../accounts/account-service.js';
import type { ApiTokenService } from '../accounts/api-token-service.js';
import { sameSecret } from '../accounts/secret-token.js';
import type { SessionService } from '../accounts/session-service.js';
import type { Logger } from '../core/logger.js';
import { isPermission, roleMay, type Permission } from './permissions.js';
import { clearedSessionCookie, readCookie, SESSION_COOKIE } from './session-cookie.js';

/**
 * Who is asking, and may they (issue 5, items 3 and 5). One onRequest hook on the root instance:
 *   - a route declaring `config: { public: true }` is open (health, metrics, docs, log-in, setup, and
 *     /ingest/*, whose devices authenticate themselves with their own credentials);
 *   - a route declaring `config: { permission }` needs a session cookie or `Authorization: Bearer`
 *     with an API token, whose person's role the permission table allows;
 *   - a route declaring neither is refused, whoever asks (deny by default), and logged at start.
 * Cookie-authenticated requests that change state must carry the session's CSRF token in
 * `x-csrf-token`; Bearer requests need none (a browser never adds that header by itself).
 * It runs at onRequest, before any body is parsed: an unauthenticated request costs no parsing.
 */
declare module 'fastify' {
  interface FastifyContextConfig {
    /** The permission (src/http/permissions.ts) a caller's role must grant. */
    permission?: Permission;
    /** Open to anyone: the route checks whatever it needs itself. */
    public?: boolean;
  }
  interface FastifyRequest {
    /** The caller, on routes that declare a permission; null on public routes. */
    auth: Caller | null;
  }
}

export type Caller =
  | { via: 'session'; user: PublicUser; sessionId: number; sessionToken: string; csrfToken: string; idleExpiresAt: number; expiresAt: number }
  | { via: 'api-token'; user: PublicUser; apiTokenId: number };

export interface AuthenticationServices {
  sessions: Pick<SessionService, 'resolve'>;
  apiTokens: Pick<ApiTokenService, 'resolve'>;
  /** True when the session cookie must be marked Secure for this request. */
  secureCookies(request: FastifyRequest): boolean;
}

export const ErrorReply = Type.Object({ error: Type.String(), detail: Type.Optional(Type.String()) }, { additionalProperties: false });

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function bearerToken(request: FastifyRequest): string | undefined | null {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^bearer\s+(\S+)\s*$/i.exec(header);
  // An Authorization header that is not a Bearer token is a wrong credential, not an absent one.
  return match === null ? null : (match[1] as string);
}

/** Adds 401 and 403 to a protected route's documented answers, and says how it is authenticated. */
function documentProtection(schema: FastifySchema | undefined, permission: Permission): FastifySchema {
  const response = (schema?.response ?? {}) as Record<string, unknown>;
  return {
    ...schema,
    response: { 401: ErrorReply, 403: ErrorReply, ...response },
    security: [{ sessionCookie: [] }, { apiToken: [] }],
    description: `${schema?.description ? `${schema.description}\n\n` : ''}Permission: \`${permission}\`.`,
  } as FastifySchema;
}

export function installAuthentication(app: FastifyInstance, services: AuthenticationServices, log: Logger): void {
  app.decorateRequest('auth', null);

  app.addHook('onRoute', (route: RouteOptions) => {
    const config = route.config ?? {};
    if (config.public === true) return;
    if (config.permission === undefined) {
      log.error({ method: route.method, url: route.url }, 'route declares neither a permission nor public: every request to it will be refused');
      return;
    }
    if (!isPermission(config.permission)) throw new Error(`route ${String(route.method)} ${route.url}: unknown permission "${String(config.permission)}"`);
    route.schema = documentProtection(route.schema, config.permission);
  });

  function refuse(reply: FastifyReply, status: 401 | 403, error: string): FastifyReply {
    return reply.code(status).send({ error });
  }

  app.addHook('onRequest', async (request, reply) => {
    if (request.is404) return;
    const config = request.routeOptions.config;
    const changesState = STATE_CHANGING.has(request.method);
    // Browsers label a request another site's page made; no legitimate caller of ours sends that
    // to a state-changing /api route (log-in CSRF included, which SameSite cannot stop).
    if (changesState && request.url.startsWith('/api/') && request.headers['sec-fetch-site'] === 'cross-site') return refuse(reply, 403, 'cross_site_request');
    if (config.public === true) return;
    const permission = config.permission;
    if (permission === undefined) return refuse(reply, 403, 'forbidden');

    const bearer = bearerToken(request);
    if (bearer !== undefined) {
      const found = bearer === null ? undefined : services.apiTokens.resolve(bearer);
      if (found === undefined) return refuse(reply.header('www-authenticate', 'Bearer realm="homeward"'), 401, 'unauthenticated');
      request.auth = { via: 'api-token', user: publicUser(found.user), apiTokenId: found.apiToken.id };
    } else {
      const token = readCookie(request.headers.cookie, SESSION_COOKIE);
      const active = token === undefined ? undefined : services.sessions.resolve(token);
      if (token === undefined || active === undefined) {
        // An ended session's cookie is cleared, so the browser stops sending it.
        if (token !== undefined) reply.header('set-cookie', clearedSessionCookie({ secure: services.secureCookies(request) }));
        return refuse(reply, 401, 'unauthenticated');
      }
      if (changesState) {
        const presented = request.headers['x-csrf-token'];
        if (typeof presented !== 'string' || !sameSecret(presented, active.session.csrfToken)) return refuse(reply, 403, 'csrf_token_invalid');
      }
      request.auth = {
        via: 'session',
        user: publicUser(active.user),
        sessionId: active.session.id,
        sessionToken: token,
        csrfToken: active.session.csrfToken,
        idleExpiresAt: active.idleExpiresAt,
        expiresAt: active.session.expiresAt,
      };
    }
    if (!roleMay(request.auth.user.role, permission)) return refuse(reply, 403, 'forbidden');
  });
}

/** The caller of a route that declares a permission (the hook guarantees one). */
export function callerOf(request: FastifyRequest): Caller {
  if (request.auth === null) throw new Error(`no caller on ${request.method} ${request.url}: does the route declare a permission?`);
  return request.auth;
}
