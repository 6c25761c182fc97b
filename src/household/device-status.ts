import { parseDuration } from '../core/duration.js';
import type { HouseholdDevice } from '../core/household.js';
import type { DeviceState } from '../store/device-state-repo.js';

/** A device as `status` and the dashboard show it. No location: installers see this too. */
export interface DeviceStatus {
  id: string;
  name: string;
  kind: HouseholdDevice['kind'];
  online: boolean;
  lastSeen: string | null;
  battery: number | null;
  linkQuality: number | null;
  /** door/pillbox: "open" | "closed"; tracker: "reporting"; any kind: "unknown" before its first reading. */
  state: string;
}

/**
 * Online means: not declared offline by its availability topic or last will, and heard from within
 * its heartbeat (when it has one). A device never heard from is offline.
 */
export function deviceStatus(device: HouseholdDevice, state: DeviceState | undefined, now: number): DeviceStatus {
  const heartbeatMs = device.heartbeat !== undefined ? parseDuration(device.heartbeat) : undefined;
  const lastSeenAt = state?.lastSeenAt ?? null;
  const withinHeartbeat = lastSeenAt !== null && (heartbeatMs === undefined || now - lastSeenAt <= heartbeatMs);
  const online = withinHeartbeat && state?.online !== false;
  let current = 'unknown';
  if (device.kind === 'door' && state?.doorOpen != null) current = state.doorOpen ? 'open' : 'closed';
  if (device.kind === 'pillbox' && state?.pillboxOpen != null) current = state.pillboxOpen ? 'open' : 'closed';
  if (device.kind === 'tracker' && state?.positionAt != null) current = 'reporting';
  return {
    id: device.id,
    name: device.name,
    kind: device.kind,
    online,
    lastSeen: lastSeenAt === null ? null : new Date(lastSeenAt).toISOString(),
    battery: state?.battery ?? null,
    linkQuality: state?.linkQuality ?? null,
    state: current,
  };
}
