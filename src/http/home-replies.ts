import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { HomewardError } from '../core/errors.js';

/**
 * What the household-data routes share (issue 5): their error answers' schemas, time and id formats,
 * and the If-Match revision check that keeps two editors from overwriting each other. Errors become
 * answers in src/http/error-replies.ts.
 */
const Problem = Type.Object({ path: Type.String(), message: Type.String() }, { additionalProperties: false });

/** 400: what was wrong, by JSON path into what was sent (a household document's every problem). */
export const InvalidReply = Type.Object(
  { error: Type.String(), detail: Type.Optional(Type.String()), problems: Type.Optional(Type.Array(Problem)) },
  { additionalProperties: false },
);

/** 409: the request contradicts what is stored; `revision` is the current one when the document moved on. */
export const ConflictReply = Type.Object(
  { error: Type.String(), detail: Type.Optional(Type.String()), revision: Type.Optional(Type.Integer()) },
  { additionalProperties: false },
);

/** A time in a query: ISO 8601 with its offset ("2026-01-05T09:00:00Z"). */
export const IsoTime = Type.String({ format: 'date-time', maxLength: 40 });
export const Id = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$', maxLength: 64 });
export const IdParams = Type.Object({ id: Id }, { additionalProperties: false });

/** An ISO time from a query, as Unix ms (the schema has checked its format). */
export const msOf = (text: string | undefined): number | undefined => (text === undefined ? undefined : Date.parse(text));

/** The If-Match header's revision (`"12"`, `W/"12"` or `12`); undefined when absent; anything else is refused. */
export function ifMatchRevision(request: FastifyRequest): number | undefined {
  const header = request.headers['if-match'];
  if (header === undefined) return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,12})"?\s*$/.exec(Array.isArray(header) ? header.join(',') : header);
  if (match === null) throw new HomewardError('HW_USAGE', 'If-Match must name one revision, as the ETag gave it (e.g. "12")', { reply: 'invalid_if_match' });
  return Number(match[1]);
}

/** Sets the ETag a later If-Match names. */
export function withRevision(reply: FastifyReply, revision: number): FastifyReply {
  return reply.header('etag', `"${revision}"`);
}

export const IfMatchHeaders = Type.Object({
  'if-match': Type.Optional(Type.String({ maxLength: 40, description: 'The revision the change was made against (the ETag of GET /api/household), e.g. "12"' })),
});
