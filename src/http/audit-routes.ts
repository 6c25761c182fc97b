import type { FastifyPluginAsync } from 'fastify';
import Type, { type Static } from 'typebox';
import type { AuditEntryWithName, AuditFilter } from '../store/audit-repo.js';
import { InvalidReply, IsoTime, msOf } from './home-replies.js';
import { iso } from '../core/iso-time.js';

/**
 * The audit log (issue 5, item 7; issue 6, item 8): who acknowledged, resolved, viewed her location,
 * changed the care plan or a role. Newest first; `before` is the `next` of the previous page.
 *   GET /api/audit?action&userId&from&to&limit&before   audit.read
 */
const AuditQuery = Type.Object(
  {
    action: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9._-]*$', maxLength: 64, description: 'one action, e.g. location.viewed' })),
    userId: Type.Optional(Type.Integer({ minimum: 1 })),
    from: Type.Optional(IsoTime),
    to: Type.Optional(IsoTime),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
    before: Type.Optional(Type.Integer({ minimum: 1, description: 'an entry id: older entries only' })),
  },
  { additionalProperties: false },
);

const Entry = Type.Object(
  {
    id: Type.Integer(),
    at: Type.String(),
    userId: Type.Union([Type.Integer(), Type.Null()]),
    userName: Type.Union([Type.String(), Type.Null()], { description: 'null once the account is gone (or for the hub itself)' }),
    action: Type.String(),
    target: Type.Union([Type.String(), Type.Null()]),
    details: Type.Record(Type.String(), Type.Unknown()),
  },
  { additionalProperties: false },
);

const AuditReply = Type.Object({ entries: Type.Array(Entry), next: Type.Union([Type.Integer(), Type.Null()]) }, { additionalProperties: false });

export const auditRoutes: FastifyPluginAsync<{ audit: { query(filter: AuditFilter): AuditEntryWithName[] } }> = async (app, { audit }) => {
  app.get<{ Querystring: Static<typeof AuditQuery> }>(
    '/api/audit',
    {
      config: { permission: 'audit.read' },
      schema: { summary: 'The audit log, newest first, filtered by action, person and time', tags: ['audit'], querystring: AuditQuery, response: { 200: AuditReply, 400: InvalidReply } },
    },
    async (request) => {
      const { action, userId, from, to, limit, before } = request.query;
      // One more than asked shows whether an older page exists.
      const entries = audit.query({ action, userId, from: msOf(from), to: msOf(to), before, limit: limit + 1 });
      const page = entries.slice(0, limit);
      return {
        entries: page.map((e) => ({ ...e, at: iso(e.at) })),
        next: entries.length > limit ? (page[page.length - 1]?.id ?? null) : null,
      };
    },
  );
};
