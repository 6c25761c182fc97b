import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultConfig, type HubConfig } from '../../src/config.js';
import { createManualClock } from '../../src/core/clock.js';
import { isHomewardError } from '../../src/core/errors.js';
import { createEventBus, type HubEvents } from '../../src/core/event-bus.js';
import { openHome, type Home } from '../../src/hub.js';
import { testHousehold } from '../support/households.js';

/** Partial edits of the household document and revision checks (issue 5: two editors must not overwrite each other). */
let dataDir: string;
let config: HubConfig;
const homes: Home[] = [];
const clock = createManualClock(Date.UTC(2026, 0, 5, 9));

function open(bus?: ReturnType<typeof createEventBus>): Home {
  const home = openHome(config, clock, bus);
  homes.push(home);
  return home;
}

function conflictOf(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    if (isHomewardError(error, 'HW_CONFLICT')) return error.details;
    throw error;
  }
  throw new Error('no conflict');
}

beforeEach(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'homeward-household-update-'));
  config = { ...defaultConfig(), dataDir, store: { synchronous: 'normal', checkpointIntervalMs: 1000 } };
});
afterEach(() => {
  for (const home of homes.splice(0)) home.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('household update', () => {
  it('changes one part, validates the whole, saves a new revision and announces it', () => {
    const changes: Array<HubEvents['householdChanged']> = [];
    const bus = createEventBus(() => undefined);
    bus.on('householdChanged', 'test', (event) => changes.push(event));
    const home = open(bus);
    home.household.import(testHousehold());
    const revision = home.household.update((h) => ({ ...h, person: { ...h.person, calming: ['Her garden'] } }), { expectedRevision: 1 });
    expect(revision).toBe(2);
    expect(home.household.export().person.calming).toEqual(['Her garden']);
    expect(home.household.export().devices).toEqual(testHousehold().devices);
    expect(changes.map((c) => c.revision)).toEqual([1, 2]);
  });

  it('works on the document as stored now, even one another process imported a moment ago', () => {
    const hub = open();
    hub.household.import(testHousehold());
    const cli = open();
    cli.household.import({ ...testHousehold(), home: { ...testHousehold().home, name: 'Renamed by the CLI' } });
    hub.household.update((h) => ({ ...h, zones: [] }));
    expect(hub.household.export().home.name).toBe('Renamed by the CLI');
    expect(hub.household.view().revision).toBe(3);
  });

  it('refuses an edit made against a stale revision (import or update), and saves nothing', () => {
    const home = open();
    home.household.import(testHousehold());
    open().household.import({ ...testHousehold(), home: { ...testHousehold().home, name: 'Elsewhere' } });
    expect(conflictOf(() => home.household.update((h) => ({ ...h, zones: [] }), { expectedRevision: 1 }))).toEqual({ reply: 'revision_stale', revision: 2 });
    expect(conflictOf(() => home.household.import(testHousehold(), { expectedRevision: 1 }))).toEqual({ reply: 'revision_stale', revision: 2 });
    expect(home.store.household.get()?.household.home.name).toBe('Elsewhere');
    expect(home.store.household.revision()).toBe(2);
  });

  it('refuses a change that makes the document invalid, and saves nothing', () => {
    const home = open();
    home.household.import(testHousehold());
    expect(() => home.household.update((h) => ({ ...h, devices: [...(h.devices ?? []), { ...h.devices![0]!, name: 'Copy' }] }))).toThrow(/already used/);
    expect(home.store.household.revision()).toBe(1);
  });

  it('gives the change a copy: a change that fails half-way leaves the view untouched', () => {
    const home = open();
    home.household.import(testHousehold());
    expect(() =>
      home.household.update((h) => {
        h.home.name = 'half-way';
        throw new Error('changed my mind');
      }),
    ).toThrow('changed my mind');
    expect(home.household.view().household.home.name).toBe('Test home');
  });
});
