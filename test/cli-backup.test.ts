import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runCli as runCliHere } from '../src/cli.js';
import { openHome } from '../src/hub.js';
import { databasePath } from '../src/store/database.js';
import { testHousehold } from './support/households.js';
import { freePort, runCli, spawnHub, waitForPort, type CliRun, type HubProcess } from './support/hub-process.js';
import { testHubConfig } from './support/test-hub.js';
import { sha, useScratch } from './store/backup-fixtures.js';
import { connectClient } from './support/mqtt-clients.js';

/**
 * `homeward backup FILE` and `homeward restore FILE` (issue 9, item 4) as a script runs them: the
 * built command, against a data directory a built hub is running on (or not). Setting up and looking
 * afterwards is done in this process, and so are the many bad files (the same runCli the built command
 * runs), because each spawned command costs most of a second.
 */
const scratch = useScratch('homeward-cli-backup-');
const tempDir = () => scratch.dir();

/** A data directory with a household imported (which makes the database and the credential key). */
const homeName = (dataDir: string) => withHome(dataDir, (home) => home.household.view().household.home.name);

function withHome<T>(dataDir: string, look: (home: ReturnType<typeof openHome>) => T): T {
  const home = openHome(testHubConfig(dataDir, 'silent'));
  try {
    return look(home);
  } finally {
    home.close();
  }
}

function homeWithHousehold(): string {
  const dataDir = tempDir();
  withHome(dataDir, (home) => home.household.import(testHousehold()));
  return dataDir;
}

/** The same command in this process. */
async function runHere(args: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCliHere(args, {}, { out: (text) => (stdout += text + '\n'), err: (text) => (stderr += text + '\n') });
  return { code, stdout, stderr };
}

async function startHub(dataDir: string): Promise<{ hub: HubProcess; mqttPort: number; httpPort: number }> {
  const mqttPort = await freePort();
  const httpPort = await freePort();
  const hub = scratch.hub(spawnHub({ HOMEWARD_DATA_DIR: dataDir, HOMEWARD_MQTT_PORT: String(mqttPort), HOMEWARD_HTTP_PORT: String(httpPort) }));
  await waitForPort(httpPort, undefined, hub);
  await waitForPort(mqttPort, undefined, hub);
  return { hub, mqttPort, httpPort };
}

async function stopHub(hub: HubProcess): Promise<void> {
  hub.child.kill('SIGTERM');
  expect((await hub.exited).code).toBe(0);
}

/** Every file in the data directory (not the backups) with its hash: what "nothing changed" means. */
function snapshot(dataDir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(dataDir, { recursive: true }) as string[]) {
    const file = path.join(dataDir, name);
    if (statSync(file).isFile() && !name.endsWith('.json') && !name.endsWith('-shm')) files[name] = sha(file);
  }
  return files;
}

function credential(dataDir: string, id: string): { username: string; password: string } {
  const found = withHome(dataDir, (home) => home.credentials.reveal(id));
  if (found === undefined) throw new Error(`no credential for ${id}`);
  return found;
}

describe('homeward backup and restore', () => {
  it('print their help, and are listed in homeward --help', async () => {
    for (const command of ['backup', 'restore']) {
      const help = await runCli([command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: homeward ${command} FILE`);
    }
    const all = await runCli(['--help']);
    expect(all.stdout).toMatch(/^ {2}backup FILE \[--force\] \[--json\]/m);
    expect(all.stdout).toMatch(/^ {2}restore FILE \[--json\]/m);
    const noFile = await runHere(['backup']);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain('backup needs one FILE');
  });

  it('backs up while the hub runs and restores onto a new SD card: readings, household and device passwords', async () => {
    const dataDir = homeWithHousehold();
    const { hub, mqttPort } = await startHub(dataDir);
    const door = credential(dataDir, 'front-door');
    const client = await connectClient(`mqtt://127.0.0.1:${mqttPort}`, { username: door.username, password: door.password });
    for (let i = 0; i < 20; i++) await client.publishAsync('homeward/devices/front-door/door', JSON.stringify({ open: i % 2 === 0, ts: 1_763_000_000 + i }), { qos: 1 });
    client.end(true);

    const file = path.join(tempDir(), 'mums-house.db');
    const backup = await runCli(['backup', file, '--json', '--data-dir', dataDir]);
    expect(backup.code, backup.stderr).toBe(0);
    const taken = JSON.parse(backup.stdout) as Record<string, unknown>;
    expect(Object.keys(taken).sort()).toEqual(['bytes', 'file', 'readings', 'takenAt']);
    expect(taken).toMatchObject({ file, readings: 20, bytes: statSync(file).size });
    expect(Date.parse(taken.takenAt as string)).toBeGreaterThan(Date.now() - 60_000);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    // Not over an existing file without --force; with it, yes.
    const again = await runHere(['backup', file, '--data-dir', dataDir]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists: choose another name, or add --force');
    const forced = await runCli(['backup', file, '--force', '--data-dir', dataDir]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(/^Backed up .* to .*mums-house\.db \([\d.]+ MB, 20 readings, taken .*\)\.$/m);
    expect(forced.stdout).toContain('It holds the secrets too (');
    await stopHub(hub);

    // A new SD card: an empty data directory.
    const newCard = tempDir();
    const restored = await runCli(['restore', file, '--json', '--data-dir', newCard]);
    expect(restored.code, restored.stderr).toBe(0);
    const report = JSON.parse(restored.stdout) as Record<string, unknown>;
    expect(Object.keys(report).sort()).toEqual(['database', 'file', 'keptAside', 'readings', 'schemaVersion', 'secretsKeptAside', 'secretsRestored', 'takenAt']);
    expect(report).toMatchObject({ file, database: databasePath(newCard), keptAside: null, secretsKeptAside: null, readings: 20 });
    expect(report.secretsRestored).toEqual(expect.arrayContaining(['credential-key', 'vapid.json']));
    expect(credential(newCard, 'front-door')).toEqual(door);
    expect(readFileSync(path.join(newCard, 'secrets', 'vapid.json'))).toEqual(readFileSync(path.join(dataDir, 'secrets', 'vapid.json')));
    expect(withHome(newCard, (home) => home.deviceStatuses(home.store.deviceState.loadAll(), Date.now()).find((d) => d.id === 'front-door')?.state)).toBe('closed');

    // The restored hub starts and accepts the door with its old password.
    const { hub: restoredHub, mqttPort: newPort } = await startHub(newCard);
    const reconnected = await connectClient(`mqtt://127.0.0.1:${newPort}`, { username: door.username, password: door.password });
    reconnected.end(true);
    await stopHub(restoredHub);
  });

  it('keeps the current database and replaced secrets aside when restoring over them, and says what it did', async () => {
    const dataDir = homeWithHousehold();
    const file = path.join(tempDir(), 'backup.db');
    expect((await runHere(['backup', file, '--data-dir', dataDir])).code).toBe(0);
    // Afterwards the household changes, and the credential key is lost and made again.
    withHome(dataDir, (home) => home.household.import({ ...testHousehold(), home: { ...testHousehold().home, name: 'Changed home' } }));
    const oldKey = readFileSync(path.join(dataDir, 'secrets', 'credential-key'));
    rmSync(path.join(dataDir, 'secrets', 'credential-key'));
    credential(dataDir, 'front-door');
    const newKey = readFileSync(path.join(dataDir, 'secrets', 'credential-key'));
    expect(newKey).not.toEqual(oldKey);

    const run = await runCli(['restore', file, '--data-dir', dataDir]);
    expect(run.code, run.stderr).toBe(0);
    const aside = readdirSync(dataDir).find((name) => name.startsWith('homeward.db.before-restore-')) as string;
    expect(aside).toMatch(/^homeward\.db\.before-restore-\d{8}T\d{6}Z$/);
    expect(run.stdout).toContain(`The previous database is kept as ${path.join(dataDir, aside)}.`);
    expect(run.stdout).toMatch(/Secrets restored: .*credential-key.* \(the ones they replaced are kept in .*secrets\.before-restore-\d{8}T\d{6}Z\)/);
    expect(run.stdout).toContain('Start the hub again: systemctl start homeward');
    expect(readFileSync(path.join(dataDir, 'secrets', 'credential-key'))).toEqual(oldKey);
    const keptKey = readdirSync(dataDir).find((name) => name.startsWith('secrets.before-restore-')) as string;
    expect(readFileSync(path.join(dataDir, keptKey, 'credential-key'))).toEqual(newKey);
    expect(homeName(dataDir)).toBe('Test home');
    // The set-aside database is whole (its WAL folded in) and itself restorable: the change is in it.
    expect(existsSync(path.join(dataDir, `${aside}-wal`))).toBe(false);
    const elsewhere = tempDir();
    const back = await runHere(['restore', path.join(dataDir, aside), '--data-dir', elsewhere]);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toContain('The file holds no secrets');
    expect(homeName(elsewhere)).toBe('Changed home');
  });

  it('refuses to restore while the hub runs (exit 2), and changes nothing', async () => {
    const dataDir = homeWithHousehold();
    const file = path.join(tempDir(), 'backup.db');
    expect((await runHere(['backup', file, '--data-dir', dataDir])).code).toBe(0);
    const { hub } = await startHub(dataDir);
    const run = await runCli(['restore', file, '--data-dir', dataDir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`the hub is running (pid ${hub.child.pid})`);
    expect(run.stderr).toContain('stop the hub first: systemctl stop homeward');
    expect(readdirSync(dataDir).filter((name) => name.includes('restor'))).toEqual([]);
    await stopHub(hub);
    // Once it has stopped, the same restore goes ahead.
    expect((await runHere(['restore', file, '--data-dir', dataDir])).code).toBe(0);
  });

  it('refuses a bad FILE with exit 2 and a clear reason, leaving the database byte-identical', async () => {
    const dataDir = homeWithHousehold();
    const files = tempDir();
    const good = path.join(files, 'good.db');
    expect((await runHere(['backup', good, '--data-dir', dataDir])).code).toBe(0);

    const truncated = path.join(files, 'truncated.db');
    writeFileSync(truncated, readFileSync(good).subarray(0, Math.floor(statSync(good).size / 2)));
    const notSqlite = path.join(files, 'photo.jpg');
    writeFileSync(notSqlite, Buffer.alloc(4096, 0xff));
    const notOurs = path.join(files, 'recipes.db');
    const other = new Database(notOurs);
    other.exec("CREATE TABLE recipes (name TEXT); INSERT INTO recipes VALUES ('scones');");
    other.close();
    const newer = path.join(files, 'newer.db');
    writeFileSync(newer, readFileSync(good));
    const future = new Database(newer);
    future.pragma('user_version = 999');
    future.close();
    const damaged = path.join(files, 'damaged.db');
    const bytes = readFileSync(good);
    for (let i = 2 * 4096; i < bytes.length - 4096; i++) bytes[i] = (i * 13) & 0xff;
    writeFileSync(damaged, bytes);

    const before = snapshot(dataDir);
    const cases: Array<[string, string, RegExp]> = [
      ['missing', path.join(files, 'nowhere.db'), /cannot read .*nowhere\.db: no such file\. Nothing was changed\./],
      ['not SQLite', notSqlite, /photo\.jpg is not a Homeward backup: it is not an SQLite database\. Nothing was changed\./],
      ['truncated', truncated, /truncated\.db is not a Homeward backup: it is truncated \(\d+ of \d+ bytes\)/],
      ['not ours', notOurs, /recipes\.db is not a Homeward backup: it is an SQLite database without Homeward's tables/],
      ['newer schema', newer, /newer\.db was made by a newer Homeward \(database schema version 999; this version knows up to \d+\): update Homeward first/],
      ['damaged', damaged, /damaged\.db is not a Homeward backup: (it is damaged \(integrity_check|SQLite cannot open it)/],
    ];
    // One after another: a restore holds the data directory (hub.pid) while it works.
    for (const [what, file, reason] of cases) {
      const run = what === 'not SQLite' ? await runCli(['restore', file, '--data-dir', dataDir]) : await runHere(['restore', file, '--data-dir', dataDir]);
      expect(run.code, what).toBe(2);
      expect(run.stderr, what).toMatch(reason);
    }
    expect(snapshot(dataDir)).toEqual(before);
    expect(readdirSync(dataDir).filter((name) => name.includes('restor'))).toEqual([]);
  });

  it('says there is nothing to back up before the first start (exit 3), and will not overwrite the live database', async () => {
    const empty = tempDir();
    const none = await runHere(['backup', path.join(empty, 'b.db'), '--data-dir', empty]);
    expect(none.code).toBe(3);
    expect(none.stderr).toContain('nothing to back up');
    const dataDir = homeWithHousehold();
    const live = await runHere(['backup', databasePath(dataDir), '--force', '--data-dir', dataDir]);
    expect(live.code).toBe(2);
    expect(live.stderr).toContain('is the live database');
    const noDirectory = await runHere(['backup', path.join(empty, 'usb-stick', 'b.db'), '--data-dir', dataDir]);
    expect(noDirectory.code).toBe(2);
    expect(noDirectory.stderr).toContain(`the directory ${path.join(empty, 'usb-stick')} does not exist`);
  });
});
