import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { HomewardError } from '../core/errors.js';

/**
 * Backups (issue 9, item 4). A backup is one SQLite file that brings the household back on a new SD
 * card: a consistent copy of the database made with SQLite's online backup API (safe while the hub
 * keeps writing, from this process or another), plus the data directory's secrets — the credential key
 * every device password is derived from, the VAPID identity every phone's subscription is bound to, the
 * action-token key — in a table written into the COPY only, never into the live database.
 *
 * The copy is made, stamped and verified (PRAGMA integrity_check) in a worker thread: on a year of
 * readings that is seconds of work on a Pi, which must not stall ingest on the event loop (DESIGN.md,
 * "no stall"; why not VACUUM INTO: it runs on the calling thread for the whole copy). It is written
 * to FILE.partial (mode 0600 from the first byte: it holds secrets) and renamed into place, so a
 * half-written backup never looks like a backup.
 */

/** Daily backups: `homeward-YYYYMMDDTHHMMSSZ.db` (UTC); the doctor and the update script rely on the name. */
export const DAILY_BACKUP_NAME = /^homeward-(\d{8}T\d{6}Z)\.db$/;
/** What a backup interrupted by a crash or a stop leaves behind. */
const LEFTOVER_PARTIAL = /^homeward-\d{8}T\d{6}Z\.db\.partial(-journal|-wal|-shm)?$/;

/** The first 16 bytes of every SQLite database file. */
export const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/** In the copy only (see above); restore reads them back and drops them. */
export const SECRETS_TABLE = 'homeward_backup_secrets';
export const INFO_TABLE = 'homeward_backup_info';

/** Every reading the hub keeps, for "how many readings does it hold". */
export const COUNT_READINGS_SQL = 'SELECT (SELECT count(*) FROM door_readings) + (SELECT count(*) FROM position_readings) + (SELECT count(*) FROM pillbox_readings)';

/** `20261124T033000Z`: the UTC stamp in backup and set-aside file names. */
export function utcStamp(at: number): string {
  return new Date(at).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function parseUtcStamp(stamp: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(stamp);
  if (m === null) return NaN;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

export function dailyBackupName(at: number): string {
  return `homeward-${utcStamp(at)}.db`;
}

export interface BackupEntry {
  file: string;
  /** Unix ms, from the file's name. */
  takenAt: number;
}

/** The names in a directory; none when it does not exist or cannot be read. */
export function namesIn(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The daily backups in `dir`, newest first; none when the directory does not exist. */
export function listBackups(dir: string): BackupEntry[] {
  const found: BackupEntry[] = [];
  for (const name of namesIn(dir)) {
    const stamp = DAILY_BACKUP_NAME.exec(name)?.[1];
    if (stamp === undefined) continue;
    const takenAt = parseUtcStamp(stamp);
    if (Number.isFinite(takenAt)) found.push({ file: path.join(dir, name), takenAt });
  }
  return found.sort((a, b) => b.takenAt - a.takenAt);
}

/** Removes what an interrupted daily backup left in `dir` (only names of ours). */
export function removeLeftoverPartials(dir: string): void {
  for (const name of namesIn(dir)) if (LEFTOVER_PARTIAL.test(name)) rmSync(path.join(dir, name), { force: true });
}

export interface Secret {
  name: string;
  content: Buffer;
}

/** A name a secret may have: a plain file name, so a crafted backup cannot write outside secrets/. */
export const SECRET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
/** secret-file.ts and credentials.ts write `<name>.<pid>.<8 hex>` before linking into place. */
const SECRET_TEMPORARY = /\.\d+\.[0-9a-f]{8}$/;

export function secretsDir(dataDir: string): string {
  return path.join(dataDir, 'secrets');
}

/** The data directory's secrets (credential-key, vapid.json, action-token-key, and any added later). */
export function readSecrets(dataDir: string): Secret[] {
  const dir = secretsDir(dataDir);
  const secrets: Secret[] = [];
  for (const name of namesIn(dir).sort()) {
    if (!SECRET_NAME.test(name) || SECRET_TEMPORARY.test(name)) continue;
    const file = path.join(dir, name);
    if (!statSync(file).isFile()) continue;
    secrets.push({ name, content: readFileSync(file) });
  }
  return secrets;
}

/** Makes a rename durable: a power cut right after must not bring back the old name (ext4, data=ordered). */
export function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Not every file system lets a directory be synced; the rename itself is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The files SQLite keeps beside a database; they belong to it by name. */
const COMPANIONS = ['-wal', '-shm', '-journal'] as const;

export function removeDatabaseFiles(file: string): void {
  for (const suffix of ['', ...COMPANIONS]) rmSync(file + suffix, { force: true });
}

/** Renames a database with its -wal, -shm and -journal, so SQLite still pairs them under the new name. */
export function moveDatabaseFiles(from: string, to: string): void {
  for (const suffix of ['', ...COMPANIONS]) if (existsSync(from + suffix)) renameSync(from + suffix, to + suffix);
}

/**
 * Runs in the worker. Step one copies no page and step two copies every page under one read
 * transaction: a snapshot that the hub's commits (from another connection, even another process)
 * cannot restart, as they restart a copy made in small steps. In WAL mode that read transaction
 * does not hold up the hub's writers.
 */
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.modulePath);
async function run() {
  const { sourceFile, partial, secrets, info, sql } = workerData;
  const source = new Database(sourceFile, { fileMustExist: true });
  try {
    source.pragma('busy_timeout = 5000');
    await source.backup(partial, { progress: () => 0x7fffffff });
  } finally {
    source.close();
  }
  const copy = new Database(partial, { fileMustExist: true });
  try {
    copy.pragma('busy_timeout = 5000');
    copy.pragma('journal_mode = DELETE');
    copy.exec(sql.createTables);
    const insertSecret = copy.prepare(sql.insertSecret);
    copy.transaction(() => {
      for (const secret of secrets) insertSecret.run(secret.name, Buffer.from(secret.content));
      copy.prepare(sql.insertInfo).run(info.takenAt, info.version);
    })();
    const problems = copy.pragma('integrity_check').map((row) => row.integrity_check).filter((line) => line !== 'ok');
    const readings = copy.prepare(sql.countReadings).pluck().get();
    return { problems, readings };
  } finally {
    copy.close();
  }
}
run().then(
  (result) => parentPort.postMessage({ ok: true, ...result }),
  (error) => parentPort.postMessage({ ok: false, error: String(error && error.message || error), code: error && error.code }),
);
`;

const sql = {
  createTables: `
    CREATE TABLE ${SECRETS_TABLE} (name TEXT PRIMARY KEY, content BLOB NOT NULL);
    CREATE TABLE ${INFO_TABLE} (id INTEGER PRIMARY KEY CHECK (id = 1), taken_at INTEGER NOT NULL, hub_version TEXT NOT NULL);`,
  insertSecret: `INSERT INTO ${SECRETS_TABLE} (name, content) VALUES (?, ?)`,
  insertInfo: `INSERT INTO ${INFO_TABLE} (id, taken_at, hub_version) VALUES (1, ?, ?)`,
  countReadings: COUNT_READINGS_SQL,
};

export interface BackupOptions {
  /** The live database (homeward.db). */
  databaseFile: string;
  /** Where the secrets are (`<dataDir>/secrets`). */
  dataDir: string;
  /** The backup file; replaced if it exists (the CLI asks for --force first). */
  destination: string;
  takenAt: number;
  hubVersion: string;
}

export interface BackupTaken {
  file: string;
  bytes: number;
  readings: number;
  takenAt: number;
  /** Names of the secrets it holds. */
  secrets: string[];
}

export interface RunningBackup {
  done: Promise<BackupTaken>;
  /** Stops the copy (the hub is stopping); `done` rejects and the partial file is removed. */
  abort(): Promise<void>;
}

/** Takes a backup; throws HW_NOT_FOUND without a database and HW_BACKUP when the copy cannot be made or verified. */
export function startBackup(options: BackupOptions): RunningBackup {
  const { databaseFile, destination } = options;
  const partial = `${destination}.partial`;
  let worker: Worker | undefined;
  let aborted = false;

  const done = (async (): Promise<BackupTaken> => {
    if (!existsSync(databaseFile)) throw new HomewardError('HW_NOT_FOUND', `no database at ${databaseFile}: nothing to back up`);
    const dir = path.dirname(destination);
    if (!existsSync(dir)) throw new HomewardError('HW_BACKUP', `cannot back up to ${destination}: the directory ${dir} does not exist`);
    const secrets = readSecrets(options.dataDir);
    try {
      removeDatabaseFiles(partial);
      // Created empty with mode 0600 before SQLite writes a byte (SQLite keeps an existing file's mode, journals included).
      writeFileSync(partial, '', { mode: 0o600 });
    } catch (error) {
      throw new HomewardError('HW_BACKUP', `cannot write ${partial}: ${(error as Error).message}`);
    }
    try {
      const result = await new Promise<{ ok: boolean; error?: string; code?: string; problems?: string[]; readings?: number }>((resolve, reject) => {
        worker = new Worker(workerSource, {
          eval: true,
          workerData: {
            modulePath: createRequire(import.meta.url).resolve('better-sqlite3'),
            sourceFile: databaseFile,
            partial,
            secrets: secrets.map((s) => ({ name: s.name, content: new Uint8Array(s.content) })),
            info: { takenAt: options.takenAt, version: options.hubVersion },
            sql,
          },
        });
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(aborted ? 'stopped: the hub is stopping' : `the backup worker exited (${code})`)));
      });
      if (!result.ok && /^SQLITE_(CORRUPT|NOTADB)/.test(result.code ?? '')) throw new Error(`the database itself is damaged (${result.error ?? ''}); keep the older backups`);
      if (!result.ok) throw new Error(result.error ?? 'unknown error');
      if (result.problems !== undefined && result.problems.length > 0) {
        throw new Error(`the copy failed its integrity check, so the database itself is damaged (${result.problems.slice(0, 3).join('; ')}); keep the older backups`);
      }
      renameSync(partial, destination);
      syncDirectory(dir);
      return { file: destination, bytes: statSync(destination).size, readings: result.readings ?? 0, takenAt: options.takenAt, secrets: secrets.map((s) => s.name) };
    } catch (error) {
      removeDatabaseFiles(partial);
      throw new HomewardError('HW_BACKUP', `backup to ${destination} failed: ${(error as Error).message}`);
    } finally {
      void worker?.terminate();
    }
  })();

  return {
    done,
    async abort() {
      aborted = true;
      await worker?.terminate();
      await done.catch(() => undefined);
    },
  };
}

/** Takes a backup and waits for it. */
export function takeBackup(options: BackupOptions): Promise<BackupTaken> {
  return startBackup(options).done;
}
