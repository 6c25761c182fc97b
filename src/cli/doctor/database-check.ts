import { existsSync, readdirSync, statSync } from 'node:fs';
import { backupDir, type HubConfig } from '../../config.js';
import { listBackups } from '../../store/backup.js';
import { databasePath } from '../../store/database.js';
import { migrations } from '../../store/migrations.js';
import { formatBytes, type DoctorCheck, type FindingPart } from './finding.js';

/**
 * The database opens, passes SQLite's integrity check and has a schema this Homeward knows (issue 9,
 * item 5). A full integrity_check reads every page and index; on a big file a Pi would take minutes,
 * so above QUICK_CHECK_ABOVE the doctor runs quick_check (pages and records, not index contents).
 */
export const QUICK_CHECK_ABOVE = 256 * 1024 * 1024;
const KNOWN_SCHEMA = migrations[migrations.length - 1]?.version ?? 0;

/** The data directory is named: the doctor may have been pointed at it with --data-dir, and a restore without it would go to another hub's data. */
function restoreFix(config: HubConfig, file: string): string {
  const dir = backupDir(config);
  const newest = listBackups(dir)[0];
  if (newest === undefined) {
    return `there is no backup in ${dir}: stop the hub (\`sudo systemctl stop homeward\`), copy ${file} somewhere safe, and ask for help recovering it (\`sqlite3 ${file} .recover\`)`;
  }
  return `stop the hub (\`sudo systemctl stop homeward\`), then \`npm run homeward -- restore ${newest.file} --data-dir ${config.dataDir}\` (the newest backup), and start it again`;
}

export const databaseCheck: DoctorCheck = {
  name: 'database',
  run(context): FindingPart {
    const { config } = context;
    const file = databasePath(config.dataDir);
    if (!existsSync(file)) {
      const contents = existsSync(config.dataDir) ? readdirSync(config.dataDir) : [];
      if (contents.length === 0) {
        return {
          level: 'warning',
          finding: `no database in ${config.dataDir} yet (a new hub makes one at its first start)`,
          fix: 'start the hub once (`npm start`); if it has run before, point --data-dir or HOMEWARD_DATA_DIR at its data',
        };
      }
      return { level: 'problem', finding: `${file} is missing, though ${config.dataDir} is not new (it holds ${contents.slice(0, 4).join(', ')})`, fix: restoreFix(config, file) };
    }
    const bytes = statSync(file).size;
    const quick = bytes > QUICK_CHECK_ABOVE;
    let version: number;
    let problems: string[];
    try {
      const db = context.database();
      if (db === undefined) throw new Error('it disappeared while the doctor looked');
      version = db.pragma('user_version', { simple: true }) as number;
      const rows = db.pragma(quick ? 'quick_check' : 'integrity_check') as Array<Record<string, string>>;
      problems = rows.map((row) => Object.values(row)[0] as string).filter((line) => line !== 'ok');
    } catch (error) {
      return { level: 'problem', finding: `${file} cannot be read: ${(error as Error).message}`, fix: restoreFix(config, file) };
    }
    if (problems.length > 0) {
      return { level: 'problem', finding: `${file} is damaged (${quick ? 'quick_check' : 'integrity_check'}: ${problems.slice(0, 3).join('; ')})`, fix: restoreFix(config, file) };
    }
    if (version > KNOWN_SCHEMA) {
      return {
        level: 'problem',
        finding: `${file} has schema ${version}, newer than this Homeward knows (${KNOWN_SCHEMA}): it was written by a newer version`,
        fix: 'run the newer Homeward again (deploy/ has the update and roll-back steps), or restore a backup taken by this version',
      };
    }
    if (version === 0) {
      return { level: 'warning', finding: `${file} is empty (schema 0): the hub sets it up at its next start, with no household`, fix: restoreFix(config, file) };
    }
    const upgrade = version < KNOWN_SCHEMA ? ` (the hub upgrades it to ${KNOWN_SCHEMA} at its next start)` : '';
    return { level: 'ok', finding: `${formatBytes(bytes)}, ${quick ? 'quick check' : 'integrity check'} passed, schema ${version}${upgrade}` };
  },
};
