import { cpSync, existsSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { PositionReading } from '../../src/core/readings.js';
import { openDatabase } from '../../src/store/database.js';
import { createHistoryRepo } from '../../src/store/history-repo.js';
import { createReadingsRepo } from '../../src/store/readings-repo.js';
import { createStore } from '../../src/store/store.js';
import type { HubTemplate } from './hub-process.js';
import { checkpoint, tableStorage, type TableStorage } from './storage.js';

/**
 * A year of one tracker (issue 10; DESIGN.md: "a tracker fixing every 30 s for a year ≤ 50 MB; a year
 * of one tracker's history answered in ≤ 100 ms"). The 1,051,200 fixes go straight into a copy of the
 * benchmark household's database through the store's own readings repository (the ingest path's
 * INSERT, in transactions of 50,000), not over MQTT: at the hub's 20,000 readings/s that alone would
 * be a minute. Then, on a new connection (SQLite's page cache empty, the OS's warm, as on a hub that
 * has been running):
 *  - the query the API runs for GET /api/positions?deviceId=…&from=<a year ago>&limit=5000 (the
 *    page limit's maximum): history-repo.ts's fixes(), newest page and the oldest (a cursor at the
 *    far end of the year), each timed 5 times;
 *  - for scale, the whole year read back: every page of 5,000 in turn, as a client paging through
 *    would, and one readings-repo.ts positionHistory() call over the year.
 */
export const FIX_EVERY_MS = 30_000;
const YEAR_MS = 365 * 86_400_000;
const PAGE = 5000;
const REPEATS = 5;

export interface TrackerYearResult {
  fixes: number;
  insertSeconds: number;
  /** position_readings with its indexes (dbstat). */
  table: TableStorage;
  /** The whole database file after a TRUNCATE checkpoint (the household, one tracker's year). */
  fileBytes: number;
  /** The API's query for a year's range, newest page, every run (the first on a fresh connection). */
  newestPageMs: number[];
  /** The same for the oldest page of the year. */
  oldestPageMs: number[];
  pageRows: number;
  /** The whole year, page after page of 5,000. */
  allPagesMs: number;
  pages: number;
  /** The whole year in one positionHistory() call (1,051,200 objects). */
  oneQueryMs: number;
}

/** A walk around the home: a few hundred metres, every fix different, accuracy 5–29 m. */
function fixAt(deviceId: string, index: number, at: number): PositionReading {
  return {
    kind: 'position',
    deviceId,
    at,
    atFromDevice: true,
    lat: 51.5072 + 0.002 * Math.sin(index / 97) + ((index * 7919) % 41) / 1e6,
    lon: -0.1276 + 0.003 * Math.cos(index / 131) + ((index * 104_729) % 61) / 1e6,
    accuracyM: 5 + (index % 25),
  };
}

function timed<T>(work: () => T): { ms: number; value: T } {
  const started = performance.now();
  const value = work();
  return { ms: performance.now() - started, value };
}

export function measureTrackerYear(root: string, template: HubTemplate, now = Date.now()): TrackerYearResult {
  const deviceId = template.deviceIds[0];
  if (deviceId === undefined) throw new Error('the household has no tracker');
  const dataDir = path.join(root, 'tracker-year');
  rmSync(dataDir, { recursive: true, force: true });
  cpSync(template.dataDir, dataDir, { recursive: true });
  const file = path.join(dataDir, 'homeward.db');
  const end = Math.floor(now / FIX_EVERY_MS) * FIX_EVERY_MS;
  const fixes = YEAR_MS / FIX_EVERY_MS;
  const start = end - fixes * FIX_EVERY_MS;

  let db = openDatabase(file, { synchronous: 'normal' });
  let num: number;
  let insertSeconds: number;
  let table: TableStorage;
  try {
    const store = createStore(db);
    const device = store.devices.all().find((d) => d.id === deviceId);
    if (device === undefined) throw new Error(`${deviceId} is not in the database`);
    num = device.num;
    const insert = timed(() => {
      for (let from = 0; from < fixes; from += 50_000) {
        store.transaction(() => {
          for (let i = from; i < Math.min(fixes, from + 50_000); i++) {
            const outcome = store.readings.insert(num, fixAt(deviceId, i, start + i * FIX_EVERY_MS));
            if (!outcome.stored) throw new Error(`fix ${i} of the year was not stored`);
          }
        });
      }
    });
    insertSeconds = insert.ms / 1000;
    checkpoint(db);
    table = tableStorage(db, 'position_readings');
  } finally {
    db.close();
  }
  if (table.rows !== fixes) throw new Error(`position_readings holds ${table.rows} rows, ${fixes} were inserted`);
  const fileBytes = statSync(file).size + (existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0);

  db = openDatabase(file, { synchronous: 'normal', readonly: true });
  try {
    const history = createHistoryRepo(db);
    const readings = createReadingsRepo(db);
    const upper = end + 1;
    // The service asks for limit + 1 rows to know whether there is a next page (history-service.ts).
    const newestPageMs: number[] = [];
    const oldestPageMs: number[] = [];
    let pageRows = 0;
    // The oldest page: what a cursor PAGE fixes after the start of the year asks for.
    const oldestUpper = start + PAGE * FIX_EVERY_MS;
    for (let run = 0; run < REPEATS; run++) {
      const newest = timed(() => history.fixes(num, start, upper, PAGE + 1));
      newestPageMs.push(newest.ms);
      pageRows = Math.min(newest.value.length, PAGE);
      oldestPageMs.push(timed(() => history.fixes(num, start, oldestUpper, PAGE + 1)).ms);
    }
    let pages = 0;
    const allPages = timed(() => {
      let before = upper;
      let read = 0;
      for (;;) {
        const rows = history.fixes(num, start, before, PAGE + 1);
        pages++;
        read += Math.min(rows.length, PAGE);
        if (rows.length <= PAGE) return read;
        before = (rows[PAGE - 1] as { at: number }).at;
      }
    });
    if (allPages.value !== fixes) throw new Error(`paging through the year read ${allPages.value} fixes of ${fixes}`);
    const oneQuery = timed(() => readings.positionHistory(num, deviceId, start, upper).length);
    if (oneQuery.value !== fixes) throw new Error(`positionHistory over the year returned ${oneQuery.value} fixes of ${fixes}`);
    return { fixes, insertSeconds, table, fileBytes, newestPageMs, oldestPageMs, pageRows, allPagesMs: allPages.ms, pages, oneQueryMs: oneQuery.ms };
  } finally {
    db.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
