import type { HouseholdDevice } from '../core/household.js';
import type { DiscoveredRow } from '../store/discovery-repo.js';

export interface DiscoveredDeviceReport {
  topic: string;
  source: string;
  bridge: string | null;
  description: string | null;
  firstSeen: string;
  lastSeen: string;
  messages: number;
  /** A household `devices` entry to paste in: fill in the kind where the source could not tell. */
  suggested: Partial<HouseholdDevice>;
}

/** Devices seen on the wire (or in a bridge's device list) that no household device claims. */
export function unclaimedDevices(rows: readonly DiscoveredRow[], devices: readonly HouseholdDevice[]): DiscoveredDeviceReport[] {
  const claimed = new Set(devices.map((d) => d.topic).filter((t): t is string => t !== undefined));
  const ids = new Set(devices.map((d) => d.id));
  return rows
    .filter((row) => !claimed.has(row.topic))
    .map((row) => {
      const suggested: Partial<HouseholdDevice> = { ...row.suggested };
      // Offer an id that does not clash with the household's, from the device's own name.
      const base = slug(String(suggested.name ?? row.topic.split('/').pop() ?? 'device'));
      let id = base;
      for (let n = 2; ids.has(id); n++) id = `${base}-${n}`;
      return {
        topic: row.topic,
        source: row.source,
        bridge: row.bridgeId,
        description: row.description,
        firstSeen: new Date(row.firstSeenAt).toISOString(),
        lastSeen: new Date(row.lastSeenAt).toISOString(),
        messages: row.messages,
        suggested: { id, ...suggested },
      };
    });
}

export function slug(text: string): string {
  const s = text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return s === '' ? 'device' : /^[a-z0-9]/.test(s) ? s : `d-${s}`;
}
