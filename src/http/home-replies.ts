import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { HomewardError, isHomewardError, type ErrorCode } from '../core/errors.js';

/**
 * What the household-data routes share (issue 5): their error answers, the one place their coded
 * errors become HTTP statuses (STYLE.md: throw coded errors, catch them once at the edge), and the
 * If-Match revision check that keeps two editors from overwriting each other.
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

export const iso = (ms: number): string => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null | undefined): string | null => (ms == null ? null : iso(ms));
/** An ISO time from a query, as Unix ms (the schema has checked its format). */
export const msOf = (text: string | undefined): number | undefined => (text === undefined ? undefined : Date.parse(text));

const STATUS: Partial<Record<ErrorCode, { status: 400 | 403 | 404 | 409; error: string }>> = {
  HW_HOUSEHOLD_INVALID: { status: 400, error: 'household_invalid' },
  HW_USAGE: { status: 400, error: 'invalid_request' },
  HW_NOT_FOUND: { status: 404, error: 'not_found' },
  HW_DEVICE_UNKNOWN: { status: 404, error: 'device_unknown' },
  HW_CONFLICT: { status: 409, error: 'conflict' },
  HW_DEVICE_NO_CREDENTIAL: { status: 409, error: 'no_credential' },
  HW_FORBIDDEN: { status: 403, error: 'forbidden' },
};

function detailsOf(error: HomewardError): Record<string, unknown> {
  return typeof error.details === 'object' && error.details !== null && !Array.isArray(error.details) ? (error.details as Record<string, unknown>) : {};
}

interface ValidationItem {
  instancePath: string;
  message?: string;
  keyword: string;
  params: Record<string, unknown>;
}

/**
 * Schema validation failures and coded errors from the services, answered as
 * `{ error: 'snake_case_code', detail }` (a service's `details.reason` is the code when it has one,
 * so an answer says `revision_stale` or `bridge_in_use`, not just "conflict"). Anything else is not
 * ours to explain: it goes on to fastify's handler (500, logged).
 */
export function installHomeErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error.validation !== undefined) {
      const problems = (error.validation as ValidationItem[]).map((item) => {
        // Name the field itself, not the object around it: "/name: is not a known field", "/audit: is required".
        const named = item.keyword === 'additionalProperties' ? item.params.additionalProperty : item.keyword === 'required' ? item.params.missingProperty : undefined;
        const extra = named === undefined ? '' : `/${String(named)}`;
        const message = item.keyword === 'additionalProperties' ? 'is not a known field' : item.keyword === 'required' ? 'is required' : (item.message ?? 'is not valid');
        return { path: `${item.instancePath}${extra}` || '/', message };
      });
      const where = error.validationContext ?? 'request';
      return reply.code(400).send({ error: 'invalid_request', detail: problems.map((p) => `${where}${p.path === '/' ? '' : p.path}: ${p.message}`).join('; '), problems });
    }
    if (isHomewardError(error)) {
      const mapped = STATUS[error.code];
      if (mapped !== undefined) {
        const details = detailsOf(error);
        const code = typeof details.reason === 'string' ? details.reason : mapped.error;
        const body: Record<string, unknown> = { error: code, detail: error.message };
        if (error.code === 'HW_HOUSEHOLD_INVALID' && Array.isArray(error.details)) body.problems = error.details;
        if (typeof details.revision === 'number') body.revision = details.revision;
        request.log.info({ code: error.code, reason: code, url: request.url }, 'request refused');
        return reply.code(mapped.status).send(body);
      }
    }
    throw error;
  });
}

/** The If-Match header's revision (`"12"`, `W/"12"` or `12`); undefined when absent; anything else is refused. */
export function ifMatchRevision(request: FastifyRequest): number | undefined {
  const header = request.headers['if-match'];
  if (header === undefined) return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,12})"?\s*$/.exec(Array.isArray(header) ? header.join(',') : header);
  if (match === null) throw new HomewardError('HW_USAGE', 'If-Match must name one revision, as the ETag gave it (e.g. "12")', { reason: 'invalid_if_match' });
  return Number(match[1]);
}

/** Sets the ETag a later If-Match names. */
export function withRevision(reply: FastifyReply, revision: number): FastifyReply {
  return reply.header('etag', `"${revision}"`);
}

export const IfMatchHeaders = Type.Object({
  'if-match': Type.Optional(Type.String({ maxLength: 40, description: 'The revision the change was made against (the ETag of GET /api/household), e.g. "12"' })),
});
