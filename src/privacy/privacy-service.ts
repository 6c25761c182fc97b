import { Readable } from 'node:stream';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { HouseholdService } from '../household/household-service.js';
import type { Store } from '../store/store.js';
import { createExportRepo } from '../store/export-repo.js';
import { createRetentionRepo } from '../store/retention-repo.js';
import { createBatchedDeleter } from './batched-delete.js';
import { createEraser, type EraseReport, type EraseRequest } from './erase.js';
import { exportReaders, type ExportDataset } from './export-datasets.js';
import { createPersonExport } from './export.js';
import { createPruner, type PruneRun } from './pruner.js';
import {
  defaultRetention,
  effectiveRetention,
  retentionDatasets,
  retentionLimits,
  type RetentionDataset,
  type RetentionDays,
} from './retention-policy.js';

/**
 * The person's privacy (issue 5, item 8): retention per data type and its pruning schedule, export
 * of everything held about her, and erasure on request. Every change and every export is audited.
 */
const RETENTION_KEY = 'privacy.retention';

export interface RetentionReport {
  days: RetentionDays;
  defaults: RetentionDays;
  limits: Record<RetentionDataset, { min: number; max: number }>;
  updatedAt: number | null;
  updatedBy: number | null;
  lastRun: PruneRun | undefined;
  nextRunAt: number | undefined;
}

export interface PrivacyServiceDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  household: HouseholdService;
  /** Rows written outside the ingest path, for the WAL checkpointer. */
  noteWrites?: (rows: number) => void;
}

export function createPrivacyService(deps: PrivacyServiceDeps) {
  const { store, clock, log, household } = deps;
  const timezone = () => household.view().household.home.timezone;
  const retention = () => effectiveRetention(store.settings.get(RETENTION_KEY)?.value);
  const deleter = createBatchedDeleter({ retention: createRetentionRepo(store.db), transaction: store.transaction, noteWrites: deps.noteWrites });
  const pruner = createPruner({ deleter, settings: store.settings, clock, log: log.child({ part: 'retention' }), timezone, retention });
  const eraser = createEraser({ deleter, db: store.db, audit: store.audit, clock, log, timezone });
  const exportRepo = createExportRepo(store.db);
  const personExport = createPersonExport({
    readers: () => {
      const ids = new Map(store.devices.all().map((d) => [d.num, d.id]));
      return exportReaders(exportRepo, (num) => ids.get(num) ?? `device-${num}`);
    },
    household: () => household.view().household,
    devices: () => store.devices.all(),
    audit: store.audit,
    clock,
    log,
  });

  function report(): RetentionReport {
    const stored = store.settings.get(RETENTION_KEY);
    return {
      days: retention(),
      defaults: { ...defaultRetention },
      limits: retentionLimits,
      updatedAt: stored?.updatedAt ?? null,
      updatedBy: stored?.updatedBy ?? null,
      lastRun: pruner.lastRun(),
      nextRunAt: pruner.nextRunAt(),
    };
  }

  return {
    retention: report,

    /** Replaces every period (validated by the route's schema, bounds in retention-policy.ts). */
    setRetention(actorId: number, days: RetentionDays): RetentionReport {
      const before = retention();
      const at = clock.now();
      store.transaction(() => {
        store.settings.put(RETENTION_KEY, days, at, actorId);
        store.audit.append({ at, userId: actorId, action: 'privacy.retention-changed', target: 'retention', details: { from: before, to: days } });
      });
      // A shorter period is a promise that older records go: keep it within minutes, not at 03:30.
      if (retentionDatasets.some((dataset) => days[dataset] < before[dataset])) pruner.soon();
      log.info({ userId: actorId, from: before, to: days }, 'retention periods changed');
      return report();
    },

    exportJson(actorId: number): Readable {
      return Readable.from(personExport.json(actorId), { objectMode: false });
    },

    exportCsv(actorId: number, dataset: ExportDataset): Readable {
      return Readable.from(personExport.csv(actorId, dataset), { objectMode: false });
    },

    erase(actorId: number, request: EraseRequest): Promise<EraseReport> {
      return eraser.erase(actorId, request);
    },

    start: () => pruner.start(),
    stop: () => pruner.stop(),
    /** Runs the pruning that is due by the clock, if any (the schedule's timer calls it; tests too). */
    tick: (): Promise<PruneRun | undefined> => pruner.tick(),
  };
}

export type PrivacyService = ReturnType<typeof createPrivacyService>;
