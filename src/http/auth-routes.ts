import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import type { ApiTokenService } from '../accounts/api-token-service.js';
import type { LoginService } from '../accounts/login-service.js';
import { MAX_PASSWORD_LENGTH } from '../accounts/password-policy.js';
import { roles } from '../accounts/roles.js';
import type { SessionService } from '../accounts/session-service.js';
import type { Clock } from '../core/clock.js';
import type { AuditRepo } from '../store/audit-repo.js';
import { callerOf, ErrorReply } from './authenticate.js';
import { clearedSessionCookie, sessionCookie } from './session-cookie.js';
import { iso, isoOrNull } from '../core/iso-time.js';

/**
 * Signing in and out, who am I, and one's own API tokens (DESIGN.md, "HTTP"; issue 5, item 3):
 *   POST /api/auth/login {email,password}   sets the session cookie; {user, csrfToken}
 *   POST /api/auth/logout                   ends this session, clears the cookie
 *   POST /api/auth/logout-everywhere        ends every session of this person ("sign out everywhere")
 *   GET  /api/auth/session                  this session's CSRF token and expiry (after a page reload)
 *   GET  /api/me                            {id,email,name,role}
 *   GET|POST /api/me/tokens, DELETE /api/me/tokens/:id   one's API tokens: listed, made (shown once), revoked
 */
export interface AuthRouteServices {
  login: LoginService;
  sessions: Pick<SessionService, 'end' | 'endAllFor' | 'settings'>;
  apiTokens: Pick<ApiTokenService, 'issue' | 'listFor' | 'revoke'>;
  audit: AuditRepo;
  clock: Clock;
  secureCookies(request: FastifyRequest): boolean;
}

export const PublicUserSchema = Type.Object(
  {
    id: Type.Integer(),
    email: Type.String(),
    name: Type.String(),
    role: Type.Union(roles.map((role) => Type.Literal(role))),
  },
  { additionalProperties: false },
);

export const SignedInReply = Type.Object({ user: PublicUserSchema, csrfToken: Type.String() }, { additionalProperties: false });

const LoginBody = Type.Object(
  // The password's limit is generous (the policy's maximum, in UTF-16 units of any script) but finite: each one is hashed.
  { email: Type.String({ minLength: 1, maxLength: 254 }), password: Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH * 4 }) },
  { additionalProperties: false },
);

const TokenBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false });
const TokenParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

const ThrottledReply = Type.Object({ error: Type.String(), retryAfterS: Type.Integer() }, { additionalProperties: false });

const SessionReply = Type.Object(
  { user: PublicUserSchema, csrfToken: Type.String(), idleExpiresAt: Type.String(), expiresAt: Type.String() },
  { additionalProperties: false },
);

const ApiTokenSummary = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    createdAt: Type.String(),
    lastUsedAt: Type.Union([Type.String(), Type.Null()]),
    revokedAt: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);


/** Answers "try again later" with Retry-After in whole seconds (RFC 9110 §10.2.3). */
export function tooSoon(reply: FastifyReply, status: 429 | 503, error: string, retryAfterMs: number): FastifyReply {
  const retryAfterS = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return reply.code(status).header('retry-after', String(retryAfterS)).send({ error, retryAfterS });
}

export const authRoutes: FastifyPluginAsync<{ services: AuthRouteServices }> = async (app, { services }) => {
  const { login, sessions, apiTokens, audit, clock } = services;
  const signedIn = (request: FastifyRequest, reply: FastifyReply, token: string) =>
    reply.header('set-cookie', sessionCookie(token, { maxAgeS: sessions.settings.absoluteMs / 1000, secure: services.secureCookies(request) }));
  const signedOut = (request: FastifyRequest, reply: FastifyReply) => reply.header('set-cookie', clearedSessionCookie({ secure: services.secureCookies(request) }));

  app.post<{ Body: Static<typeof LoginBody> }>(
    '/api/auth/login',
    {
      config: { public: true },
      bodyLimit: 8 * 1024,
      schema: {
        summary: 'Sign in with email and password; sets the homeward_session cookie',
        description: 'Unknown emails and wrong passwords get the same 401. Repeated failures per account and per address are slowed down (429 with Retry-After).',
        tags: ['auth'],
        body: LoginBody,
        response: { 200: SignedInReply, 401: ErrorReply, 429: ThrottledReply, 503: ThrottledReply },
      },
    },
    async (request, reply) => {
      const result = await login.login({ ...request.body, address: request.ip, userAgent: request.headers['user-agent'] });
      switch (result.outcome) {
        case 'signed-in':
          return signedIn(request, reply, result.session.token).send({ user: result.user, csrfToken: result.session.csrfToken });
        case 'refused':
          return reply.code(401).send({ error: 'invalid_credentials' });
        case 'throttled':
          return tooSoon(reply, 429, 'too_many_attempts', result.retryAfterMs);
        case 'busy':
          return tooSoon(reply, 503, 'busy', result.retryAfterMs);
      }
    },
  );

  app.post(
    '/api/auth/logout',
    {
      config: { permission: 'me.sessions' },
      schema: { summary: 'Sign out: end this session and clear its cookie', tags: ['auth'], response: { 204: Type.Null(), 400: ErrorReply } },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      if (caller.via !== 'session') return reply.code(400).send({ error: 'not_a_session', detail: 'an API token is revoked, not signed out' });
      sessions.end(caller.sessionToken);
      audit.append({ at: clock.now(), userId: caller.user.id, action: 'session.ended', target: `session:${caller.sessionId}` });
      return signedOut(request, reply).code(204).send();
    },
  );

  app.post(
    '/api/auth/logout-everywhere',
    {
      config: { permission: 'me.sessions' },
      schema: {
        summary: "Sign out everywhere: end every one of this person's sessions (API tokens are revoked separately)",
        tags: ['auth'],
        response: { 200: Type.Object({ sessionsEnded: Type.Integer() }, { additionalProperties: false }) },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const ended = sessions.endAllFor(caller.user.id);
      audit.append({ at: clock.now(), userId: caller.user.id, action: 'session.ended-everywhere', target: `user:${caller.user.id}`, details: { sessionsEnded: ended } });
      if (caller.via === 'session') signedOut(request, reply);
      return reply.send({ sessionsEnded: ended });
    },
  );

  app.get(
    '/api/auth/session',
    {
      config: { permission: 'me.sessions' },
      schema: {
        summary: "This session: its CSRF token (for a dashboard that has reloaded) and when it ends",
        tags: ['auth'],
        response: { 200: SessionReply, 400: ErrorReply },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      if (caller.via !== 'session') return reply.code(400).send({ error: 'not_a_session' });
      return reply.send({ user: caller.user, csrfToken: caller.csrfToken, idleExpiresAt: iso(caller.idleExpiresAt), expiresAt: iso(caller.expiresAt) });
    },
  );

  app.get(
    '/api/me',
    { config: { permission: 'me.read' }, schema: { summary: 'Who am I: id, email, name and role', tags: ['auth'], response: { 200: PublicUserSchema } } },
    async (request) => callerOf(request).user,
  );

  app.get(
    '/api/me/tokens',
    {
      config: { permission: 'me.tokens' },
      schema: { summary: 'My API tokens (never the tokens themselves)', tags: ['auth'], response: { 200: Type.Object({ tokens: Type.Array(ApiTokenSummary) }, { additionalProperties: false }) } },
    },
    async (request) => ({
      tokens: apiTokens.listFor(callerOf(request).user.id).map((t) => ({ id: t.id, name: t.name, createdAt: iso(t.createdAt), lastUsedAt: isoOrNull(t.lastUsedAt), revokedAt: isoOrNull(t.revokedAt) })),
    }),
  );

  app.post<{ Body: Static<typeof TokenBody> }>(
    '/api/me/tokens',
    {
      config: { permission: 'me.tokens' },
      bodyLimit: 4 * 1024,
      schema: {
        summary: 'Make an API token for a script; the token is shown in this answer only',
        description: 'Needs a signed-in session: a token cannot mint further tokens, so revoking a leaked token is enough.',
        tags: ['auth'],
        body: TokenBody,
        response: { 201: Type.Object({ id: Type.Integer(), name: Type.String(), token: Type.String(), createdAt: Type.String() }, { additionalProperties: false }), 403: ErrorReply },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      if (caller.via !== 'session') return reply.code(403).send({ error: 'session_required' });
      const issued = apiTokens.issue(caller.user.id, request.body.name);
      return reply.code(201).send({ id: issued.apiToken.id, name: issued.apiToken.name, token: issued.token, createdAt: iso(issued.apiToken.createdAt) });
    },
  );

  app.delete<{ Params: Static<typeof TokenParams> }>(
    '/api/me/tokens/:id',
    {
      config: { permission: 'me.tokens' },
      schema: {
        summary: 'Revoke one of my API tokens; it stops working at once',
        tags: ['auth'],
        params: TokenParams,
        response: { 204: Type.Null(), 404: ErrorReply },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      if (!apiTokens.revoke(caller.user.id, request.params.id)) return reply.code(404).send({ error: 'not_found' });
      return reply.code(204).send();
    },
  );
};
