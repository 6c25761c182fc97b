import { useMemo } from 'preact/hooks';
import type { Reply } from '../../api/types';
import { clockTime, dateTime } from '../../ui/format';
import type { MapTrack } from '../../ui/leaflet-map';

type Fix = Reply<'/api/positions'>['positions'][number];

/** How far back the track goes: the choices, and the default (the last day). */
export const PERIODS = [
  { id: '1h', label: 'the last hour', hours: 1 },
  { id: '6h', label: 'the last 6 hours', hours: 6 },
  { id: '24h', label: 'the last 24 hours', hours: 24 },
  { id: '3d', label: 'the last 3 days', hours: 72 },
  { id: '7d', label: 'the last 7 days', hours: 168 },
] as const;
export type PeriodId = (typeof PERIODS)[number]['id'];
export const DEFAULT_PERIOD: PeriodId = '24h';
/** The hub's page limit; a week of fixes every 30 s is about 20,000, so the oldest part may be cut. */
export const TRACK_LIMIT = 5000;

export function periodOf(id: string | null): (typeof PERIODS)[number] {
  return PERIODS.find((period) => period.id === id) ?? (PERIODS.find((period) => period.id === DEFAULT_PERIOD) as (typeof PERIODS)[number]);
}

/** The hub answers newest first; lines are drawn oldest first, one per tracker. */
export function useTracks(fixes: readonly Fix[] | undefined): MapTrack[] {
  return useMemo(() => {
    const byDevice = new Map<string, Fix[]>();
    for (const fix of [...(fixes ?? [])].reverse()) byDevice.set(fix.deviceId, [...(byDevice.get(fix.deviceId) ?? []), fix]);
    return [...byDevice].map(([id, list]) => ({ id, fixes: list }));
  }, [fixes]);
}

/** The track in words, and the latest fixes as a table, for those who cannot see the map. */
export function TrackSummary(props: { fixes: readonly Fix[]; period: string; cut: boolean; names: ReadonlyMap<string, string> }) {
  const { fixes } = props;
  if (fixes.length === 0) return <p data-track-summary>No positions in {props.period}.</p>;
  const newest = fixes[0] as Fix;
  const oldest = fixes[fixes.length - 1] as Fix;
  const shown = fixes.slice(0, 50);
  return (
    <>
      <p data-track-summary>
        {fixes.length} position{fixes.length === 1 ? '' : 's'} in {props.period}, from {dateTime(oldest.at)} to {clockTime(newest.at)}.
        {props.cut ? ' Only the most recent are drawn: choose a shorter period to see it all.' : ''}
      </p>
      <details class="map-fixes">
        <summary>The latest {shown.length} positions as a list</summary>
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Tracker</th>
                <th scope="col">Latitude, longitude</th>
                <th scope="col">Within</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((fix) => (
                <tr key={`${fix.deviceId}-${fix.at}`}>
                  <td>{dateTime(fix.at)}</td>
                  <td>{props.names.get(fix.deviceId) ?? fix.deviceId}</td>
                  <td>
                    {fix.lat.toFixed(5)}, {fix.lon.toFixed(5)}
                  </td>
                  <td>{fix.accuracyM === null ? '—' : `${Math.round(fix.accuracyM)} m`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </>
  );
}
