import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { Db } from './database.js';

/**
 * WAL checkpoints without stalls and without paying for an idle thread.
 *
 * Under load, checkpoints run in a worker thread (PASSIVE, every interval): measured stalls of 120 and
 * 632 ms when a commit crossed the automatic-checkpoint threshold disappeared that way (DESIGN.md,
 * "Pitfalls"). But the worker is a second V8 instance (~14 MiB), a seventh of the Pi Zero's idle
 * budget; so it runs only while readings arrive faster than `busyWritesPerInterval`. At an idle or
 * gentle pace (a door now and then, a fix every 30 s) the few pages written since the last interval
 * are checkpointed on the main connection, which takes a millisecond or two.
 * The worker's code is inline so it runs the same from TypeScript sources under vitest and from dist/.
 */
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.modulePath);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 2000');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (error) { parentPort.postMessage({ error: String(error) }); }
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (error) { parentPort.postMessage({ error: String(error) }); }
  db.close();
  parentPort.postMessage({ stopped: true });
});
`;

export interface CheckpointerOptions {
  db: Db;
  file: string;
  intervalMs: number;
  /** Rows written in one interval above which checkpoints move to the worker thread. */
  busyWritesPerInterval?: number;
  /** The worker stops after this long below the busy rate. */
  idleStopMs?: number;
  onError: (message: string) => void;
}

export interface Checkpointer {
  start(): void;
  /** Tells the checkpointer how many rows a commit wrote. */
  noteWrites(rows: number): void;
  /** Whether the worker thread is running (for tests and metrics). */
  workerRunning(): boolean;
  /** One interval's work now; the timer calls it, tests call it instead of waiting. `now` is in performance.now() ms. */
  tick(now?: number): void;
  stop(): Promise<void>;
}

export function createCheckpointer(options: CheckpointerOptions): Checkpointer {
  const { db, file, intervalMs, onError } = options;
  const busyWrites = options.busyWritesPerInterval ?? 200;
  const idleStopMs = options.idleStopMs ?? 30_000;
  const modulePath = createRequire(import.meta.url).resolve('better-sqlite3');
  let worker: Worker | undefined;
  let timer: NodeJS.Timeout | undefined;
  let written = 0;
  let lastBusyAt = 0;

  function startWorker(): Worker {
    const started = new Worker(workerSource, { eval: true, workerData: { file, intervalMs, modulePath } });
    started.on('message', (message: { error?: string }) => {
      if (message.error) onError(message.error);
    });
    started.on('error', (error) => onError(error.message));
    started.unref();
    return started;
  }

  function stopWorker(): Promise<void> {
    const stopping = worker;
    worker = undefined;
    if (stopping === undefined) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timeout = setTimeout(() => void stopping.terminate().then(() => resolve()), 2000);
      stopping.once('message', () => {
        clearTimeout(timeout);
        void stopping.terminate().then(() => resolve());
      });
      stopping.postMessage('stop');
    });
  }

  function checkpointHere(mode: 'PASSIVE' | 'TRUNCATE'): void {
    try {
      db.pragma(`wal_checkpoint(${mode})`);
    } catch (error) {
      onError((error as Error).message);
    }
  }

  function tick(now = performance.now()): void {
    const writes = written;
    written = 0;
    if (writes >= busyWrites) {
      lastBusyAt = now;
      worker ??= startWorker();
      return;
    }
    if (worker !== undefined) {
      if (now - lastBusyAt >= idleStopMs) void stopWorker();
      return;
    }
    if (writes > 0) checkpointHere('PASSIVE');
  }

  return {
    start() {
      timer = setInterval(() => tick(), intervalMs);
      timer.unref();
    },
    noteWrites(rows) {
      written += rows;
    },
    workerRunning: () => worker !== undefined,
    tick,
    async stop() {
      clearInterval(timer);
      await stopWorker();
      // Leave a tidy database behind: everything in the main file, an empty WAL.
      checkpointHere('TRUNCATE');
    },
  };
}
