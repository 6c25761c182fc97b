import type { FastifyPluginAsync } from 'fastify';
import Type, { type Static } from 'typebox';
import type { CircleRouteServices } from '../circle/circle-services.js';
import type { MemberPreferences } from '../circle/preference-service.js';
import { Preferences } from '../circle/preferences.js';
import { callerOf, ErrorReply } from './authenticate.js';
import { iso } from '../core/iso-time.js';

/**
 * Each member's notification preferences, quiet hours, digest and "away" (issue 6, items 1 and 2):
 *   GET|PUT /api/me/preferences               one's own (me.preferences)
 *   PUT|DELETE /api/me/away                   {from, until}: the rota skips an away member (me.preferences)
 *   GET /api/members/:id/preferences          anyone's, for the owner (people.manage)
 * Quiet hours never silence an urgent alert for whoever is on call.
 */
const PreferencesReply = Type.Object(
  {
    userId: Type.Integer(),
    preferences: Preferences,
    away: Type.Union([Type.Object({ from: Type.String(), until: Type.String() }, { additionalProperties: false }), Type.Null()]),
    updatedAt: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);

const AwayBody = Type.Object(
  {
    from: Type.String({ maxLength: 40, description: 'ISO 8601 date-time with an offset' }),
    until: Type.String({ maxLength: 40, description: 'ISO 8601 date-time with an offset; within a year of from' }),
  },
  { additionalProperties: false },
);

const MemberParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 31 }) }, { additionalProperties: false });

const QUIET_HOURS_NOTE =
  'Times are local to home.timezone. Quiet hours hold notifications from start until end (past midnight when end is before start), ' +
  'but never silence an urgent alert for whoever is on call: being on the rota is the promise, and whoever cannot keep it marks themselves away.';


function preferencesJson(shown: MemberPreferences): Static<typeof PreferencesReply> {
  return {
    userId: shown.userId,
    preferences: shown.preferences,
    away: shown.away === null ? null : { from: iso(shown.away.from), until: iso(shown.away.until) },
    updatedAt: shown.updatedAt === null ? null : iso(shown.updatedAt),
  };
}

export const preferencesRoutes: FastifyPluginAsync<{ services: CircleRouteServices }> = async (app, { services }) => {
  const { preferences } = services;

  app.get(
    '/api/me/preferences',
    {
      config: { permission: 'me.preferences' },
      schema: {
        summary: 'My notification preferences: channels, alert types and severities, quiet hours, daily digest; and whether I am away',
        description: QUIET_HOURS_NOTE,
        tags: ['circle'],
        response: { 200: PreferencesReply },
      },
    },
    async (request) => preferencesJson(preferences.show(callerOf(request).user.id)),
  );

  app.put<{ Body: Static<typeof Preferences> }>(
    '/api/me/preferences',
    {
      config: { permission: 'me.preferences' },
      bodyLimit: 8 * 1024,
      schema: {
        summary: 'Replace my notification preferences (fields left out take their defaults)',
        description: QUIET_HOURS_NOTE,
        tags: ['circle'],
        body: Preferences,
        response: { 200: PreferencesReply, 400: ErrorReply },
      },
    },
    async (request) => preferencesJson(preferences.replace(callerOf(request).user.id, request.body)),
  );

  app.put<{ Body: Static<typeof AwayBody> }>(
    '/api/me/away',
    {
      config: { permission: 'me.preferences' },
      bodyLimit: 1024,
      schema: {
        summary: 'Mark myself away from..until: the rota skips me meanwhile (someone else answers)',
        tags: ['circle'],
        body: AwayBody,
        response: { 200: PreferencesReply, 400: ErrorReply },
      },
    },
    async (request) => preferencesJson(preferences.setAway(callerOf(request).user.id, request.body)),
  );

  app.delete(
    '/api/me/away',
    {
      config: { permission: 'me.preferences' },
      schema: { summary: 'I am back: clear my away spell', tags: ['circle'], response: { 204: Type.Null() } },
    },
    async (request, reply) => {
      preferences.clearAway(callerOf(request).user.id);
      return reply.code(204).send();
    },
  );

  app.get<{ Params: Static<typeof MemberParams> }>(
    '/api/members/:id/preferences',
    {
      config: { permission: 'people.manage' },
      schema: {
        summary: 'A member’s notification preferences and away spell (the owner checks who will be told what)',
        description: QUIET_HOURS_NOTE,
        tags: ['circle'],
        params: MemberParams,
        response: { 200: PreferencesReply, 400: ErrorReply, 404: ErrorReply },
      },
    },
    async (request) => preferencesJson(preferences.show(request.params.id)),
  );
};
