import type { AlertType } from '../core/alerts.js';
import type { OpenAlertView, RuleView } from './rule.js';

/**
 * Alert keys of the form `<type>:<deviceId>:<episode start, Unix ms>` (alerts.ts, AlertDraft.key): the
 * start names the episode (a door opening, an excursion, a silence), so re-deriving it after a
 * restart or a clock jump gives the same key and the engine raises it once (rule.ts).
 * Device ids cannot contain ':' (household.ts, Id), so the key splits back unambiguously.
 */
export function episodeKey(type: AlertType, deviceId: string, start: number): string {
  return `${type}:${deviceId}:${start}`;
}

export interface OpenEpisode {
  alert: OpenAlertView;
  deviceId: string;
  /** The episode start named in the alert's key. */
  start: number;
}

/** The open alerts of one type (of one device, if given), each with the device and episode start from its key. */
export function openEpisodes(view: RuleView, type: AlertType, deviceId?: string): OpenEpisode[] {
  const episodes: OpenEpisode[] = [];
  for (const alert of view.openAlerts(type)) {
    const parsed = parseEpisodeKey(type, alert.key);
    if (parsed === undefined) continue;
    if (deviceId === undefined || parsed.deviceId === deviceId) episodes.push({ alert, ...parsed });
  }
  return episodes;
}

function parseEpisodeKey(type: AlertType, key: string): { deviceId: string; start: number } | undefined {
  if (!key.startsWith(`${type}:`)) return undefined;
  const rest = key.slice(type.length + 1);
  const colon = rest.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const start = Number(rest.slice(colon + 1));
  // A key this module did not write (hand-made, an older version) still counts as open, since the dawn of time.
  return { deviceId: rest.slice(0, colon), start: Number.isFinite(start) ? start : -Infinity };
}
