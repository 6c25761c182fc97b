import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock } from '../core/clock.js';
import { HomewardError, isHomewardError } from '../core/errors.js';
import { takeBackup } from '../store/backup.js';
import { databasePath } from '../store/database.js';
import { acquireHubLock, type HubLock } from '../store/hub-lock.js';
import { restoreBackup } from '../store/restore.js';
import { packageVersion } from '../version.js';
import { configFrom } from './circle-commands.js';

/**
 * `homeward backup FILE` and `homeward restore FILE` (issue 9, item 4; DESIGN.md names both).
 * A backup is taken online, from this process, while the hub in another keeps writing; a restore
 * needs the hub stopped (its pid file, src/store/hub-lock.ts, is held for the duration so a hub
 * starting meanwhile is refused too). Exit codes as every command: 0 done · 1 failure · 2 bad
 * usage or invalid input (nothing changed) · 3 not found.
 */
interface Output {
  out(text: string): void;
  err(text: string): void;
}

export const backupUsage: Record<string, string> = {
  backup: `Usage: homeward backup FILE [--force] [--json]

Copies the household's database to FILE with SQLite's online backup, safe while the hub runs, and
puts the data directory's secrets in it (the key device passwords come from, the Web Push identity
every phone is subscribed to): FILE alone brings the household back on a new SD card, so keep it
somewhere safe and private (it is written with mode 0600). The copy is verified before it is named
FILE. An existing FILE is not replaced unless --force is given (exit 2).
--json prints {"file","bytes","readings","takenAt"}. Exit 3 if there is no database yet.`,
  restore: `Usage: homeward restore FILE [--json]

Puts the backup FILE in place of the household's database and writes its secrets back. Stop the hub
first (systemctl stop homeward): a running hub is refused (exit 2). FILE is checked first (SQLite,
intact, Homeward's tables, a schema this version knows); a bad FILE changes nothing (exit 2). The
current database is kept as homeward.db.before-restore-<UTC time>, replaced secrets under
secrets.before-restore-<UTC time>/; nothing is deleted.
--json prints {"file","database","keptAside","secretsRestored","secretsKeptAside","readings","schemaVersion","takenAt"}.`,
};

/** Lines for `homeward --help`. */
export const backupSummary = `  backup FILE [--force] [--json] copy the database and secrets to FILE (online, safe while the hub runs)
  restore FILE [--json]         put a backup in place (stop the hub first); the current one is kept aside`;

const options = {
  'data-dir': { type: 'string' },
  config: { type: 'string' },
  json: { type: 'boolean', default: false },
  force: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function sameFile(a: string, b: string): boolean {
  if (path.resolve(a) === path.resolve(b)) return true;
  try {
    const x = statSync(a);
    const y = statSync(b);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

const megabytes = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;

export async function runBackupCommand(argv: string[], env: NodeJS.ProcessEnv, io: Output): Promise<number> {
  const [command] = argv;
  const help = backupUsage[command ?? ''];
  if (help === undefined) throw new HomewardError('HW_USAGE', `unknown command "${command ?? ''}"`);
  const { values, positionals } = parseArgs({ args: argv.slice(1), options, allowPositionals: true, strict: true });
  if (values.help) {
    io.out(help);
    return 0;
  }
  const fail = (code: number, message: string) => {
    io.err(`homeward: ${message}`);
    return code;
  };
  const given = positionals[0];
  if (given === undefined || positionals.length > 1) return fail(2, `${command} needs one FILE\n\n${help}`);
  const file = path.resolve(given);
  const config = configFrom(values, env);
  const database = databasePath(config.dataDir);

  if (command === 'backup') {
    if (values.force !== true && existsSync(file)) return fail(2, `${file} already exists: choose another name, or add --force to replace it`);
    if (['', '-wal', '-shm', '-journal'].some((suffix) => sameFile(file, database + suffix))) return fail(2, `${file} is the live database: choose a file elsewhere`);
    if (!existsSync(path.dirname(file))) return fail(2, `cannot back up to ${file}: the directory ${path.dirname(file)} does not exist`);
    try {
      const taken = await takeBackup({ databaseFile: database, dataDir: config.dataDir, destination: file, takenAt: systemClock.now(), hubVersion: packageVersion() });
      const takenAt = new Date(taken.takenAt).toISOString();
      if (values.json) io.out(JSON.stringify({ file: taken.file, bytes: taken.bytes, readings: taken.readings, takenAt }));
      else {
        io.out(`Backed up ${database} to ${taken.file} (${megabytes(taken.bytes)}, ${taken.readings} readings, taken ${takenAt}).`);
        io.out(
          taken.secrets.length > 0
            ? `It holds the secrets too (${taken.secrets.join(', ')}): keep it private, and somewhere other than this SD card.`
            : 'The data directory has no secrets yet (the hub has not started): keep the file somewhere other than this SD card.',
        );
      }
      return 0;
    } catch (error) {
      if (isHomewardError(error, 'HW_NOT_FOUND')) return fail(3, error.message);
      if (isHomewardError(error)) return fail(1, error.message);
      throw error;
    }
  }

  let lock: HubLock;
  try {
    lock = acquireHubLock(config.dataDir, (hub) => `the hub is running (pid ${hub.pid}) on ${config.dataDir}: stop the hub first: systemctl stop homeward`);
  } catch (error) {
    if (isHomewardError(error, 'HW_CONFLICT')) return fail(2, error.message);
    throw error;
  }
  try {
    const restored = restoreBackup({ dataDir: config.dataDir, file, now: systemClock.now() });
    const takenAt = restored.takenAt === undefined ? null : new Date(restored.takenAt).toISOString();
    if (values.json) {
      io.out(
        JSON.stringify({
          file: restored.file,
          database: restored.database,
          keptAside: restored.keptAside ?? null,
          secretsRestored: restored.secretsRestored,
          secretsKeptAside: restored.secretsKeptAside ?? null,
          readings: restored.readings,
          schemaVersion: restored.schemaVersion,
          takenAt,
        }),
      );
      return 0;
    }
    io.out(`Restored ${restored.file}${takenAt === null ? '' : ` (taken ${takenAt})`} into ${restored.database}: ${restored.readings} readings, schema version ${restored.schemaVersion}.`);
    io.out(restored.keptAside === undefined ? 'There was no database before; nothing was set aside.' : `The previous database is kept as ${restored.keptAside}.`);
    if (restored.secretsRestored.length > 0) {
      io.out(`Secrets restored: ${restored.secretsRestored.join(', ')}${restored.secretsKeptAside === undefined ? '' : ` (the ones they replaced are kept in ${restored.secretsKeptAside})`}.`);
    } else {
      io.out(`The file holds no secrets (it was not made by \`homeward backup\`): the data directory's own are kept. On a new SD card, devices need their credentials again (homeward device credentials ID) and phones must allow notifications again.`);
    }
    io.out('Start the hub again: systemctl start homeward (or npm start). Schema updates, if any, are applied at start.');
    return 0;
  } catch (error) {
    if (isHomewardError(error, 'HW_BACKUP')) return fail(2, error.message);
    if (isHomewardError(error)) return fail(1, error.message);
    throw error;
  } finally {
    lock.release();
  }
}
