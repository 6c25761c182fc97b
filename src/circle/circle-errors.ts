import { HomewardError, type ErrorCode } from '../core/errors.js';

/**
 * A coded refusal that also names the API's answer (issue 5: errors are `{ error: 'snake_case', detail }`),
 * so one handler at the HTTP edge turns every circle error into its status and code.
 */
export function refusal(code: ErrorCode, reply: string, message: string): HomewardError {
  return new HomewardError(code, message, { reply });
}
