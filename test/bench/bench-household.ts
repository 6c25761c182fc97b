import type { Household } from '../../src/core/household.js';

/** Device ids of the benchmark household: `tracker-01` … `tracker-NN`. */
export function trackerIds(count: number): string[] {
  const width = String(count).length < 2 ? 2 : String(count).length;
  return Array.from({ length: count }, (_, index) => `tracker-${String(index + 1).padStart(width, '0')}`);
}

/**
 * A household with `count` native GPS trackers, each with its own credential: the benchmark's 50
 * publishers are 50 devices, not one device publishing 50 times as fast.
 */
export function benchHousehold(count: number): Household {
  return {
    home: { name: 'Benchmark house', timezone: 'Europe/London', lat: 51.5072, lon: -0.1276 },
    person: { name: 'Margaret' },
    zones: [{ id: 'home', name: 'Home', lat: 51.5072, lon: -0.1276, radiusM: 150 }],
    devices: trackerIds(count).map((id) => ({ id, name: `Tracker ${id}`, kind: 'tracker', source: 'native', heartbeat: '30m' })),
    rules: { night: { start: '22:00', end: '07:00' }, doorOpenTooLong: '10m' },
    escalation: { ackWithin: '5m', repeatEvery: '2m' },
  };
}
