import type { Clock } from '../core/clock.js';
import type { CredentialSubject, DeviceSource } from '../core/device-source.js';
import { HomewardError } from '../core/errors.js';
import type { EventBus } from '../core/event-bus.js';
import { emptyHousehold, type Household, type HouseholdDevice, type SourceId } from '../core/household.js';
import type { Store } from '../store/store.js';
import type { CredentialService } from './credentials.js';
import { validateHousehold } from './validate.js';

/**
 * The household as the running hub sees it: the stored document plus the look-ups every module needs
 * (device by id, the compact number readings use, who a credential speaks for). An import from the
 * CLI in another process is picked up by `reloadIfChanged`, which the hub polls once a second.
 */
export interface HouseholdView {
  household: Household;
  revision: number;
  devicesById: ReadonlyMap<string, HouseholdDevice>;
  /** Compact device numbers, including retired devices (their history stays). */
  deviceNums: ReadonlyMap<string, number>;
  subjects: ReadonlyMap<string, CredentialSubject>;
}

export function createHouseholdService(options: {
  store: Store;
  sources: ReadonlyMap<SourceId, DeviceSource>;
  credentials: CredentialService;
  clock: Clock;
  bus?: EventBus;
}) {
  const { store, sources, credentials, clock, bus } = options;
  let view = buildView();

  function buildView(): HouseholdView {
    const stored = store.household.get();
    const household = stored?.household ?? emptyHousehold();
    const devicesById = new Map((household.devices ?? []).map((d) => [d.id, d]));
    const deviceNums = new Map(store.devices.all().map((row) => [row.id, row.num]));
    const subjects = new Map<string, CredentialSubject>();
    for (const device of household.devices ?? []) {
      if (device.bridge === undefined) subjects.set(device.id, { type: 'device', device });
    }
    for (const bridge of household.bridges ?? []) {
      const devices = (household.devices ?? []).filter((d) => d.bridge === bridge.id);
      subjects.set(bridge.id, { type: 'bridge', bridge, devices });
    }
    for (const integration of household.integrations ?? []) {
      subjects.set(integration.id, { type: 'integration', id: integration.id });
    }
    return { household, revision: stored?.revision ?? 0, devicesById, deviceNums, subjects };
  }

  /**
   * Stores a validated document. The revision is checked inside the write transaction, so another
   * process's import (the CLI) between reading and writing is a conflict, not an overwrite (issue 5:
   * two editors must not overwrite each other).
   */
  function save(household: Household, expectedRevision: number | undefined): void {
    const at = clock.now();
    store.transaction(() => {
      const current = store.household.revision();
      if (expectedRevision !== undefined && current !== expectedRevision) throw stale(expectedRevision, current);
      store.household.save(household, at);
      store.devices.sync(household.devices ?? [], at);
      store.bridges.sync(household.bridges ?? [], at);
      for (const d of household.devices ?? []) if (d.bridge === undefined) credentials.ensure(d.id, 'device');
      for (const b of household.bridges ?? []) credentials.ensure(b.id, 'bridge');
      for (const x of household.integrations ?? []) credentials.ensure(x.id, 'integration');
    });
    refresh();
  }

  function refresh(): void {
    view = buildView();
    bus?.emit('householdChanged', { household: view.household, revision: view.revision });
  }

  return {
    view: () => view,

    /**
     * Validates and stores a household document; returns its new revision. Nothing changes if it is
     * invalid, or if `expectedRevision` is given and the stored revision is another (HW_CONFLICT).
     */
    import(candidate: unknown, options: { expectedRevision?: number | undefined } = {}): number {
      const household = validateHousehold(candidate, sources);
      save(household, options.expectedRevision);
      return view.revision;
    },

    /**
     * Changes part of the stored document (a dashboard edit of the zones, the profile, a device):
     * `change` gets a copy of the document as stored now, even if another process imported it a moment
     * ago; the result is validated whole and saved only if the revision is still the one the change
     * was made against (and `expectedRevision`, when the editor sent one). Returns the new revision.
     */
    update(change: (current: Household) => Household, options: { expectedRevision?: number | undefined } = {}): number {
      const stored = store.household.get();
      const revision = stored?.revision ?? 0;
      if (options.expectedRevision !== undefined && options.expectedRevision !== revision) throw stale(options.expectedRevision, revision);
      const household = validateHousehold(change(structuredClone(stored?.household ?? emptyHousehold())), sources);
      save(household, revision);
      return view.revision;
    },

    /** The stored document, as imported. */
    export(): Household {
      return view.household;
    },

    /** Picks up a document imported by another process (the CLI) without a restart. */
    reloadIfChanged(): boolean {
      if (store.household.revision() === view.revision) return false;
      refresh();
      return true;
    },
  };
}

function stale(expected: number, current: number): HomewardError {
  return new HomewardError('HW_CONFLICT', `the household document changed since revision ${expected} (it is now ${current}): reload it and make the change again`, {
    reply: 'revision_stale',
    revision: current,
  });
}

export type HouseholdService = ReturnType<typeof createHouseholdService>;
