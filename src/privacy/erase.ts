import type { Clock } from '../core/clock.js';
import { localDate } from '../core/local-time.js';
import type { Logger } from '../core/logger.js';
import type { AuditRepo } from '../store/audit-repo.js';
import type { Db } from '../store/database.js';
import type { PrunableTable } from '../store/retention-repo.js';
import type { BatchedDeleter } from './batched-delete.js';
import { tablesOf } from './retention-policy.js';

/**
 * Deletion on request (issue 5, item 8): the chosen data sets, all of them or only what is older than
 * `before`. The audit log is not erasable here: it is the record of who looked, kept by retention alone.
 *
 * Gone means gone from this hub's files: SQLite's secure_delete overwrites the deleted rows' bytes
 * while the erasure runs, and a TRUNCATE checkpoint afterwards empties the write-ahead log, which
 * still held copies of the pages.
 * What remains elsewhere, and the answer says so to whoever asked:
 *  - backups (`homeward backup FILE`, deploy/ scripts) taken before the erasure keep their copy until
 *    they are deleted or rotated out;
 *  - an SD card's wear levelling may keep old blocks physically until they are reused;
 *  - each device's latest state (its last fix, door and lid state) stays until its next report, as
 *    the rules need it; open alerts and incidents stay until resolved, then go with the next erasure
 *    or by retention.
 */
export const erasableDatasets = ['positions', 'doors', 'pillbox', 'doses', 'alerts', 'careNotes'] as const;
export type ErasableDataset = (typeof erasableDatasets)[number];

export interface EraseRequest {
  datasets: readonly ErasableDataset[];
  /** Unix ms: only records older than this; absent, every record. */
  before?: number | undefined;
}

export interface EraseReport {
  datasets: ErasableDataset[];
  before: string | null;
  deleted: Partial<Record<PrunableTable, number>>;
  /** Whether the write-ahead log was emptied (false while a long read held it; the next checkpoint does it). */
  walTruncated: boolean;
  /** Where copies may still be, in plain words. */
  remains: string[];
}

const REMAINS = [
  'backups taken before this erasure, until they are deleted',
  'each device\'s latest state (last position, door and lid), until its next report',
  'alerts and incidents still open, until they are resolved',
];

export function createEraser(deps: { deleter: BatchedDeleter; db: Db; audit: AuditRepo; clock: Clock; log: Logger; timezone(): string }) {
  const { deleter, db, audit, clock, log } = deps;

  function truncateWal(): boolean {
    try {
      const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
      return result?.busy === 0;
    } catch (error) {
      log.warn({ err: error }, 'could not empty the write-ahead log after an erasure');
      return false;
    }
  }

  return {
    async erase(actorId: number, request: EraseRequest): Promise<EraseReport> {
      const datasets = [...new Set(request.datasets)];
      const deleted: Partial<Record<PrunableTable, number>> = {};
      const cutoff = request.before ?? Number.MAX_SAFE_INTEGER;
      // Dose records are by local date: "before" a time is every date before that time's date.
      const doseCutoff = request.before === undefined ? '9999-12-31' : localDate(request.before, deps.timezone());
      await deleter.exclusive(async () => {
        const previous = db.pragma('secure_delete', { simple: true }) as number;
        db.pragma('secure_delete = ON');
        try {
          for (const dataset of datasets) {
            for (const table of tablesOf[dataset]) deleted[table] = await deleter.deleteOlder(table, table === 'doses' ? doseCutoff : cutoff);
          }
        } finally {
          db.pragma(`secure_delete = ${previous}`);
        }
      });
      const before = request.before === undefined ? null : new Date(request.before).toISOString();
      // Counts and names of data sets only: the entry that records an erasure holds nothing erased.
      audit.append({ at: clock.now(), userId: actorId, action: 'privacy.erased', target: 'person', details: { datasets, before, deleted } });
      // Last, so the log ends empty: its older frames still held the erased rows' pages.
      const report: EraseReport = { datasets, before, deleted, walTruncated: truncateWal(), remains: REMAINS };
      log.warn({ userId: actorId, datasets, before, deleted, walTruncated: report.walTruncated }, 'erased records about the person on request');
      return report;
    },
  };
}

export type Eraser = ReturnType<typeof createEraser>;
