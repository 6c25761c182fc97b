import type { Household } from '../../src/core/household.js';

/** `prefix-01` … `prefix-NN`, zero-padded to at least two digits. */
function numberedIds(prefix: string, count: number): string[] {
  const width = String(count).length < 2 ? 2 : String(count).length;
  return Array.from({ length: count }, (_, index) => `${prefix}-${String(index + 1).padStart(width, '0')}`);
}

/** Device ids of the benchmark household's trackers: `tracker-01` … `tracker-NN`. */
export function trackerIds(count: number): string[] {
  return numberedIds('tracker', count);
}

/** Device ids of the benchmark household's exit doors: `door-01` … `door-NN`. */
export function doorIds(count: number): string[] {
  return numberedIds('door', count);
}

/** The benchmark household's one integration: its credential subscribes to the alerts. */
export const BENCH_INTEGRATION_ID = 'home-assistant';

/** Exit doors in the benchmark household (the alert-latency phase opens them). */
export const BENCH_DOORS = 10;

/** Device ids of the benchmark household's inner (non-exit) doors: `inner-door-01` … */
export function innerDoorIds(count: number): string[] {
  return numberedIds('inner-door', count);
}

/** Device ids of the benchmark household's pill boxes: `pillbox-01` … */
export function pillboxIds(count: number): string[] {
  return numberedIds('pillbox', count);
}

/**
 * Inner doors and pill boxes (issue 10, storage by kind): they publish door and lid readings so the
 * benchmark can weigh each kind's table. Inner doors are not exits, and the household takes no
 * medication, so none of their readings raises an alert in the other phases' hubs.
 */
export const BENCH_INNER_DOORS = 3;
export const BENCH_PILLBOXES = 3;
/** Compartments per bench pill box: the lid readings cycle through them. */
export const BENCH_COMPARTMENTS = 7;

/**
 * A night window around `now` on the UTC clock (start an hour before the present hour, end two hours
 * after it), so a door opened during the benchmark is a night exit whatever time it runs. It may
 * span midnight, as real nights do.
 */
export function nightAround(now: Date): { start: string; end: string } {
  const hour = now.getUTCHours();
  const clock = (h: number) => `${String((h + 24) % 24).padStart(2, '0')}:00`;
  return { start: clock(hour - 1), end: clock(hour + 2) };
}

/**
 * A household with `count` native GPS trackers, each with its own credential (the benchmark's 50
 * publishers are 50 devices, not one device publishing 50 times as fast), `doors` native exit doors
 * and one integration. Home time is UTC and the night window surrounds `now`, so an opening during
 * the run raises a night exit; the trackers stay at home and raise nothing.
 */
export function benchHousehold(count: number, options: { doors?: number; innerDoors?: number; pillboxes?: number; now?: Date } = {}): Household {
  const doors = doorIds(options.doors ?? BENCH_DOORS).map((id) => ({
    id,
    name: `Door ${id}`,
    kind: 'door' as const,
    source: 'native' as const,
    exit: true,
    heartbeat: '26h',
  }));
  const innerDoors = innerDoorIds(options.innerDoors ?? 0).map((id) => ({ id, name: `Door ${id}`, kind: 'door' as const, source: 'native' as const, exit: false, heartbeat: '26h' }));
  const pillboxes = pillboxIds(options.pillboxes ?? 0).map((id) => ({
    id,
    name: `Pill box ${id}`,
    kind: 'pillbox' as const,
    source: 'native' as const,
    compartments: BENCH_COMPARTMENTS,
    heartbeat: '26h',
  }));
  return {
    home: { name: 'Benchmark house', timezone: 'UTC', lat: 51.5072, lon: -0.1276 },
    person: { name: 'Margaret' },
    zones: [{ id: 'home', name: 'Home', lat: 51.5072, lon: -0.1276, radiusM: 150 }],
    devices: [...trackerIds(count).map((id) => ({ id, name: `Tracker ${id}`, kind: 'tracker' as const, source: 'native' as const, heartbeat: '30m' })), ...doors, ...innerDoors, ...pillboxes],
    integrations: [{ id: BENCH_INTEGRATION_ID, kind: 'home-assistant' }],
    rules: { night: nightAround(options.now ?? new Date()), doorOpenTooLong: '10m' },
    escalation: { ackWithin: '5m', repeatEvery: '2m' },
  };
}
