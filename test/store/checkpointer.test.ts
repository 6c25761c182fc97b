import { statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCheckpointer, type Checkpointer } from '../../src/store/checkpointer.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { testDataDir } from '../support/test-hub.js';

/** Frames in the WAL not yet copied into the database file (a PASSIVE checkpoint that copies nothing new reports it). */
function uncheckpointed(db: Db): number {
  const [row] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number; checkpointed: number }>;
  return row!.log - row!.checkpointed;
}

describe('WAL checkpointer', () => {
  let db: Db;
  let checkpointer: Checkpointer | undefined;
  afterEach(async () => {
    await checkpointer?.stop();
    db.close();
  });

  function setUp(): { file: string } {
    const file = path.join(testDataDir(), 'homeward.db');
    db = openDatabase(file, { synchronous: 'normal' });
    db.exec('CREATE TABLE t (x INTEGER)');
    return { file };
  }

  it('at a gentle pace checkpoints on the main connection and starts no thread', () => {
    const { file } = setUp();
    checkpointer = createCheckpointer({ db, file, intervalMs: 1000, busyWritesPerInterval: 100, onError: (m) => expect.fail(m) });
    const other = openDatabase(file, { synchronous: 'normal' });
    for (let i = 0; i < 10; i++) other.prepare('INSERT INTO t VALUES (?)').run(i);
    other.close();
    checkpointer.noteWrites(10);
    checkpointer.tick(1000);
    expect(checkpointer.workerRunning()).toBe(false);
    expect(uncheckpointed(db)).toBe(0);
  });

  it('moves checkpoints to a worker thread under load, and stops it after the load ends', () => {
    const { file } = setUp();
    checkpointer = createCheckpointer({ db, file, intervalMs: 1000, busyWritesPerInterval: 100, idleStopMs: 30_000, onError: (m) => expect.fail(m) });
    checkpointer.noteWrites(500);
    checkpointer.tick(1000);
    expect(checkpointer.workerRunning()).toBe(true);
    checkpointer.tick(20_000);
    expect(checkpointer.workerRunning()).toBe(true);
    checkpointer.tick(31_001);
    expect(checkpointer.workerRunning()).toBe(false);
  });

  it('leaves an empty WAL when it stops', async () => {
    const { file } = setUp();
    checkpointer = createCheckpointer({ db, file, intervalMs: 1000, onError: (m) => expect.fail(m) });
    for (let i = 0; i < 200; i++) db.prepare('INSERT INTO t VALUES (?)').run(i);
    await checkpointer.stop();
    checkpointer = undefined;
    expect(statSync(`${file}-wal`).size).toBe(0);
  });
});
