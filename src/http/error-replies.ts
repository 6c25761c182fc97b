import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isHomewardError, type ErrorCode, type HomewardError } from '../core/errors.js';

/**
 * The one place an error becomes an HTTP answer (STYLE.md, habit 3: throw coded errors, catch them
 * once at the edge), for every route: `{ error: 'snake_case_code', detail }`.
 *   - A request that fails its schema: 400 invalid_request, naming each field and what is wrong with
 *     it (`problems`, by JSON path), so a dashboard form can point at the field.
 *   - A coded error from a service: its code decides the status; the service may name a more precise
 *     answer in `details.reply` ("revision_stale", "note_required", "shift_overlaps").
 *   - Body too large, wrong content type: 413 and 415 in the same shape.
 *   - Anything else is ours to fix: logged with the request, answered 500 with no details.
 */
const ANSWERS: Partial<Record<ErrorCode, { status: 400 | 403 | 404 | 409 | 503; error: string }>> = {
  HW_USAGE: { status: 400, error: 'invalid_request' },
  HW_HOUSEHOLD_INVALID: { status: 400, error: 'household_invalid' },
  HW_PASSWORD_WEAK: { status: 400, error: 'weak_password' },
  HW_FORBIDDEN: { status: 403, error: 'forbidden' },
  HW_INVITATION_INVALID: { status: 403, error: 'invitation_invalid' },
  HW_NOT_FOUND: { status: 404, error: 'not_found' },
  HW_DEVICE_UNKNOWN: { status: 404, error: 'device_unknown' },
  HW_CONFLICT: { status: 409, error: 'conflict' },
  HW_ACCOUNT_EXISTS: { status: 409, error: 'account_exists' },
  HW_DEVICE_NO_CREDENTIAL: { status: 409, error: 'no_credential' },
  HW_BUSY: { status: 503, error: 'busy' },
};

const BY_STATUS: Record<number, string> = {
  400: 'invalid_request',
  404: 'not_found',
  413: 'body_too_large',
  415: 'unsupported_media_type',
};

interface ValidationItem {
  instancePath: string;
  message?: string;
  keyword: string;
  params: Record<string, unknown>;
}

function detailsOf(error: HomewardError): Record<string, unknown> {
  return typeof error.details === 'object' && error.details !== null && !Array.isArray(error.details) ? (error.details as Record<string, unknown>) : {};
}

/** The precise answer a coded error names (`details.reply`), if it names one. */
export function replyOf(error: unknown): string | undefined {
  if (!isHomewardError(error)) return undefined;
  const reply = detailsOf(error).reply;
  return typeof reply === 'string' ? reply : undefined;
}

function validationReply(error: FastifyError) {
  const problems = (error.validation as ValidationItem[]).map((item) => {
    // Name the field itself, not the object around it: "/name: is not a known field", "/note: is required".
    const named = item.keyword === 'additionalProperties' ? item.params.additionalProperty : item.keyword === 'required' ? item.params.missingProperty : undefined;
    const extra = named === undefined ? '' : `/${String(named)}`;
    const message = item.keyword === 'additionalProperties' ? 'is not a known field' : item.keyword === 'required' ? 'is required' : (item.message ?? 'is not valid');
    return { path: `${item.instancePath}${extra}` || '/', message };
  });
  const where = error.validationContext ?? 'request';
  return { error: 'invalid_request', detail: problems.map((p) => `${where}${p.path === '/' ? '' : p.path}: ${p.message}`).join('; '), problems };
}

export function installErrorReplies(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error.validation !== undefined) return reply.code(400).send(validationReply(error));
    if (isHomewardError(error)) {
      const answer = ANSWERS[error.code];
      if (answer !== undefined) {
        const details = detailsOf(error);
        const body: Record<string, unknown> = { error: replyOf(error) ?? answer.error, detail: error.message };
        if (error.code === 'HW_HOUSEHOLD_INVALID' && Array.isArray(error.details)) body.problems = error.details;
        if (typeof details.revision === 'number') body.revision = details.revision;
        if (answer.status === 503) reply.header('retry-after', '1');
        request.log.info({ code: error.code, reply: body.error, url: request.url }, 'request refused');
        return reply.code(answer.status).send(body);
      }
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) return reply.code(status).send({ error: BY_STATUS[status] ?? 'bad_request', detail: error.message });
    request.log.error({ err: error, method: request.method, url: request.url }, 'request failed');
    return reply.code(500).send({ error: 'internal_error' });
  });
}
