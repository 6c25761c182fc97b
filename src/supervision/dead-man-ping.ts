import { HomewardError } from '../core/errors.js';
import type { Counter } from '../core/metrics.js';
import type { Logger } from '../core/logger.js';
import { packageVersion } from '../version.js';
import type { HubHealth } from './hub-health.js';

/**
 * Supervision from outside (issue 9, item 8): a hub that stops cannot raise its own alarm, so every
 * `everyS` it tells a healthchecks-style service it is alive, and the service tells the family when
 * the pings stop. healthchecks.io convention: GET <url> = up; POST <url>/fail with the reason as the
 * body = down (the service shows the body). Uptime Kuma's push URLs (…/api/push/<token>) take the
 * same GET for up, and ?status=down&msg=… for down.
 */
export type PingResult = 'up' | 'fail' | 'error' | 'busy' | 'off';

export interface DeadManPingDeps {
  /** Empty = off. */
  url: string;
  everyS: number;
  health: () => HubHealth;
  log: Logger;
  /** homeward_supervision_ping_total{result}. */
  pings?: Counter;
  /** Per request; a slow service must not hold the next ping back for long. */
  timeoutMs?: number;
}

export interface DeadManPing {
  readonly enabled: boolean;
  /** One ping; the interval only calls this. Never throws. */
  tick(): Promise<PingResult>;
  start(): void;
  /** Stops the interval and abandons a ping in flight. */
  stop(): void;
}

const TIMEOUT_MS = 10_000;

export function createDeadManPing(deps: DeadManPingDeps): DeadManPing {
  const { url, log } = deps;
  const enabled = url !== '';
  const timeoutMs = deps.timeoutMs ?? TIMEOUT_MS;
  // The URL's path is the check's secret (anyone holding it can ping): logs name only the service.
  const service = enabled ? checkedPingUrl(url).host : '';
  let inFlight: AbortController | undefined;
  let timer: NodeJS.Timeout | undefined;
  let lastState: string | undefined;
  let stopped = false;

  /** Logged once per change of state (up / fail, delivered or why not), not every minute. */
  function note(result: 'up' | 'fail' | 'error', health: HubHealth, why?: string): void {
    const state = result === 'error' ? `error:${why ?? ''}` : result;
    if (state === lastState) return;
    const previous = lastState;
    lastState = state;
    if (result === 'error') log.warn({ service, why }, `the dead-man ping to ${service} failed (${why ?? 'unknown'}): the service will report the hub as down`);
    else if (result === 'fail') log.warn({ service, problems: health.problems }, `told ${service} the hub is unhealthy: ${health.problems.join('; ')}`);
    else if (previous !== undefined) log.info({ service }, `the dead-man ping to ${service} works again: the hub is healthy`);
  }

  async function ping(health: HubHealth, abort: AbortController): Promise<PingResult> {
    const request = health.ok ? { url, method: 'GET' } : failRequest(url, health.problems);
    const timeout = setTimeout(() => abort.abort(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    try {
      const response = await fetch(request.url, {
        method: request.method,
        headers: { 'user-agent': `homeward/${packageVersion()}`, ...(request.body === undefined ? {} : { 'content-type': 'text/plain; charset=utf-8' }) },
        ...(request.body === undefined ? {} : { body: request.body }),
        signal: abort.signal,
      });
      // Read to the end, so the connection is free for the next ping.
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const result = health.ok ? 'up' : 'fail';
      note(result, health);
      return result;
    } catch (error) {
      if (stopped) return 'error';
      const why = abort.signal.aborted && abort.signal.reason instanceof Error ? abort.signal.reason.message : describe(error);
      note('error', health, why);
      return 'error';
    } finally {
      clearTimeout(timeout);
    }
  }

  return {
    enabled,

    async tick() {
      if (!enabled) return 'off';
      // One in flight at most: a slow service gets a skipped ping, not a pile of them.
      if (inFlight !== undefined) {
        deps.pings?.inc({ result: 'busy' });
        return 'busy';
      }
      const abort = new AbortController();
      inFlight = abort;
      let result: PingResult;
      try {
        result = await ping(deps.health(), abort);
      } catch (error) {
        // The judgement or the logger threw: the hub goes on, and the service notices the silence.
        log.error({ err: error }, 'the dead-man ping could not run');
        result = 'error';
      } finally {
        if (inFlight === abort) inFlight = undefined;
      }
      deps.pings?.inc({ result });
      return result;
    },

    start() {
      if (!enabled || timer !== undefined) return;
      stopped = false;
      void this.tick();
      timer = setInterval(() => void this.tick(), deps.everyS * 1000);
      timer.unref();
    },

    stop() {
      clearInterval(timer);
      timer = undefined;
      stopped = true;
      inFlight?.abort(new Error('the hub is stopping'));
    },
  };
}

/** A ping URL that could never be sent stops the start (HW_CONFIG_INVALID, exit 2), rather than failing quietly every minute. */
function checkedPingUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new HomewardError('HW_CONFIG_INVALID', `HOMEWARD_PING_URL ${JSON.stringify(url)} is not a URL; copy the ping URL your healthchecks.io or Uptime Kuma check shows`);
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new HomewardError('HW_CONFIG_INVALID', 'HOMEWARD_PING_URL must not hold a user name or password: the ping cannot send them');
  }
  return parsed;
}

function failRequest(url: string, problems: readonly string[]): { url: string; method: string; body?: string } {
  const target = new URL(url);
  if (/\/api\/push\/[^/]+\/?$/.test(target.pathname)) {
    target.searchParams.set('status', 'down');
    target.searchParams.set('msg', problems.join('; '));
    return { url: target.toString(), method: 'GET' };
  }
  target.pathname = `${target.pathname.replace(/\/+$/, '')}/fail`;
  return { url: target.toString(), method: 'POST', body: problems.join('\n') };
}

/** fetch's errors say "fetch failed" and keep the reason in `cause` (ECONNREFUSED, ENOTFOUND…). */
function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
}
