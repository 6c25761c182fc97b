import { createHash } from 'node:crypto';
import { chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseCheck } from '../../../src/cli/doctor/database-check.js';
import type { HubConfig } from '../../../src/config.js';
import { openHome } from '../../../src/hub.js';
import { databasePath } from '../../../src/store/database.js';
import { migrations } from '../../../src/store/migrations.js';
import { testHousehold } from '../../support/households.js';
import { doctorConfig, runCheck } from './doctor-support.js';

/**
 * The database check (issue 9, items 4 and 5) on real SQLite files: a sound one, one with garbage
 * written over its pages, one whose header is gone, one from a newer Homeward, none at all. The
 * doctor only reads: the file is byte for byte the same afterwards.
 */
const LATEST = migrations[migrations.length - 1]?.version;
const configs: HubConfig[] = [];
afterEach(() => {
  for (const config of configs.splice(0)) rmSync(config.dataDir, { recursive: true, force: true });
});

/** A data directory holding a real, migrated database with a household, closed (as after a stop). */
function storedHome(): HubConfig {
  const config = doctorConfig();
  configs.push(config);
  const home = openHome(config);
  home.household.import(testHousehold());
  home.close();
  return config;
}

function backup(config: HubConfig, name: string): string {
  const dir = path.join(config.dataDir, 'backups');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(file, readFileSync(databasePath(config.dataDir)));
  return file;
}

function overwrite(file: string, offset: number, bytes: number): void {
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, Buffer.alloc(bytes, 0x5a), 0, bytes, offset);
  } finally {
    closeSync(fd);
  }
}

const digest = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('database check', () => {
  it('passes a sound database, naming its size and schema, and changes nothing in it', async () => {
    const config = storedHome();
    const before = digest(databasePath(config.dataDir));
    const found = await runCheck(databaseCheck, config);
    expect(found).toEqual({ name: 'database', ok: true, level: 'ok', finding: expect.stringMatching(new RegExp(`^\\d+ KB, integrity check passed, schema ${LATEST}$`)) });
    expect(digest(databasePath(config.dataDir))).toBe(before);
  });

  it('finds garbage written over pages of a real file, and offers the newest backup with the command', async () => {
    const config = storedHome();
    backup(config, 'homeward-20260601T033000Z.db');
    const newest = backup(config, 'homeward-20260602T033000Z.db');
    const file = databasePath(config.dataDir);
    const pageSize = 4096;
    expect(statSync(file).size).toBeGreaterThan(8 * pageSize);
    overwrite(file, 2 * pageSize, 4 * pageSize);
    const before = digest(file);
    const found = await runCheck(databaseCheck, config);
    expect(found).toMatchObject({ level: 'problem', ok: false });
    expect(found.finding).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} (is damaged \\(integrity_check: |cannot be read: database disk image is malformed)`));
    expect(found.fix).toBe(`stop the hub (\`sudo systemctl stop homeward\`), then \`npm run homeward -- restore ${newest} --data-dir ${config.dataDir}\` (the newest backup), and start it again`);
    expect(digest(file)).toBe(before);
  });

  it('finds a file whose header is gone, and without a backup says how to keep and recover it', async () => {
    const config = storedHome();
    const file = databasePath(config.dataDir);
    overwrite(file, 0, 100);
    const found = await runCheck(databaseCheck, config);
    expect(found).toMatchObject({ level: 'problem', finding: `${file} cannot be read: file is not a database` });
    expect(found.fix).toBe(
      `there is no backup in ${path.join(config.dataDir, 'backups')}: stop the hub (\`sudo systemctl stop homeward\`), copy ${file} somewhere safe, and ask for help recovering it (\`sqlite3 ${file} .recover\`)`,
    );
  });

  it('refuses a database written by a newer Homeward', async () => {
    const config = storedHome();
    const db = new Database(databasePath(config.dataDir));
    db.pragma(`user_version = ${(LATEST ?? 0) + 1}`);
    db.close();
    const found = await runCheck(databaseCheck, config);
    expect(found).toMatchObject({ level: 'problem', finding: expect.stringContaining(`has schema ${(LATEST ?? 0) + 1}, newer than this Homeward knows (${LATEST})`) });
  });

  it('a new data directory without a database is a warning; a used one without it is a problem', async () => {
    const config = doctorConfig();
    configs.push(config);
    expect(await runCheck(databaseCheck, config)).toMatchObject({ level: 'warning', finding: `no database in ${config.dataDir} yet (a new hub makes one at its first start)` });

    const used = storedHome();
    backup(used, 'homeward-20260602T033000Z.db');
    rmSync(databasePath(used.dataDir));
    const found = await runCheck(databaseCheck, used);
    expect(found).toMatchObject({ level: 'problem', finding: expect.stringMatching(/homeward\.db is missing, though .* is not new \(it holds .*backups/) });
    expect(found.fix).toContain(`npm run homeward -- restore ${path.join(used.dataDir, 'backups', 'homeward-20260602T033000Z.db')} --data-dir ${used.dataDir}`);
  });

  it.skipIf(process.getuid?.() !== 0)('run as root, leaves the -wal and -shm it made owned by the database file\'s owner (the hub\'s user)', async () => {
    const config = storedHome();
    const file = databasePath(config.dataDir);
    expect(existsSync(`${file}-wal`)).toBe(false);
    chownSync(file, 4242, 4243);
    await runCheck(databaseCheck, config);
    for (const suffix of ['-wal', '-shm']) {
      if (!existsSync(file + suffix)) continue;
      expect(statSync(file + suffix)).toMatchObject({ uid: 4242, gid: 4243 });
    }
    expect(existsSync(`${file}-shm`)).toBe(true);
  });
});
