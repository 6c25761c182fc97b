import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { backupDir } from '../../config.js';
import { dailyBackupName, listBackups } from '../../store/backup.js';
import { formatAge, formatBytes, type DoctorCheck } from './finding.js';

/**
 * The newest daily backup is younger than 26 hours (issue 9, items 4 and 5): one a day, with two
 * hours' grace for a backup that ran late. Only names the daily backup writes count
 * (`homeward-YYYYMMDDTHHMMSSZ.db`, src/store/backup.ts); its time is the one in its name.
 */
export const BACKUP_MAX_AGE_MS = 26 * 3_600_000;
/** A backup stamped more than this in the future was made while the clock was wrong. */
const FUTURE_SLACK_MS = 3_600_000;

export const backupsCheck: DoctorCheck = {
  name: 'backups',
  run({ config, now }) {
    const dir = backupDir(config);
    const backups = listBackups(dir);
    const mkdir = existsSync(dir) ? '' : `\`mkdir -p ${dir}\`, then `;
    const fix =
      `make one now: ${mkdir}\`npm run homeward -- backup ${path.join(dir, dailyBackupName(now))} --data-dir ${config.dataDir}\`. The running hub makes one every day at ${config.backup.at} ` +
      `(home time, HOMEWARD_BACKUP_AT) and keeps the newest ${config.backup.keep}: check it was running then (\`journalctl -u homeward | grep -i backup\`)`;
    const newest = backups[0];
    if (newest === undefined) return { level: 'problem', finding: `no backup in ${dir}: a failed SD card would lose the household, its history and every device's password`, fix };
    const name = path.basename(newest.file);
    const bytes = statSync(newest.file).size;
    if (bytes === 0) return { level: 'problem', finding: `the newest backup, ${name}, is empty`, fix };
    const age = now - newest.takenAt;
    if (age > BACKUP_MAX_AGE_MS) return { level: 'problem', finding: `the newest backup, ${name}, is ${formatAge(age)} old`, fix };
    const kept = `${backups.length} kept in ${dir}`;
    if (age < -FUTURE_SLACK_MS) {
      return { level: 'warning', finding: `the newest backup, ${name}, is dated in the future (made while the clock was wrong?); ${kept}`, fix: `check the clock, then ${fix}` };
    }
    return { level: 'ok', finding: `newest ${name}, ${formatAge(Math.max(0, age))} old, ${formatBytes(bytes)}; ${kept}` };
  },
};
