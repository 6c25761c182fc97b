import { setImmediate as nextTurn } from 'node:timers/promises';
import type { PrunableTable, RetentionRepo } from '../store/retention-repo.js';

/**
 * Deletion in bounded batches (issue 5, item 8: pruning and erasure must never stall the event loop):
 * each batch is its own short IMMEDIATE transaction, and the event loop turns between batches, so an
 * MQTT reading arriving meanwhile is committed and judged between two batches, not after all of them.
 * Jobs run one at a time: a daily pruning run and an erasure never interleave their batches.
 */
export const DELETE_BATCH_ROWS = 1000;

export interface BatchedDeleter {
  /** Deletes every row of `table` older than `cutoff`; resolves with how many went. Stops early once `stop()` was called. */
  deleteOlder(table: PrunableTable, cutoff: number | string): Promise<number>;
  /** Runs `job` after every job queued before it has finished. */
  exclusive<T>(job: () => Promise<T>): Promise<T>;
  /** The hub is stopping: finish the current batch, start no more. */
  stop(): void;
  /** Started again (after stop). */
  resume(): void;
}

export function createBatchedDeleter(deps: {
  retention: Pick<RetentionRepo, 'deleteOlder'>;
  transaction: <T>(work: () => T) => T;
  /** Told how many rows each batch deleted: the WAL checkpointer moves to its thread under heavy writing. */
  noteWrites?: (rows: number) => void;
  batchRows?: number;
}): BatchedDeleter {
  const batchRows = deps.batchRows ?? DELETE_BATCH_ROWS;
  let queue: Promise<unknown> = Promise.resolve();
  let stopped = false;

  return {
    async deleteOlder(table, cutoff) {
      let total = 0;
      while (!stopped) {
        const deleted = deps.transaction(() => deps.retention.deleteOlder(table, cutoff, batchRows));
        total += deleted;
        if (deleted > 0) deps.noteWrites?.(deleted);
        if (deleted < batchRows) break;
        await nextTurn();
      }
      return total;
    },
    exclusive<T>(job: () => Promise<T>): Promise<T> {
      const run = queue.then(job, job);
      queue = run.catch(() => undefined);
      return run;
    },
    stop() {
      stopped = true;
    },
    resume() {
      stopped = false;
    },
  };
}
