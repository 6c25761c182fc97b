import { mkdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { diskCheck } from '../../../src/cli/doctor/disk-check.js';
import type { StatfsReading } from '../../../src/cli/doctor/context.js';
import { openHome } from '../../../src/hub.js';
import { testHousehold } from '../../support/households.js';
import { canMountTmpfs, mountTmpfs } from '../../support/tmpfs.js';
import { doctorConfig, runCheck } from './doctor-support.js';

/**
 * The disk check (issue 9, item 5): free space where the data is, and what uses it. The thresholds are
 * tested with statfs readings injected at the boundary (the one thing read from the kernel); a real
 * tmpfs of a given size then shows the same judgement on a real file system, where this machine lets
 * root mount one (it does here and in CI, which runs as root).
 */
const MB = 1024 * 1024;
const GB = 1024 * MB;
const reading = (free: number, total: number): StatfsReading => ({ bavail: free / 4096, bsize: 4096, blocks: total / 4096 });

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function tempConfig() {
  const config = doctorConfig();
  cleanups.push(() => rmSync(config.dataDir, { recursive: true, force: true }));
  return config;
}

describe('disk check', () => {
  it.each([
    ['199 MB free of 100 GB', reading(199 * MB, 100 * GB), 'problem', /nearly full, and when it fills no reading can be saved/],
    ['350 MB free of 8 GB (under 5 % of a small card)', reading(350 * MB, 8 * GB), 'problem', /\(4 %\).*nearly full/],
    ['4.9 GB free of 100 GB (under 5 %, but gigabytes left)', reading(4.9 * GB, 100 * GB), 'warning', /\(4 %\).*getting full/],
    ['201 MB free of 1 GB', reading(201 * MB, 1 * GB), 'warning', /201 MB free of 1\.0 GB \(19 %\).*getting full/],
    ['900 MB free of 10 GB', reading(900 * MB, 10 * GB), 'warning', /900 MB free of 10\.0 GB \(8 %\).*getting full/],
    ['1.5 GB free of 10 GB', reading(1.5 * GB, 10 * GB), 'ok', /^1\.5 GB free of 10\.0 GB \(15 %\)/],
  ] as const)('%s: %s', async (_label, statfs, level, finding) => {
    const config = tempConfig();
    const found = await runCheck(diskCheck, config, { statfs: () => statfs });
    expect(found).toMatchObject({ name: 'disk', level, ok: level !== 'problem', finding: expect.stringMatching(finding) });
    if (level === 'ok') expect(found.fix).toBeUndefined();
    else expect(found.fix).toBe(`free some space: \`sudo journalctl --vacuum-size=50M\`, or delete old backups in ${path.join(config.dataDir, 'backups')} (the hub keeps the newest 7: set HOMEWARD_BACKUP_KEEP lower), or move the data to a bigger card`);
  });

  it('says what uses the space: the database and the backups, read from the real files', async () => {
    const config = tempConfig();
    const home = openHome(config);
    home.household.import(testHousehold());
    home.close();
    const backups = path.join(config.dataDir, 'backups');
    mkdirSync(backups);
    writeFileSync(path.join(backups, 'homeward-20260601T033000Z.db'), Buffer.alloc(3 * MB));
    writeFileSync(path.join(backups, 'homeward-20260602T033000Z.db'), Buffer.alloc(2 * MB));
    writeFileSync(path.join(backups, 'notes.txt'), 'not a backup');
    const found = await runCheck(diskCheck, config, { statfs: () => reading(20 * GB, 64 * GB) });
    expect(found.level).toBe('ok');
    expect(found.finding).toMatch(/^20\.0 GB free of 64\.0 GB \(31 %\) on .*; the database \d+ KB, 2 backups 5\.0 MB$/);
  });

  it('is a problem when the next backup (a copy of the database) would not fit, though the disk is not nearly full', async () => {
    const config = tempConfig();
    mkdirSync(config.dataDir, { recursive: true });
    // Sparse: the file's size is what the check reads, not blocks on this machine's disk.
    writeFileSync(path.join(config.dataDir, 'homeward.db'), '');
    truncateSync(path.join(config.dataDir, 'homeward.db'), 2 * GB);
    const found = await runCheck(diskCheck, config, { statfs: () => reading(1.5 * GB, 10 * GB) });
    expect(found).toMatchObject({ level: 'problem', finding: expect.stringMatching(/the database 2\.0 GB, no backups: not enough room for the next backup$/) });
  });

  it('reads the file system of the nearest existing parent when the data directory does not exist yet', async () => {
    const config = tempConfig();
    const asked: string[] = [];
    config.dataDir = path.join(config.dataDir, 'not', 'yet');
    const found = await runCheck(diskCheck, config, { statfs: (dir) => (asked.push(dir), reading(5 * GB, 10 * GB)) });
    expect(asked).toEqual([path.dirname(path.dirname(config.dataDir))]);
    expect(found.finding).toMatch(/no database yet, no backups$/);
  });

  describe.skipIf(!canMountTmpfs)('on a real tmpfs of a given size', () => {
    function tmpfs(size: string): string {
      const mounted = mountTmpfs(size);
      cleanups.push(() => mounted.unmount());
      return mounted.dir;
    }

    it('a 1 MB file system is a problem, a 300 MB one a warning, a 2 GB one fine', async () => {
      const config = tempConfig();
      config.dataDir = tmpfs('1M');
      expect(await runCheck(diskCheck, config)).toMatchObject({ level: 'problem', finding: expect.stringMatching(/^1\.0 MB free of 1\.0 MB \(100 %\) on .*nearly full/) });
      config.dataDir = tmpfs('300M');
      expect(await runCheck(diskCheck, config)).toMatchObject({ level: 'warning', finding: expect.stringMatching(/^300 MB free of 300 MB/) });
      config.dataDir = tmpfs('2G');
      expect(await runCheck(diskCheck, config)).toMatchObject({ level: 'ok', finding: expect.stringMatching(/^2\.0 GB free of 2\.0 GB/) });
    });

    it('a file system filled by the data itself: free space falls as files are written', async () => {
      const config = tempConfig();
      config.dataDir = tmpfs('250M');
      expect((await runCheck(diskCheck, config)).level).toBe('warning');
      mkdirSync(path.join(config.dataDir, 'backups'));
      writeFileSync(path.join(config.dataDir, 'backups', 'homeward-20260601T033000Z.db'), Buffer.alloc(60 * MB, 1));
      const found = await runCheck(diskCheck, config);
      expect(found).toMatchObject({ level: 'problem', finding: expect.stringMatching(/^190 MB free of 250 MB .*1 backup 60 MB: nearly full/) });
    });
  });
});
