import 'leaflet/dist/leaflet.css';
import './leaflet-map.css';
import * as L from 'leaflet';
import { useEffect, useRef } from 'preact/hooks';

/**
 * The one map of the dashboard (issue 8, screens 2 and 3): zones as circles or polygons, tracks as
 * lines, the last fixes as dots. Tiles come from the page's <meta name="homeward-map-tiles"> (the
 * hub writes its config there; the CSP allows no inline script); with no tile URL the map draws on a
 * plain background, so a home without internet still sees the zones and the track.
 *
 * The map is an aid for sighted mouse and touch users: every screen that shows one says the same in
 * words, and every edit made here can be made in a form.
 */
export interface MapZone {
  id: string;
  name: string;
  lat: number;
  lon: number;
  radiusM?: number | undefined;
  polygon?: ReadonlyArray<readonly [number, number]> | undefined;
}

export interface MapFix {
  lat: number;
  lon: number;
}

/** One tracker's fixes, oldest first. */
export interface MapTrack {
  id: string;
  fixes: readonly MapFix[];
}

export interface MapMarker {
  id: string;
  lat: number;
  lon: number;
  label: string;
}

export interface ZonePlace {
  lat: number;
  lon: number;
  radiusM: number;
}

export interface LeafletMapProps {
  /** The map's accessible name ("Map of the track and the home zone"). */
  label: string;
  zones: readonly MapZone[];
  tracks?: readonly MapTrack[];
  markers?: readonly MapMarker[];
  /** Where to look when there is nothing to draw. */
  center?: { lat: number; lon: number } | undefined;
  /** The view is fitted to everything drawn when this changes (and once, when there first is something). */
  fitKey?: string;
  tall?: boolean;
  selectedZoneId?: string | null;
  /** Editing on the map; each is optional, and the screen offers the same through a form. */
  onMapClick?: (at: { lat: number; lon: number }) => void;
  /** A zone was tapped, at that point (a tap meant to add a zone may land on another). */
  onZoneSelect?: (id: string, at: { lat: number; lon: number }) => void;
  onZoneMove?: (id: string, place: ZonePlace) => void;
}

interface TileSettings {
  tiles: string;
  attribution: string;
}

function tileSettings(): TileSettings {
  const content = document.querySelector('meta[name="homeward-map-tiles"]')?.getAttribute('content') ?? '';
  if (content === '') return { tiles: '', attribution: '' };
  try {
    const parsed = JSON.parse(content) as Partial<TileSettings>;
    return { tiles: typeof parsed.tiles === 'string' ? parsed.tiles : '', attribution: typeof parsed.attribution === 'string' ? parsed.attribution : '' };
  } catch {
    return { tiles: '', attribution: '' };
  }
}

const LONDON = { lat: 51.5072, lon: -0.1276 };
const METRES_PER_DEGREE = 111_320;

/** The point `metres` east of a place: where the radius handle sits. */
function eastOf(lat: number, lon: number, metres: number): L.LatLng {
  return L.latLng(lat, lon + metres / (METRES_PER_DEGREE * Math.cos((lat * Math.PI) / 180)));
}

export function LeafletMap(props: LeafletMapProps) {
  const host = useRef<HTMLDivElement>(null);
  const map = useRef<L.Map | null>(null);
  const drawn = useRef<L.LayerGroup | null>(null);
  const fittedFor = useRef<string | null>(null);
  const shownSelection = useRef<string | null>(null);
  // Leaflet's listeners are attached once; they call whatever the latest props hold.
  const latest = useRef(props);
  latest.current = props;

  useEffect(() => {
    const root = host.current;
    if (root === null) return undefined;
    // Leaflet owns this element's classes and children; Preact owns only the host around it.
    const canvas = document.createElement('div');
    canvas.className = 'leaflet-map-canvas';
    root.appendChild(canvas);
    const settings = tileSettings();
    const start = latest.current.center ?? LONDON;
    const created = L.map(canvas, { attributionControl: settings.tiles !== '', center: [start.lat, start.lon], zoom: 15, zoomSnap: 0.5, fadeAnimation: false });
    if (settings.tiles !== '') L.tileLayer(settings.tiles, { attribution: settings.attribution, maxZoom: 19 }).addTo(created);
    // Without tiles the scale is what gives a plain background its sense of distance.
    L.control.scale({ imperial: false }).addTo(created);
    created.on('click', (event: L.LeafletMouseEvent) => latest.current.onMapClick?.({ lat: event.latlng.lat, lon: event.latlng.lng }));
    drawn.current = L.layerGroup().addTo(created);
    map.current = created;
    return () => {
      created.remove();
      canvas.remove();
      map.current = null;
      drawn.current = null;
    };
  }, []);

  const editing = props.onZoneMove !== undefined;
  const selecting = props.onZoneSelect !== undefined;
  useEffect(() => {
    const current = map.current;
    const group = drawn.current;
    if (current === null || group === null) return;
    group.clearLayers();
    const bounds = L.latLngBounds([]);

    for (const zone of props.zones) {
      const selected = zone.id === props.selectedZoneId;
      const options: L.PathOptions = { className: selected ? 'map-zone map-zone-selected' : 'map-zone', bubblingMouseEvents: !selecting };
      const shape =
        zone.polygon !== undefined && zone.polygon.length >= 3
          ? L.polygon(zone.polygon.map(([lat, lon]) => L.latLng(lat, lon)), options)
          : L.circle([zone.lat, zone.lon], { ...options, radius: zone.radiusM ?? 1 });
      if (selecting) shape.on('click', (event: L.LeafletMouseEvent) => latest.current.onZoneSelect?.(zone.id, { lat: event.latlng.lat, lon: event.latlng.lng }));
      shape.addTo(group);
      // A label of its own in the group, not one bound to the shape: a bound permanent tooltip outlives clearLayers().
      const centre = zone.polygon !== undefined && zone.polygon.length >= 3 ? (shape as L.Polygon).getBounds().getCenter() : L.latLng(zone.lat, zone.lon);
      L.tooltip({ permanent: true, direction: 'center', className: 'map-zone-label' }).setLatLng(centre).setContent(zone.name).addTo(group);
      bounds.extend(zone.polygon !== undefined && zone.polygon.length >= 3 ? (shape as L.Polygon).getBounds() : L.latLng(zone.lat, zone.lon).toBounds((zone.radiusM ?? 1) * 2));
      if (selected && editing && zone.polygon === undefined && zone.radiusM !== undefined) addHandles(group, shape as L.Circle, zone, latest);
    }

    for (const track of props.tracks ?? []) {
      if (track.fixes.length === 0) continue;
      const line = L.polyline(
        track.fixes.map((fix) => L.latLng(fix.lat, fix.lon)),
        { className: 'map-track', interactive: false },
      ).addTo(group);
      bounds.extend(line.getBounds());
    }

    for (const marker of props.markers ?? []) {
      L.circleMarker([marker.lat, marker.lon], { className: 'map-fix', radius: 8, interactive: false }).addTo(group);
      L.tooltip({ permanent: true, direction: 'top', offset: [0, -10], className: 'map-fix-label' }).setLatLng([marker.lat, marker.lon]).setContent(marker.label).addTo(group);
      bounds.extend(L.latLng(marker.lat, marker.lon));
    }

    // A zone chosen in the form is brought into view, once per choice.
    const chosen = props.zones.find((zone) => zone.id === props.selectedZoneId);
    if (chosen !== undefined && shownSelection.current !== chosen.id) current.panTo([chosen.lat, chosen.lon], { animate: false });
    shownSelection.current = chosen?.id ?? null;

    const key = props.fitKey ?? 'once';
    const somethingDrawn = bounds.isValid();
    if (fittedFor.current !== key && (somethingDrawn || props.fitKey !== undefined)) {
      fittedFor.current = key;
      // Not animated: Leaflet drops a second zoom asked for while the first is still animating.
      if (somethingDrawn) current.fitBounds(bounds, { padding: [28, 28], maxZoom: 17, animate: false });
      else if (props.center) current.setView([props.center.lat, props.center.lon], 15, { animate: false });
    }
  }, [props.zones, props.tracks, props.markers, props.selectedZoneId, props.fitKey, editing, selecting]);

  return <div ref={host} class={props.tall ? 'leaflet-map leaflet-map-tall' : 'leaflet-map'} role="region" aria-label={props.label} />;
}

/**
 * Two handles on the selected circle zone: its centre moves it, the point on its edge sets the radius.
 * Mouse and touch only (keyboard: false): the zone's form fields are the keyboard path.
 */
function addHandles(group: L.LayerGroup, circle: L.Circle, zone: MapZone, latest: { current: LeafletMapProps }): void {
  const handle = L.divIcon({ className: 'map-handle', iconSize: [28, 28], iconAnchor: [14, 14], html: '' });
  const radius = () => circle.getRadius();
  const centre = L.marker([zone.lat, zone.lon], { draggable: true, keyboard: false, title: `Move ${zone.name}`, icon: handle, autoPan: true }).addTo(group);
  const edge = L.marker(eastOf(zone.lat, zone.lon, radius()), { draggable: true, keyboard: false, title: `Resize ${zone.name}`, icon: handle, autoPan: true }).addTo(group);
  const report = () => {
    const at = circle.getLatLng();
    latest.current.onZoneMove?.(zone.id, { lat: round(at.lat), lon: round(at.lng), radiusM: Math.max(1, Math.round(radius())) });
  };
  centre.on('drag', () => {
    const at = centre.getLatLng();
    circle.setLatLng(at);
    edge.setLatLng(eastOf(at.lat, at.lng, radius()));
  });
  edge.on('drag', () => circle.setRadius(circle.getLatLng().distanceTo(edge.getLatLng())));
  centre.on('dragend', report);
  edge.on('dragend', report);
}

/** Six decimals: about 10 cm, more than any tracker can tell. */
function round(degrees: number): number {
  return Math.round(degrees * 1e6) / 1e6;
}
