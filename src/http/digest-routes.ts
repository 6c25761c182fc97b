import type { FastifyPluginAsync } from 'fastify';
import Type, { type Static } from 'typebox';
import type { CareRouteServices } from '../alerts/care-services.js';
import type { DigestDay } from '../alerts/digest-facts.js';
import { LOCAL_DATE_PATTERN } from '../circle/clock-times.js';
import { ErrorReply } from './authenticate.js';
import { AlertTypeSchema, RecordId } from './care-schemas.js';

/**
 * The daily digest and the weekly "who was woken" view (issue 6, item 7), and who was notified when
 * about an incident (item 5):
 *   GET /api/digest?date=YYYY-MM-DD            alerts.read   one day's facts and its line (default: the current day)
 *   GET /api/digest/week?end=YYYY-MM-DD        alerts.read   seven nights ending with the one after `end`
 *   GET /api/incidents/:id/notified            alerts.read   every 'notified' step of the incident's alerts
 * alerts.read: a viewer may read the digest; an installer may not (it tells of medication, notes and
 * time out of the home). Dates are local dates in home.timezone; see src/alerts/digest-facts.ts for
 * what a day covers.
 */

const LocalDate = Type.String({ pattern: LOCAL_DATE_PATTERN, maxLength: 10, description: 'a local date in home.timezone, YYYY-MM-DD' });
const nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

const DayQuery = Type.Object({ date: Type.Optional(LocalDate) }, { additionalProperties: false });
const WeekQuery = Type.Object({ end: Type.Optional(LocalDate) }, { additionalProperties: false });
const IncidentParams = Type.Object({ id: RecordId }, { additionalProperties: false });

const DayFactsSchema = Type.Object(
  {
    date: Type.String(),
    personName: Type.String(),
    upAt: nullable(Type.String({ description: 'local "HH:MM" of the first door or pill-box opening after the night; null if none' })),
    doses: Type.Object(
      {
        scheduled: Type.Integer(),
        onTime: Type.Integer(),
        late: Type.Integer(),
        pending: Type.Integer({ description: 'still due (the day is not over)' }),
        missed: Type.Array(Type.String()),
        double: Type.Array(Type.String()),
      },
      { additionalProperties: false },
    ),
    nightExits: Type.Integer(),
    minutesOut: nullable(Type.Integer({ description: 'minutes outside every safe zone; null without a tracker that reported' })),
    handledBy: Type.Array(Type.Object({ name: Type.String(), alerts: Type.Integer() }, { additionalProperties: false })),
    unacknowledged: Type.Integer(),
    careNotes: Type.Integer(),
    sensorProblems: Type.Array(Type.String()),
  },
  { additionalProperties: false },
);

const DigestAnswer = Type.Object(
  {
    date: Type.String(),
    timezone: Type.String(),
    from: Type.String({ format: 'date-time', description: 'the period covered starts: the end of the night on `date`' }),
    to: Type.String({ format: 'date-time', description: 'and ends with the end of the next night' }),
    complete: Type.Boolean({ description: 'false while the period is still going (the facts are so far)' }),
    title: Type.String(),
    line: Type.String(),
    facts: DayFactsSchema,
  },
  { additionalProperties: false },
);

const WeekAnswer = Type.Object(
  {
    from: Type.String(),
    end: Type.String(),
    timezone: Type.String(),
    line: Type.String(),
    members: Type.Array(
      Type.Object(
        {
          userId: nullable(Type.Integer()),
          name: Type.String(),
          nights: Type.Integer({ description: 'nights with at least one notification, each named by the date it began' }),
          notifications: Type.Integer({ description: 'notifications during those nights' }),
          dates: Type.Array(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const NotifiedAnswer = Type.Object(
  {
    incidentId: Type.String(),
    notified: Type.Array(
      Type.Object(
        {
          at: Type.String({ format: 'date-time' }),
          alertId: Type.String(),
          alertType: AlertTypeSchema,
          alertTitle: Type.String(),
          member: nullable(Type.Object({ id: Type.Integer(), name: Type.String() }, { additionalProperties: false })),
          details: Type.Object({}, { additionalProperties: true }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

function dayAnswer(day: DigestDay): Static<typeof DigestAnswer> {
  return {
    date: day.date,
    timezone: day.timezone,
    from: new Date(day.from).toISOString(),
    to: new Date(day.to).toISOString(),
    complete: day.complete,
    title: day.title,
    line: day.line,
    facts: { ...day.facts, upAt: day.facts.upAt ?? null, minutesOut: day.facts.minutesOut ?? null },
  };
}

export const digestRoutes: FastifyPluginAsync<{ services: CareRouteServices }> = async (app, { services }) => {
  const digest = services.digest;

  app.get<{ Querystring: Static<typeof DayQuery> }>(
    '/api/digest',
    {
      config: { permission: 'alerts.read' },
      schema: {
        summary: "One day's digest: when she was up, doses, night exits, time out, who handled alerts, care notes, sensors",
        description:
          'The day runs from the end of the night on `date` to the end of the next night, in home.timezone. Without `date`, the current day (so far). 400 invalid_date or date_in_future.',
        tags: ['digest'],
        querystring: DayQuery,
        response: { 200: DigestAnswer, 400: ErrorReply },
      },
    },
    async (request) => dayAnswer(digest.day(request.query.date ?? digest.currentDate())),
  );

  app.get<{ Querystring: Static<typeof WeekQuery> }>(
    '/api/digest/week',
    {
      config: { permission: 'alerts.read' },
      schema: {
        summary: 'Who was woken at night, and how often, over the week: so the load is shared fairly',
        description:
          'The seven nights that begin on the dates end-6 … end (default: the current day). A night counts for a member when a notification reached them between rules.night start and end. 400 invalid_date or date_in_future.',
        tags: ['digest'],
        querystring: WeekQuery,
        response: { 200: WeekAnswer, 400: ErrorReply },
      },
    },
    async (request) => digest.week(request.query.end ?? digest.currentDate()),
  );

  app.get<{ Params: Static<typeof IncidentParams> }>(
    '/api/incidents/:id/notified',
    {
      config: { permission: 'alerts.read' },
      schema: {
        summary: 'Who was notified when about an incident: every notification step of its alerts, oldest first',
        tags: ['incidents'],
        params: IncidentParams,
        response: { 200: NotifiedAnswer, 400: ErrorReply, 404: ErrorReply },
      },
    },
    async (request) => ({ incidentId: request.params.id, notified: digest.notifiedForIncident(request.params.id) }),
  );
};
