import type { FastifyPluginAsync } from 'fastify';
import Type, { type Static } from 'typebox';
import { MedicationSchema, type Medication } from '../core/household.js';
import type { MedicationService } from '../household/medication-service.js';
import { callerOf, ErrorReply } from './authenticate.js';
import { ConflictReply, IfMatchHeaders, ifMatchRevision, InvalidReply, IsoTime, withRevision } from './home-replies.js';
import { iso, isoOrNull } from '../core/iso-time.js';

/**
 * Medication (issue 5, item 7; issue 8 "Medication"). Dates are local dates in home.timezone; a dose
 * is named by its slug (`dose`), as GET /api/medication lists it and as alerts name it.
 *   GET  /api/medication             medication.read   the schedule, and today's doses: taken / due / missed / late / double
 *   PUT  /api/medication             medication.write  replace the schedule (rules.medication only)
 *   GET  /api/medication/adherence   medication.read   dose records per date, for the calendar and a GP's report
 *   POST /api/medication/doses       medication.write  a dose given by hand; settles that date's missed-dose alert
 */
const LocalDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', maxLength: 10, description: 'a local date in home.timezone, YYYY-MM-DD' });
const DoseSlug = Type.String({ minLength: 1, maxLength: 120, pattern: '^[\\p{L}\\p{N}-]+$' });
const DoseStatus = Type.Union([Type.Literal('on-time'), Type.Literal('late'), Type.Literal('missed'), Type.Literal('double')]);

const ScheduledDose = Type.Object(
  {
    dose: Type.String({ description: 'the slug that names this dose in alerts and records' }),
    name: Type.String(),
    at: Type.String(),
    window: Type.String(),
    compartment: Type.Integer(),
    days: Type.Union([Type.Array(Type.String()), Type.Null()]),
  },
  { additionalProperties: false },
);
const TodaysDose = Type.Object(
  {
    dose: Type.String(),
    name: Type.String(),
    due: Type.String(),
    windowStart: Type.String(),
    windowEnd: Type.String(),
    status: Type.Union([Type.Literal('taken'), Type.Literal('late'), Type.Literal('missed'), Type.Literal('double'), Type.Literal('due')]),
    at: Type.Union([Type.String(), Type.Null()], { description: 'when it was taken (or judged missed)' }),
  },
  { additionalProperties: false },
);
const OverviewReply = Type.Object(
  { timezone: Type.String(), date: Type.String(), schedule: Type.Array(ScheduledDose), today: Type.Array(TodaysDose) },
  { additionalProperties: false },
);

const ScheduleBody = Type.Object({ medication: Type.Array(MedicationSchema, { maxItems: 50 }) }, { additionalProperties: false });
const ScheduleReply = Type.Object({ revision: Type.Integer(), medication: Type.Array(MedicationSchema) }, { additionalProperties: false });

const AdherenceQuery = Type.Object({ from: Type.Optional(LocalDate), to: Type.Optional(LocalDate) }, { additionalProperties: false });
const AdherenceReply = Type.Object(
  {
    timezone: Type.String(),
    from: Type.String(),
    to: Type.String(),
    days: Type.Array(
      Type.Object(
        {
          date: Type.String(),
          doses: Type.Array(
            Type.Object(
              { dose: Type.String(), name: Type.Union([Type.String(), Type.Null()], { description: 'null for a dose no longer in the schedule' }), status: DoseStatus, at: Type.String() },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    totals: Type.Object({ onTime: Type.Integer(), late: Type.Integer(), missed: Type.Integer(), double: Type.Integer() }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

const DoseBody = Type.Object(
  { dose: DoseSlug, date: LocalDate, takenAt: IsoTime, note: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
);
const DoseReply = Type.Object(
  {
    dose: Type.String(),
    name: Type.String(),
    date: Type.String(),
    status: DoseStatus,
    takenAt: Type.String(),
    resolvedAlertId: Type.Union([Type.String(), Type.Null()], { description: "the missed-dose alert this settled, if one was open" }),
  },
  { additionalProperties: false },
);

export const medicationRoutes: FastifyPluginAsync<{ medication: MedicationService }> = async (app, { medication }) => {
  app.get(
    '/api/medication',
    {
      config: { permission: 'medication.read' },
      schema: { summary: "The medication schedule and today's doses (taken, due, missed, late, double)", tags: ['medication'], response: { 200: OverviewReply } },
    },
    async () => {
      const overview = medication.overview();
      return {
        ...overview,
        today: overview.today.map((d) => ({ ...d, due: iso(d.due), windowStart: iso(d.windowStart), windowEnd: iso(d.windowEnd), at: isoOrNull(d.at) })),
      };
    },
  );

  app.put<{ Body: { medication: Medication[] }; Headers: Static<typeof IfMatchHeaders> }>(
    '/api/medication',
    {
      config: { permission: 'medication.write' },
      schema: {
        summary: 'Replace the medication schedule',
        description: 'Only rules.medication changes. If-Match (the household revision) is optional; when sent, a stale one is refused with 409.',
        tags: ['medication'],
        headers: IfMatchHeaders,
        body: ScheduleBody,
        response: { 200: ScheduleReply, 400: InvalidReply, 409: ConflictReply },
      },
    },
    async (request, reply) => {
      const revision = medication.replaceSchedule(callerOf(request).user.id, request.body.medication, ifMatchRevision(request));
      return withRevision(reply, revision).send({ revision, medication: request.body.medication });
    },
  );

  app.get<{ Querystring: Static<typeof AdherenceQuery> }>(
    '/api/medication/adherence',
    {
      config: { permission: 'medication.read' },
      schema: {
        summary: 'Adherence per local date (on time, late, missed, double), for the calendar and a GP report',
        description: 'From `from` to `to` inclusive, at most 366 days; by default the last 30.',
        tags: ['medication'],
        querystring: AdherenceQuery,
        response: { 200: AdherenceReply, 400: InvalidReply },
      },
    },
    async (request) => {
      const adherence = medication.adherence(request.query);
      return { ...adherence, days: adherence.days.map((day) => ({ date: day.date, doses: day.doses.map((d) => ({ ...d, at: iso(d.at) })) })) };
    },
  );

  app.post<{ Body: Static<typeof DoseBody> }>(
    '/api/medication/doses',
    {
      config: { permission: 'medication.write' },
      schema: {
        summary: 'Record a dose given by hand; it settles that date’s missed-dose alert as a late pill-box opening would',
        tags: ['medication'],
        body: DoseBody,
        response: { 201: DoseReply, 400: InvalidReply, 404: ErrorReply },
      },
    },
    async (request, reply) => {
      const { user } = callerOf(request);
      const recorded = medication.recordDose({ id: user.id, name: user.name }, { ...request.body, takenAt: Date.parse(request.body.takenAt) });
      return reply.code(201).send({ ...recorded, takenAt: iso(recorded.takenAt) });
    },
  );
};
