import type { Clock } from '../core/clock.js';
import { HomewardError } from '../core/errors.js';
import type { Household, HouseholdBridge, HouseholdDevice } from '../core/household.js';
import { unclaimedDevices, type DiscoveredDeviceReport } from '../installer/discover.js';
import type { Store } from '../store/store.js';
import type { CredentialService, DeviceCredential } from './credentials.js';
import type { DeviceStatus } from './device-status.js';
import type { HouseholdService } from './household-service.js';

/**
 * Devices and bridges for installers (issue 5, item 7; DESIGN.md "Installers"): their health, what
 * the broker has seen that the household does not claim, adding and changing them, and their
 * credentials. An installer has devices.manage but not household.write, so only the `devices` and
 * `bridges` parts of the document change here. Nothing here carries a coordinate: installers see no location.
 */
export type DeviceProblemCode = 'never-heard' | 'offline' | 'low-battery' | 'bridge-offline';

export interface DeviceReport {
  id: string;
  name: string;
  kind: HouseholdDevice['kind'];
  source: HouseholdDevice['source'];
  bridge: string | null;
  topic: string | null;
  exit: boolean;
  heartbeat: string | null;
  compartments: number | null;
  online: boolean;
  lastSeen: string | null;
  battery: number | null;
  /** Radio link quality as the source reports it (Zigbee LQI, RSSI). */
  signal: number | null;
  /** door/pillbox: "open" | "closed"; tracker: "reporting"; "unknown" before the first reading. */
  state: string;
  problems: Array<{ code: DeviceProblemCode; detail: string }>;
}

export interface BridgeReport {
  id: string;
  source: HouseholdBridge['source'];
  baseTopic: string;
  online: boolean | null;
  lastSeen: string | null;
  devices: number;
}

export interface RevealedCredential extends DeviceCredential {
  /** Traccar Client and OsmAnd trackers send only an identifier: the password is that identifier. */
  osmandId?: string;
}

const DEFAULT_LOW_BATTERY_PERCENT = 20;

export interface DeviceAdminDeps {
  household: HouseholdService;
  store: Store;
  credentials: CredentialService;
  clock: Clock;
  deviceStatuses(now: number): DeviceStatus[];
}

function without<T extends { id: string }>(items: readonly T[] | undefined, id: string): T[] {
  return (items ?? []).filter((item) => item.id !== id);
}

function conflict(reason: string, message: string): HomewardError {
  return new HomewardError('HW_CONFLICT', message, { reply: reason });
}

function takenBy(household: Household, id: string): string | undefined {
  if (household.devices?.some((d) => d.id === id)) return 'a device';
  if (household.bridges?.some((b) => b.id === id)) return 'a bridge';
  if (household.integrations?.some((x) => x.id === id)) return 'an integration';
  return undefined;
}

export function createDeviceAdmin(deps: DeviceAdminDeps) {
  const { household, store, credentials, clock } = deps;

  function audited(actorId: number, action: string, target: string, details: Record<string, unknown> = {}): void {
    store.audit.append({ at: clock.now(), userId: actorId, action, target, details });
  }

  function changedFields(before: object, after: object): string[] {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...keys].filter((key) => JSON.stringify((before as Record<string, unknown>)[key]) !== JSON.stringify((after as Record<string, unknown>)[key])).sort();
  }

  return {
    list(): DeviceReport[] {
      const now = clock.now();
      const { household: current } = household.view();
      const threshold = current.rules?.lowBatteryPercent ?? DEFAULT_LOW_BATTERY_PERCENT;
      const bridgesOffline = new Set(store.bridges.all().filter((b) => b.online === false && b.retiredAt === null).map((b) => b.id));
      const statuses = new Map(deps.deviceStatuses(now).map((s) => [s.id, s]));
      return (current.devices ?? []).map((device) => {
        const status = statuses.get(device.id);
        const problems: DeviceReport['problems'] = [];
        if (status?.lastSeen == null) problems.push({ code: 'never-heard', detail: 'no message from it since it was added' });
        else if (!status.online) problems.push({ code: 'offline', detail: `silent or offline; last heard ${status.lastSeen}` });
        if (status?.battery != null && status.battery < threshold) problems.push({ code: 'low-battery', detail: `battery at ${status.battery} % (below ${threshold} %)` });
        if (device.bridge !== undefined && bridgesOffline.has(device.bridge)) problems.push({ code: 'bridge-offline', detail: `its bridge "${device.bridge}" is offline` });
        return {
          id: device.id,
          name: device.name,
          kind: device.kind,
          source: device.source,
          bridge: device.bridge ?? null,
          topic: device.topic ?? null,
          exit: device.exit === true,
          heartbeat: device.heartbeat ?? null,
          compartments: device.compartments ?? null,
          online: status?.online ?? false,
          lastSeen: status?.lastSeen ?? null,
          battery: status?.battery ?? null,
          signal: status?.linkQuality ?? null,
          state: status?.state ?? 'unknown',
          problems,
        };
      });
    },

    bridges(): BridgeReport[] {
      const { household: current } = household.view();
      const health = new Map(store.bridges.all().map((b) => [b.id, b]));
      return (current.bridges ?? []).map((bridge) => {
        const row = health.get(bridge.id);
        return {
          id: bridge.id,
          source: bridge.source,
          baseTopic: bridge.baseTopic,
          online: row?.online ?? null,
          lastSeen: row?.lastSeenAt == null ? null : new Date(row.lastSeenAt).toISOString(),
          devices: (current.devices ?? []).filter((d) => d.bridge === bridge.id).length,
        };
      });
    },

    /** Seen on the broker (or in a bridge's device list), claimed by no household device. */
    discovered(): DiscoveredDeviceReport[] {
      return unclaimedDevices(store.discovery.all(), household.view().household.devices ?? []);
    },

    addDevice(actorId: number, device: HouseholdDevice, expectedRevision?: number): number {
      const revision = household.update((current) => {
        const owner = takenBy(current, device.id);
        if (owner !== undefined) throw conflict('id_taken', `"${device.id}" is already ${owner} of this household`);
        return { ...current, devices: [...(current.devices ?? []), device] };
      }, { expectedRevision });
      audited(actorId, 'device.added', `device:${device.id}`, { kind: device.kind, source: device.source, revision });
      return revision;
    },

    changeDevice(actorId: number, id: string, fields: Omit<HouseholdDevice, 'id'>, expectedRevision?: number): number {
      let changed: string[] = [];
      const revision = household.update((current) => {
        const index = (current.devices ?? []).findIndex((d) => d.id === id);
        const before = current.devices?.[index];
        if (before === undefined) throw new HomewardError('HW_DEVICE_UNKNOWN', `no device "${id}" in the household`, { reply: 'device_unknown' });
        const after: HouseholdDevice = { id, ...fields };
        changed = changedFields(before, after);
        const devices = [...(current.devices ?? [])];
        devices[index] = after;
        return { ...current, devices };
      }, { expectedRevision });
      audited(actorId, 'device.changed', `device:${id}`, { fields: changed, revision });
      return revision;
    },

    /** The device leaves the household; its history stays (devices are retired, not deleted), its alerts resolve. */
    removeDevice(actorId: number, id: string, expectedRevision?: number): number {
      const revision = household.update((current) => {
        if (!current.devices?.some((d) => d.id === id)) throw new HomewardError('HW_DEVICE_UNKNOWN', `no device "${id}" in the household`, { reply: 'device_unknown' });
        return { ...current, devices: without(current.devices, id) };
      }, { expectedRevision });
      audited(actorId, 'device.removed', `device:${id}`, { revision });
      return revision;
    },

    addBridge(actorId: number, bridge: HouseholdBridge, expectedRevision?: number): number {
      const revision = household.update((current) => {
        const owner = takenBy(current, bridge.id);
        if (owner !== undefined) throw conflict('id_taken', `"${bridge.id}" is already ${owner} of this household`);
        return { ...current, bridges: [...(current.bridges ?? []), bridge] };
      }, { expectedRevision });
      audited(actorId, 'bridge.added', `bridge:${bridge.id}`, { source: bridge.source, revision });
      return revision;
    },

    changeBridge(actorId: number, id: string, fields: Omit<HouseholdBridge, 'id'>, expectedRevision?: number): number {
      let changed: string[] = [];
      const revision = household.update((current) => {
        const index = (current.bridges ?? []).findIndex((b) => b.id === id);
        const before = current.bridges?.[index];
        if (before === undefined) throw new HomewardError('HW_NOT_FOUND', `no bridge "${id}" in the household`, { reply: 'bridge_unknown' });
        const after: HouseholdBridge = { id, ...fields };
        changed = changedFields(before, after);
        const bridges = [...(current.bridges ?? [])];
        bridges[index] = after;
        return { ...current, bridges };
      }, { expectedRevision });
      audited(actorId, 'bridge.changed', `bridge:${id}`, { fields: changed, revision });
      return revision;
    },

    removeBridge(actorId: number, id: string, expectedRevision?: number): number {
      const revision = household.update((current) => {
        if (!current.bridges?.some((b) => b.id === id)) throw new HomewardError('HW_NOT_FOUND', `no bridge "${id}" in the household`, { reply: 'bridge_unknown' });
        const users = (current.devices ?? []).filter((d) => d.bridge === id).map((d) => d.id);
        if (users.length > 0) throw conflict('bridge_in_use', `bridge "${id}" still reaches ${users.join(', ')}: remove or move those devices first`);
        return { ...current, bridges: without(current.bridges, id) };
      }, { expectedRevision });
      audited(actorId, 'bridge.removed', `bridge:${id}`, { revision });
      return revision;
    },

    /** A device's own credential (a bridged device has none: its bridge's is the one to use). Audited. */
    deviceCredential(actorId: number, id: string): RevealedCredential {
      const device = household.view().devicesById.get(id);
      if (device === undefined) throw new HomewardError('HW_DEVICE_UNKNOWN', `no device "${id}" in the household`, { reply: 'device_unknown' });
      if (device.bridge !== undefined) {
        throw new HomewardError('HW_DEVICE_NO_CREDENTIAL', `${id} is reached through bridge "${device.bridge}": use that bridge's credential`, { reply: 'reached_through_bridge' });
      }
      const credential = credentials.reveal(id);
      if (credential === undefined) throw new HomewardError('HW_DEVICE_NO_CREDENTIAL', `${id} has no credential yet`, { reply: 'no_credential' });
      audited(actorId, 'credentials.viewed', `device:${id}`);
      return device.source === 'traccar' ? { ...credential, osmandId: credential.password } : credential;
    },

    bridgeCredential(actorId: number, id: string): RevealedCredential {
      if (!household.view().household.bridges?.some((b) => b.id === id)) throw new HomewardError('HW_NOT_FOUND', `no bridge "${id}" in the household`, { reply: 'bridge_unknown' });
      const credential = credentials.reveal(id);
      if (credential === undefined) throw new HomewardError('HW_DEVICE_NO_CREDENTIAL', `${id} has no credential yet`, { reply: 'no_credential' });
      audited(actorId, 'credentials.viewed', `bridge:${id}`);
      return credential;
    },
  };
}

export type DeviceAdmin = ReturnType<typeof createDeviceAdmin>;
