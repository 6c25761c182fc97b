import { describe, expect, it } from 'vitest';
import { beyondAllZonesM } from '../../src/core/geo.js';
import type { Zone } from '../../src/core/household.js';
import { EXCURSION_LOOKBACK, placeFix, trackerZoneState } from '../../src/rules/zone-state.js';
import { createFakeView, east, fixReading, north } from './fake-view.js';
import { HOME, HOME_RADIUS_M, localAt, SECOND, wanderingHousehold } from './wandering-household.js';

const at = (metresNorth: number, metresEast: number) => east(north(HOME, metresNorth), metresEast);

/** An L-shaped care-home garden: 300 m by 300 m with the north-east 200 m by 200 m cut out. */
const garden: Zone = {
  id: 'garden',
  name: 'Care home garden',
  ...at(50, 50),
  polygon: [
    [at(0, 0).lat, at(0, 0).lon],
    [at(0, 300).lat, at(0, 300).lon],
    [at(100, 300).lat, at(100, 300).lon],
    [at(100, 100).lat, at(100, 100).lon],
    [at(300, 100).lat, at(300, 100).lon],
    [at(300, 0).lat, at(300, 0).lon],
  ],
};
const home: Zone = { id: 'home', name: 'Home', ...HOME, radiusM: HOME_RADIUS_M };
const church: Zone = { id: 'church', name: "St Mary's church", ...north(HOME, 800), radiusM: 50 };

describe('placeFix: outside only by more than the accuracy, inside only within the edge', () => {
  it.each([
    { name: 'at the centre', zones: [home], point: HOME, accuracyM: 10, side: 'inside', nearest: 'Home' },
    { name: 'just inside the edge, poor accuracy', zones: [home], point: north(HOME, 149), accuracyM: 500, side: 'inside', nearest: 'Home' },
    { name: '30 m beyond, 50 m accuracy', zones: [home], point: north(HOME, 180), accuracyM: 50, side: 'ambiguous', nearest: 'Home' },
    { name: '30 m beyond, 10 m accuracy', zones: [home], point: north(HOME, 180), accuracyM: 10, side: 'outside', nearest: 'Home' },
    { name: '30 m beyond, no accuracy reported', zones: [home], point: north(HOME, 180), accuracyM: undefined, side: 'outside', nearest: 'Home' },
    { name: 'near the church, not home', zones: [home, church], point: north(HOME, 860), accuracyM: 5, side: 'outside', nearest: "St Mary's church" },
    { name: 'in the church grounds', zones: [home, church], point: north(HOME, 790), accuracyM: 5, side: 'inside', nearest: "St Mary's church" },
    { name: 'polygon: in the lower bar of the L', zones: [garden], point: at(50, 250), accuracyM: 20, side: 'inside', nearest: 'Care home garden' },
    { name: 'polygon: in the upper bar of the L', zones: [garden], point: at(250, 50), accuracyM: 20, side: 'inside', nearest: 'Care home garden' },
    { name: 'polygon: deep in the notch (100 m beyond)', zones: [garden], point: at(200, 250), accuracyM: 20, side: 'outside', nearest: 'Care home garden' },
    { name: 'polygon: 10 m into the notch, 20 m accuracy', zones: [garden], point: at(110, 250), accuracyM: 20, side: 'ambiguous', nearest: 'Care home garden' },
    { name: 'polygon: beyond the south-west corner by 50 m', zones: [garden], point: at(-30, -40), accuracyM: 20, side: 'outside', nearest: 'Care home garden' },
  ] as const)('$name → $side', ({ zones, point, accuracyM, side, nearest }) => {
    const place = placeFix(zones, { ...point, accuracyM });
    expect(place.side).toBe(side);
    expect(place.nearest?.name).toBe(nearest);
  });

  it.each([
    { name: 'metres == accuracy is NOT outside', delta: 0, side: 'ambiguous' },
    { name: 'a millimetre more than the accuracy is outside', delta: -0.001, side: 'outside' },
    { name: 'a millimetre less than the accuracy is ambiguous', delta: 0.001, side: 'ambiguous' },
  ])('accuracy exactly at the zone edge: $name', ({ delta, side }) => {
    for (const [zones, point] of [
      [[home], north(HOME, 190)],
      [[garden], at(200, 250)],
    ] as const) {
      const metres = beyondAllZonesM(zones, point.lat, point.lon).metres;
      expect(placeFix(zones, { ...point, accuracyM: metres + delta }).side).toBe(side);
    }
  });

  it('a fix exactly on the edge with no accuracy is inside (metres <= 0), never outside', () => {
    // Find a point whose distance beyond the edge is <= 0 within float error, walking out a micrometre at a time.
    let metres = 150;
    while (beyondAllZonesM([home], north(HOME, metres).lat, HOME.lon).metres > 0) metres -= 1e-6;
    expect(placeFix([home], north(HOME, metres)).side).toBe('inside');
  });
});

describe('trackerZoneState: the current excursion from stored fixes, newest first', () => {
  const T = localAt('Europe/London', '2025-01-16', '14:00');
  type Step = [seconds: number, metresBeyond: number, accuracyM: number];
  function stateAfter(steps: readonly Step[]) {
    const view = createFakeView(wanderingHousehold(), T);
    for (const [seconds, beyond, accuracyM] of steps) view.commit(fixReading('mum-phone', T + seconds * SECOND, north(HOME, HOME_RADIUS_M + beyond), accuracyM));
    return trackerZoneState(view, 'mum-phone', [home]);
  }

  it.each([
    { name: 'no fixes', steps: [], side: 'unknown', start: undefined, confirmedAt: undefined },
    { name: 'inside', steps: [[0, -50, 10]], side: 'inside', start: undefined, confirmedAt: undefined },
    { name: 'only ambiguous fixes', steps: [[0, 20, 50], [30, 20, 50]], side: 'unknown', start: undefined, confirmedAt: undefined },
    { name: 'inside then ambiguous: still inside', steps: [[0, -50, 10], [30, 20, 50]], side: 'inside', start: undefined, confirmedAt: undefined },
    { name: 'one outside fix', steps: [[0, -50, 10], [30, 100, 10]], side: 'outside', start: 30, confirmedAt: undefined },
    { name: 'outside twice', steps: [[0, -50, 10], [30, 100, 10], [60, 100, 10]], side: 'outside', start: 30, confirmedAt: 60 },
    { name: 'outside, ambiguous, outside', steps: [[0, -50, 10], [30, 100, 10], [60, 20, 50], [90, 100, 10]], side: 'outside', start: 30, confirmedAt: undefined },
    { name: 'outside then ambiguous: still outside', steps: [[30, 100, 10], [60, 20, 50]], side: 'outside', start: 30, confirmedAt: undefined },
    { name: 'the earliest consecutive pair confirms', steps: [[0, 100, 10], [30, 20, 50], [60, 100, 10], [90, 100, 10], [120, 100, 10]], side: 'outside', start: 0, confirmedAt: 90 },
    { name: 'a second excursion after an inside fix', steps: [[0, 100, 10], [30, 100, 10], [60, -50, 10], [90, 100, 10]], side: 'outside', start: 90, confirmedAt: undefined },
    { name: 'stored out of order: by their own times', steps: [[90, 100, 10], [0, -50, 10], [60, 100, 10], [30, -50, 10]], side: 'outside', start: 60, confirmedAt: 90 },
  ] as Array<{ name: string; steps: Step[]; side: string; start: number | undefined; confirmedAt: number | undefined }>)(
    '$name → $side',
    ({ steps, side, start, confirmedAt }) => {
      const state = stateAfter(steps);
      expect(state.side).toBe(side);
      expect(state.excursion?.start.at).toBe(start === undefined ? undefined : T + start * SECOND);
      expect(state.excursion?.confirmedAt).toBe(confirmedAt === undefined ? undefined : T + confirmedAt * SECOND);
      expect(state.startUnknown).toBe(false);
    },
  );

  it('reads past the first few fixes to find the excursion start', () => {
    const steps: Step[] = [[0, -50, 10]];
    for (let i = 1; i <= 40; i++) steps.push([i * 30, i % 2 === 0 ? 100 : 20, i % 2 === 0 ? 10 : 50]); // outside / ambiguous alternating
    expect(stateAfter(steps).excursion?.start.at).toBe(T + 60 * SECOND);
  });

  it('an excursion older than the lookback has an unknown start (it cannot be named, so it is not raised again)', () => {
    const steps: Step[] = [[0, -50, 10]];
    for (let i = 1; i <= EXCURSION_LOOKBACK + 5; i++) steps.push([i * 30, 100, 10]);
    const state = stateAfter(steps);
    expect(state.side).toBe('outside');
    expect(state.excursion).toBeUndefined();
    expect(state.startUnknown).toBe(true);
  });
});
