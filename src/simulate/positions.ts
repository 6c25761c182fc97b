import { HomewardError } from '../core/errors.js';
import type { Household, Zone } from '../core/household.js';
import { beyondZoneM } from '../core/geo.js';
import type { FixSpec } from './scenarios.js';

/**
 * Where a scenario's fixes land on the map: offsets in metres from the household's home, or distances
 * beyond its home zone's edge, turned into latitude and longitude on the same sphere the hub measures
 * with (core/geo's beyondZoneM), so "50 m beyond the edge" is 50 m to the hub too.
 */

const EARTH_RADIUS_M = 6_371_008.8;
const DEGREES = 180 / Math.PI;

export interface LatLon {
  lat: number;
  lon: number;
}

export interface PositionFrame {
  home: LatLon;
  /** The zone the home sits in (or the first zone); undefined when the household has none. */
  homeZone: Zone | undefined;
  zones: readonly Zone[];
}

/** The home (home.lat/lon, else the first zone's centre) and its zone. Throws when there is neither. */
export function positionFrame(household: Household): PositionFrame {
  const zones = household.zones ?? [];
  const { lat, lon } = household.home;
  const first = zones[0];
  let home: LatLon;
  if (lat !== undefined && lon !== undefined) home = { lat, lon };
  else if (first !== undefined) home = { lat: first.lat, lon: first.lon };
  else {
    throw new HomewardError(
      'HW_USAGE',
      'the household has neither "home": {"lat", "lon"} nor a zone, so simulated fixes have nowhere to be: add the home\'s position',
    );
  }
  const containing = zones.find((zone) => beyondZoneM(zone, home.lat, home.lon) <= 0);
  return { home, homeZone: containing ?? first, zones };
}

/** The point `northM` north and `eastM` east of `origin` (small distances: a local flat approximation). */
export function offset(origin: LatLon, northM: number, eastM: number): LatLon {
  const lat = origin.lat + (northM / EARTH_RADIUS_M) * DEGREES;
  const lon = origin.lon + (eastM / (EARTH_RADIUS_M * Math.cos(origin.lat / DEGREES))) * DEGREES;
  // Phones report about 7 decimals (1 cm); more would only be noise in the payload.
  return { lat: Number(lat.toFixed(7)), lon: Number(lon.toFixed(7)) };
}

export function placeFix(frame: PositionFrame, fix: FixSpec): LatLon {
  if ('northM' in fix) return offset(frame.home, fix.northM, fix.eastM);
  const zone = frame.homeZone;
  const centre = zone ?? frame.home;
  const bearing = fix.bearingDeg / DEGREES;
  const at = (distance: number) => offset(centre, distance * Math.cos(bearing), distance * Math.sin(bearing));
  if (zone === undefined) return at(fix.beyondZoneM);
  // Walk out along the bearing until the point is the asked distance beyond the zone's edge (circle or polygon).
  let low = 0;
  let high = 200_000;
  for (let i = 0; i < 60; i++) {
    const middle = (low + high) / 2;
    const point = at(middle);
    if (beyondZoneM(zone, point.lat, point.lon) < fix.beyondZoneM) low = middle;
    else high = middle;
  }
  return at(high);
}

/**
 * How far outside every zone a point is, in metres: positive outside all of them, negative inside one.
 * Undefined when the household has no zones. Lets a caller check a fix is outside by more than its accuracy.
 */
export function outsideZonesByM(frame: PositionFrame, point: LatLon): number | undefined {
  if (frame.zones.length === 0) return undefined;
  return Math.min(...frame.zones.map((zone) => beyondZoneM(zone, point.lat, point.lon)));
}
