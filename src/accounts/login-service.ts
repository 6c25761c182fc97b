import type { Clock } from '../core/clock.js';
import { isHomewardError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { AuditRepo } from '../store/audit-repo.js';
import { publicUser, type AccountService, type PublicUser } from './account-service.js';
import { looksLikeEmail, normaliseEmail } from './email.js';
import { addressKey, type LoginThrottle } from './login-throttle.js';
import type { SessionService, StartedSession } from './session-service.js';

export type LoginOutcome =
  | { outcome: 'signed-in'; user: PublicUser; session: StartedSession }
  /** Unknown email, wrong password or disabled account: deliberately one outcome. */
  | { outcome: 'refused' }
  | { outcome: 'throttled'; retryAfterMs: number }
  | { outcome: 'busy'; retryAfterMs: number };

export interface LoginRequest {
  email: string;
  password: string;
  /** The client's address (after trusted-proxy resolution). */
  address: string;
  userAgent?: string | undefined;
}

/**
 * Signing in with a password: throttle, check, start a session, and keep a record (issue 5, items 3–4).
 * Each refusal is logged once, here, with the address and the reason, and never with the password.
 */
export function createLoginService(options: { accounts: AccountService; sessions: SessionService; throttle: LoginThrottle; audit: AuditRepo; clock: Clock; log: Logger }) {
  const { accounts, sessions, throttle, audit, clock, log } = options;

  return {
    async login(request: LoginRequest): Promise<LoginOutcome> {
      const email = normaliseEmail(request.email);
      // People do type their password into the email box: only something shaped like an email is logged.
      const loggedEmail = looksLikeEmail(email) ? email : '(not an email address)';
      const decision = throttle.begin({ account: email, address: addressKey(request.address) });
      if (!decision.allowed) {
        log.debug({ email: loggedEmail, address: request.address, limitedBy: decision.limitedBy, retryAfterMs: decision.retryAfterMs }, 'log-in throttled');
        return { outcome: 'throttled', retryAfterMs: decision.retryAfterMs };
      }
      let result;
      try {
        result = await accounts.authenticate(email, request.password);
      } catch (error) {
        decision.attempt.cancelled();
        if (isHomewardError(error, 'HW_BUSY')) {
          log.warn({ address: request.address }, 'log-in refused: too many password checks waiting');
          return { outcome: 'busy', retryAfterMs: 1000 };
        }
        throw error;
      }
      if (!result.ok) {
        log.warn(
          { email: loggedEmail, address: request.address, reason: result.reason, accountFailures: throttle.failures('account', email), addressFailures: throttle.failures('address', addressKey(request.address)) },
          'log-in refused',
        );
        return { outcome: 'refused' };
      }
      decision.attempt.succeeded();
      const session = sessions.start(result.user.id, { userAgent: request.userAgent, address: request.address });
      audit.append({ at: clock.now(), userId: result.user.id, action: 'session.started', target: `session:${session.session.id}`, details: { address: request.address } });
      log.info({ userId: result.user.id, address: request.address }, 'signed in');
      return { outcome: 'signed-in', user: publicUser(result.user), session };
    },
  };
}

export type LoginService = ReturnType<typeof createLoginService>;
