import type { FastifyPluginAsync } from 'fastify';
import Type, { type Static } from 'typebox';
import type { CareRouteServices } from '../alerts/care-services.js';
import { viewerOf } from './alerts-routes.js';
import { callerOf, ErrorReply } from './authenticate.js';
import { AcknowledgeBody, AlertWithTimelineSchema, Before, CareNoteSchema, IncidentSchema, Limit, RecordId, ResolveBody } from './care-schemas.js';

/**
 * Incidents (issue 6, items 3 and 5): related alerts under one timeline.
 *   GET  /api/incidents?status=open|closed|all&limit&before   alerts.read
 *   GET  /api/incidents/:id                                   alerts.read   the incident page (track only with positions.read; audited)
 *   POST /api/incidents/:id/ack                               alerts.act    acknowledges each open alert
 *   POST /api/incidents/:id/resolve {note}                    alerts.act    resolves each open alert and closes it
 */
const IncidentListQuery = Type.Object(
  {
    status: Type.Union([Type.Literal('open'), Type.Literal('closed'), Type.Literal('all')], { default: 'open' }),
    limit: Limit,
    before: Type.Optional(Before),
  },
  { additionalProperties: false },
);

const IncidentParams = Type.Object({ id: RecordId }, { additionalProperties: false });

const IncidentPage = Type.Object(
  {
    incident: IncidentSchema,
    window: Type.Object({ from: Type.String({ format: 'date-time' }), to: Type.String({ format: 'date-time' }) }, { additionalProperties: false }),
    person: Type.Object(
      {
        name: Type.String(),
        description: Type.Union([Type.String(), Type.Null()]),
        likelyPlaces: Type.Array(Type.String()),
        calming: Type.Array(Type.String()),
        triggers: Type.Array(Type.String()),
      },
      { additionalProperties: false },
    ),
    alerts: Type.Array(AlertWithTimelineSchema),
    doorEvents: Type.Array(
      Type.Object({ deviceId: Type.String(), deviceName: Type.String(), at: Type.String({ format: 'date-time' }), open: Type.Boolean() }, { additionalProperties: false }),
    ),
    track: Type.Optional(
      Type.Array(
        Type.Object(
          {
            deviceId: Type.String(),
            deviceName: Type.String(),
            at: Type.String({ format: 'date-time' }),
            lat: Type.Number(),
            lon: Type.Number(),
            accuracyM: Type.Union([Type.Number(), Type.Null()]),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    truncated: Type.Boolean(),
    notes: Type.Array(CareNoteSchema),
  },
  { additionalProperties: false },
);

export const incidentsRoutes: FastifyPluginAsync<{ services: CareRouteServices }> = async (app, { services }) => {
  const { incidents, actions } = services;

  app.get<{ Querystring: Static<typeof IncidentListQuery> }>(
    '/api/incidents',
    {
      config: { permission: 'alerts.read' },
      schema: {
        summary: 'Incidents, newest first: open (the default), closed or all',
        tags: ['incidents'],
        querystring: IncidentListQuery,
        response: { 200: Type.Object({ incidents: Type.Array(IncidentSchema), nextBefore: Type.Union([Type.String(), Type.Null()]) }, { additionalProperties: false }), 400: ErrorReply },
      },
    },
    async (request) => incidents.list(request.query),
  );

  app.get<{ Params: Static<typeof IncidentParams> }>(
    '/api/incidents/:id',
    {
      config: { permission: 'alerts.read' },
      schema: {
        summary: 'The incident page: its alerts and timelines, exit-door events, the track, care notes, and what helps find and calm the person',
        description:
          'The window runs from 15 minutes before the incident opened until it closed (or now). The track is included only for roles with positions.read, and each view of it is written to the audit log as location.viewed.',
        tags: ['incidents'],
        params: IncidentParams,
        response: { 200: IncidentPage, 400: ErrorReply, 404: ErrorReply },
      },
    },
    async (request) => incidents.page(request.params.id, viewerOf(request)),
  );

  app.post<{ Params: Static<typeof IncidentParams>; Body: Static<typeof AcknowledgeBody> }>(
    '/api/incidents/:id/ack',
    {
      config: { permission: 'alerts.act' },
      bodyLimit: 1024,
      schema: {
        summary: "I'm on it: acknowledge every open alert of an incident",
        description: '409 incident_closed if the incident is already closed.',
        tags: ['incidents'],
        params: IncidentParams,
        body: AcknowledgeBody,
        response: { 200: IncidentSchema, 400: ErrorReply, 404: ErrorReply, 409: ErrorReply },
      },
    },
    async (request) => {
      actions.acknowledgeIncident(request.params.id, { userId: callerOf(request).user.id });
      return incidents.summary(request.params.id);
    },
  );

  app.post<{ Params: Static<typeof IncidentParams>; Body: Static<typeof ResolveBody> }>(
    '/api/incidents/:id/resolve',
    {
      config: { permission: 'alerts.act' },
      bodyLimit: 4 * 1024,
      schema: {
        summary: 'Resolve an incident with a short note: resolves each of its open alerts and closes it',
        description: '409 incident_closed if it is already closed.',
        tags: ['incidents'],
        params: IncidentParams,
        body: ResolveBody,
        response: { 200: IncidentSchema, 400: ErrorReply, 404: ErrorReply, 409: ErrorReply },
      },
    },
    async (request) => {
      actions.resolveIncident(request.params.id, { userId: callerOf(request).user.id }, request.body.note);
      return incidents.summary(request.params.id);
    },
  );
};
