import type { FastifyPluginAsync } from 'fastify';
import Type, { type Static } from 'typebox';
import type { CircleRouteServices } from '../circle/circle-services.js';
import { parseInstant, CLOCK_TIME_PATTERN, LOCAL_DATE_PATTERN, weekdays } from '../circle/clock-times.js';
import { refusal } from '../circle/circle-errors.js';
import type { OnCallShift } from '../circle/on-call.js';
import type { RotaCoverRow } from '../store/rota-repo.js';
import { callerOf, ErrorReply } from './authenticate.js';
import { roleMay } from './permissions.js';
import { iso } from '../core/iso-time.js';

/**
 * The on-call rota (issue 6, item 2): who answers first for which local hours and days.
 *   GET    /api/rota                    shifts, covers, who is on call now by tier (circle.read)
 *   POST   /api/rota/shifts             {userId, days, start, end, tier} (rota.manage)
 *   PATCH  /api/rota/shifts/:id         any of those (rota.manage)
 *   DELETE /api/rota/shifts/:id         (rota.manage)
 *   POST   /api/rota/cover              {shiftId, date, userId}: someone covers one occurrence (rota.swap)
 *   DELETE /api/rota/cover/:id          (rota.swap)
 * With rota.swap only (a carer), one covers a shift oneself or hands on one's own; rota.manage arranges any.
 * Times are local to home.timezone; an end at or before the start runs past midnight.
 */
const ClockTime = Type.String({ pattern: CLOCK_TIME_PATTERN, description: 'local "HH:MM" (24-hour) in home.timezone' });
const LocalDate = Type.String({ pattern: LOCAL_DATE_PATTERN, description: 'local date "YYYY-MM-DD" in home.timezone' });
const Day = Type.Enum(weekdays);
const Days = Type.Array(Day, { minItems: 1, maxItems: 7, uniqueItems: true, description: 'the weekdays an occurrence starts on' });
const Tier = Type.Integer({ minimum: 1, maximum: 5, description: '1 answers first; the next tier is asked when no one acknowledges' });
const UserId = Type.Integer({ minimum: 1, maximum: 2 ** 31 });

const ShiftSchema = Type.Object(
  {
    id: Type.Integer(),
    userId: Type.Integer(),
    days: Type.Array(Day),
    start: Type.String(),
    end: Type.String(),
    tier: Type.Integer(),
    overnight: Type.Boolean({ description: 'runs past midnight (end at or before start)' }),
  },
  { additionalProperties: false },
);

const CoverSchema = Type.Object(
  {
    id: Type.Integer(),
    shiftId: Type.Integer(),
    date: Type.String({ description: 'the local date the covered occurrence starts on' }),
    userId: Type.Integer(),
    createdBy: Type.Union([Type.Integer(), Type.Null()]),
    createdAt: Type.String(),
  },
  { additionalProperties: false },
);

const RotaReply = Type.Object(
  {
    timezone: Type.String(),
    at: Type.String({ description: 'the instant onCall describes' }),
    shifts: Type.Array(ShiftSchema),
    covers: Type.Array(CoverSchema),
    onCall: Type.Array(Type.Object({ tier: Type.Integer(), userIds: Type.Array(Type.Integer()) }, { additionalProperties: false }), {
      description: 'who is on call at `at`, first tier first; members who are away are skipped',
    }),
  },
  { additionalProperties: false },
);

const RotaQuery = Type.Object(
  {
    at: Type.Optional(Type.String({ maxLength: 40, description: 'ISO 8601 instant for onCall (default now)' })),
    from: Type.Optional(LocalDate),
    to: Type.Optional(LocalDate),
  },
  { additionalProperties: false },
);

const ShiftBody = Type.Object({ userId: UserId, days: Days, start: ClockTime, end: ClockTime, tier: Type.Integer({ minimum: 1, maximum: 5, default: 1, description: '1 answers first (the default)' }) }, { additionalProperties: false });
const ShiftPatch = Type.Object(
  { userId: Type.Optional(UserId), days: Type.Optional(Days), start: Type.Optional(ClockTime), end: Type.Optional(ClockTime), tier: Type.Optional(Tier) },
  { additionalProperties: false, minProperties: 1 },
);
const CoverBody = Type.Object({ shiftId: Type.Integer({ minimum: 1, maximum: 2 ** 31 }), date: LocalDate, userId: UserId }, { additionalProperties: false });
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 31 }) }, { additionalProperties: false });


const shiftJson = (shift: OnCallShift): Static<typeof ShiftSchema> => ({
  id: shift.id,
  userId: shift.userId,
  days: [...shift.days],
  start: shift.start,
  end: shift.end,
  tier: shift.tier,
  overnight: shift.end <= shift.start,
});

const coverJson = (cover: RotaCoverRow): Static<typeof CoverSchema> => ({ ...cover, createdAt: iso(cover.createdAt) });

export const rotaRoutes: FastifyPluginAsync<{ services: CircleRouteServices }> = async (app, { services }) => {
  const { rota, clock } = services;

  app.get<{ Querystring: Static<typeof RotaQuery> }>(
    '/api/rota',
    {
      config: { permission: 'circle.read' },
      schema: {
        summary: 'The on-call rota: shifts, covers, and who is on call now by tier',
        description: 'Covers are those of occurrences starting from..to (local dates; default yesterday to four weeks ahead, a year at most).',
        tags: ['rota'],
        querystring: RotaQuery,
        response: { 200: RotaReply, 400: ErrorReply },
      },
    },
    async (request) => {
      const at = request.query.at === undefined ? clock.now() : parseInstant(request.query.at);
      if (at === undefined) throw refusal('HW_USAGE', 'invalid_time', 'at is an ISO 8601 date-time with an offset');
      const view = rota.view(at, { from: request.query.from, to: request.query.to });
      return { timezone: view.timezone, at: iso(view.at), shifts: view.shifts.map(shiftJson), covers: view.covers.map(coverJson), onCall: view.onCall };
    },
  );

  app.post<{ Body: Static<typeof ShiftBody> }>(
    '/api/rota/shifts',
    {
      config: { permission: 'rota.manage' },
      bodyLimit: 2 * 1024,
      schema: {
        summary: 'Add a shift: who is on call, which days, from when to when, in which tier',
        description: 'Refused for a member who cannot act on alerts (installer, viewer: 400 member_cannot_be_on_call) and for a shift overlapping another of the same member (409 shift_overlaps).',
        tags: ['rota'],
        body: ShiftBody,
        response: { 201: ShiftSchema, 400: ErrorReply, 404: ErrorReply, 409: ErrorReply },
      },
    },
    async (request, reply) => reply.code(201).send(shiftJson(rota.addShift(callerOf(request).user.id, request.body))),
  );

  app.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof ShiftPatch> }>(
    '/api/rota/shifts/:id',
    {
      config: { permission: 'rota.manage' },
      bodyLimit: 2 * 1024,
      schema: {
        summary: 'Change a shift (any of userId, days, start, end, tier)',
        tags: ['rota'],
        params: IdParams,
        body: ShiftPatch,
        response: { 200: ShiftSchema, 400: ErrorReply, 404: ErrorReply, 409: ErrorReply },
      },
    },
    async (request) => shiftJson(rota.changeShift(callerOf(request).user.id, request.params.id, request.body)),
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    '/api/rota/shifts/:id',
    {
      config: { permission: 'rota.manage' },
      schema: { summary: 'Remove a shift (and its covers)', tags: ['rota'], params: IdParams, response: { 204: Type.Null(), 400: ErrorReply, 404: ErrorReply } },
    },
    async (request, reply) => {
      rota.removeShift(callerOf(request).user.id, request.params.id);
      return reply.code(204).send();
    },
  );

  app.post<{ Body: Static<typeof CoverBody> }>(
    '/api/rota/cover',
    {
      config: { permission: 'rota.swap' },
      bodyLimit: 1024,
      schema: {
        summary: 'Someone covers one occurrence of a shift (a swap), replacing any earlier arrangement for it',
        description: 'date is the local date the occurrence starts on. Without rota.manage, one may cover a shift oneself or hand on one’s own turn (403 not_your_shift otherwise).',
        tags: ['rota'],
        body: CoverBody,
        response: { 201: CoverSchema, 400: ErrorReply, 403: ErrorReply, 404: ErrorReply, 409: ErrorReply },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request).user;
      return reply.code(201).send(coverJson(rota.cover(caller, roleMay(caller.role, 'rota.manage'), request.body)));
    },
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    '/api/rota/cover/:id',
    {
      config: { permission: 'rota.swap' },
      schema: {
        summary: 'Cancel a cover: the shift’s own member is on call again',
        description: 'Without rota.manage, only the members a cover concerns may cancel it.',
        tags: ['rota'],
        params: IdParams,
        response: { 204: Type.Null(), 400: ErrorReply, 403: ErrorReply, 404: ErrorReply },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request).user;
      rota.removeCover(caller, roleMay(caller.role, 'rota.manage'), request.params.id);
      return reply.code(204).send();
    },
  );
};
