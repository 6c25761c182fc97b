import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { HomewardError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { credentialKeyPath } from '../household/credentials.js';
import { listBackups, moveDatabaseFiles, namesIn, SQLITE_HEADER, utcStamp } from './backup.js';
import { databasePath } from './database.js';
import { acquireHubLock, type HubLock } from './hub-lock.js';

/**
 * The database at start (issue 9, item 4): a damaged database gives a clear message, is kept aside,
 * and the latest backup is offered; and the hub never starts empty in silence. A hub that came up
 * with an empty database after a corrupt SD card would look healthy while the care plan, the
 * devices' credentials and every alert's history were gone, and no door would be watched.
 *
 * PRAGMA quick_check (seconds on a year of readings, and O(N) rather than integrity_check's
 * O(N log N)) plus "is it SQLite at all"; integrity_check is for backups and the doctor.
 */
/** SQLite's codes for a file that is not a database or is damaged; anything else (permissions, a full disk) is not corruption. */
const DAMAGED = new Set(['SQLITE_NOTADB', 'SQLITE_CORRUPT', 'SQLITE_CORRUPT_INDEX', 'SQLITE_CORRUPT_SEQUENCE', 'SQLITE_CORRUPT_VTAB']);

/** What is wrong with the database file, or undefined when quick_check finds it sound. Throws HW_STORE when it cannot be read at all. */
export function databaseDamage(file: string): string | undefined {
  const header = Buffer.alloc(16);
  let read: number;
  try {
    const fd = openSync(file, 'r');
    try {
      read = readSync(fd, header, 0, 16, 0);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    throw new HomewardError('HW_STORE', `cannot read the database ${file} to check it: ${(error as Error).message}`);
  }
  if (read < 16 || !header.equals(SQLITE_HEADER)) return 'it is not an SQLite database';
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    const problems = (db.pragma('quick_check') as Array<{ quick_check: string }>).map((row) => row.quick_check).filter((line) => line !== 'ok');
    return problems.length === 0 ? undefined : `quick_check: ${problems.slice(0, 3).join('; ')}`;
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (DAMAGED.has(code)) return (error as Error).message;
    throw new HomewardError('HW_STORE', `cannot open the database ${file} to check it: ${(error as Error).message}`);
  } finally {
    db?.close();
  }
}

export interface StartCheckOptions {
  dataDir: string;
  backupDir: string;
  /** `--start-empty`: the person starting the hub has accepted an empty database. */
  startEmpty: boolean;
  now: number;
}

export type StartCheck =
  | { state: 'sound' }
  /** A truly first start: nothing in the data directory says there was ever data. */
  | { state: 'first-start' }
  /** No database, signs of earlier data, and --start-empty given: starting empty, knowingly. */
  | { state: 'starting-empty'; evidence: string[] };

/** Signs that this data directory once held a household: backups, set-aside databases, the credential key. */
function earlierData(dataDir: string, backupDir: string): string[] {
  const evidence: string[] = [];
  const backups = namesIn(backupDir).filter((name) => name.endsWith('.db'));
  if (backups.length > 0) evidence.push(`${backups.length} backup${backups.length === 1 ? '' : 's'} in ${backupDir}`);
  const aside = namesIn(dataDir).filter((name) => /^homeward\.db\.(corrupt|before-restore)-\d{8}T\d{6}Z$/.test(name));
  if (aside.length > 0) evidence.push(aside.join(', '));
  if (existsSync(credentialKeyPath(dataDir))) evidence.push('the device credential key (secrets/credential-key)');
  return evidence;
}

/** What to do next: the newest backup and the exact command, or what to do without one. */
function offerBackup(dataDir: string, backupDir: string): string {
  const newest = listBackups(backupDir)[0];
  const startEmpty = 'To start with an empty database instead (the household, devices and history must be set up again): npm start -- --start-empty';
  if (newest === undefined) return `There is no daily backup in ${backupDir}. If you keep a backup elsewhere: npm run homeward -- restore FILE --data-dir ${dataDir}\n${startEmpty}`;
  return [
    `The newest backup is ${newest.file} (taken ${new Date(newest.takenAt).toISOString()}). To restore it:`,
    `  npm run homeward -- restore ${newest.file} --data-dir ${dataDir}`,
    'then start the hub again.',
    startEmpty,
  ].join('\n');
}

/**
 * Decides whether the hub may open its database. Throws HW_STORE with the whole story when it may
 * not: a damaged database (moved aside first, never deleted), or a missing one in a data directory
 * that had data, unless `startEmpty`.
 */
export function checkDatabaseAtStart(options: StartCheckOptions): StartCheck {
  const { dataDir, backupDir } = options;
  const file = databasePath(dataDir);
  // An empty file is what SQLite leaves when it was created and never written: as good as missing.
  const present = existsSync(file) && statSync(file).size > 0;
  if (present) {
    const damage = databaseDamage(file);
    if (damage === undefined) return { state: 'sound' };
    const aside = `${file}.corrupt-${utcStamp(options.now)}`;
    moveDatabaseFiles(file, aside);
    throw new HomewardError(
      'HW_STORE',
      [
        `the database ${file} is damaged (${damage}). The hub did not start.`,
        `It was moved aside to ${aside} (with its -wal and -shm, if any); nothing was deleted.`,
        offerBackup(dataDir, backupDir),
      ].join('\n'),
    );
  }
  const evidence = earlierData(dataDir, backupDir);
  if (evidence.length === 0) return { state: 'first-start' };
  if (options.startEmpty) return { state: 'starting-empty', evidence };
  throw new HomewardError(
    'HW_STORE',
    [
      `there is no database at ${file}, but ${dataDir} shows this hub had one: ${evidence.join('; ')}. The hub did not start: starting empty would lose the household in silence.`,
      offerBackup(dataDir, backupDir),
    ].join('\n'),
  );
}

/**
 * What main.ts does before it builds the hub: takes `<dataDir>/hub.pid` (a second hub on the same
 * data directory is refused), then checks the database; the pid file is let go again if the hub may
 * not start. Returns the lock for main.ts to release when the process exits.
 */
export function claimDataDir(options: StartCheckOptions & { log: Logger }): HubLock {
  const lock = acquireHubLock(options.dataDir, (hub) => `another hub (pid ${hub.pid}) is already running on ${options.dataDir}: stop it first (systemctl stop homeward), or give this one another --data-dir`);
  try {
    const check = checkDatabaseAtStart(options);
    if (check.state === 'starting-empty') {
      options.log.warn({ evidence: check.evidence }, `starting with an EMPTY database although ${options.dataDir} had data (--start-empty): ${check.evidence.join('; ')}`);
    }
  } catch (error) {
    lock.release();
    throw error;
  }
  return lock;
}
