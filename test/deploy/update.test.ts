import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach, describe, it, type ExpectStatic, type OnTestFinishedHandler } from 'vitest';
import { countRows } from '../support/database-file.js';
import { testHousehold } from '../support/households.js';
import { cliScript, freePort, mainScript } from '../support/hub-process.js';
import { connectClient } from '../support/mqtt-clients.js';
import { writeSystemctlStandIn } from './update-systemctl-stand-in.js';

/**
 * deploy/update.sh (issue 9, item 9), run for real against real hub processes: an update that comes up
 * healthy stays; one that does not is rolled back, code AND database; --rollback by hand; refusals.
 *
 * How it runs here: the layout's roots come from HOMEWARD_PREFIX / HOMEWARD_DATA / HOMEWARD_ETC (set
 * only by this test) under a temporary directory; HOMEWARD_TEST_SAME_USER=1 (also only this test)
 * skips the switch to the `homeward` user, which does not exist here; systemd does not run here, so a
 * `systemctl` stand-in that runs the REAL deploy/homeward.service is first on the script's PATH (see
 * update-systemctl-stand-in.ts). Releases are made cheaply from the already-built repository (dist/,
 * dashboard/dist/, package.json, a symlink to node_modules) and handed over with --release-dir.
 */
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const updateScript = path.join(repo, 'deploy', 'update.sh');
const unitFile = path.join(repo, 'deploy', 'homeward.service');

const OLD = '0.1.0-aaaaaaaaaaaa';
const GOOD = '0.1.1-bbbbbbbbbbbb';
const EXITS_AT_START = '0.1.1-cccccccccccc';
const BAD_MIGRATION = '0.1.1-dddddddddddd';
const NEVER_ANSWERS = '0.1.1-eeeeeeeeeeee';
/** Generous, for a loaded machine: all but one of the failing releases here fail on a definite answer. */
const HEALTH_TIMEOUT_S = '30';

let built: string;
/** A data directory with the test household in it, copied for each installed hub. */
let seededData: string;
let frontDoor: { username: string; password: string };
/** The test context's onTestFinished, handed to helpers that leave something to clean up. */
type OnTestFinished = (handler: OnTestFinishedHandler) => void;

function makeRelease(name: string, version: string): string {
  const dir = path.join(built, name);
  for (const part of ['dist/src', 'dist/devices', 'dashboard/dist']) cpSync(path.join(repo, part), path.join(dir, part), { recursive: true });
  const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string };
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ ...pkg, version }, null, 2));
  symlinkSync(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

function rewrite(file: string, from: string, to: string): void {
  const text = readFileSync(file, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} no longer contains ${JSON.stringify(from)}: update this test's bad release`);
  writeFileSync(file, text.replace(from, to));
}

beforeAll(async () => {
  if (!existsSync(mainScript) || !existsSync(cliScript)) throw new Error('dist/ is missing: run `npx tsc -p tsconfig.build.json` first');
  built = mkdtempSync(path.join(os.tmpdir(), 'homeward-releases-'));
  makeRelease(OLD, '0.1.0');
  makeRelease(GOOD, '0.1.1');
  // A release whose hub throws before it does anything.
  writeFileSync(path.join(makeRelease(EXITS_AT_START, '0.1.1'), 'dist/src/main.js'), "throw new Error('release under test: fails at start');\n");
  // A release with a new migration that changes the database (drops the door history, adds a table),
  // whose hub then answers its health check with 503.
  const bad = makeRelease(BAD_MIGRATION, '0.1.1');
  writeFileSync(
    path.join(bad, 'dist/src/store/migrations.js'),
    readFileSync(path.join(bad, 'dist/src/store/migrations.js'), 'utf8') +
      "\nmigrations.push({ version: 9999, name: 'bad migration under test', sql: 'DELETE FROM door_readings; CREATE TABLE update_test_marker (x INTEGER);' });\n",
  );
  rewrite(path.join(bad, 'dist/src/http/health-routes.js'), "dbOk && clock.problem !== 'before-plausible' ? 200 : 503", '503');
  // A release whose process runs but never serves anything.
  writeFileSync(path.join(makeRelease(NEVER_ANSWERS, '0.1.1'), 'dist/src/main.js'), 'setInterval(() => {}, 60_000);\n');

  // The care plan, and the front door's credential, set up once with the built CLI (the code of every
  // release here) and copied into each installed hub's data directory.
  seededData = path.join(built, 'seeded-data');
  const file = path.join(built, 'household.json');
  writeFileSync(file, JSON.stringify(testHousehold()));
  const env = { ...process.env, HOMEWARD_DATA_DIR: seededData, HOMEWARD_LOG_LEVEL: 'warn' };
  const imported = await run(process.execPath, [cliScript, 'setup', 'import', file], env);
  if (imported.code !== 0) throw new Error(`setup import failed: ${imported.stderr}`);
  const credential = await run(process.execPath, [cliScript, 'device', 'credentials', 'front-door', '--json'], env);
  if (credential.code !== 0) throw new Error(`device credentials failed: ${credential.stderr}`);
  frontDoor = JSON.parse(credential.stdout) as { username: string; password: string };
});

afterAll(() => rmSync(built, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: 90_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** One installed hub under a temporary root, as deploy/install.sh would leave it. */
interface Site {
  root: string;
  prefix: string;
  data: string;
  httpPort: number;
  /** The environment deploy/update.sh runs with: the test's roots, the stand-in first on PATH. */
  env: NodeJS.ProcessEnv;
  update(args: string[]): Promise<Run>;
  systemctl(verb: string): Promise<Run>;
  /** What the hub printed (the stand-in's journal). */
  journal(): string;
  current(): string;
  previous(): string | undefined;
  preUpdateBackups(): string[];
  health(): Promise<{ status: number; version?: string }>;
  /** Door readings over the real broker, QoS 1: each is committed before its PUBACK. */
  openAndCloseFrontDoor(times: number): Promise<void>;
  doorReadings(): number;
}

/** Installs RELEASE under a new temporary root; the test's end stops its hub and removes it, whatever happened. */
async function install(release: string, onTestFinished: OnTestFinished, releaseDir = path.join(built, release)): Promise<Site> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'homeward-update-'));
  const prefix = path.join(root, 'opt/homeward');
  const data = path.join(root, 'var/lib/homeward');
  const etc = path.join(root, 'etc/homeward');
  const bin = path.join(root, 'bin');
  for (const dir of [path.join(prefix, 'releases'), etc, bin]) mkdirSync(dir, { recursive: true });
  cpSync(seededData, data, { recursive: true });
  cpSync(releaseDir, path.join(prefix, 'releases', release), { recursive: true, verbatimSymlinks: true });
  symlinkSync(`releases/${release}`, path.join(prefix, 'current'));
  const httpPort = await freePort();
  const mqttPort = await freePort();
  writeFileSync(
    path.join(etc, 'homeward.env'),
    [
      "# as deploy/install.sh writes it, with the test's directories and free ports",
      `HOMEWARD_DATA_DIR=${data}`,
      `HOMEWARD_HTTP_PORT=${httpPort}`,
      `HOMEWARD_MQTT_PORT="${mqttPort}"`,
      'HOMEWARD_HOST=127.0.0.1',
      'HOMEWARD_LOG_LEVEL=warn',
      '',
    ].join('\n'),
  );
  writeSystemctlStandIn(bin);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${bin}:${path.dirname(process.execPath)}:${process.env.PATH ?? ''}`,
    HOMEWARD_PREFIX: prefix,
    HOMEWARD_DATA: data,
    HOMEWARD_ETC: etc,
    HOMEWARD_TEST_SAME_USER: '1',
    HOMEWARD_TEST_UNIT_FILE: unitFile,
    HOMEWARD_TEST_SYSTEMD_STATE: path.join(root, 'systemd'),
    HOMEWARD_TEST_NODE: process.execPath,
  };
  const systemctl = (verb: string) => run(path.join(bin, 'systemctl'), [verb, 'homeward'], env);
  onTestFinished(async () => {
    await systemctl('stop');
    rmSync(root, { recursive: true, force: true });
  });
  const link = (name: string) => (existsSync(path.join(prefix, name)) ? path.basename(readlinkSync(path.join(prefix, name))) : undefined);
  const health = async () => {
    try {
      const response = await fetch(`http://127.0.0.1:${httpPort}/api/health`);
      return { status: response.status, version: ((await response.json()) as { version: string }).version };
    } catch {
      return { status: 0 };
    }
  };
  return {
    root,
    prefix,
    data,
    httpPort,
    env,
    update: (args) => run('bash', [updateScript, ...args], env),
    systemctl,
    journal: () => {
      const file = path.join(root, 'systemd', 'journal.log');
      return existsSync(file) ? readFileSync(file, 'utf8') : '(no journal)';
    },
    current: () => link('current') ?? '(none)',
    previous: () => link('previous'),
    preUpdateBackups: () => (existsSync(path.join(data, 'backups')) ? readdirSync(path.join(data, 'backups')).filter((f) => f.startsWith('pre-update-')) : []),
    health,
    openAndCloseFrontDoor: async (times) => {
      const door = await connectClient(`mqtt://127.0.0.1:${mqttPort}`, frontDoor);
      try {
        for (let i = 0; i < times; i++) await door.publishAsync('homeward/devices/front-door/door', JSON.stringify({ open: i % 2 === 0, battery: 80 }), { qos: 1 });
      } finally {
        await door.endAsync();
      }
    },
    doorReadings: () => countRows(data, 'door_readings'),
  };
}

/** Bounded wait for a hub the stand-in started to answer 200. */
async function healthy(site: Site): Promise<{ status: number; version?: string }> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const answer = await site.health();
    if (answer.status === 200 || Date.now() > deadline) return answer;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function databaseFacts(file: string): { doorReadings: number; userVersion: number; hasBadMigrationTable: boolean } {
  const db = new Database(file, { readonly: true });
  try {
    return {
      doorReadings: (db.prepare('SELECT COUNT(*) AS n FROM door_readings').get() as { n: number }).n,
      userVersion: db.pragma('user_version', { simple: true }) as number,
      hasBadMigrationTable: db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'update_test_marker'").get() !== undefined,
    };
  } finally {
    db.close();
  }
}

/** A hub on release OLD, running, with the test household and `readings` door readings in its database. */
async function runningOldHub(readings: number, onTestFinished: OnTestFinished): Promise<Site> {
  const site = await install(OLD, onTestFinished);
  const started = await site.systemctl('start');
  if (started.code !== 0) throw new Error(`the stand-in did not start the hub: ${started.stderr}`);
  const answer = await healthy(site);
  if (answer.status !== 200 || answer.version !== '0.1.0') throw new Error(`the hub on ${OLD} did not come up: ${JSON.stringify(answer)}\n${site.journal()}`);
  await site.openAndCloseFrontDoor(readings);
  if (site.doorReadings() !== readings) throw new Error(`expected ${readings} door readings, found ${site.doorReadings()}`);
  return site;
}

/** After a failed update: `current` is OLD again (and `previous` as before the update: none), healthy, with every door reading from before. */
async function expectBackOnOld(site: Site, readings: number, expect: ExpectStatic): Promise<void> {
  expect(site.current()).toBe(OLD);
  expect(site.previous()).toBeUndefined();
  expect(await site.health()).toEqual({ status: 200, version: '0.1.0' });
  expect(site.doorReadings()).toBe(readings);
}

// Each case has its own root, ports and hub, so they run side by side: most of their time is hubs
// starting and stopping.
describe.concurrent('deploy/update.sh', () => {
  beforeEach(() => {
    if (!existsSync(unitFile)) throw new Error(`${unitFile} is missing: the stand-in runs the real unit`);
  });

  it('updates to a release that comes up healthy: the hub runs it, the data is all there, a pre-update backup was taken, old releases are pruned; a second run refuses', async ({ expect, onTestFinished }) => {
    const site = await runningOldHub(3, onTestFinished);
    const before = databaseFacts(path.join(site.data, 'homeward.db'));
    // Releases from earlier updates, a day apart, and what an interrupted build left behind.
    const earlier = ['0.0.7-111111111111', '0.0.8-222222222222', '0.0.9-333333333333'];
    earlier.forEach((name, i) => {
      const dir = path.join(site.prefix, 'releases', name);
      mkdirSync(path.join(dir, 'dist/src'), { recursive: true });
      writeFileSync(path.join(dir, 'dist/src/main.js'), '');
      const daysAgo = (earlier.length - i) * 86_400;
      utimesSync(dir, Date.now() / 1000 - daysAgo, Date.now() / 1000 - daysAgo);
    });
    mkdirSync(path.join(site.prefix, 'releases', `.stage-${GOOD}-12345`));

    const result = await site.update(['--release-dir', path.join(built, GOOD), '--health-timeout', HEALTH_TIMEOUT_S]);

    expect(result.code, result.stdout + result.stderr + site.journal()).toBe(0);
    expect(result.stdout).toContain(`Updated: release ${GOOD} is running`);
    expect(site.current()).toBe(GOOD);
    expect(site.previous()).toBe(OLD);
    // Kept: current, previous and the newest other one; the rest, and the leftover stage, removed.
    expect(readdirSync(path.join(site.prefix, 'releases')).sort()).toEqual(['0.0.9-333333333333', OLD, GOOD].sort());
    expect(await site.health()).toEqual({ status: 200, version: '0.1.1' });
    expect(site.doorReadings()).toBe(3);
    // The new release ingests on the database it took over.
    await site.openAndCloseFrontDoor(1);
    expect(site.doorReadings()).toBe(4);

    const backups = site.preUpdateBackups();
    expect(backups).toHaveLength(1);
    expect(backups[0]).toMatch(new RegExp(`^pre-update-${GOOD}-\\d{8}T\\d{6}Z\\.db$`));
    expect(databaseFacts(path.join(site.data, 'backups', backups[0] as string))).toEqual(before);

    // Run again, it has nothing to do: refused, and nothing changes (no second backup, same release, still up).
    const again = await site.update(['--release-dir', path.join(built, GOOD)]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`release ${GOOD} is already current: nothing to do`);
    expect(site.current()).toBe(GOOD);
    expect(site.previous()).toBe(OLD);
    expect(site.preUpdateBackups()).toEqual(backups);
    expect(await site.health()).toEqual({ status: 200, version: '0.1.1' });
  }, 90_000);

  it('rolls back to the old release when the new one exits at start, and the hub is healthy again', async ({ expect, onTestFinished }) => {
    const site = await runningOldHub(3, onTestFinished);

    const result = await site.update(['--release-dir', path.join(built, EXITS_AT_START), '--health-timeout', HEALTH_TIMEOUT_S]);

    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stderr).toContain(`update to ${EXITS_AT_START} FAILED: the hub exited soon after it started (systemd was waiting to restart it)`);
    expect(result.stderr).toContain(`back on release ${OLD}, healthy`);
    expect(result.stderr).toContain('journalctl -u homeward -n 50');
    expect(site.journal()).toContain('release under test: fails at start');
    await expectBackOnOld(site, 3, expect);
    // Kept for inspection.
    expect(existsSync(path.join(site.prefix, 'releases', EXITS_AT_START, 'dist/src/main.js'))).toBe(true);
  }, 90_000);

  it('rolls back code AND database when the new release migrates the database and then fails its health check', async ({ expect, onTestFinished }) => {
    const site = await runningOldHub(3, onTestFinished);
    const before = databaseFacts(path.join(site.data, 'homeward.db'));
    expect(before.hasBadMigrationTable).toBe(false);

    const result = await site.update(['--release-dir', path.join(built, BAD_MIGRATION), '--health-timeout', HEALTH_TIMEOUT_S]);

    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stderr).toContain(`update to ${BAD_MIGRATION} FAILED: the service ran but http://127.0.0.1:${site.httpPort}/api/health answered 503, not 200`);
    expect(result.stderr).toContain('journalctl -u homeward -n 50');
    await expectBackOnOld(site, 3, expect);
    // The bad migration's change is gone: the database is as it was before the update.
    expect(databaseFacts(path.join(site.data, 'homeward.db'))).toEqual(before);
    // It did run: the database restore kept aside (homeward.db.before-restore-<stamp>) holds its change.
    const setAside = readdirSync(site.data)
      .filter((f) => f.startsWith('homeward.db.before-restore-') && !/-(wal|shm)$/.test(f))
      .map((f) => databaseFacts(path.join(site.data, f)));
    expect(setAside).toContainEqual({ doorReadings: 0, userVersion: 9999, hasBadMigrationTable: true });
  }, 90_000);

  it('gives a release that runs but never answers its bounded time, then rolls back', async ({ expect, onTestFinished }) => {
    const site = await runningOldHub(2, onTestFinished);

    const result = await site.update(['--release-dir', path.join(built, NEVER_ANSWERS), '--health-timeout', '3']);

    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stderr).toContain(`update to ${NEVER_ANSWERS} FAILED: the service ran but http://127.0.0.1:${site.httpPort}/api/health did not answer within 3 s`);
    await expectBackOnOld(site, 2, expect);
  }, 90_000);

  it('rolls back when the update is interrupted while it waits for the new release (Ctrl-C, a dropped session)', async ({ expect, onTestFinished }) => {
    const site = await runningOldHub(2, onTestFinished);

    const child = spawn('bash', [updateScript, '--release-dir', path.join(built, NEVER_ANSWERS), '--health-timeout', '600'], { env: site.env });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let running = true;
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => {
        running = false;
        resolve(code);
      }),
    );
    const deadline = Date.now() + 30_000;
    while (running && !output.includes('4/6 Checking that release') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(site.current()).toBe(NEVER_ANSWERS);
    child.kill('SIGTERM');
    const code = await exited;

    expect(code, output).toBe(1);
    expect(output).toContain(`update to ${NEVER_ANSWERS} FAILED: the update was interrupted`);
    await expectBackOnOld(site, 2, expect);
  }, 90_000);

  it('--rollback goes back to the previous release with the database from before the update', async ({ expect, onTestFinished }) => {
    const site = await runningOldHub(3, onTestFinished);
    const updated = await site.update(['--release-dir', path.join(built, GOOD), '--health-timeout', HEALTH_TIMEOUT_S]);
    expect(updated.code, updated.stdout + updated.stderr + site.journal()).toBe(0);
    await site.openAndCloseFrontDoor(2);
    expect(site.doorReadings()).toBe(5);

    const result = await site.update(['--rollback', '--health-timeout', HEALTH_TIMEOUT_S]);

    expect(result.code, result.stdout + result.stderr + site.journal()).toBe(0);
    expect(result.stdout).toContain(`Going back from ${GOOD} to ${OLD}`);
    expect(result.stdout).toContain('what was recorded since then stays in the database that restore keeps aside');
    expect(site.current()).toBe(OLD);
    expect(site.previous()).toBeUndefined();
    expect(await site.health()).toEqual({ status: 200, version: '0.1.0' });
    expect(site.doorReadings()).toBe(3);

    // Nothing further back is known: a second --rollback refuses and changes nothing.
    const again = await site.update(['--rollback']);
    expect(again.code).toBe(3);
    expect(again.stderr).toContain('there is no previous release to go back to');
    expect(site.current()).toBe(OLD);
    expect((await site.health()).status).toBe(200);
  }, 90_000);

  it('updates a hub that was not running, saying so first, over an interrupted earlier attempt, and leaves it running', async ({ expect, onTestFinished }) => {
    const site = await install(OLD, onTestFinished);
    // What an interrupted copy of the same release left behind.
    mkdirSync(path.join(site.prefix, 'releases', GOOD, 'dist'), { recursive: true });
    writeFileSync(path.join(site.prefix, 'releases', GOOD, 'package.json'), '{}');

    const result = await site.update(['--release-dir', path.join(built, GOOD), '--health-timeout', HEALTH_TIMEOUT_S]);

    expect(result.code, result.stdout + result.stderr + site.journal()).toBe(0);
    expect(result.stdout).toContain(`releases/${GOOD} is incomplete (an interrupted build?): making it again`);
    expect(result.stderr).toContain(`the hub is NOT healthy now (release ${OLD})`);
    expect(site.current()).toBe(GOOD);
    expect(await site.health()).toEqual({ status: 200, version: '0.1.1' });
    expect(site.preUpdateBackups()).toHaveLength(1);
  }, 90_000);

  it('refuses a source tree that is already current before building anything', async ({ expect, onTestFinished }) => {
    const source = mkdtempSync(path.join(os.tmpdir(), 'homeward-source-'));
    onTestFinished(() => rmSync(source, { recursive: true, force: true }));
    writeFileSync(path.join(source, 'package.json'), JSON.stringify({ name: 'homeward', version: '0.1.0' }));
    writeFileSync(path.join(source, 'README.md'), 'a source tree\n');
    const named = await run('bash', ['-c', '. "$1" && source_release_name "$2"', 'bash', path.join(repo, 'deploy/lib/update-steps.sh'), source], process.env);
    expect(named.code, named.stderr).toBe(0);
    const name = named.stdout.trim();
    expect(name).toMatch(/^0\.1\.0-[0-9a-f]{12}$/);
    const site = await install(name, onTestFinished, path.join(built, OLD));

    const result = await site.update([source]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`release ${name} is already current: nothing to do`);
    expect(readdirSync(path.join(site.prefix, 'releases'))).toEqual([name]);
  });

  it('runs a systemctl stand-in that is itself shellcheck clean', async ({ expect }) => {
    const check = await run('shellcheck', [path.join(repo, 'test/deploy/update-systemctl-stand-in.sh')], process.env);
    expect(check.stdout + check.stderr).toBe('');
    expect(check.code).toBe(0);
  });

  it('refuses bad usage with a clear message and exit 2 or 3, changing nothing', async ({ expect, onTestFinished }) => {
    const site = await install(OLD, onTestFinished);
    const cases: Array<[string[], number, string]> = [
      [['--frobnicate'], 2, 'unknown option --frobnicate'],
      [['--health-timeout', 'soon'], 2, '--health-timeout must be a whole number of seconds, not "soon"'],
      [['--rollback', path.join(built, GOOD)], 2, '--rollback takes no SOURCE_DIR or --release-dir'],
      [['--release-dir', path.join(site.root, 'nowhere')], 3, 'no such directory'],
      [['--release-dir', site.root], 2, 'is not a built release: it has no dist/src/main.js'],
      [[path.join(site.root, 'nowhere')], 3, 'is not a Homeward source tree'],
      [['--rollback'], 3, 'there is no previous release to go back to'],
    ];
    for (const [args, code, message] of cases) {
      const result = await site.update(args);
      expect({ args, code: result.code, says: result.stderr.includes(message) }, result.stderr).toEqual({ args, code, says: true });
    }
    expect(site.current()).toBe(OLD);
    expect(readdirSync(path.join(site.prefix, 'releases'))).toEqual([OLD]);

    rmSync(path.join(site.prefix, 'current'));
    const notInstalled = await site.update(['--release-dir', path.join(built, GOOD)]);
    expect(notInstalled.code).toBe(3);
    expect(notInstalled.stderr).toContain('no installed hub');
  });
});
