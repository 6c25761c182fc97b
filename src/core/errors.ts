/**
 * Coded errors, in the manner of fastify's FST_ERR_*: thrown anywhere, caught once at the edge
 * (CLI, HTTP, broker hook), where the code decides the exit status or response.
 */
export type ErrorCode =
  | 'HW_CONFIG_INVALID'
  | 'HW_HOUSEHOLD_INVALID'
  | 'HW_DEVICE_UNKNOWN'
  | 'HW_DEVICE_NO_CREDENTIAL'
  | 'HW_PAYLOAD_INVALID'
  | 'HW_TOPIC_UNKNOWN'
  | 'HW_USAGE'
  | 'HW_NOT_FOUND'
  | 'HW_STORE'
  | 'HW_BACKUP'
  // Accounts (issue 5): a password the policy refuses, an email already taken, a setup or invitation
  // link that is unknown, used or expired, and too much password hashing already waiting.
  | 'HW_PASSWORD_WEAK'
  | 'HW_ACCOUNT_EXISTS'
  | 'HW_INVITATION_INVALID'
  | 'HW_BUSY'
  // The API (issue 5): the request contradicts the current state (acknowledging a resolved alert,
  // a rota shift that overlaps another), and a caller acting outside what their role allows.
  | 'HW_CONFLICT'
  | 'HW_FORBIDDEN';

export class HomewardError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'HomewardError';
    this.code = code;
    this.details = details;
  }
}

export function isHomewardError(error: unknown, code?: ErrorCode): error is HomewardError {
  return error instanceof HomewardError && (code === undefined || error.code === code);
}
