import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { databasePath, openDatabase, type Db } from '../../src/store/database.js';
import { createStore, type Store } from '../../src/store/store.js';

export interface TempStore {
  readonly db: Db;
  readonly store: Store;
  /** Closes the connection and opens the same file again, as after a restart. */
  reopen(): Store;
}

/** A real SQLite file in a fresh temporary directory for each test, removed afterwards. */
export function useTempStore(): TempStore {
  let dir = '';
  let db: Db | undefined;
  let store: Store | undefined;
  const open = () => {
    db = openDatabase(databasePath(dir), { synchronous: 'normal' });
    store = createStore(db);
    return store;
  };
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'homeward-store-'));
    open();
  });
  afterEach(() => {
    if (db?.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    get db() {
      if (db === undefined) throw new Error('no database outside a test');
      return db;
    },
    get store() {
      if (store === undefined) throw new Error('no store outside a test');
      return store;
    },
    reopen() {
      db?.close();
      return open();
    },
  };
}
