import { useEffect, useState } from 'preact/hooks';
import { createStore, useStore } from './store';

/**
 * Client-side routes over the History API. The hub answers every dashboard path with index.html
 * (src/http/dashboard-routes.ts), so a link from a notification (/incidents/<id>) or the digest
 * (/digest?date=) opens straight on its page.
 */
export interface Location {
  path: string;
  query: URLSearchParams;
}

const here = (): Location => ({ path: window.location.pathname, query: new URLSearchParams(window.location.search) });
const location = createStore<Location>(here());

window.addEventListener('popstate', () => location.set(here()));

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  location.set(here());
  window.scrollTo(0, 0);
}

export function useLocation(): Location {
  return useStore(location);
}

/** Matches '/incidents/:id' against a path; the named parts, decoded, or null. */
export function matchRoute(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/');
  const got = path.replace(/\/+$/, '').split('/');
  if (path === '/' && pattern === '/') return {};
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as string;
    const g = got[i] as string;
    if (w.startsWith(':')) params[w.slice(1)] = decodeURIComponent(g);
    else if (w !== g) return null;
  }
  return params;
}

/** A link that navigates without reloading; ordinary clicks only (new tab still works). */
export function followLink(event: MouseEvent): void {
  const anchor = (event.target as Element | null)?.closest?.('a');
  if (!anchor || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const href = anchor.getAttribute('href');
  if (!href || !href.startsWith('/') || href.startsWith('//') || anchor.target || anchor.hasAttribute('download') || href.startsWith('/api/')) return;
  event.preventDefault();
  navigate(href);
}

/** Re-renders every minute so "5 minutes ago" stays true. */
export function useMinuteTick(): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = window.setInterval(() => setTick((n) => n + 1), 30_000);
    return () => window.clearInterval(timer);
  }, []);
  return tick;
}
