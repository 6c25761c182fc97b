import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { apiUrl, api, ApiError } from '../api/client';
import type { ApiPath, Reply } from '../api/types';
import { recall, remember } from './last-known';
import { onLive, onReconnect, type LiveKind } from './live';

/**
 * One GET the screen shows, kept current: fetched on mount, fetched again when a live event of a
 * listed kind arrives (coalesced), and remembered for the offline view. When the hub cannot be
 * reached the last known value stays on screen with `stale` set and when it was fetched.
 */
export interface Resource<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  /** The data shown is not current: it is what this device last fetched, at `fetchedAt`. */
  stale: boolean;
  fetchedAt: number | undefined;
  reload(): Promise<void>;
}

export interface ResourceOptions {
  params?: Record<string, string | number>;
  query?: Record<string, string | number | boolean | undefined>;
  /** Live event kinds that change this resource. */
  on?: readonly LiveKind[];
  /** Skip fetching (a screen that needs a value first). */
  enabled?: boolean;
  /** Not kept for the offline view (location on a shared device, audited reads). */
  remember?: boolean;
}

const COALESCE_MS = 150;

export function useResource<P extends ApiPath>(path: P, options: ResourceOptions = {}): Resource<Reply<P>> {
  const url = apiUrl(path, options.params, options.query);
  const enabled = options.enabled ?? true;
  const keep = options.remember ?? true;
  // The remembered value is read (localStorage and a parse) when what is asked changes, never on a re-render.
  const startState = (): Omit<Resource<Reply<P>>, 'reload'> => {
    const remembered = keep ? recall<Reply<P>>(url) : undefined;
    return { data: remembered?.value, error: undefined, loading: enabled, stale: remembered !== undefined, fetchedAt: remembered?.fetchedAt };
  };
  const [state, setState] = useState(startState);
  // Only the answer to the latest request is shown: an earlier one that arrives late (a live event's
  // refetch overtaken by the one after a save) must not put older data back on screen.
  const latest = useRef(0);

  const reload = useCallback(async () => {
    if (!enabled) return;
    const ticket = ++latest.current;
    try {
      const data = await api.get(path, { ...(options.params ? { params: options.params } : {}), ...(options.query ? { query: options.query } : {}) });
      if (ticket !== latest.current) return;
      const fetchedAt = Date.now();
      if (keep) remember(url, data, fetchedAt);
      setState({ data, error: undefined, loading: false, stale: false, fetchedAt });
    } catch (error) {
      if (ticket !== latest.current) return;
      const problem = error instanceof ApiError ? error : new ApiError(0, 'failed', String(error));
      setState((previous) => ({ ...previous, error: problem, loading: false, stale: previous.data !== undefined }));
    }
  }, [url, enabled, keep]);

  const question = `${url} ${enabled} ${keep}`;
  const started = useRef(question);
  useEffect(() => {
    // On mount the state already holds what is remembered; asking for something else starts again.
    if (started.current !== question) setState(startState());
    started.current = question;
    void reload();
  }, [reload]);

  const kinds = (options.on ?? []).join(',');
  useEffect(() => {
    if (kinds === '') return undefined;
    const wanted = new Set(kinds.split(','));
    let timer: number | undefined;
    const soon = () => {
      if (timer === undefined) timer = window.setTimeout(() => ((timer = undefined), void reload()), COALESCE_MS);
    };
    const offLive = onLive((kind) => wanted.has(kind) && soon());
    const offReconnect = onReconnect(soon);
    return () => {
      offLive();
      offReconnect();
      if (timer !== undefined) window.clearTimeout(timer);
    };
  }, [kinds, reload]);

  return { ...state, reload };
}
