import type { Household } from '../core/household.js';

/** The simulated home `npm start -- --demo` runs: one exit door, a phone tracker and a pill box. */
export const demoHousehold: Household = {
  home: { name: "Mum's house (demo)", timezone: 'Europe/London', lat: 51.5072, lon: -0.1276 },
  person: {
    name: 'Margaret',
    description: "5'4\", grey coat, walks with a stick",
    routines: ['Up around 7', 'Walks to the shop at 10'],
    triggers: ['Loud noises'],
    calming: ['Talk about her garden'],
    likelyPlaces: ["St Mary's church"],
  },
  zones: [{ id: 'home', name: 'Home', lat: 51.5072, lon: -0.1276, radiusM: 150 }],
  devices: [
    { id: 'front-door', name: 'Front door', kind: 'door', source: 'native', exit: true, heartbeat: '26h' },
    { id: 'mum-phone', name: "Margaret's phone", kind: 'tracker', source: 'native', heartbeat: '30m' },
    { id: 'pillbox', name: 'Pill box', kind: 'pillbox', source: 'native', heartbeat: '2h', compartments: 2 },
  ],
  rules: {
    night: { start: '22:00', end: '07:00' },
    doorOpenTooLong: '10m',
    medication: [
      { name: 'Morning tablets', at: '08:00', window: '60m', compartment: 1 },
      { name: 'Evening tablets', at: '20:00', window: '60m', compartment: 2 },
    ],
  },
  escalation: { ackWithin: '5m', repeatEvery: '2m' },
};
