import { HomewardError, isHomewardError, type ErrorCode } from '../core/errors.js';

/**
 * A coded refusal that also names the API's answer (issue 5: errors are `{ error: 'snake_case', detail }`),
 * so one handler at the HTTP edge turns every circle error into its status and code.
 */
export function refusal(code: ErrorCode, reply: string, message: string): HomewardError {
  return new HomewardError(code, message, { reply });
}

/** The snake_case answer a coded error names, if it names one. */
export function replyOf(error: unknown): string | undefined {
  if (!isHomewardError(error)) return undefined;
  const reply = (error.details as { reply?: unknown } | undefined)?.reply;
  return typeof reply === 'string' ? reply : undefined;
}
