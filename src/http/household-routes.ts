import type { FastifyPluginAsync } from 'fastify';
import Type, { type Static } from 'typebox';
import { HouseholdSchema, PersonSchema, ZoneSchema, type Household } from '../core/household.js';
import type { HouseholdEditor } from '../household/household-editor.js';
import { callerOf, ErrorReply } from './authenticate.js';
import { ConflictReply, IfMatchHeaders, ifMatchRevision, InvalidReply, withRevision } from './home-replies.js';
import { isoOrNull } from '../core/iso-time.js';

/**
 * The household document (issue 5, item 7; DESIGN.md "The household document"): the same care plan
 * `setup import` and `setup export` handle.
 *   GET /api/household          household.read   the document, its revision (also the ETag) and when it changed
 *   PUT /api/household          household.write  the whole document; If-Match: <revision> is required
 *   PUT /api/household/person   profile.write    the person's profile: routines, triggers, what calms her, ...
 *   PUT /api/household/zones    household.write  the safe zones (the dashboard edits them on a map)
 * The two partial edits take If-Match too, and are refused (409) when it names a stale revision.
 */
const TextList = Type.Array(Type.String({ maxLength: 500 }), { maxItems: 100 });

const ProfileBody = Type.Object(
  {
    description: Type.Optional(Type.String({ maxLength: 2000, description: 'What she looks like and wears: for whoever looks for her' })),
    routines: TextList,
    triggers: TextList,
    calming: TextList,
    likelyPlaces: TextList,
  },
  { additionalProperties: false, description: 'The whole profile: a list left empty is cleared; the name is changed in the document' },
);

const ZonesBody = Type.Object({ zones: Type.Array(ZoneSchema, { maxItems: 50 }) }, { additionalProperties: false });

const DocumentReply = Type.Object(
  { household: HouseholdSchema, revision: Type.Integer(), updatedAt: Type.Union([Type.String(), Type.Null()]) },
  { additionalProperties: false },
);
const RevisionReply = Type.Object({ revision: Type.Integer() }, { additionalProperties: false });
const PersonReply = Type.Object({ revision: Type.Integer(), person: PersonSchema }, { additionalProperties: false });
const ZonesReply = Type.Object({ revision: Type.Integer(), zones: Type.Array(ZoneSchema) }, { additionalProperties: false });

const EditReplies = { 400: InvalidReply, 409: ConflictReply };

export const householdRoutes: FastifyPluginAsync<{ household: HouseholdEditor }> = async (app, { household }) => {
  app.get(
    '/api/household',
    {
      config: { permission: 'household.read' },
      schema: { summary: 'The household document (the care plan) and its revision', tags: ['household'], response: { 200: DocumentReply } },
    },
    async (_request, reply) => {
      const current = household.current();
      return withRevision(reply, current.revision).send({ household: current.household, revision: current.revision, updatedAt: isoOrNull(current.updatedAt) });
    },
  );

  app.put<{ Body: Household; Headers: Static<typeof IfMatchHeaders> }>(
    '/api/household',
    {
      config: { permission: 'household.write' },
      // A household of a few hundred devices is well over the API's usual 64 KiB.
      bodyLimit: 512 * 1024,
      schema: {
        summary: 'Replace the household document; If-Match names the revision it was edited from',
        description: 'A stale revision is refused with 409 (someone else changed it meanwhile): reload, reapply, send again. Every problem in the document is listed with its JSON path.',
        tags: ['household'],
        headers: IfMatchHeaders,
        body: HouseholdSchema,
        response: { 200: RevisionReply, 428: ErrorReply, ...EditReplies },
      },
    },
    async (request, reply) => {
      const expected = ifMatchRevision(request);
      if (expected === undefined) {
        return reply.code(428).send({ error: 'if_match_required', detail: 'send If-Match with the revision you edited (the ETag of GET /api/household)' });
      }
      const revision = household.replace(callerOf(request).user.id, request.body, expected);
      return withRevision(reply, revision).send({ revision });
    },
  );

  app.put<{ Body: Static<typeof ProfileBody>; Headers: Static<typeof IfMatchHeaders> }>(
    '/api/household/person',
    {
      config: { permission: 'profile.write' },
      schema: {
        summary: "Keep the person's profile current: description, routines, triggers, what calms her, likely places",
        tags: ['household'],
        headers: IfMatchHeaders,
        body: ProfileBody,
        response: { 200: PersonReply, ...EditReplies },
      },
    },
    async (request, reply) => {
      const revision = household.setProfile(callerOf(request).user.id, request.body, ifMatchRevision(request));
      return withRevision(reply, revision).send({ revision, person: household.current().household.person });
    },
  );

  app.put<{ Body: Static<typeof ZonesBody>; Headers: Static<typeof IfMatchHeaders> }>(
    '/api/household/zones',
    {
      config: { permission: 'household.write' },
      schema: { summary: 'Replace the safe zones', tags: ['household'], headers: IfMatchHeaders, body: ZonesBody, response: { 200: ZonesReply, ...EditReplies } },
    },
    async (request, reply) => {
      const revision = household.setZones(callerOf(request).user.id, request.body.zones, ifMatchRevision(request));
      return withRevision(reply, revision).send({ revision, zones: household.current().household.zones ?? [] });
    },
  );
};
