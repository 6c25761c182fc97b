import type { Household } from '../../src/core/household.js';

/** A household of native devices for tests: two doors, a tracker, a pill box, and an integration. */
export function testHousehold(): Household {
  return {
    home: { name: 'Test home', timezone: 'Europe/London', lat: 51.5072, lon: -0.1276 },
    person: { name: 'Margaret', description: 'grey coat', likelyPlaces: ["St Mary's church"] },
    zones: [{ id: 'home', name: 'Home', lat: 51.5072, lon: -0.1276, radiusM: 150 }],
    devices: [
      { id: 'front-door', name: 'Front door', kind: 'door', source: 'native', exit: true, heartbeat: '26h' },
      { id: 'back-door', name: 'Back door', kind: 'door', source: 'native', exit: true },
      { id: 'mum-phone', name: "Margaret's phone", kind: 'tracker', source: 'native', heartbeat: '30m' },
      { id: 'pillbox', name: 'Pill box', kind: 'pillbox', source: 'native', compartments: 2 },
    ],
    integrations: [{ id: 'home-assistant', kind: 'home-assistant' }],
    rules: { night: { start: '22:00', end: '07:00' }, doorOpenTooLong: '10m' },
    escalation: { ackWithin: '5m', repeatEvery: '2m' },
  };
}
