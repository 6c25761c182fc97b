import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultConfig, type HubConfig } from '../../src/config.js';
import { createManualClock, type ManualClock } from '../../src/core/clock.js';
import { isHomewardError } from '../../src/core/errors.js';
import { createEventBus, type HubEvents } from '../../src/core/event-bus.js';
import { emptyHousehold, type Household } from '../../src/core/household.js';
import { openHome, type Home } from '../../src/hub.js';

const T0 = Date.UTC(2025, 3, 1, 8, 0, 0);

function household(): Household {
  return {
    home: { name: "Mum's house", timezone: 'Europe/London', lat: 51.5072, lon: -0.1276 },
    person: { name: 'Margaret', routines: ['Up around 7'], triggers: ['Loud noises'], calming: ['Talk about her garden'] },
    zones: [{ id: 'home', name: 'Home', lat: 51.5072, lon: -0.1276, radiusM: 150 }],
    devices: [
      { id: 'front-door', name: 'Front door', kind: 'door', source: 'native', exit: true, heartbeat: '26h' },
      { id: 'back-door', name: 'Back door', kind: 'door', source: 'native', exit: true },
      { id: 'mum-phone', name: "Margaret's phone", kind: 'tracker', source: 'native', heartbeat: '30m' },
      { id: 'pillbox', name: 'Pill box', kind: 'pillbox', source: 'native', compartments: 2, heartbeat: '2h' },
    ],
    integrations: [{ id: 'home-assistant', kind: 'home-assistant' }],
    rules: {
      night: { start: '22:00', end: '07:00' },
      doorOpenTooLong: '10m',
      medication: [{ name: 'Morning tablets', at: '08:00', window: '60m', compartment: 1 }],
    },
    escalation: { ackWithin: '5m', repeatEvery: '2m' },
  };
}

interface DeviceTableRow {
  num: number;
  id: string;
  retired_at: number | null;
}

let dataDir: string;
let config: HubConfig;
let clock: ManualClock;
const homes: Home[] = [];

function open(bus?: ReturnType<typeof createEventBus>): Home {
  const home = openHome(config, clock, bus);
  homes.push(home);
  return home;
}

function deviceRows(home: Home): DeviceTableRow[] {
  return home.store.db.prepare('SELECT num, id, retired_at FROM devices ORDER BY num').all() as DeviceTableRow[];
}

beforeEach(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'homeward-household-'));
  config = { ...defaultConfig(), dataDir, store: { synchronous: 'normal', checkpointIntervalMs: 1000 } };
  clock = createManualClock(T0);
});
afterEach(() => {
  for (const home of homes.splice(0)) home.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('household service', () => {
  it('starts with the empty household at revision 0 before any import', () => {
    const home = open();
    expect(home.household.export()).toEqual(emptyHousehold());
    expect(home.household.view().revision).toBe(0);
    expect(home.household.view().subjects.size).toBe(0);
  });

  it('exports what was imported, equal in meaning, and builds the look-ups', () => {
    const home = open();
    const doc = household();
    expect(home.household.import(doc)).toBe(1);
    expect(home.household.export()).toEqual(household());
    const view = home.household.view();
    expect(view.revision).toBe(1);
    expect([...view.devicesById.keys()]).toEqual(['front-door', 'back-door', 'mum-phone', 'pillbox']);
    expect(new Set(view.deviceNums.values()).size).toBe(4);
    expect(view.subjects.get('front-door')).toEqual({ type: 'device', device: doc.devices?.[0] });
    expect(view.subjects.get('home-assistant')).toEqual({ type: 'integration', id: 'home-assistant' });
    expect(home.store.credentials.usernames().sort()).toEqual(['back-door', 'front-door', 'home-assistant', 'mum-phone', 'pillbox']);
  });

  it('survives a restart: a new openHome on the same file exports the same document', () => {
    open().household.import(household());
    const again = open();
    expect(again.household.export()).toEqual(household());
    expect(again.household.view().revision).toBe(1);
  });

  it('re-importing the same document increments the revision and keeps device numbers and passwords', () => {
    const home = open();
    home.household.import(household());
    const nums = new Map(home.household.view().deviceNums);
    const password = home.credentials.reveal('front-door')?.password;
    clock.advance(1000);
    expect(home.household.import(household())).toBe(2);
    expect(home.household.view().revision).toBe(2);
    expect(new Map(home.household.view().deviceNums)).toEqual(nums);
    expect(home.credentials.reveal('front-door')?.password).toBe(password);
    expect(home.store.household.get()?.importedAt).toBe(T0 + 1000);
  });

  it('removing a device retires it: its number and history stay, its credential no longer maps to a subject', () => {
    const home = open();
    home.household.import(household());
    const numsBefore = new Map(home.household.view().deviceNums);
    clock.advance(60_000);
    const next = household();
    next.devices = next.devices?.filter((d) => d.id !== 'back-door');
    next.devices?.push({ id: 'kitchen-door', name: 'Kitchen door', kind: 'door', source: 'native' });
    home.household.import(next);

    const view = home.household.view();
    expect(view.subjects.get('back-door')).toBeUndefined();
    expect(view.devicesById.has('back-door')).toBe(false);
    expect(view.deviceNums.get('back-door')).toBe(numsBefore.get('back-door'));
    for (const id of ['front-door', 'mum-phone', 'pillbox']) expect(view.deviceNums.get(id)).toBe(numsBefore.get(id));
    expect(view.deviceNums.get('kitchen-door')).toBeGreaterThan(Math.max(...numsBefore.values()));
    expect(view.subjects.get('kitchen-door')?.type).toBe('device');

    const rows = deviceRows(home);
    expect(rows.find((r) => r.id === 'back-door')?.retired_at).toBe(T0 + 60_000);
    expect(rows.filter((r) => r.retired_at !== null).map((r) => r.id)).toEqual(['back-door']);
  });

  it('adding a retired device back un-retires it under its old number', () => {
    const home = open();
    home.household.import(household());
    const num = home.household.view().deviceNums.get('back-door');
    const without = household();
    without.devices = without.devices?.filter((d) => d.id !== 'back-door');
    home.household.import(without);
    home.household.import(household());
    expect(home.household.view().deviceNums.get('back-door')).toBe(num);
    expect(deviceRows(home).find((r) => r.id === 'back-door')?.retired_at).toBeNull();
    expect(home.household.view().subjects.get('back-door')?.type).toBe('device');
  });

  it('announces each import on the event bus with its revision', () => {
    const events: Array<HubEvents['householdChanged']> = [];
    const bus = createEventBus((owner, _event, error) => {
      throw new Error(`${owner} failed: ${String(error)}`);
    });
    bus.on('householdChanged', 'test', (payload) => events.push(payload));
    const home = open(bus);
    home.household.import(household());
    expect(events).toHaveLength(1);
    expect(events[0]?.revision).toBe(1);
    expect(events[0]?.household).toEqual(household());
  });

  describe('an invalid import changes nothing', () => {
    const invalidDocuments: Array<[string, (doc: Household) => unknown]> = [
      ['bad timezone', (doc) => ({ ...doc, home: { ...doc.home, timezone: 'Mars/Olympus' } })],
      ['duplicate device id', (doc) => ({ ...doc, devices: [...(doc.devices ?? []), { id: 'front-door', name: 'x', kind: 'door', source: 'native' }] })],
      ['unknown field', (doc) => ({ ...doc, devcies: [] })],
      ['not an object', () => 'household'],
    ];
    it.each(invalidDocuments)('%s', (_name, spoil) => {
      const events: number[] = [];
      const bus = createEventBus(() => undefined);
      bus.on('householdChanged', 'test', (p) => events.push(p.revision));
      const home = open(bus);
      home.household.import(household());
      const rowsBefore = deviceRows(home);
      const usernamesBefore = home.store.credentials.usernames().sort();
      const removing = household();
      removing.devices = removing.devices?.slice(0, 1);
      clock.advance(1000);

      let caught: unknown;
      try {
        home.household.import(spoil(removing));
      } catch (error) {
        caught = error;
      }
      expect(isHomewardError(caught, 'HW_HOUSEHOLD_INVALID')).toBe(true);
      expect(home.household.export()).toEqual(household());
      expect(home.household.view().revision).toBe(1);
      expect(home.store.household.revision()).toBe(1);
      expect(deviceRows(home)).toEqual(rowsBefore);
      expect(home.store.credentials.usernames().sort()).toEqual(usernamesBefore);
      expect(events).toEqual([1]);
    });
  });

  it('an import that fails while storing (no credential key can be written) rolls back entirely', () => {
    const home = open();
    home.household.import(household());
    // A file where the secrets directory must go: creating the first new credential fails mid-transaction.
    rmSync(path.join(dataDir, 'secrets'), { recursive: true, force: true });
    writeFileSync(path.join(dataDir, 'secrets'), 'not a directory');
    const fresh = open(); // a new process: no key loaded yet
    const rowsBefore = deviceRows(fresh);
    const next = household();
    next.devices?.push({ id: 'kitchen-door', name: 'Kitchen door', kind: 'door', source: 'native' });
    next.devices = next.devices?.filter((d) => d.id !== 'back-door');
    expect(() => fresh.household.import(next)).toThrow();
    expect(fresh.household.export()).toEqual(household());
    expect(fresh.store.household.revision()).toBe(1);
    expect(deviceRows(fresh)).toEqual(rowsBefore);
    expect(fresh.store.credentials.get('kitchen-door')).toBeUndefined();
  });

  it('reloadIfChanged picks up an import made through a second openHome on the same file', () => {
    const hub = open();
    hub.household.import(household());
    expect(hub.household.reloadIfChanged()).toBe(false);

    const cli = open();
    const next = household();
    next.person.name = 'Maggie';
    next.devices = next.devices?.filter((d) => d.id !== 'mum-phone');
    expect(cli.household.import(next)).toBe(2);

    expect(hub.household.export().person.name).toBe('Margaret');
    expect(hub.household.reloadIfChanged()).toBe(true);
    expect(hub.household.export()).toEqual(next);
    expect(hub.household.view().revision).toBe(2);
    expect(hub.household.view().subjects.has('mum-phone')).toBe(false);
    expect(hub.household.reloadIfChanged()).toBe(false);
  });

  it('device credentials made by one openHome verify in another (shared key file)', () => {
    const cli = open();
    cli.household.import(household());
    const credential = cli.credentials.reveal('front-door');
    const hub = open();
    expect(hub.credentials.verify('front-door', credential?.password)).toBe(true);
  });
});
