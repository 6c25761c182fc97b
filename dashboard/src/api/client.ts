import type { ApiPath, Body, Method, ProblemReply, Query, Reply } from './types';

/**
 * The one way the dashboard talks to the hub: same-origin fetch with the session cookie, the CSRF
 * token on every change (src/http/authenticate.ts), and the hub's error answers turned into ApiError
 * with a sentence a person can act on.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly problems: ProblemReply['problems'] = [],
  ) {
    super(detail || code);
    this.name = 'ApiError';
  }
  /** The hub could not be reached at all (offline, or the hub is restarting). */
  get unreachable(): boolean {
    return this.status === 0;
  }
}

type Params = Record<string, string | number>;

export interface RequestOptions<P extends ApiPath, M extends Method> {
  params?: Params;
  query?: Partial<Record<keyof Query<P, M> & string, string | number | boolean | undefined>> | Record<string, string | number | boolean | undefined>;
  body?: Body<P, M>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

let csrfToken = '';
const sessionEndedListeners = new Set<(reason: string | undefined) => void>();
let endReason: string | undefined;

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/** Called when the hub says the session is over (401), so the app can ask to sign in again. */
export function onSessionEnded(listener: (reason: string | undefined) => void): () => void {
  sessionEndedListeners.add(listener);
  return () => sessionEndedListeners.delete(listener);
}

/** Why the next 401 happened, when the hub said so beforehand (the live stream's `end` event). */
export function explainNextSessionEnd(reason: string | undefined): void {
  endReason = reason;
}

/** '/api/incidents/{id}' with {id: 'x'} → '/api/incidents/x', plus the query string. */
export function apiUrl(path: string, params: Params = {}, query: Record<string, unknown> = {}): string {
  const filled = path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`${path} needs ${name}`);
    return encodeURIComponent(String(value));
  });
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') search.set(key, String(value));
  const qs = search.toString();
  return qs === '' ? filled : `${filled}?${qs}`;
}

export async function request<P extends ApiPath, M extends Method>(method: M, path: P, options: RequestOptions<P, M> = {}): Promise<Reply<P, M>> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (method !== 'get') headers['x-csrf-token'] = csrfToken;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(apiUrl(path, options.params, options.query), {
      method: method.toUpperCase(),
      headers,
      credentials: 'same-origin',
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, 'unreachable', 'The hub cannot be reached. Check this device’s connection.');
  }
  if (response.status === 204) return undefined as Reply<P, M>;
  const text = await response.text();
  const json: unknown = text === '' ? undefined : safeJson(text);
  if (response.ok) return json as Reply<P, M>;
  const problem = (json ?? {}) as Partial<ProblemReply>;
  if (response.status === 401 && !path.startsWith('/api/auth/login')) {
    const reason = endReason;
    endReason = undefined;
    for (const listener of sessionEndedListeners) listener(reason);
  }
  throw new ApiError(response.status, problem.error ?? `http_${response.status}`, problem.detail ?? explain(response.status, problem), problem.problems ?? []);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The hub's codes that people meet, in words (the rest have a detail of their own, or the status says enough). */
const SENTENCES: Record<string, string> = {
  invalid_credentials: 'That email and password do not match. Check them and try again.',
  account_disabled: 'This account has been taken out of the circle.',
  csrf_token_invalid: 'This page is out of date. Reload it and try again.',
};

function explain(status: number, problem: Partial<ProblemReply>): string {
  const sentence = problem.error === undefined ? undefined : SENTENCES[problem.error];
  if (sentence !== undefined) return sentence;
  if (status === 401) return 'Your session has ended. Please sign in again.';
  if (status === 403) return 'Your role in the circle does not allow this.';
  if (status === 404) return 'That is no longer there.';
  if (status === 409 || status === 412) return 'Someone else changed this meanwhile. Reload and try again.';
  if (status === 429) return `Too many attempts. Try again in ${problem.retryAfterS ?? 60} seconds.`;
  if (status >= 500) return 'The hub had a problem. Try again in a moment.';
  return 'That did not work.';
}

export const api = {
  get: <P extends ApiPath>(path: P, options?: RequestOptions<P, 'get'>) => request('get', path, options),
  post: <P extends ApiPath>(path: P, options?: RequestOptions<P, 'post'>) => request('post', path, options),
  put: <P extends ApiPath>(path: P, options?: RequestOptions<P, 'put'>) => request('put', path, options),
  patch: <P extends ApiPath>(path: P, options?: RequestOptions<P, 'patch'>) => request('patch', path, options),
  delete: <P extends ApiPath>(path: P, options?: RequestOptions<P, 'delete'>) => request('delete', path, options),
};
