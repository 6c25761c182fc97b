import type { FastifyPluginAsync } from 'fastify';
import Type, { type Static } from 'typebox';
import { roles } from '../accounts/roles.js';
import type { CircleRouteServices } from '../circle/circle-services.js';
import type { Member } from '../circle/member-service.js';
import { callerOf, ErrorReply } from './authenticate.js';
import { iso } from '../core/iso-time.js';

/**
 * The circle's members (issue 5, items 5 and 7):
 *   GET    /api/members        who is in the circle, their role, away, on call now (circle.read;
 *                              owners also see emails and disabled accounts)
 *   PATCH  /api/members/:id    {role}: another role; their sessions end at once (people.manage)
 *   DELETE /api/members/:id    disables the account: sessions and API tokens stop at once (people.manage)
 * The household always keeps an owner: 409 last_owner.
 */
export const RoleSchema = Type.Enum(roles);

const AwaySchema = Type.Union([Type.Object({ from: Type.String(), until: Type.String() }, { additionalProperties: false }), Type.Null()], {
  description: 'a current or coming away spell (the rota skips them meanwhile)',
});

const MemberSchema = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    role: RoleSchema,
    away: AwaySchema,
    onCallNow: Type.Boolean(),
    onCallTier: Type.Union([Type.Integer(), Type.Null()], { description: 'the tier they answer in now (1 first), or null' }),
    email: Type.Optional(Type.String({ description: 'owners only' })),
    disabled: Type.Optional(Type.Boolean({ description: 'owners only' })),
  },
  { additionalProperties: false },
);

const MemberParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 31 }) }, { additionalProperties: false });
const RoleBody = Type.Object({ role: RoleSchema }, { additionalProperties: false });


export function memberJson(member: Member): Static<typeof MemberSchema> {
  return {
    id: member.id,
    name: member.name,
    role: member.role,
    away: member.away === null ? null : { from: iso(member.away.from), until: iso(member.away.until) },
    onCallNow: member.onCallTier !== null,
    onCallTier: member.onCallTier,
    ...(member.email === undefined ? {} : { email: member.email }),
    ...(member.disabled === undefined ? {} : { disabled: member.disabled }),
  };
}

export const membersRoutes: FastifyPluginAsync<{ services: CircleRouteServices }> = async (app, { services }) => {
  const { members } = services;

  app.get(
    '/api/members',
    {
      config: { permission: 'circle.read' },
      schema: {
        summary: 'The care circle: each member’s name, role, away and whether on call now',
        description: 'Emails and disabled accounts are shown to owners only.',
        tags: ['circle'],
        response: { 200: Type.Object({ members: Type.Array(MemberSchema) }, { additionalProperties: false }) },
      },
    },
    async (request) => ({ members: members.list(callerOf(request).user.role).map(memberJson) }),
  );

  app.patch<{ Params: Static<typeof MemberParams>; Body: Static<typeof RoleBody> }>(
    '/api/members/:id',
    {
      config: { permission: 'people.manage' },
      bodyLimit: 1024,
      schema: {
        summary: 'Give a member another role; their sessions end at once',
        description: 'A role that cannot act on alerts (installer, viewer) takes them off the rota (shiftsRemoved). The last owner cannot stop being owner (409 last_owner).',
        tags: ['circle'],
        params: MemberParams,
        body: RoleBody,
        response: {
          200: Type.Object({ member: MemberSchema, shiftsRemoved: Type.Integer() }, { additionalProperties: false }),
          400: ErrorReply,
          404: ErrorReply,
          409: ErrorReply,
        },
      },
    },
    async (request) => {
      const changed = members.changeRole(callerOf(request).user.id, request.params.id, request.body.role);
      return { member: memberJson(changed.member), shiftsRemoved: changed.shiftsRemoved };
    },
  );

  app.delete<{ Params: Static<typeof MemberParams> }>(
    '/api/members/:id',
    {
      config: { permission: 'people.manage' },
      schema: {
        summary: 'Take someone out of the circle: disable their account; their sessions and API tokens stop at once',
        description: 'Their rota shifts, push subscriptions and pending invitations go too. The account is kept (disabled) so records still name it. The last owner cannot be removed (409 last_owner).',
        tags: ['circle'],
        params: MemberParams,
        response: { 204: Type.Null(), 400: ErrorReply, 404: ErrorReply, 409: ErrorReply },
      },
    },
    async (request, reply) => {
      members.remove(callerOf(request).user.id, request.params.id);
      return reply.code(204).send();
    },
  );
};
