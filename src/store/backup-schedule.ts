import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { addDays, clockMinutes, localDate, zonedInstant } from '../core/local-time.js';
import type { MetricsRegistry } from '../core/metrics.js';
import { dailyBackupName, listBackups, removeLeftoverPartials, startBackup, type BackupTaken, type RunningBackup } from './backup.js';

/**
 * The daily backup (issue 9, item 4), driven by the hub's clock on a tick (the digest schedule's
 * pattern): once per local day at `backup.at` in the home's time zone, and caught up when the hub
 * was down at that time. The backups on disk are the record (their names carry when each was taken),
 * so a restart neither repeats nor skips one.
 *
 * A backup that fails (disk full, directory not writable) is logged at error with the reason, leaves
 * the older backups in place, and is tried again an hour later; the hub carries on regardless, and
 * the copy runs in a worker (src/store/backup.ts) so ingest never waits on it.
 */
const DEFAULT_TICK_MS = 60_000;
const RETRY_AFTER_MS = 3_600_000;

export interface BackupScheduleDeps {
  /** The live database. */
  databaseFile: string;
  /** The data directory, whose secrets go into each backup. */
  dataDir: string;
  /** Where daily backups go (backupDir(config)). */
  dir: string;
  /** "HH:MM" in the home's time zone (config.backup.at). */
  at: string;
  /** How many daily backups to keep (config.backup.keep). */
  keep: number;
  timeZone: () => string;
  clock: Clock;
  log: Logger;
  hubVersion: string;
  metrics?: MetricsRegistry;
}

export function createBackupSchedule(deps: BackupScheduleDeps) {
  const { dir, clock, log } = deps;
  const minutes = clockMinutes(deps.at);
  let timer: NodeJS.Timeout | undefined;
  let running: RunningBackup | undefined;
  let lastFailureAt: number | undefined;
  let lastSuccessAt: number | undefined = listBackups(dir)[0]?.takenAt;
  const backupsTotal = deps.metrics?.counter('homeward_backups_total', 'Daily backups attempted, by result');
  deps.metrics?.gauge('homeward_backup_last_success_timestamp_seconds', 'When the newest daily backup was taken (Unix time; 0 = never)', () => (lastSuccessAt ?? 0) / 1000);

  /** The latest scheduled time at or before `now`: today's if it has passed, else yesterday's (DST-safe: zonedInstant). */
  function lastDueAt(now: number): number {
    const timeZone = deps.timeZone();
    const today = localDate(now, timeZone);
    const todays = zonedInstant(today, minutes, timeZone);
    return todays <= now ? todays : zonedInstant(addDays(today, -1), minutes, timeZone);
  }

  function rotate(): void {
    // Only daily backups count and only they are deleted: a pre-update backup or a file put here by hand stays.
    for (const old of listBackups(dir).slice(deps.keep)) {
      try {
        rmSync(old.file);
        log.info({ file: old.file }, 'old daily backup removed');
      } catch (error) {
        log.warn({ file: old.file, err: error }, 'could not remove an old daily backup');
      }
    }
  }

  async function take(now: number): Promise<BackupTaken | undefined> {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      removeLeftoverPartials(dir);
      running = startBackup({ databaseFile: deps.databaseFile, dataDir: deps.dataDir, destination: path.join(dir, dailyBackupName(now)), takenAt: now, hubVersion: deps.hubVersion });
      const taken = await running.done;
      lastSuccessAt = now;
      lastFailureAt = undefined;
      backupsTotal?.inc({ result: 'ok' });
      log.info({ file: taken.file, bytes: taken.bytes, readings: taken.readings }, 'daily backup taken');
      rotate();
      return taken;
    } catch (error) {
      lastFailureAt = now;
      backupsTotal?.inc({ result: 'failed' });
      log.error({ dir, err: (error as Error).message }, `daily backup failed: ${(error as Error).message}; older backups are kept, trying again in an hour`);
      return undefined;
    } finally {
      running = undefined;
    }
  }

  return {
    /** Takes the day's backup if it is due and not yet taken; resolves with it, or undefined. */
    async tick(): Promise<BackupTaken | undefined> {
      if (running !== undefined) return undefined;
      const now = clock.now();
      const due = lastDueAt(now);
      if (lastFailureAt !== undefined && lastFailureAt >= due && now - lastFailureAt < RETRY_AFTER_MS) return undefined;
      // A backup stamped after now (the clock was set back) does not count as today's.
      const newest = listBackups(dir).find((backup) => backup.takenAt <= now);
      if (newest !== undefined && newest.takenAt >= due) return undefined;
      return take(now);
    },

    /** When the newest daily backup was taken (Unix ms), for the doctor and /metrics. */
    lastSuccessAt: () => lastSuccessAt,

    /**
     * Ticks every `everyMs`, the first time after one interval rather than at once: the hub's start
     * is not slowed, and a hub that is restarted over and over does not copy its database each time.
     */
    start(everyMs = DEFAULT_TICK_MS): void {
      timer = setInterval(() => {
        this.tick().catch((error: unknown) => log.error({ err: error }, 'daily backup tick failed'));
      }, everyMs);
      timer.unref();
    },

    /** Stops the timer and any copy under way (its partial file is removed). */
    async stop(): Promise<void> {
      clearInterval(timer);
      timer = undefined;
      await running?.abort();
    },
  };
}

export type BackupSchedule = ReturnType<typeof createBackupSchedule>;
