import { useMemo } from 'preact/hooks';
import type { Reply } from '../../api/types';
import { clockTime, distance } from '../../ui/format';
import { LeafletMap, type MapMarker, type MapTrack, type MapZone } from '../../ui/leaflet-map';
import { Card, Empty } from '../../ui/page';

type Fix = NonNullable<Reply<'/api/incidents/{id}'>['track']>[number];

/**
 * Where the tracker went during the incident, on the map with the zones, and in words: the last fix
 * and how far it was from home, for those who cannot use the map.
 */
export function TrackCard(props: { incidentId: string; track: readonly Fix[]; zones: readonly MapZone[]; home: { lat: number; lon: number } | undefined; truncated: boolean }) {
  const { tracks, markers, last } = useMemo(() => shape(props.track), [props.track]);
  return (
    <Card id="track" title="Where she went">
      <p class="muted small">Views of her location are recorded.</p>
      {last ? (
        <p data-last-fix>
          Last fix at {clockTime(last.at)} from {last.deviceName}
          {props.home ? `, ${distance(metresBetween(props.home, last))} from home` : ''}
          {last.accuracyM !== null ? ` (within ${distance(last.accuracyM)})` : ''}. {props.track.length} fix{props.track.length === 1 ? '' : 'es'} during this incident.
        </p>
      ) : (
        <Empty>No tracker reported a position during this incident.</Empty>
      )}
      {props.truncated ? <p class="muted small">Only part of the history is shown: it was long.</p> : null}
      <LeafletMap label="Map of the track during this incident and the safe zones" zones={props.zones} tracks={tracks} markers={markers} center={props.home} fitKey={`${props.incidentId}|${props.track.length > 0 ? 'track' : 'none'}|${props.zones.length}`} />
    </Card>
  );
}

function shape(track: readonly Fix[]): { tracks: MapTrack[]; markers: MapMarker[]; last: Fix | undefined } {
  const byDevice = new Map<string, Fix[]>();
  for (const fix of track) byDevice.set(fix.deviceId, [...(byDevice.get(fix.deviceId) ?? []), fix]);
  const tracks: MapTrack[] = [];
  const markers: MapMarker[] = [];
  for (const [deviceId, fixes] of byDevice) {
    tracks.push({ id: deviceId, fixes });
    const end = fixes[fixes.length - 1];
    if (end) markers.push({ id: deviceId, lat: end.lat, lon: end.lon, label: `${end.deviceName}, ${clockTime(end.at)}` });
  }
  return { tracks, markers, last: track[track.length - 1] };
}

/** Great-circle distance in metres (haversine); a few metres' error does not matter here. */
export function metresBetween(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6_371_000 * Math.asin(Math.min(1, Math.sqrt(h)));
}
