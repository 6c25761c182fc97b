import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import type { AlertViewer } from '../alerts/alert-record.js';
import type { CareRouteServices } from '../alerts/care-services.js';
import { faultTypes } from '../core/alerts.js';
import { callerOf, ErrorReply } from './authenticate.js';
import { AcknowledgeBody, AlertSchema, AlertTypeSchema, AlertWithTimelineSchema, Before, Limit, RecordId, ResolveBody } from './care-schemas.js';
import { roleMay } from './permissions.js';

/**
 * Alerts (DESIGN.md, "HTTP"; issue 5, item 7; issue 6, item 3):
 *   GET  /api/alerts?status=open|resolved|all&type&limit&before   alerts.read
 *   GET  /api/alerts/:id                                          alerts.read    with its timeline
 *   POST /api/alerts/:id/ack                                      alerts.act     "I'm on it"
 *   POST /api/alerts/:id/resolve {note}                           alerts.act
 *   GET  /api/faults?status&type&limit&before                     faults.read    sensor-silent and low-battery, for installers too
 * Coded errors from the services are answered by care-routes.ts's error handler.
 */
const AlertListQuery = Type.Object(
  {
    status: Type.Union([Type.Literal('open'), Type.Literal('resolved'), Type.Literal('all')], { default: 'open' }),
    type: Type.Optional(AlertTypeSchema),
    limit: Limit,
    before: Type.Optional(Before),
  },
  { additionalProperties: false },
);

const FaultListQuery = Type.Object(
  {
    status: Type.Union([Type.Literal('open'), Type.Literal('resolved'), Type.Literal('all')], { default: 'open' }),
    type: Type.Optional(Type.Union(faultTypes.map((t) => Type.Literal(t)))),
    limit: Limit,
    before: Type.Optional(Before),
  },
  { additionalProperties: false },
);

const AlertParams = Type.Object({ id: RecordId }, { additionalProperties: false });

const AlertPage = Type.Object({ alerts: Type.Array(AlertSchema), nextBefore: Type.Union([Type.String(), Type.Null()]) }, { additionalProperties: false });

export function viewerOf(request: FastifyRequest): AlertViewer {
  const caller = callerOf(request);
  return { userId: caller.user.id, seesLocation: roleMay(caller.user.role, 'positions.read') };
}

export const alertsRoutes: FastifyPluginAsync<{ services: CareRouteServices }> = async (app, { services }) => {
  const { alerts, actions } = services;

  app.get<{ Querystring: Static<typeof AlertListQuery> }>(
    '/api/alerts',
    {
      config: { permission: 'alerts.read' },
      schema: {
        summary: 'Alerts, newest first: open (the default), resolved or all; optionally of one type',
        description: 'Page with limit and before (the previous answer\'s nextBefore). Positions in alert details are shown only to roles with positions.read, and such views are audited.',
        tags: ['alerts'],
        querystring: AlertListQuery,
        response: { 200: AlertPage, 400: ErrorReply },
      },
    },
    async (request) => alerts.list(request.query, viewerOf(request)),
  );

  app.get<{ Params: Static<typeof AlertParams> }>(
    '/api/alerts/:id',
    {
      config: { permission: 'alerts.read' },
      schema: {
        summary: 'One alert with its timeline: raised, notified, acknowledged (by whom), resolved (by whom, with the note)',
        tags: ['alerts'],
        params: AlertParams,
        response: { 200: AlertWithTimelineSchema, 400: ErrorReply, 404: ErrorReply },
      },
    },
    async (request) => alerts.detail(request.params.id, viewerOf(request)),
  );

  app.post<{ Params: Static<typeof AlertParams>; Body: Static<typeof AcknowledgeBody> }>(
    '/api/alerts/:id/ack',
    {
      config: { permission: 'alerts.act' },
      bodyLimit: 1024,
      schema: {
        summary: "I'm on it: acknowledge an alert, shown to everyone",
        description:
          'The first acknowledgement is kept on the alert (acknowledgedAt, acknowledgedBy) and shown to everyone. A later one is recorded in the timeline and answered the same way, with the alert still showing the first acknowledger. 409 alert_resolved if it is already resolved.',
        tags: ['alerts'],
        params: AlertParams,
        body: AcknowledgeBody,
        response: { 200: AlertWithTimelineSchema, 400: ErrorReply, 404: ErrorReply, 409: ErrorReply },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const { alert } = actions.acknowledge(request.params.id, { userId: caller.user.id });
      return alerts.afterAction(alert, viewerOf(request));
    },
  );

  app.post<{ Params: Static<typeof AlertParams>; Body: Static<typeof ResolveBody> }>(
    '/api/alerts/:id/resolve',
    {
      config: { permission: 'alerts.act' },
      bodyLimit: 4 * 1024,
      schema: {
        summary: 'Resolve an alert with a short note',
        description: 'The note (1 to 500 characters) is required. Resolving the last open alert of an incident closes the incident. 409 alert_resolved if it is already resolved.',
        tags: ['alerts'],
        params: AlertParams,
        body: ResolveBody,
        response: { 200: AlertWithTimelineSchema, 400: ErrorReply, 404: ErrorReply, 409: ErrorReply },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const alert = actions.resolve(request.params.id, { userId: caller.user.id }, request.body.note);
      return alerts.afterAction(alert, viewerOf(request));
    },
  );

  app.get<{ Querystring: Static<typeof FaultListQuery> }>(
    '/api/faults',
    {
      config: { permission: 'faults.read' },
      schema: {
        summary: 'Sensor faults (sensor-silent, low-battery), newest first: what an installer must see and fix',
        tags: ['alerts', 'devices'],
        querystring: FaultListQuery,
        response: { 200: AlertPage, 400: ErrorReply },
      },
    },
    async (request) => alerts.faults(request.query, viewerOf(request)),
  );
};
