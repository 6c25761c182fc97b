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
    // EventSource retries by itself while CONNECTING; CLOSED means the hub refused (signed out).
    liveState.set(source?.readyState === EventSource.CLOSED ? 'offline' : 'connecting');
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

export function disconnectLive(): void {
  source?.close();
  source = null;
  liveState.set('connecting');
}
