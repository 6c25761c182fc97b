import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import type { CareRouteServices } from '../alerts/care-services.js';
import type { CareLogAuthor } from '../care-log/care-log-service.js';
import { careNoteKinds, careNoteReactions } from '../store/care-notes-repo.js';
import { callerOf, ErrorReply } from './authenticate.js';
import { Before, CareNoteSchema, Instant, Limit, RecordId } from './care-schemas.js';

/**
 * The care log (issue 6, item 6):
 *   GET    /api/care-log?from&to&limit&before              care-log.read
 *   POST   /api/care-log {kind,text,incidentId?}           care-log.write
 *   PATCH  /api/care-log/:id {kind?,text?}                 care-log.write, the author only
 *   DELETE /api/care-log/:id                               care-log.write, the author or the owner
 *   PUT    /api/care-log/:id/reactions/:reaction           care-log.write   seen | thanks
 *   DELETE /api/care-log/:id/reactions/:reaction           care-log.write
 */
const Kind = Type.Union(careNoteKinds.map((k) => Type.Literal(k)));
const Text = Type.String({ minLength: 1, maxLength: 2000 });

const ListQuery = Type.Object(
  {
    from: Type.Optional(Instant),
    to: Type.Optional(Instant),
    limit: Limit,
    before: Type.Optional(Before),
  },
  { additionalProperties: false },
);

const NewNote = Type.Object({ kind: Kind, text: Text, incidentId: Type.Optional(RecordId) }, { additionalProperties: false });
const NoteChange = Type.Object({ kind: Type.Optional(Kind), text: Type.Optional(Text) }, { additionalProperties: false, minProperties: 1 });
const NoteParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) }, { additionalProperties: false });
const ReactionParams = Type.Object(
  { id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), reaction: Type.Union(careNoteReactions.map((r) => Type.Literal(r))) },
  { additionalProperties: false },
);

const NotePage = Type.Object({ notes: Type.Array(CareNoteSchema), nextBefore: Type.Union([Type.String(), Type.Null()]) }, { additionalProperties: false });

const authorOf = (request: FastifyRequest): CareLogAuthor => {
  const { user } = callerOf(request);
  return { userId: user.id, role: user.role };
};

const ms = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso));

export const careLogRoutes: FastifyPluginAsync<{ services: CareRouteServices }> = async (app, { services }) => {
  const { careLog } = services;

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/api/care-log',
    {
      config: { permission: 'care-log.read' },
      schema: {
        summary: 'The care log, newest first: notes, visits and handovers, with their authors and reactions',
        description: 'from (inclusive) and to (exclusive) bound when notes were written; page with limit and before.',
        tags: ['care-log'],
        querystring: ListQuery,
        response: { 200: NotePage, 400: ErrorReply },
      },
    },
    async (request) => careLog.list({ from: ms(request.query.from), to: ms(request.query.to), limit: request.query.limit, before: request.query.before }),
  );

  app.post<{ Body: Static<typeof NewNote> }>(
    '/api/care-log',
    {
      config: { permission: 'care-log.write' },
      bodyLimit: 16 * 1024,
      schema: {
        summary: 'Write in the care log: a note, a visit or a handover, optionally about an incident',
        tags: ['care-log'],
        body: NewNote,
        response: { 201: CareNoteSchema, 400: ErrorReply },
      },
    },
    async (request, reply) => reply.code(201).send(careLog.add(authorOf(request), request.body)),
  );

  app.patch<{ Params: Static<typeof NoteParams>; Body: Static<typeof NoteChange> }>(
    '/api/care-log/:id',
    {
      config: { permission: 'care-log.write' },
      bodyLimit: 16 * 1024,
      schema: {
        summary: "Edit one's own note (its words or its kind)",
        description: '403 not_author for anyone but its author.',
        tags: ['care-log'],
        params: NoteParams,
        body: NoteChange,
        response: { 200: CareNoteSchema, 400: ErrorReply, 404: ErrorReply },
      },
    },
    async (request) => careLog.edit(authorOf(request), request.params.id, request.body),
  );

  app.delete<{ Params: Static<typeof NoteParams> }>(
    '/api/care-log/:id',
    {
      config: { permission: 'care-log.write' },
      schema: {
        summary: 'Delete a note: its author, or the owner',
        description: '403 not_author for anyone else.',
        tags: ['care-log'],
        params: NoteParams,
        response: { 204: Type.Null(), 400: ErrorReply, 404: ErrorReply },
      },
    },
    async (request, reply) => {
      careLog.remove(authorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );

  app.put<{ Params: Static<typeof ReactionParams> }>(
    '/api/care-log/:id/reactions/:reaction',
    {
      config: { permission: 'care-log.write' },
      schema: {
        summary: 'React to a note: seen, or thanks',
        tags: ['care-log'],
        params: ReactionParams,
        response: { 200: CareNoteSchema, 400: ErrorReply, 404: ErrorReply },
      },
    },
    async (request) => careLog.react(authorOf(request), request.params.id, request.params.reaction),
  );

  app.delete<{ Params: Static<typeof ReactionParams> }>(
    '/api/care-log/:id/reactions/:reaction',
    {
      config: { permission: 'care-log.write' },
      schema: {
        summary: 'Take back a reaction',
        tags: ['care-log'],
        params: ReactionParams,
        response: { 200: CareNoteSchema, 400: ErrorReply, 404: ErrorReply },
      },
    },
    async (request) => careLog.unreact(authorOf(request), request.params.id, request.params.reaction),
  );
};
