import path from 'node:path';
import Database from 'better-sqlite3';
import type { Household } from '../../src/core/household.js';
import type { TestHub } from '../support/test-hub.js';

/** Home zone shared by the households below: 150 m around the home. */
export const home = { lat: 51.5072, lon: -0.1276 };
export const zoneRadiusM = 150;

const base = (): Pick<Household, 'home' | 'person' | 'zones' | 'rules' | 'escalation'> => ({
  home: { name: 'Simulated home', timezone: 'Europe/London', ...home },
  person: { name: 'Margaret' },
  zones: [{ id: 'home', name: 'Home', ...home, radiusM: zoneRadiusM }],
  rules: {
    night: { start: '22:00', end: '07:00' },
    doorOpenTooLong: '10m',
    medication: [
      { name: 'Morning tablets', at: '08:00', window: '60m', compartment: 1 },
      { name: 'Evening tablets', at: '20:00', window: '60m', compartment: 2 },
    ],
  },
  escalation: { ackWithin: '5m', repeatEvery: '2m' },
});

/** A Zigbee2MQTT door through its bridge, an OwnTracks phone in MQTT mode and a native pill box. */
export function mixedHousehold(): Household {
  return {
    ...base(),
    bridges: [{ id: 'zigbee', source: 'zigbee2mqtt', baseTopic: 'zigbee2mqtt' }],
    devices: [
      // A bedroom window first: not an exit, so it must not be picked as the exit door.
      { id: 'bedroom-window', name: 'Bedroom window', kind: 'door', source: 'zigbee2mqtt', bridge: 'zigbee', topic: 'zigbee2mqtt/Bedroom Window' },
      { id: 'front-door', name: 'Front door', kind: 'door', source: 'zigbee2mqtt', bridge: 'zigbee', topic: 'zigbee2mqtt/Front Door', exit: true, heartbeat: '26h' },
      { id: 'mum-phone', name: "Margaret's phone", kind: 'tracker', source: 'owntracks', topic: 'owntracks/margaret/phone', heartbeat: '30m' },
      { id: 'pillbox', name: 'Pill box', kind: 'pillbox', source: 'native', compartments: 2, heartbeat: '2h' },
    ],
  };
}

/** A Traccar Client watch over HTTP, a native exit door and a native pill box. */
export function traccarHousehold(): Household {
  return {
    ...base(),
    devices: [
      { id: 'front-door', name: 'Front door', kind: 'door', source: 'native', exit: true, heartbeat: '26h' },
      { id: 'gps-watch', name: 'GPS watch', kind: 'tracker', source: 'traccar', heartbeat: '30m' },
      { id: 'pillbox', name: 'Pill box', kind: 'pillbox', source: 'native', compartments: 2 },
    ],
  };
}

/** A Shelly Gen1 door, an OwnTracks phone in HTTP mode, and a one-lid pill box on a Tasmota Zigbee bridge. */
export function shellyHousehold(): Household {
  const household: Household = {
    ...base(),
    bridges: [{ id: 'sonoff-zb', source: 'tasmota', baseTopic: 'SonoffZB' }],
    devices: [
      { id: 'front-door', name: 'Front door', kind: 'door', source: 'shelly', topic: 'shellies/shellydw2-A1B2C3', exit: true },
      { id: 'mum-phone', name: "Margaret's phone", kind: 'tracker', source: 'owntracks' },
      { id: 'pillbox', name: 'Pill box lid', kind: 'pillbox', source: 'tasmota', bridge: 'sonoff-zb', topic: 'SonoffZB/pillbox_lid' },
    ],
  };
  household.rules = { ...household.rules, medication: [{ name: 'Morning tablets', at: '08:00', window: '60m' }] };
  return household;
}

function query<T>(dataDir: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(path.join(dataDir, 'homeward.db'), { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

export function doorRows(dataDir: string, deviceId: string): Array<{ at: number; open: number }> {
  return query(dataDir, 'SELECT r.at, r.open FROM door_readings r JOIN devices d ON d.num = r.device WHERE d.id = ? ORDER BY r.at', deviceId);
}

export function positionRows(dataDir: string, deviceId: string): Array<{ at: number; lat: number; lon: number; accuracyM: number | null }> {
  return query(
    dataDir,
    'SELECT r.at, r.lat_e6 / 1e6 AS lat, r.lon_e6 / 1e6 AS lon, r.accuracy_m AS accuracyM FROM position_readings r JOIN devices d ON d.num = r.device WHERE d.id = ? ORDER BY r.at',
    deviceId,
  );
}

export function pillboxRows(dataDir: string, deviceId: string): Array<{ at: number; compartment: number; open: number }> {
  return query(dataDir, 'SELECT r.at, r.compartment, r.open FROM pillbox_readings r JOIN devices d ON d.num = r.device WHERE d.id = ? ORDER BY r.at', deviceId);
}

export function statusOf(t: TestHub, deviceId: string) {
  const status = t.hub.home.deviceStatuses(t.hub.commit.states(), Date.now()).find((d) => d.id === deviceId);
  if (status === undefined) throw new Error(`no device ${deviceId}`);
  return status;
}

/** Readings the hub refused or dropped, by reason, from its own metrics: a simulation should cause none. */
export function refusedReadings(t: TestHub): string[] {
  return t.hub.metrics
    .render()
    .split('\n')
    .filter((line) => line.startsWith('homeward_readings_total{') && line.includes('result="refused"') && !line.endsWith(' 0'));
}

export const noSleep = async (): Promise<void> => undefined;
