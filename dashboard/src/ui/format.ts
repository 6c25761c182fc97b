/**
 * Times as the circle reads them: "4 min ago", "02:14", "Tue 3 Mar". In the browser's own time
 * zone and language; the hub keeps instants in UTC (ISO 8601).
 */
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export function toMs(at: string | number | null | undefined): number | undefined {
  if (at === null || at === undefined) return undefined;
  const ms = typeof at === 'number' ? at : Date.parse(at);
  return Number.isFinite(ms) ? ms : undefined;
}

export function ago(at: string | number | null | undefined, now = Date.now()): string {
  const ms = toMs(at);
  if (ms === undefined) return 'never';
  const diff = Math.max(0, now - ms);
  if (diff < MINUTE) return 'just now';
  if (diff < HOUR) return `${Math.floor(diff / MINUTE)} min ago`;
  if (diff < DAY) {
    const hours = Math.floor(diff / HOUR);
    return `${hours} h ago`;
  }
  const days = Math.floor(diff / DAY);
  return days === 1 ? 'yesterday' : `${days} days ago`;
}

export function clockTime(at: string | number | null | undefined): string {
  const ms = toMs(at);
  return ms === undefined ? '—' : new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

export function dayLabel(at: string | number | null | undefined): string {
  const ms = toMs(at);
  return ms === undefined ? '—' : new Date(ms).toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short' });
}

export function dateTime(at: string | number | null | undefined): string {
  const ms = toMs(at);
  return ms === undefined ? '—' : `${dayLabel(ms)}, ${clockTime(ms)}`;
}

/** A local calendar date, YYYY-MM-DD, as the hub's per-day routes take it. */
export function localDate(at: number | Date = Date.now()): string {
  const d = new Date(at);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

export function distance(metres: number | null | undefined): string {
  if (metres === null || metres === undefined) return '—';
  return metres < 1000 ? `${Math.round(metres)} m` : `${(metres / 1000).toFixed(metres < 10_000 ? 1 : 0)} km`;
}
