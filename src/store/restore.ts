import { chownSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { HomewardError } from '../core/errors.js';
import { COUNT_READINGS_SQL, INFO_TABLE, moveDatabaseFiles, removeDatabaseFiles, SECRET_NAME, SECRETS_TABLE, secretsDir, SQLITE_HEADER, syncDirectory, utcStamp, type Secret } from './backup.js';
import { databasePath } from './database.js';
import { migrations } from './migrations.js';

/**
 * `homeward restore FILE` (issue 9, item 4): puts a backup in place of the household's database and
 * writes its secrets back. Everything about FILE is checked on a scratch copy before anything in the
 * data directory changes, so a bad FILE (missing, not SQLite, truncated, not ours, from a newer
 * Homeward) changes nothing. What was there before is kept aside, never deleted: the database as
 * `homeward.db.before-restore-<UTC stamp>` (its -wal and -shm moved with it, so SQLite still pairs
 * them), and any secret the backup replaces under `secrets.before-restore-<UTC stamp>/`.
 * The caller makes sure the hub is not running (src/store/hub-lock.ts).
 */

/** Tables without which a file is not a Homeward database. */
const OUR_TABLES = ['household', 'devices', 'credentials', 'door_readings', 'position_readings', 'pillbox_readings'];

export interface BackupContents {
  schemaVersion: number;
  readings: number;
  /** When the backup was taken, if it says (a copy made otherwise has no stamp). */
  takenAt?: number;
  hubVersion?: string;
  secrets: Secret[];
}

function notABackup(file: string, why: string): HomewardError {
  return new HomewardError('HW_BACKUP', `${file} is not a Homeward backup: ${why}. Nothing was changed.`);
}

/** Reads the header's page size and page count, to say "truncated" plainly rather than "malformed". */
function checkHeader(file: string): void {
  let size: number;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw notABackup(file, 'it is not a file');
    size = stat.size;
  } catch (error) {
    if (error instanceof HomewardError) throw error;
    throw new HomewardError('HW_BACKUP', `cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}. Nothing was changed.`);
  }
  const header = Buffer.alloc(100);
  const fd = openSync(file, 'r');
  let read: number;
  try {
    read = readSync(fd, header, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  if (read < 100 || !header.subarray(0, 16).equals(SQLITE_HEADER)) throw notABackup(file, 'it is not an SQLite database');
  const rawPageSize = header.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  const pages = header.readUInt32BE(28);
  // The page count in the header is valid when its "version-valid-for" matches the change counter.
  if (header.readUInt32BE(92) === header.readUInt32BE(24) && pages > 0 && size < pageSize * pages) {
    throw notABackup(file, `it is truncated (${size} of ${pageSize * pages} bytes)`);
  }
}

/** Checks a database file that is a scratch copy (it may be changed): integrity, our tables, a schema this version knows. */
function inspectCopy(copy: string, shownAs: string): BackupContents {
  let db: Database.Database;
  try {
    db = new Database(copy, { fileMustExist: true });
  } catch (error) {
    throw notABackup(shownAs, `SQLite cannot open it (${(error as Error).message})`);
  }
  try {
    let problems: string[];
    try {
      problems = (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((row) => row.integrity_check).filter((line) => line !== 'ok');
    } catch (error) {
      problems = [(error as Error).message];
    }
    if (problems.length > 0) throw notABackup(shownAs, `it is damaged (integrity_check: ${problems.slice(0, 3).join('; ')})`);
    const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]));
    const missing = OUR_TABLES.filter((table) => !tables.has(table));
    if (missing.length > 0) throw notABackup(shownAs, `it is an SQLite database without Homeward's tables (no ${missing.join(', ')})`);
    const schemaVersion = db.pragma('user_version', { simple: true }) as number;
    const known = Math.max(...migrations.map((m) => m.version));
    if (schemaVersion > known) {
      throw new HomewardError(
        'HW_BACKUP',
        `${shownAs} was made by a newer Homeward (database schema version ${schemaVersion}; this version knows up to ${known}): update Homeward first, then restore. Nothing was changed.`,
      );
    }
    const secrets = tables.has(SECRETS_TABLE) ? (db.prepare(`SELECT name, content FROM ${SECRETS_TABLE} ORDER BY name`).all() as Secret[]) : [];
    const info = tables.has(INFO_TABLE) ? (db.prepare(`SELECT taken_at AS takenAt, hub_version AS hubVersion FROM ${INFO_TABLE} WHERE id = 1`).get() as { takenAt: number; hubVersion: string } | undefined) : undefined;
    const readings = db.prepare(COUNT_READINGS_SQL).pluck().get() as number;
    // The secrets belong in secrets/, never in the live database: dropped, their pages zeroed.
    db.pragma('secure_delete = ON');
    db.exec(`DROP TABLE IF EXISTS ${SECRETS_TABLE}; DROP TABLE IF EXISTS ${INFO_TABLE};`);
    // One self-contained file to rename into place (openDatabase turns WAL on again at start).
    db.pragma('journal_mode = DELETE');
    return { schemaVersion, readings, ...(info === undefined ? {} : { takenAt: info.takenAt, hubVersion: info.hubVersion }), secrets: secrets.filter((s) => SECRET_NAME.test(s.name)) };
  } finally {
    db.close();
  }
}

export interface Restored {
  file: string;
  database: string;
  /** Where the previous database was kept (absent when there was none: a new SD card). */
  keptAside?: string;
  /** Secrets written back from the backup. */
  secretsRestored: string[];
  /** Where replaced secrets were kept, if any differed. */
  secretsKeptAside?: string;
  readings: number;
  schemaVersion: number;
  takenAt?: number;
}

/**
 * Folds a database's WAL into it, so what is kept aside is one file that can itself be restored.
 * When that fails (the database is damaged), moveDatabaseFiles moves the WAL with it instead.
 */
function mergeWal(database: string): void {
  let db: Database.Database | undefined;
  try {
    db = new Database(database, { fileMustExist: true });
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.pragma('journal_mode = DELETE');
  } catch {
    // Moved as it is, with its -wal.
  } finally {
    db?.close();
  }
}

/**
 * A restore run with sudo must not leave root's files where the hub (its own system user) cannot
 * open them: what it wrote gets the data directory's owner.
 */
function ownLikeDataDir(dataDir: string, files: string[]): void {
  if (process.getuid?.() !== 0) return;
  const { uid, gid } = statSync(dataDir);
  if (uid === 0) return;
  for (const file of files) chownSync(file, uid, gid);
}

function writeSecret(dir: string, secret: Secret): void {
  const file = path.join(dir, secret.name);
  const temporary = `${file}.restoring`;
  writeFileSync(temporary, secret.content, { mode: 0o600 });
  renameSync(temporary, file);
}

export function restoreBackup(options: { dataDir: string; file: string; now: number }): Restored {
  const { dataDir, file, now } = options;
  checkHeader(file);
  mkdirSync(dataDir, { recursive: true });
  const database = databasePath(dataDir);
  const stamp = utcStamp(now);
  // In the data directory, so the final rename is atomic (same file system).
  const incoming = `${database}.restoring-${stamp}`;
  const cleanIncoming = () => removeDatabaseFiles(incoming);
  let contents: BackupContents;
  try {
    copyFileSync(file, incoming);
    // A database copied with its WAL beside it (a set-aside one, a copy made by hand) is whole only with it.
    if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${incoming}-wal`);
    contents = inspectCopy(incoming, file);
  } catch (error) {
    cleanIncoming();
    throw error;
  }

  // From here the data directory changes: the previous database aside, the backup in place, the secrets.
  let keptAside: string | undefined;
  try {
    if (existsSync(database)) {
      keptAside = `${database}.before-restore-${stamp}`;
      mergeWal(database);
      moveDatabaseFiles(database, keptAside);
    }
    renameSync(incoming, database);
    syncDirectory(dataDir);
  } catch (error) {
    cleanIncoming();
    throw new HomewardError('HW_STORE', `restore failed while moving files in ${dataDir}: ${(error as Error).message}${keptAside === undefined ? '' : ` (the previous database is at ${keptAside})`}`);
  }

  const dir = secretsDir(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const asideDir = path.join(dataDir, `secrets.before-restore-${stamp}`);
  let secretsKeptAside: string | undefined;
  const secretsRestored: string[] = [];
  for (const secret of contents.secrets) {
    const current = path.join(dir, secret.name);
    if (existsSync(current)) {
      const existing = readFileSync(current);
      if (existing.equals(secret.content)) {
        secretsRestored.push(secret.name);
        continue;
      }
      mkdirSync(asideDir, { recursive: true, mode: 0o700 });
      writeFileSync(path.join(asideDir, secret.name), existing, { mode: 0o600 });
      secretsKeptAside = asideDir;
    }
    writeSecret(dir, secret);
    secretsRestored.push(secret.name);
  }
  syncDirectory(dir);
  ownLikeDataDir(dataDir, [database, dir, ...secretsRestored.map((name) => path.join(dir, name)), ...(secretsKeptAside === undefined ? [] : [secretsKeptAside])]);
  return {
    file,
    database,
    ...(keptAside === undefined ? {} : { keptAside }),
    secretsRestored,
    ...(secretsKeptAside === undefined ? {} : { secretsKeptAside }),
    readings: contents.readings,
    schemaVersion: contents.schemaVersion,
    ...(contents.takenAt === undefined ? {} : { takenAt: contents.takenAt }),
  };
}
