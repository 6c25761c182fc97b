import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { backupDir } from '../../config.js';
import { listBackups } from '../../store/backup.js';
import { databasePath } from '../../store/database.js';
import { formatBytes, type DoctorCheck } from './finding.js';

/**
 * Free space on the data directory's file system (issue 9, item 5). When it fills, readings cannot be
 * committed (so devices get no PUBACK and nothing new is stored) and the daily backup fails. The
 * thresholds: a problem under 200 MB, or under 5 % of a card when that is also under 1 GB (an 8 GB card
 * with 350 MB left), or with less room than one more backup needs (a backup is a copy of the database);
 * a warning under 1 GB or 5 %. 5 % of a 256 GB disk is 12.8 GB: not a problem, only worth a look.
 */
const MB = 1024 * 1024;
export const DISK_PROBLEM_BYTES = 200 * MB;
export const DISK_PROBLEM_SHARE = 0.05;
export const DISK_WARNING_BYTES = 1024 * MB;

/** The data directory, or its nearest parent that exists (a hub that has not started yet). */
function nearestExisting(dir: string): string {
  let at = path.resolve(dir);
  while (!existsSync(at) && path.dirname(at) !== at) at = path.dirname(at);
  return at;
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

export const diskCheck: DoctorCheck = {
  name: 'disk',
  run({ config, statfs }) {
    const at = nearestExisting(config.dataDir);
    const reading = statfs(at);
    const free = reading.bavail * reading.bsize;
    const total = reading.blocks * reading.bsize;
    const share = total > 0 ? free / total : 1;
    const database = databasePath(config.dataDir);
    const databaseBytes = sizeOf(database) + sizeOf(`${database}-wal`) + sizeOf(`${database}-shm`);
    const dir = backupDir(config);
    const backups = listBackups(dir);
    const backupBytes = backups.reduce((sum, backup) => sum + sizeOf(backup.file), 0);

    const uses = [
      existsSync(database) ? `the database ${formatBytes(databaseBytes)}` : 'no database yet',
      backups.length === 0 ? 'no backups' : `${backups.length} backup${backups.length === 1 ? '' : 's'} ${formatBytes(backupBytes)}`,
    ];
    const finding = `${formatBytes(free)} free of ${formatBytes(total)} (${Math.floor(share * 100)} %) on ${at}; ${uses.join(', ')}`;
    const fix =
      `free some space: \`sudo journalctl --vacuum-size=50M\`, or delete old backups in ${dir} ` +
      `(the hub keeps the newest ${config.backup.keep}: set HOMEWARD_BACKUP_KEEP lower), or move the data to a bigger card`;
    if (free < DISK_PROBLEM_BYTES || (share < DISK_PROBLEM_SHARE && free < DISK_WARNING_BYTES)) {
      return { level: 'problem', finding: `${finding}: nearly full, and when it fills no reading can be saved`, fix };
    }
    if (free < databaseBytes) return { level: 'problem', finding: `${finding}: not enough room for the next backup`, fix };
    if (free < DISK_WARNING_BYTES || share < DISK_PROBLEM_SHARE) return { level: 'warning', finding: `${finding}: getting full`, fix };
    return { level: 'ok', finding };
  },
};
