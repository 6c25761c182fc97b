import './map/map.css';
import { useMemo, useState } from 'preact/hooks';
import type { ScreenProps } from '../app/screens';
import { useResource } from '../app/resource';
import { useMinuteTick } from '../app/router';
import { may, useSession } from '../app/session';
import type { Reply } from '../api/types';
import { clockTime } from '../ui/format';
import { LeafletMap, type MapMarker } from '../ui/leaflet-map';
import { Loaded } from '../ui/loaded';
import { Card, Page } from '../ui/page';
import { PERIODS, periodOf, TRACK_LIMIT, TrackSummary, useTracks, type PeriodId } from './map/track';
import { Whereabouts } from './map/whereabouts';
import { drawable, useZoneEditor } from './map/zone-drafts';
import { ZoneForm, ZoneList } from './map/zone-form';

type Household = Reply<'/api/household'>;

const LONDON = { lat: 51.5072, lon: -0.1276 };

/**
 * The map (issue 8, screen 3): where she is now, where she has been over a chosen period, and the
 * safe zones — edited on the map or in the form by the owner. Every read of her location is audited
 * by the hub, so the track is fetched when the period changes or a new fix arrives, never on a timer,
 * and not kept on the device for the offline view.
 */
export function MapScreen(props: ScreenProps) {
  useMinuteTick();
  const session = useSession();
  const user = session.status === 'signed-in' ? session.user : undefined;
  const canEdit = user !== undefined && may(user, 'household.write');
  const household = useResource('/api/household', { on: ['household'] });
  const latest = useResource('/api/positions/latest', { on: ['position'], remember: false });
  const [periodId, setPeriodId] = useState<PeriodId>(periodOf(props.query.get('period')).id);
  const period = periodOf(periodId);
  // Fixed when the period is chosen, so live refetches ask the same question and the window only grows.
  const from = useMemo(() => new Date(Date.now() - period.hours * 3_600_000).toISOString(), [period.id]);
  const positions = useResource('/api/positions', { query: { from, limit: TRACK_LIMIT }, on: ['position'], remember: false });
  const tracks = useTracks(positions.data?.positions);
  const editor = useZoneEditor(household.data, household.reload);

  const home = homeOf(household.data);
  const name = household.data?.household.person.name ?? 'She';
  const trackers = latest.data?.trackers ?? [];
  const markers = useMemo<MapMarker[]>(() => trackers.map((t) => ({ id: t.deviceId, lat: t.lat, lon: t.lon, label: `${t.name}, ${clockTime(t.at)}` })), [latest.data]);
  const names = useMemo(() => new Map(trackers.map((t) => [t.deviceId, t.name])), [latest.data]);
  const savedZones = household.data?.household.zones ?? [];
  const zones = useMemo(() => (canEdit ? drawable(editor.drafts) : savedZones.map((zone) => ({ ...zone }))), [canEdit, editor.drafts, household.data]);
  const [tapToAdd, setTapToAdd] = useState(false);
  const addAt = (at: { lat: number; lon: number }) => {
    setTapToAdd(false);
    const key = editor.add(at);
    window.setTimeout(() => document.getElementById(`${key}-name`)?.focus(), 0);
  };
  const fitKey = `${period.id}|${tracks.length > 0 ? 'track' : 'none'}|${household.data ? 'zones' : 'waiting'}`;

  return (
    <Page title="Map" subtitle={`Where ${name === 'She' ? 'she is' : `${name} is`}, where she has been, and her safe zones`} wide>
      <p class="map-privacy">Views of her location are recorded: each time this page loads her position, the hub notes who looked.</p>
      <Card id="now" title="Where she is now">
        <Loaded resource={latest} label="the last position">
          {(data) => <Whereabouts trackers={data.trackers} name={name} />}
        </Loaded>
      </Card>
      <Card id="map" title="Map">
        <div class="map-controls">
          <div class="field">
            <label for="map-period">Show where she went in</label>
            <select id="map-period" value={period.id} onChange={(event) => setPeriodId(periodOf(event.currentTarget.value).id)}>
              {PERIODS.map((choice) => (
                <option key={choice.id} value={choice.id}>
                  {choice.label}
                </option>
              ))}
            </select>
          </div>
          {canEdit ? (
            <button type="button" class="button" aria-pressed={tapToAdd} onClick={() => setTapToAdd(!tapToAdd)}>
              {tapToAdd ? 'Tap the map where the new zone goes' : 'Add a zone by tapping the map'}
            </button>
          ) : null}
        </div>
        <LeafletMap
          label="Map of her positions and the safe zones"
          tall
          zones={zones}
          tracks={tracks}
          markers={markers}
          center={home}
          fitKey={fitKey}
          {...(canEdit
            ? {
                selectedZoneId: editor.selected,
                onZoneSelect: (key: string, at: { lat: number; lon: number }) => (tapToAdd ? addAt(at) : editor.select(key)),
                onZoneMove: editor.place,
                onMapClick: (at: { lat: number; lon: number }) => {
                  if (tapToAdd) addAt(at);
                },
              }
            : {})}
        />
        {canEdit ? <p class="hint">On the map, tap a zone to choose it, then drag its centre to move it or the handle on its edge to resize it. The form below does the same.</p> : null}
        <Loaded resource={positions} label="where she went">
          {(data) => <TrackSummary fixes={data.positions} period={period.label} cut={data.next !== null} names={names} />}
        </Loaded>
      </Card>
      <Card id="zones" title="Safe zones">
        <Loaded resource={household} label="the safe zones">
          {(data) =>
            canEdit ? (
              <>
                <p class="hint">Leaving every safe zone raises an alert. Changes take effect once saved.</p>
                <ZoneForm editor={editor} home={homeOf(data) ?? LONDON} />
              </>
            ) : (
              <ZoneList zones={data.household.zones ?? []} />
            )
          }
        </Loaded>
      </Card>
    </Page>
  );
}

function homeOf(household: Household | undefined): { lat: number; lon: number } | undefined {
  const home = household?.household.home;
  return home?.lat !== undefined && home.lon !== undefined ? { lat: home.lat, lon: home.lon } : undefined;
}
