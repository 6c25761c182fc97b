import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import { addressKey, type LoginThrottle } from '../accounts/login-throttle.js';
import { MAX_PASSWORD_LENGTH } from '../accounts/password-policy.js';
import type { SessionService } from '../accounts/session-service.js';
import type { SetupService } from '../accounts/setup-service.js';
import type { Clock } from '../core/clock.js';
import { isHomewardError } from '../core/errors.js';
import type { AuditRepo } from '../store/audit-repo.js';
import { SignedInReply, tooSoon } from './auth-routes.js';
import { ErrorReply } from './authenticate.js';
import { sessionCookie } from './session-cookie.js';

/**
 * The first owner (issue 5, item 1): there is no default account; the hub prints a one-time setup
 * link while it has no owner, and the dashboard's setup page posts it here with the owner's details.
 *   GET  /api/setup   {needed}: does the household still need its owner?
 *   POST /api/setup   {token,email,name,password}: creates the owner, uses up the link, signs them in.
 */
export interface SetupRouteServices {
  setup: SetupService;
  sessions: Pick<SessionService, 'start' | 'settings'>;
  /** Slows down guessing of setup links per address (they cannot be guessed; it is cheap insurance). */
  throttle: LoginThrottle;
  audit: AuditRepo;
  clock: Clock;
  secureCookies(request: FastifyRequest): boolean;
}

const SetupBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 128 }),
    email: Type.String({ minLength: 1, maxLength: 254 }),
    name: Type.String({ minLength: 1, maxLength: 100 }),
    password: Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH * 4 }),
  },
  { additionalProperties: false },
);

export const setupRoutes: FastifyPluginAsync<{ services: SetupRouteServices }> = async (app, { services }) => {
  const { setup, sessions, throttle, audit, clock } = services;

  app.get(
    '/api/setup',
    {
      config: { public: true },
      schema: { summary: 'Does the household still need its owner (is the setup link in force)?', tags: ['auth'], response: { 200: Type.Object({ needed: Type.Boolean() }, { additionalProperties: false }) } },
    },
    async () => ({ needed: setup.needed() }),
  );

  app.post<{ Body: Static<typeof SetupBody> }>(
    '/api/setup',
    {
      config: { public: true },
      bodyLimit: 8 * 1024,
      schema: {
        summary: "Create the owner's account with the one-time setup link, and sign in",
        tags: ['auth'],
        body: SetupBody,
        response: { 201: SignedInReply, 400: ErrorReply, 403: ErrorReply, 409: ErrorReply, 429: Type.Object({ error: Type.String(), retryAfterS: Type.Integer() }), 503: Type.Object({ error: Type.String(), retryAfterS: Type.Integer() }) },
      },
    },
    async (request, reply) => {
      const decision = throttle.begin({ address: `setup:${addressKey(request.ip)}` });
      if (!decision.allowed) return tooSoon(reply, 429, 'too_many_attempts', decision.retryAfterMs);
      const { token, ...owner } = request.body;
      try {
        const user = await setup.complete(token, owner);
        decision.attempt.succeeded();
        const started = sessions.start(user.id, { userAgent: request.headers['user-agent'], address: request.ip });
        audit.append({ at: clock.now(), userId: user.id, action: 'setup.completed', target: `user:${user.id}`, details: { address: request.ip } });
        request.log.warn({ userId: user.id, address: request.ip }, 'setup link used: the household has its owner');
        const cookie = sessionCookie(started.token, { maxAgeS: sessions.settings.absoluteMs / 1000, secure: services.secureCookies(request) });
        return reply.code(201).header('set-cookie', cookie).send({ user, csrfToken: started.csrfToken });
      } catch (error) {
        if (isHomewardError(error, 'HW_INVITATION_INVALID')) {
          request.log.warn({ address: request.ip }, 'refused setup: link unknown, used or expired');
          return reply.code(403).send({ error: 'setup_link_invalid', detail: error.message });
        }
        // Not a guess at the link: the person holding it typed a weak password or a bad email.
        decision.attempt.cancelled();
        if (isHomewardError(error, 'HW_PASSWORD_WEAK')) return reply.code(400).send({ error: 'weak_password', detail: error.message });
        if (isHomewardError(error, 'HW_USAGE')) return reply.code(400).send({ error: 'invalid_account', detail: error.message });
        if (isHomewardError(error, 'HW_ACCOUNT_EXISTS')) return reply.code(409).send({ error: 'account_exists', detail: error.message });
        if (isHomewardError(error, 'HW_BUSY')) return tooSoon(reply, 503, 'busy', 1000);
        throw error;
      }
    },
  );
};
