import type { Clock } from '../core/clock.js';
import { HomewardError } from '../core/errors.js';
import { beyondAllZonesM, distanceM } from '../core/geo.js';
import type { AuditRepo } from '../store/audit-repo.js';
import type { DeviceRow } from '../store/devices-repo.js';
import type { FixRow, HistoryRepo } from '../store/history-repo.js';
import type { HouseholdService } from './household-service.js';

/**
 * Reading history for the dashboard (issue 5, item 7): door and pill-box readings, and positions,
 * paged newest first over one device or all of a kind. Every answer that holds positions writes one
 * `location.viewed` audit entry (DESIGN.md: "every view of their location is logged"): who, which
 * devices, which time range, how many fixes — even when there were none, since "no fixes" is news too.
 *
 * Pages: the cursor names the last item returned ("<at>:<deviceId>"); the next page holds what comes
 * after it in (at, deviceId) descending order, so readings of two devices in the same millisecond are
 * never split or repeated across a page boundary. Devices that have left the household keep their history.
 */
export const DEFAULT_RANGE_MS = 86_400_000;

export interface HistoryQuery {
  deviceId?: string | undefined;
  /** Unix ms, inclusive; default `to` minus a day. */
  from?: number | undefined;
  /** Unix ms, exclusive; default just after now. */
  to?: number | undefined;
  limit: number;
  before?: string | undefined;
}

export interface Page<T> {
  items: T[];
  next: string | null;
}

interface Cursor {
  at: number;
  deviceId: string;
}

export const CURSOR_PATTERN = '^\\d{1,16}:[a-z0-9][a-z0-9_-]{0,63}$';

function parseCursor(text: string | undefined): Cursor | undefined {
  if (text === undefined) return undefined;
  const colon = text.indexOf(':');
  const at = Number(text.slice(0, colon));
  if (colon < 1 || !Number.isSafeInteger(at)) throw new HomewardError('HW_USAGE', `"${text}" is not a cursor from a previous page`, { reply: 'invalid_cursor' });
  return { at, deviceId: text.slice(colon + 1) };
}

/** Newest first; between devices at the same instant, the larger id first. */
function newestFirst(a: { at: number; deviceId: string }, b: { at: number; deviceId: string }): number {
  return b.at - a.at || (a.deviceId < b.deviceId ? 1 : a.deviceId > b.deviceId ? -1 : 0);
}

export interface TrackerWhereabouts {
  deviceId: string;
  name: string;
  fix: FixRow;
  /** The zone the fix is inside, if any. */
  zone: { id: string; name: string } | null;
  /** Outside every zone: the nearest one and how far beyond its edge, in metres. */
  nearestZone: { id: string; name: string; beyondM: number } | null;
  /** From the home's position (home.lat/lon), in metres; null if the household gives none. */
  fromHomeM: number | null;
}

export function createHistoryService(deps: { history: HistoryRepo; devices: () => DeviceRow[]; household: HouseholdService; audit: AuditRepo; clock: Clock }) {
  const { history, household, audit, clock } = deps;

  function range(query: HistoryQuery): { from: number; to: number } {
    const to = query.to ?? clock.now() + 1;
    const from = query.from ?? to - DEFAULT_RANGE_MS;
    if (from >= to) throw new HomewardError('HW_USAGE', '"from" must be before "to"', { reply: 'invalid_range' });
    return { from, to };
  }

  function devicesOf(kind: string, deviceId: string | undefined): DeviceRow[] {
    const ofKind = deps.devices().filter((d) => d.kind === kind);
    if (deviceId === undefined) return ofKind;
    const one = ofKind.filter((d) => d.id === deviceId);
    if (one.length === 0) throw new HomewardError('HW_DEVICE_UNKNOWN', `no ${kind} "${deviceId}" has ever been in the household`, { reply: 'device_unknown' });
    return one;
  }

  function page<R extends { at: number }>(kind: string, query: HistoryQuery, fetch: (num: number, from: number, upper: number, limit: number) => R[]) {
    const { from, to } = range(query);
    const cursor = parseCursor(query.before);
    const devices = devicesOf(kind, query.deviceId);
    const found: Array<R & { deviceId: string }> = [];
    for (const device of devices) {
      // After the cursor: older than it, or as old and of a smaller device id.
      const upper = cursor === undefined ? to : Math.min(to, device.id < cursor.deviceId ? cursor.at + 1 : cursor.at);
      if (upper <= from) continue;
      for (const row of fetch(device.num, from, upper, query.limit + 1)) found.push({ ...row, deviceId: device.id });
    }
    found.sort(newestFirst);
    const items = found.slice(0, query.limit);
    const last = items[items.length - 1];
    const next = found.length > query.limit && last !== undefined ? `${last.at}:${last.deviceId}` : null;
    return { items, next, from, to, devices };
  }

  function locationViewed(actorId: number, details: Record<string, unknown>): void {
    audit.append({ at: clock.now(), userId: actorId, action: 'location.viewed', target: 'positions', details });
  }

  return {
    doors(query: HistoryQuery) {
      const { items, next } = page('door', query, history.doors);
      return { items, next };
    },

    pillbox(query: HistoryQuery) {
      const { items, next } = page('pillbox', query, history.pillbox);
      return { items, next };
    },

    /** Fixes, newest first; audited as one location view. */
    positions(actorId: number, query: HistoryQuery) {
      const { items, next, from, to, devices } = page('tracker', query, history.fixes);
      locationViewed(actorId, {
        via: 'history',
        devices: devices.map((d) => d.id),
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
        fixes: items.length,
      });
      return { items, next };
    },

    /** Where the person is now: each tracker's last fix, the zone it is in or how far from home. Audited. */
    latest(actorId: number): TrackerWhereabouts[] {
      const view = household.view();
      const zones = view.household.zones ?? [];
      const home = view.household.home;
      const found: TrackerWhereabouts[] = [];
      for (const device of view.devicesById.values()) {
        if (device.kind !== 'tracker') continue;
        const num = view.deviceNums.get(device.id);
        const fix = num === undefined ? undefined : history.latestFix(num);
        if (fix === undefined) continue;
        const nearest = beyondAllZonesM(zones, fix.lat, fix.lon);
        const inside = nearest.nearest !== undefined && nearest.metres <= 0;
        found.push({
          deviceId: device.id,
          name: device.name,
          fix,
          zone: inside && nearest.nearest ? { id: nearest.nearest.id, name: nearest.nearest.name } : null,
          nearestZone: !inside && nearest.nearest ? { id: nearest.nearest.id, name: nearest.nearest.name, beyondM: Math.round(nearest.metres) } : null,
          fromHomeM: home.lat === undefined || home.lon === undefined ? null : Math.round(distanceM(home.lat, home.lon, fix.lat, fix.lon)),
        });
      }
      const times = found.map((t) => t.fix.at);
      locationViewed(actorId, {
        via: 'latest',
        devices: found.map((t) => t.deviceId),
        from: times.length === 0 ? null : new Date(Math.min(...times)).toISOString(),
        to: times.length === 0 ? null : new Date(Math.max(...times)).toISOString(),
        fixes: found.length,
      });
      return found;
    },
  };
}

export type HistoryService = ReturnType<typeof createHistoryService>;
