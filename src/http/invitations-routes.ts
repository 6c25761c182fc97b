import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import { addressKey } from '../accounts/login-throttle.js';
import { MAX_PASSWORD_LENGTH } from '../accounts/password-policy.js';
import type { CircleRouteServices } from '../circle/circle-services.js';
import { MAX_INVITATION_HOURS, type InvitationSummary } from '../circle/invitation-service.js';
import { isHomewardError } from '../core/errors.js';
import { SignedInReply, tooSoon } from './auth-routes.js';
import { callerOf, ErrorReply } from './authenticate.js';
import { RoleSchema } from './members-routes.js';
import { sessionCookie } from './session-cookie.js';
import { iso, isoOrNull } from '../core/iso-time.js';

/**
 * Invitations (issue 5, item 2): the owner invites by a link carrying a role; single-use, expiring.
 *   POST   /api/invitations            {role, email?, name?, validForHours?} → 201 with the link, shown once (people.manage)
 *   GET    /api/invitations            every invitation and what became of it, never a token (people.manage)
 *   DELETE /api/invitations/:id        withdraws an unused one (people.manage)
 *   GET    /api/invitations/:token     public: is this link valid, for which role, from whom
 *   POST   /api/invitations/accept     public: {token,email,name,password} creates the account and signs in
 * The public routes are throttled per address (as the setup link is): links cannot be guessed, and
 * this keeps it so cheaply.
 */
const InvitationSchema = Type.Object(
  {
    id: Type.Integer(),
    role: RoleSchema,
    email: Type.Union([Type.String(), Type.Null()], { description: 'the only email that may accept it, if any' }),
    name: Type.Union([Type.String(), Type.Null()]),
    status: Type.Union([Type.Literal('pending'), Type.Literal('used'), Type.Literal('expired'), Type.Literal('revoked')]),
    invitedBy: Type.Union([Type.Object({ id: Type.Integer(), name: Type.String() }, { additionalProperties: false }), Type.Null()]),
    createdAt: Type.String(),
    expiresAt: Type.String(),
    usedAt: Type.Union([Type.String(), Type.Null()]),
    usedBy: Type.Union([Type.Object({ id: Type.Integer(), name: Type.String() }, { additionalProperties: false }), Type.Null()]),
    revokedAt: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);

const CreateBody = Type.Object(
  {
    role: RoleSchema,
    email: Type.Optional(Type.String({ minLength: 1, maxLength: 254, description: 'bind the invitation to this email' })),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'who it is for, to tell invitations apart' })),
    validForHours: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_INVITATION_HOURS, default: 7 * 24 })),
  },
  { additionalProperties: false },
);

const ListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    before: Type.Optional(Type.Integer({ minimum: 1, description: 'an invitation id: list older ones (the previous page’s nextBefore)' })),
  },
  { additionalProperties: false },
);

const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 31 }) }, { additionalProperties: false });
const TokenParams = Type.Object({ token: Type.String({ minLength: 1, maxLength: 128 }) }, { additionalProperties: false });

const AcceptBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 128 }),
    email: Type.String({ minLength: 1, maxLength: 254 }),
    name: Type.String({ minLength: 1, maxLength: 100 }),
    password: Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH * 4 }),
  },
  { additionalProperties: false },
);

const CheckReply = Type.Union([
  Type.Object({ valid: Type.Literal(false) }, { additionalProperties: false }),
  Type.Object(
    {
      valid: Type.Literal(true),
      role: RoleSchema,
      email: Type.Union([Type.String(), Type.Null()]),
      name: Type.Union([Type.String(), Type.Null()]),
      invitedBy: Type.Union([Type.String(), Type.Null()]),
      expiresAt: Type.String(),
    },
    { additionalProperties: false },
  ),
]);

const ThrottledReply = Type.Object({ error: Type.String(), retryAfterS: Type.Integer() }, { additionalProperties: false });


function invitationJson(invitation: InvitationSummary): Static<typeof InvitationSchema> {
  return {
    ...invitation,
    createdAt: iso(invitation.createdAt),
    expiresAt: iso(invitation.expiresAt),
    usedAt: isoOrNull(invitation.usedAt),
    revokedAt: isoOrNull(invitation.revokedAt),
  };
}

export const invitationsRoutes: FastifyPluginAsync<{ services: CircleRouteServices }> = async (app, { services }) => {
  const { invitations, sessions, throttle, audit, clock } = services;
  const secure = (request: FastifyRequest) => services.publicHttps || request.protocol === 'https';
  const throttleKey = (request: FastifyRequest) => ({ address: `invite:${addressKey(request.ip)}` });

  app.post<{ Body: Static<typeof CreateBody> }>(
    '/api/invitations',
    {
      config: { permission: 'people.manage' },
      bodyLimit: 4 * 1024,
      schema: {
        summary: 'Invite someone into the circle with a role; the link is in this answer only',
        description: `Valid for validForHours (default 7 days, at most ${MAX_INVITATION_HOURS / 24}); used once. With an email, only that email can accept it.`,
        tags: ['circle'],
        body: CreateBody,
        response: { 201: Type.Object({ invitation: InvitationSchema, link: Type.String() }, { additionalProperties: false }), 400: ErrorReply, 409: ErrorReply },
      },
    },
    async (request, reply) => {
      const made = invitations.create(callerOf(request).user.id, request.body);
      return reply.code(201).send({ invitation: invitationJson(made.invitation), link: made.link });
    },
  );

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/api/invitations',
    {
      config: { permission: 'people.manage' },
      schema: {
        summary: 'Invitations, newest first: pending, used, expired and revoked (never their links)',
        tags: ['circle'],
        querystring: ListQuery,
        response: {
          200: Type.Object({ invitations: Type.Array(InvitationSchema), nextBefore: Type.Union([Type.Integer(), Type.Null()]) }, { additionalProperties: false }),
          400: ErrorReply,
        },
      },
    },
    async (request) => {
      const page = invitations.list(request.query.limit, request.query.before);
      const last = page.at(-1);
      return { invitations: page.map(invitationJson), nextBefore: page.length === request.query.limit && last !== undefined ? last.id : null };
    },
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    '/api/invitations/:id',
    {
      config: { permission: 'people.manage' },
      schema: {
        summary: 'Withdraw an invitation that has not been used; its link stops working at once',
        tags: ['circle'],
        params: IdParams,
        response: { 204: Type.Null(), 400: ErrorReply, 404: ErrorReply, 409: ErrorReply },
      },
    },
    async (request, reply) => {
      invitations.revoke(callerOf(request).user.id, request.params.id);
      return reply.code(204).send();
    },
  );

  app.get<{ Params: Static<typeof TokenParams> }>(
    '/api/invitations/:token',
    {
      config: { public: true },
      schema: {
        summary: 'Is this invitation link valid, for which role, and from whom (the invitation page asks before showing its form)',
        description: 'One answer, {"valid":false}, for links that are unknown, used, expired or withdrawn.',
        tags: ['circle'],
        params: TokenParams,
        response: { 200: CheckReply, 400: ErrorReply, 429: ThrottledReply },
      },
    },
    async (request, reply) => {
      const decision = throttle.begin(throttleKey(request));
      if (!decision.allowed) return tooSoon(reply, 429, 'too_many_attempts', decision.retryAfterMs);
      const check = invitations.check(request.params.token);
      if (check.valid) {
        decision.attempt.succeeded();
        return { ...check, expiresAt: iso(check.expiresAt) };
      }
      return check;
    },
  );

  app.post<{ Body: Static<typeof AcceptBody> }>(
    '/api/invitations/accept',
    {
      config: { public: true },
      bodyLimit: 8 * 1024,
      schema: {
        summary: 'Accept an invitation: create the account with its role, use it up, and sign in',
        description:
          'Answers like POST /api/setup: sets the session cookie and returns {user, csrfToken}. An invitation bound to an email accepts only that email (403 invitation_email_mismatch).',
        tags: ['circle'],
        body: AcceptBody,
        response: { 201: SignedInReply, 400: ErrorReply, 403: ErrorReply, 409: ErrorReply, 429: ThrottledReply, 503: ThrottledReply },
      },
    },
    async (request, reply) => {
      const decision = throttle.begin(throttleKey(request));
      if (!decision.allowed) return tooSoon(reply, 429, 'too_many_attempts', decision.retryAfterMs);
      const { token, ...account } = request.body;
      try {
        const user = await invitations.accept(token, account);
        decision.attempt.succeeded();
        const started = sessions.start(user.id, { userAgent: request.headers['user-agent'], address: request.ip });
        audit.append({ at: clock.now(), userId: user.id, action: 'session.started', target: `session:${started.session.id}`, details: { via: 'invitation', address: request.ip } });
        const cookie = sessionCookie(started.token, { maxAgeS: sessions.settings.absoluteMs / 1000, secure: secure(request) });
        return reply.code(201).header('set-cookie', cookie).send({ user, csrfToken: started.csrfToken });
      } catch (error) {
        if (isHomewardError(error, 'HW_INVITATION_INVALID')) request.log.warn({ address: request.ip }, 'refused invitation: link unknown, used, expired or withdrawn');
        // Anything else is not a guess at a link: its holder typed a weak password, another email, a taken one.
        else decision.attempt.cancelled();
        throw error;
      }
    },
  );
};
