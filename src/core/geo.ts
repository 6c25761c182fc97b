import type { Zone } from './household.js';

/**
 * Distances on the Earth, for GPS hygiene and safe zones. Zones are a few hundred metres across, so
 * polygon edges are measured on a local flat projection around the fix (error well under a metre).
 */
const EARTH_RADIUS_M = 6_371_008.8;
const RAD = Math.PI / 180;

/** Great-circle distance in metres (haversine). */
export function distanceM(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = (lat2 - lat1) * RAD;
  const dLon = (lon2 - lon1) * RAD;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** Metres from a point to the segment a–b, all as [x, y] metres on a local plane. */
function toSegment(p: [number, number], a: [number, number], b: [number, number]): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const length2 = dx * dx + dy * dy;
  const t = length2 === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length2));
  return Math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy));
}

/**
 * How far a point is beyond a zone's edge, in metres: positive outside, negative (or zero) inside.
 * A fix counts as outside only when this exceeds its accuracy (DESIGN.md, "Left safe zone").
 */
export function beyondZoneM(zone: Zone, lat: number, lon: number): number {
  if (zone.polygon === undefined) return distanceM(zone.lat, zone.lon, lat, lon) - (zone.radiusM ?? 0);
  const metresPerDegLat = EARTH_RADIUS_M * RAD;
  const metresPerDegLon = metresPerDegLat * Math.cos(lat * RAD);
  const corners = zone.polygon.map(([cLat, cLon]) => [(cLon - lon) * metresPerDegLon, (cLat - lat) * metresPerDegLat] as [number, number]);
  const origin: [number, number] = [0, 0];
  let inside = false;
  let nearest = Infinity;
  for (let i = 0, j = corners.length - 1; i < corners.length; j = i++) {
    const a = corners[i] as [number, number];
    const b = corners[j] as [number, number];
    // Ray casting (even-odd rule) from the point along +x.
    if (a[1] > 0 !== b[1] > 0 && 0 < ((b[0] - a[0]) * (0 - a[1])) / (b[1] - a[1]) + a[0]) inside = !inside;
    nearest = Math.min(nearest, toSegment(origin, a, b));
  }
  return inside ? -nearest : nearest;
}

/** The smallest beyondZoneM over every zone (how far outside the nearest zone); Infinity with no zones. */
export function beyondAllZonesM(zones: readonly Zone[], lat: number, lon: number): { metres: number; nearest?: Zone } {
  let best: { metres: number; nearest?: Zone } = { metres: Infinity };
  for (const zone of zones) {
    const metres = beyondZoneM(zone, lat, lon);
    if (metres < best.metres) best = { metres, nearest: zone };
  }
  return best;
}
