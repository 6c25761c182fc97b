import { api, ApiError, explainNextSessionEnd } from '../api/client';
import { createStore, useStore } from './store';

/**
 * The one live connection: GET /api/events (server-sent events, filtered by the hub by role).
 * Screens do not parse events into state; an event names what changed, and every resource that
 * shows that kind fetches again. Simple, and never out of step with the API. After a reconnect
 * everything fetches again, since events sent while away are not replayed.
 */
export type LiveKind = 'alert' | 'incident' | 'care-log' | 'household' | 'circle' | 'device' | 'door' | 'pillbox' | 'position';

export const LIVE_KINDS: readonly LiveKind[] = ['alert', 'incident', 'care-log', 'household', 'circle', 'device', 'door', 'pillbox', 'position'];

export type LiveState = 'connecting' | 'live' | 'offline';

export const liveState = createStore<LiveState>('connecting');

type Listener = (kind: LiveKind, data: unknown) => void;
const listeners = new Set<Listener>();
const reconnectListeners = new Set<() => void>();
let source: EventSource | null = null;

export function useLiveState(): LiveState {
  return useStore(liveState);
}

export function onLive(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Called after the stream comes back, so what was missed is fetched. */
export function onReconnect(listener: () => void): () => void {
  reconnectListeners.add(listener);
  return () => reconnectListeners.delete(listener);
}

export function connectLive(): void {
  if (source !== null) return;
  let wasLive = false;
  let dropped = false;
  source = new EventSource('/api/events', { withCredentials: true });
  source.addEventListener('open', () => {
    liveState.set('live');
    if (wasLive && dropped) for (const listener of reconnectListeners) listener();
    wasLive = true;
    dropped = false;
  });
  source.addEventListener('error', () => {
    dropped = true;
    // EventSource retries by itself while CONNECTING; CLOSED means the hub refused: find out why.
    if (source?.readyState === EventSource.CLOSED) void checkAfterEnd(undefined);
    else liveState.set('connecting');
  });
  // The hub ends the stream when the session is over (signed out everywhere, role changed, removed
  // from the circle): the page must not sit there looking live, nor keep what it remembered.
  source.addEventListener('end', (event) => {
    let reason: string | undefined;
    try {
      reason = (JSON.parse((event as MessageEvent<string>).data) as { reason?: string }).reason;
    } catch {
      reason = undefined;
    }
    void checkAfterEnd(reason);
  });
  for (const kind of LIVE_KINDS) {
    source.addEventListener(kind, (event) => {
      let data: unknown;
      try {
        data = JSON.parse((event as MessageEvent<string>).data);
      } catch {
        data = undefined;
      }
      for (const listener of [...listeners]) listener(kind, data);
    });
  }
}

const END_SENTENCES: Record<string, string> = {
  role_changed: 'Your role in the circle has changed. Please sign in again.',
  account_disabled: 'You are no longer in this care circle.',
  session_ended: 'You were signed out, perhaps by “sign out everywhere”. Please sign in again.',
};

/** After the stream ended: a 401 signs out (with the hub's reason in words); otherwise connect again. */
async function checkAfterEnd(reason: string | undefined): Promise<void> {
  source?.close();
  source = null;
  liveState.set('connecting');
  explainNextSessionEnd((reason && END_SENTENCES[reason]) ?? 'Your session has ended. Please sign in again.');
  try {
    await api.get('/api/auth/session');
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return;
    // The hub is unreachable or unwell: keep trying, slowly.
    liveState.set('offline');
  } finally {
    explainNextSessionEnd(undefined);
  }
  window.setTimeout(() => connectLive(), 2000);
}

export function disconnectLive(): void {
  source?.close();
  source = null;
  liveState.set('connecting');
}
