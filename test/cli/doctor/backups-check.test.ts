import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { backupsCheck } from '../../../src/cli/doctor/backups-check.js';
import type { HubConfig } from '../../../src/config.js';
import { openHome } from '../../../src/hub.js';
import { dailyBackupName, takeBackup } from '../../../src/store/backup.js';
import { databasePath } from '../../../src/store/database.js';
import { packageVersion } from '../../../src/version.js';
import { testHousehold } from '../../support/households.js';
import { doctorConfig, runCheck } from './doctor-support.js';

/**
 * The backups check (issue 9, items 4 and 5): the newest daily backup in the backup directory is
 * younger than 26 hours. A real online backup of a real database is taken once; the other cases are
 * copies of it under the names the daily backup gives (homeward-YYYYMMDDTHHMMSSZ.db).
 */
const NOW = Date.UTC(2026, 5, 10, 12, 0, 0);
const HOUR = 3_600_000;
let source: HubConfig;
let realBackup: string;
const dirs: string[] = [];

beforeAll(async () => {
  source = doctorConfig();
  const home = openHome(source);
  home.household.import(testHousehold());
  home.close();
  realBackup = path.join(source.dataDir, 'made-by-takeBackup.db');
  await takeBackup({ databaseFile: databasePath(source.dataDir), dataDir: source.dataDir, destination: realBackup, takenAt: NOW, hubVersion: packageVersion() });
  return () => rmSync(source.dataDir, { recursive: true, force: true });
});
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A data directory whose backup directory holds backups taken `hoursAgo` before NOW. */
function withBackups(...hoursAgo: number[]): HubConfig {
  const config = doctorConfig();
  dirs.push(config.dataDir);
  const dir = path.join(config.dataDir, 'backups');
  mkdirSync(dir);
  for (const hours of hoursAgo) copyFileSync(realBackup, path.join(dir, dailyBackupName(NOW - hours * HOUR)));
  return config;
}

describe('backups check', () => {
  it('is a problem when there is no backup, with the command that makes one and when the hub makes them', async () => {
    const config = doctorConfig();
    dirs.push(config.dataDir);
    const dir = path.join(config.dataDir, 'backups');
    const found = await runCheck(backupsCheck, config, { now: NOW });
    expect(found).toEqual({
      name: 'backups',
      ok: false,
      level: 'problem',
      finding: `no backup in ${dir}: a failed SD card would lose the household, its history and every device's password`,
      fix:
        `make one now: \`mkdir -p ${dir}\`, then \`npm run homeward -- backup ${dir}/homeward-20260610T120000Z.db --data-dir ${config.dataDir}\`. The running hub makes one every day at 03:30 ` +
        '(home time, HOMEWARD_BACKUP_AT) and keeps the newest 7: check it was running then (`journalctl -u homeward | grep -i backup`)',
    });
  });

  it('is a problem when the newest backup is older than 26 hours, and fine just inside', async () => {
    const old = await runCheck(backupsCheck, withBackups(72, 96), { now: NOW });
    expect(old).toMatchObject({ level: 'problem', finding: 'the newest backup, homeward-20260607T120000Z.db, is 3 days old', fix: expect.stringMatching(/^make one now: `npm run homeward -- backup /) });
    expect((await runCheck(backupsCheck, withBackups(26.02), { now: NOW })).level).toBe('problem');
    const config = withBackups(25.98, 50);
    expect(await runCheck(backupsCheck, config, { now: NOW })).toMatchObject({
      level: 'ok',
      finding: expect.stringMatching(new RegExp(`^newest homeward-20260609T100112Z\\.db, 26 h old, \\d+ KB; 2 kept in ${path.join(config.dataDir, 'backups')}$`)),
    });
  });

  it('is fine with a fresh one, and reads the configured backup directory (HOMEWARD_BACKUP_DIR)', async () => {
    const config = withBackups();
    const elsewhere = path.join(config.dataDir, 'elsewhere');
    mkdirSync(elsewhere);
    copyFileSync(realBackup, path.join(elsewhere, dailyBackupName(NOW - 2 * HOUR)));
    expect((await runCheck(backupsCheck, config, { now: NOW })).level).toBe('problem');
    config.backup.dir = elsewhere;
    expect(await runCheck(backupsCheck, config, { now: NOW })).toMatchObject({ level: 'ok', finding: expect.stringMatching(/^newest homeward-20260610T100000Z\.db, 2 h old/) });
  });

  it('counts only daily backup names, and calls an empty newest backup a problem', async () => {
    const config = withBackups(80);
    const dir = path.join(config.dataDir, 'backups');
    writeFileSync(path.join(dir, 'backup.db'), 'x');
    writeFileSync(path.join(dir, `${dailyBackupName(NOW - HOUR)}.partial`), 'x');
    expect((await runCheck(backupsCheck, config, { now: NOW })).finding).toBe('the newest backup, homeward-20260607T040000Z.db, is 3 days old');
    writeFileSync(path.join(dir, dailyBackupName(NOW - HOUR)), '');
    expect(await runCheck(backupsCheck, config, { now: NOW })).toMatchObject({ level: 'problem', finding: 'the newest backup, homeward-20260610T110000Z.db, is empty' });
  });

  it('warns about a backup dated in the future (taken while the clock was wrong)', async () => {
    const found = await runCheck(backupsCheck, withBackups(-48), { now: NOW });
    expect(found).toMatchObject({ level: 'warning', ok: true, finding: expect.stringContaining('homeward-20260612T120000Z.db, is dated in the future'), fix: expect.stringMatching(/^check the clock, then make one now/) });
  });
});
