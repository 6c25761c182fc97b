import { statfsSync, type StatsFs } from 'node:fs';
import type { AlertService } from '../alerts/alert-service.js';
import type { AlertDraft } from '../core/alerts.js';
import { formatBytes } from '../core/byte-size.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { MetricsRegistry } from '../core/metrics.js';

/**
 * A full disk (issue 10). When the data directory's file system fills, SQLite cannot commit: the group
 * commit fails, devices get no PUBACK and send their readings again later, so nothing acknowledged is
 * lost — but nothing new is saved, and an alert about it cannot be stored either (alerts live in the
 * same database). So this watch:
 *  - warns BEFORE: every check it reads statfs(2) of the data directory, and under the smaller of
 *    `lowBytes` and `lowShare` of the file system (64 MB or 2 %) raises one hub-storage-low fault alert,
 *    told like a silent sensor to the owner and installers, while there is still room to store it;
 *  - tries AFTER: a commit that fails with SQLITE_FULL raises it too, at once and then at every check
 *    until it is stored (SQLite can still reuse space in its WAL now and then);
 *  - says so once: one error line per episode naming the data directory and its free space, instead of
 *    one per failed batch (a device reconnects and resends every second or so), and counts each failed
 *    commit in homeward_ingest_commit_failures_total{reason};
 *  - resolves the alert once space has come back a quarter above the threshold and to at least 1 MB (a
 *    disk hovering at the line does not raise and resolve every minute). No restart is needed: the
 *    devices' next connection commits what they kept.
 * The open alert is the record: a hub restarted mid-episode keeps that alert rather than raising another.
 */
export type StatfsReading = Pick<StatsFs, 'bavail' | 'bsize' | 'blocks'>;

export interface StorageWatchDeps {
  dataDir: string;
  /** config.diskSpace: warn under min(lowBytes, lowShare × size); 0 turns the early warning off (a full disk still alerts). */
  lowBytes: number;
  lowShare: number;
  clock: Clock;
  log: Logger;
  alerts: Pick<AlertService, 'commit' | 'openAlerts' | 'raised'>;
  metrics?: MetricsRegistry;
  /** statfs(2) of a directory; tests pass their own readings. */
  statfs?: (dir: string) => StatfsReading;
}

export interface StorageSpace {
  freeBytes: number;
  totalBytes: number;
  /** The threshold for this file system: min(lowBytes, lowShare × totalBytes). */
  lowBytes: number;
}

const TYPE = 'hub-storage-low';
const RESOLVE_ABOVE = 1.25;
/** Never "space has returned" with less than this free, even with the early warning off (lowBytes 0). */
const MIN_ROOM_BYTES = 1024 * 1024;
const FIX = 'free some space: `homeward doctor` shows what uses it (old backups, the system journal)';

export function createStorageWatch(deps: StorageWatchDeps) {
  const { dataDir, clock, log, alerts } = deps;
  const statfs = deps.statfs ?? ((dir: string) => statfsSync(dir));
  const failures = deps.metrics?.counter(
    'homeward_ingest_commit_failures_total',
    'Group commits that failed, by reason (disk_full, or the SQLite code): their readings were not acknowledged and are sent again',
  );
  let last: StorageSpace | undefined;
  deps.metrics?.gauge('homeward_storage_free_bytes', "Free space on the data directory's file system at the last check", () => last?.freeBytes ?? Number.NaN);

  /** A commit failed with SQLITE_FULL and none has worked since. */
  let full = false;
  /** When this episode began: its alert's key, so one resolved by hand is not raised again until space returns. */
  let episodeSince: number | undefined;
  /** What has been said in this episode, so each is said once; forgotten when space returns. */
  let warnedLow = false;
  let reportedFull = false;
  let storeFailed = false;
  let statfsFailed = false;
  /** Commits failed since the last that worked (or, for a full disk, since the episode began). */
  let unsaved: { commits: number; publishes: number } | undefined;
  let timer: NodeJS.Timeout | undefined;

  function read(): StorageSpace | undefined {
    try {
      const reading = statfs(dataDir);
      const totalBytes = reading.blocks * reading.bsize;
      last = { freeBytes: reading.bavail * reading.bsize, totalBytes, lowBytes: Math.min(deps.lowBytes, deps.lowShare * totalBytes) };
      statfsFailed = false;
      return last;
    } catch (error) {
      if (!statfsFailed) log.warn({ dataDir, err: (error as Error).message }, `cannot read the free space of ${dataDir}: ${(error as Error).message}`);
      statfsFailed = true;
      return undefined;
    }
  }

  const roomAgain = (space: StorageSpace) => space.freeBytes >= Math.max(space.lowBytes * RESOLVE_ABOVE, MIN_ROOM_BYTES);

  /** "1.2 MB free of 4.0 MB", or that it is unknown (statfs failed). */
  const amount = (space: StorageSpace | undefined) =>
    space === undefined ? 'free space unknown' : `${formatBytes(space.freeBytes)} free of ${formatBytes(space.totalBytes)}`;
  const spaceFields = (space: StorageSpace | undefined) => ({ dataDir, freeBytes: space?.freeBytes, totalBytes: space?.totalBytes });

  /** Stores an alert change; a failure (the disk is full) is said once and tried again at the next check. */
  function store(outcome: { raise: AlertDraft[]; clear: Array<{ key: string; at: number; reason: string }> }): void {
    try {
      alerts.commit({ ...outcome, doses: [] });
      storeFailed = false;
    } catch (error) {
      if (!storeFailed) log.error({ dataDir, err: (error as Error).message }, `could not store the hub-storage-low alert (${(error as Error).message}): trying again at every check`);
      storeFailed = true;
    }
  }

  function raise(space: StorageSpace | undefined, since: number): void {
    const key = `${TYPE}:${since}`;
    if (alerts.raised(key)) return;
    const title =
      full || space === undefined
        ? 'The hub’s storage is full: new readings cannot be saved'
        : `The hub’s storage is nearly full: ${formatBytes(space.freeBytes)} left`;
    store({
      raise: [{ type: TYPE, key, severity: 'fault', at: since, title, details: { ...spaceFields(space), lowBytes: space?.lowBytes, full, fix: FIX } }],
      clear: [],
    });
  }

  /** Space is back, well above the threshold: say so once, and resolve the alert (the write itself shows SQLite can commit). */
  function recovered(space: StorageSpace, open: { key: string } | undefined, now: number): void {
    if (warnedLow || reportedFull) {
      const resent = unsaved === undefined ? '' : `; ${unsaved.commits} commits failed meanwhile, and devices send those ${unsaved.publishes} publishes again`;
      log.info({ ...spaceFields(space), unsaved }, `storage: ${amount(space)} on ${dataDir} again, readings are saved${resent}`);
      unsaved = undefined;
    }
    full = false;
    episodeSince = undefined;
    warnedLow = false;
    reportedFull = false;
    if (open !== undefined) store({ raise: [], clear: [{ key: open.key, at: now, reason: `space returned: ${formatBytes(space.freeBytes)} free` }] });
  }

  const watch = {
    /** One check: reads the free space, raises or resolves the alert; the timer calls it, tests call it. Never throws. */
    tick(): StorageSpace | undefined {
      try {
        const space = read();
        const now = clock.now();
        const open = alerts.openAlerts().find((alert) => alert.type === TYPE);
        if (space !== undefined && roomAgain(space)) {
          recovered(space, open, now);
          return space;
        }
        const low = space !== undefined && space.freeBytes < space.lowBytes;
        if (low && !warnedLow && !reportedFull) {
          log.warn(
            { ...spaceFields(space), lowBytes: space.lowBytes },
            `storage nearly full: ${amount(space)} on ${dataDir} (the warning is below ${formatBytes(space.lowBytes)}); when it fills, no reading can be saved. To fix: ${FIX}`,
          );
        }
        if (low) warnedLow = true;
        // Between the threshold and the margin above it an episode goes on as it is: open stays open.
        if (!low && !full) return space;
        episodeSince ??= now;
        if (open === undefined) raise(space, episodeSince);
        return space;
      } catch (error) {
        log.error({ dataDir, err: error }, 'the storage check failed');
        return undefined;
      }
    },

    /** A group commit failed (wired as its onFailed): counted, said once per episode, and a full disk raises the alert. Never throws. */
    commitFailed(error: Error, publishes: number): void {
      try {
        const code = (error as { code?: unknown }).code;
        const diskFull = code === 'SQLITE_FULL';
        failures?.inc({ reason: diskFull ? 'disk_full' : typeof code === 'string' ? code.toLowerCase() : 'unknown' });
        unsaved = { commits: (unsaved?.commits ?? 0) + 1, publishes: (unsaved?.publishes ?? 0) + publishes };
        if (!diskFull) {
          if (unsaved.commits === 1) log.error({ dataDir, err: error }, `commit failed (${error.message}): readings not acknowledged, devices will resend`);
          return;
        }
        full = true;
        if (reportedFull) return;
        reportedFull = true;
        const space = read();
        log.error(
          { ...spaceFields(space), code },
          `disk full: readings cannot be saved in ${dataDir} (${amount(space)}); devices get no acknowledgement and send them again once there is room. To fix: ${FIX}`,
        );
        // Raise the alert now, if it can be stored. Not when statfs shows plenty of room (SQLite's
        // own limits, a temporary file elsewhere): that check would end the episode at once.
        if (space === undefined || !roomAgain(space)) watch.tick();
      } catch (reportError) {
        log.error({ err: reportError }, 'could not report a failed commit');
      }
    },

    /** A group commit worked (wired in its onCommitted): the end of a run of failures other than a full disk. */
    committed(): void {
      full = false;
      if (unsaved === undefined || reportedFull) return;
      log.info({ dataDir, unsaved }, `commits work again: ${unsaved.commits} failed, and devices send those ${unsaved.publishes} publishes again`);
      unsaved = undefined;
    },

    /** The last reading of the free space, for /metrics and tests. */
    space: (): StorageSpace | undefined => last,

    /** Checks at once (a hub started on a nearly full card says so now), then every `everyMs`. */
    start(everyMs: number): void {
      watch.tick();
      timer = setInterval(() => watch.tick(), everyMs);
      timer.unref();
    },

    stop(): void {
      clearInterval(timer);
      timer = undefined;
    },
  };
  return watch;
}

export type StorageWatch = ReturnType<typeof createStorageWatch>;
