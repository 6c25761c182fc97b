import { existsSync, statfsSync } from 'node:fs';
import type { HubConfig } from '../../config.js';
import type { ClockSyncProbe } from '../../core/clock-health.js';
import type { Clock } from '../../core/clock.js';
import { databasePath, type Db } from '../../store/database.js';
import { openReadOnlyDatabase, type ReadOnlyDatabase } from './read-only-database.js';

/** The part of statfs(2) the disk check reads: blocks available to a non-root user, their size, the total. */
export interface StatfsReading {
  bavail: number;
  bsize: number;
  blocks: number;
}

/** What the doctor takes from outside the process; tests pass their own. */
export interface DoctorDeps {
  clock: Clock;
  probe: ClockSyncProbe;
  statfs?: (dir: string) => StatfsReading;
  /** How long a network check waits for an answer (the broker, push services). */
  timeoutMs?: number;
}

export interface DoctorContext {
  config: HubConfig;
  /** Read once, so every check judges the same moment. */
  now: number;
  probe: ClockSyncProbe;
  statfs(dir: string): StatfsReading;
  timeoutMs: number;
  /** The hub's database, read-only and opened once; undefined when there is no file; throws when it cannot be opened. */
  database(): Db | undefined;
}

export const DEFAULT_TIMEOUT_MS = 3000;

export function createDoctorContext(config: HubConfig, deps: DoctorDeps): DoctorContext & { close(): void } {
  const file = databasePath(config.dataDir);
  let opened: { database: ReadOnlyDatabase } | { error: unknown } | undefined;
  return {
    config,
    now: deps.clock.now(),
    probe: deps.probe,
    statfs: deps.statfs ?? ((dir) => statfsSync(dir)),
    timeoutMs: deps.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    database() {
      if (opened === undefined) {
        if (!existsSync(file)) return undefined;
        try {
          opened = { database: openReadOnlyDatabase(file) };
        } catch (error) {
          opened = { error };
        }
      }
      if ('error' in opened) throw opened.error;
      return opened.database.db;
    },
    close() {
      if (opened !== undefined && 'database' in opened) opened.database.close();
    },
  };
}
