import type { FastifyPluginAsync } from 'fastify';
import Type, { type Static } from 'typebox';
import { CURSOR_PATTERN, type HistoryService } from '../household/history-service.js';
import { callerOf, ErrorReply } from './authenticate.js';
import { Id, InvalidReply, IsoTime, msOf } from './home-replies.js';
import { iso } from '../core/iso-time.js';

/**
 * Reading history (issue 5, item 7), newest first, paged: `limit` per page, and `before` is the
 * `next` cursor of the previous page; `from` (inclusive) and `to` (exclusive) bound the time range
 * (default: the last day); `deviceId` narrows to one device (one that has left the household too).
 *   GET /api/readings/doors      readings.read    door openings and closings
 *   GET /api/readings/pillbox    readings.read    pill-box lid readings
 *   GET /api/positions           positions.read   GPS fixes; each call is audited (location.viewed)
 *   GET /api/positions/latest    positions.read   where she is now; audited too
 */
const MAX_PAGE = 5000;

const HistoryQuerystring = Type.Object(
  {
    deviceId: Type.Optional(Id),
    from: Type.Optional(IsoTime),
    to: Type.Optional(IsoTime),
    limit: Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 500 }),
    before: Type.Optional(Type.String({ pattern: CURSOR_PATTERN, maxLength: 90, description: 'the `next` of the previous page' })),
  },
  { additionalProperties: false },
);
type HistoryQuerystring = Static<typeof HistoryQuerystring>;

const Next = Type.Union([Type.String(), Type.Null()], { description: 'cursor for the next (older) page; null on the last page' });
const page = <T extends Parameters<typeof Type.Array>[0]>(name: string, item: T) =>
  Type.Object({ [name]: Type.Array(item), next: Next }, { additionalProperties: false });

const DoorReading = Type.Object({ deviceId: Type.String(), at: Type.String(), open: Type.Boolean() }, { additionalProperties: false });
const PillboxReading = Type.Object({ deviceId: Type.String(), at: Type.String(), compartment: Type.Integer(), open: Type.Boolean() }, { additionalProperties: false });
const Fix = Type.Object(
  { deviceId: Type.String(), at: Type.String(), lat: Type.Number(), lon: Type.Number(), accuracyM: Type.Union([Type.Number(), Type.Null()]) },
  { additionalProperties: false },
);
const Place = Type.Object({ id: Type.String(), name: Type.String() }, { additionalProperties: false });
const Whereabouts = Type.Object(
  {
    deviceId: Type.String(),
    name: Type.String(),
    at: Type.String(),
    lat: Type.Number(),
    lon: Type.Number(),
    accuracyM: Type.Union([Type.Number(), Type.Null()]),
    zone: Type.Union([Place, Type.Null()], { description: 'the zone the last fix is in; null outside every zone' }),
    nearestZone: Type.Union(
      [Type.Object({ id: Type.String(), name: Type.String(), beyondM: Type.Integer() }, { additionalProperties: false }), Type.Null()],
      { description: 'outside every zone: the nearest and how far beyond its edge' },
    ),
    fromHomeM: Type.Union([Type.Integer(), Type.Null()], { description: "metres from the home's position" }),
  },
  { additionalProperties: false },
);

const Refusals = { 400: InvalidReply, 404: ErrorReply };

function historyQuery(query: HistoryQuerystring) {
  return { deviceId: query.deviceId, from: msOf(query.from), to: msOf(query.to), limit: query.limit, before: query.before };
}

export const readingsRoutes: FastifyPluginAsync<{ history: HistoryService }> = async (app, { history }) => {
  app.get<{ Querystring: HistoryQuerystring }>(
    '/api/readings/doors',
    {
      config: { permission: 'readings.read' },
      schema: { summary: 'Door readings, newest first', tags: ['readings'], querystring: HistoryQuerystring, response: { 200: page('readings', DoorReading), ...Refusals } },
    },
    async (request) => {
      const { items, next } = history.doors(historyQuery(request.query));
      return { readings: items.map((r) => ({ deviceId: r.deviceId, at: iso(r.at), open: r.open })), next };
    },
  );

  app.get<{ Querystring: HistoryQuerystring }>(
    '/api/readings/pillbox',
    {
      config: { permission: 'readings.read' },
      schema: { summary: 'Pill-box lid readings, newest first', tags: ['readings'], querystring: HistoryQuerystring, response: { 200: page('readings', PillboxReading), ...Refusals } },
    },
    async (request) => {
      const { items, next } = history.pillbox(historyQuery(request.query));
      return { readings: items.map((r) => ({ deviceId: r.deviceId, at: iso(r.at), compartment: r.compartment, open: r.open })), next };
    },
  );

  app.get<{ Querystring: HistoryQuerystring }>(
    '/api/positions',
    {
      config: { permission: 'positions.read' },
      schema: {
        summary: 'GPS fixes, newest first; every call is written to the audit log',
        description: 'Each call appends one `location.viewed` audit entry: who asked, for which trackers and time range, and how many fixes were returned.',
        tags: ['positions'],
        querystring: HistoryQuerystring,
        response: { 200: page('positions', Fix), ...Refusals },
      },
    },
    async (request) => {
      const { items, next } = history.positions(callerOf(request).user.id, historyQuery(request.query));
      return { positions: items.map((f) => ({ deviceId: f.deviceId, at: iso(f.at), lat: f.lat, lon: f.lon, accuracyM: f.accuracyM })), next };
    },
  );

  app.get(
    '/api/positions/latest',
    {
      config: { permission: 'positions.read' },
      schema: {
        summary: "Where she is now: each tracker's last fix, the zone it is in or how far beyond the nearest, and the distance from home",
        description: 'Written to the audit log (`location.viewed`), like every view of her location.',
        tags: ['positions'],
        response: { 200: Type.Object({ trackers: Type.Array(Whereabouts) }, { additionalProperties: false }) },
      },
    },
    async (request) => {
      const trackers = history.latest(callerOf(request).user.id).map((t) => ({
        deviceId: t.deviceId,
        name: t.name,
        at: iso(t.fix.at),
        lat: t.fix.lat,
        lon: t.fix.lon,
        accuracyM: t.fix.accuracyM,
        zone: t.zone,
        nearestZone: t.nearestZone,
        fromHomeM: t.fromHomeM,
      }));
      return { trackers };
    },
  );
};
