import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../../api/client';
import { onLive } from '../../app/live';

/**
 * Door openings (closed → open readings) since a moment, every page of them: the hub answers
 * newest first, at most 5000 a page. Eight weeks of a busy home is a few pages; more than MAX_PAGES
 * is cut short and said so rather than fetched for ever on a Pi.
 */
const PAGE = 5000;
const MAX_PAGES = 8;

export interface DoorOpenings {
  /** Unix ms of each opening, newest first. */
  openings: number[] | undefined;
  error: ApiError | undefined;
  /** Older openings exist that were not fetched. */
  cut: boolean;
  reload(): void;
}

export function useDoorOpenings(sinceMs: number): DoorOpenings {
  const [state, setState] = useState<Omit<DoorOpenings, 'reload'>>({ openings: undefined, error: undefined, cut: false });
  const [asks, setAsks] = useState(0);

  useEffect(() => {
    let current = true;
    void (async () => {
      try {
        const openings: number[] = [];
        let before: string | undefined;
        let pages = 0;
        do {
          const reply = await api.get('/api/readings/doors', { query: { from: new Date(sinceMs).toISOString(), limit: PAGE, ...(before ? { before } : {}) } });
          for (const reading of reply.readings) if (reading.open) openings.push(Date.parse(reading.at));
          before = reply.next ?? undefined;
          pages += 1;
        } while (before !== undefined && pages < MAX_PAGES);
        if (current) setState({ openings, error: undefined, cut: before !== undefined });
      } catch (error) {
        if (current) setState((previous) => ({ ...previous, error: error instanceof ApiError ? error : new ApiError(0, 'failed', String(error)) }));
      }
    })();
    return () => {
      current = false;
    };
  }, [sinceMs, asks]);

  // A door opening now changes today's counts; a minute's delay keeps a busy hallway from refetching weeks each time.
  useEffect(() => {
    let timer: number | undefined;
    const off = onLive((kind) => {
      if (kind === 'door' && timer === undefined) timer = window.setTimeout(() => ((timer = undefined), setAsks((n) => n + 1)), 60_000);
    });
    return () => {
      off();
      if (timer !== undefined) window.clearTimeout(timer);
    };
  }, []);

  return { ...state, reload: () => setAsks((n) => n + 1) };
}
