import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, cpSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { BENCH_DOORS, BENCH_INNER_DOORS, BENCH_INTEGRATION_ID, BENCH_PILLBOXES, benchHousehold, doorIds, innerDoorIds, pillboxIds, trackerIds } from './bench-household.js';
import { waitForExit, type Cleanup } from './cleanup.js';
import { acceptsTcp, answers200, freePort, sleep } from './net-util.js';

/**
 * The hub as installers run it: the built `dist/src/main.js` in its own process, its household
 * imported and its device credentials read through the `homeward` CLI, nothing reached into.
 */
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const mainScript = path.join(repo, 'dist', 'src', 'main.js');
const cliScript = path.join(repo, 'dist', 'src', 'cli.js');

/** The memory flags DESIGN.md ("Pitfalls") suggests for a Pi Zero 2 W. */
export const PI_NODE_FLAGS = ['--max-old-space-size=96', '--max-semi-space-size=2'] as const;

/** The config every benchmark hub runs with: 50 publishers from one address must not trip the connect limits. */
const hubConfig = { mqtt: { connectAttemptsPerMinute: 100_000, maxConnections: 1000 }, ingest: { commitWindowMs: 2 } };

/** The benchmark household's owner (issue 10): the alert phase subscribes a push endpoint for them with this API token. */
export const BENCH_OWNER_EMAIL = 'olive@example.org';
const BENCH_OWNER_PASSWORD = 'kettle on the windowsill 7';

export interface DeviceCredential {
  username: string;
  password: string;
}

export interface HubTemplate {
  /** A data directory with the household imported; each hub run starts from a copy of it. */
  dataDir: string;
  /** The trackers: the publishers of every load phase. */
  deviceIds: string[];
  /** Native exit doors, opened only by the alert-latency phase. */
  doorIds: string[];
  /** Inner doors and pill boxes: their readings are only for weighing storage by kind (reading-kinds.ts). */
  innerDoorIds: string[];
  pillboxIds: string[];
  /** The household's owner and an API token acting as them (`homeward user token`). */
  owner: { email: string; token: string };
  /** The integration whose credential may subscribe to homeward/#. */
  integrationId: string;
  /** Of every tracker, door and the integration. */
  credentials: Map<string, DeviceCredential>;
}

/** The environment without HOMEWARD_* from the caller's shell, so only what the benchmark sets applies. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('HOMEWARD_')) env[key] = value;
  return { ...env, ...extra };
}

/** `stdin`: what the command reads from standard input (`user add` reads the password there, never from argv). */
function runCli(args: string[], stdin?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [cliScript, ...args], { cwd: repo, env: cleanEnv({}), timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`homeward ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
    child.stdin?.end(stdin ?? '');
  });
}

export function assertBuilt(): void {
  for (const script of [mainScript, cliScript]) {
    if (!existsSync(script)) throw new Error(`${script} is missing: run \`npm run build\` (or \`npm run bench\`, which builds first)`);
  }
}

/**
 * Imports a household of `count` native trackers, the exit doors and the integration
 * (bench-household.ts), and reads each one's credential with the CLI.
 */
export async function prepareHubTemplate(root: string, count: number): Promise<HubTemplate> {
  const dataDir = path.join(root, 'hub-template');
  const file = path.join(root, 'household.json');
  writeFileSync(file, JSON.stringify(benchHousehold(count, { doors: BENCH_DOORS, innerDoors: BENCH_INNER_DOORS, pillboxes: BENCH_PILLBOXES }), null, 2));
  await runCli(['setup', 'import', file, '--data-dir', dataDir, '--json']);
  await runCli(['user', 'add', BENCH_OWNER_EMAIL, '--role', 'owner', '--name', 'Olive', '--data-dir', dataDir, '--json'], `${BENCH_OWNER_PASSWORD}\n`);
  const issued = JSON.parse(await runCli(['user', 'token', BENCH_OWNER_EMAIL, '--name', 'benchmark', '--data-dir', dataDir, '--json'])) as { token?: unknown };
  if (typeof issued.token !== 'string') throw new Error('homeward user token --json printed no {"token"}');
  const deviceIds = trackerIds(count);
  const doors = doorIds(BENCH_DOORS);
  const innerDoors = innerDoorIds(BENCH_INNER_DOORS);
  const pillboxes = pillboxIds(BENCH_PILLBOXES);
  const owners = [...deviceIds, ...doors, ...innerDoors, ...pillboxes, BENCH_INTEGRATION_ID];
  const credentials = new Map<string, DeviceCredential>();
  // Two at a time: the machine has two cores and each CLI run is mostly Node start-up.
  let next = 0;
  await Promise.all(
    [0, 1].map(async () => {
      while (next < owners.length) {
        const id = owners[next++] as string;
        const credential = JSON.parse(await runCli(['device', 'credentials', id, '--json', '--data-dir', dataDir])) as DeviceCredential;
        if (typeof credential.username !== 'string' || typeof credential.password !== 'string') {
          throw new Error(`device credentials ${id} printed no {"username","password"}`);
        }
        credentials.set(id, credential);
      }
    }),
  );
  return {
    dataDir,
    deviceIds,
    doorIds: doors,
    innerDoorIds: innerDoors,
    pillboxIds: pillboxes,
    owner: { email: BENCH_OWNER_EMAIL, token: issued.token },
    integrationId: BENCH_INTEGRATION_ID,
    credentials,
  };
}

export interface RunningHub {
  name: string;
  child: ChildProcess;
  pid: number;
  mqttPort: number;
  httpPort: number;
  dataDir: string;
  dbFile: string;
  logFile: string;
  /** From spawn() until the MQTT port accepts TCP and GET /api/health answers 200. */
  readyMs: number;
  mqttReadyMs: number;
  httpReadyMs: number;
  /** SIGTERM, then SIGKILL if the hub has not exited within 7 s (its own limit is 5 s). */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null; cleanly: boolean }>;
}

export function logTail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Starts a hub on a fresh copy of the template and waits (polling every 10 ms, at most 15 s) until it serves MQTT and HTTP. */
export async function startHub(options: {
  name: string;
  root: string;
  template: HubTemplate;
  nodeFlags: readonly string[];
  cleanup: Cleanup;
  /** Top-level config sections added to the benchmark's own (the alert phase's `push`). */
  config?: Record<string, unknown>;
  /** More environment for the hub process (the alert phase's NODE_EXTRA_CA_CERTS). */
  env?: Record<string, string>;
}): Promise<RunningHub> {
  const { name, root } = options;
  const dataDir = path.join(root, `hub-${name}`);
  mkdirSync(dataDir, { recursive: true });
  cpSync(options.template.dataDir, dataDir, { recursive: true });
  const configFile = path.join(root, `hub-${name}-config.json`);
  writeFileSync(configFile, JSON.stringify({ ...hubConfig, ...options.config }));
  const [mqttPort, httpPort] = [await freePort(), await freePort()];
  const logFile = path.join(root, `hub-${name}.log`);
  const logFd = openSync(logFile, 'a');

  const spawnedAt = performance.now();
  // The log goes straight to a file (not a pipe this process must drain), so a busy benchmark cannot slow the hub.
  const child = spawn(process.execPath, [...options.nodeFlags, mainScript], {
    cwd: repo,
    env: cleanEnv({
      HOMEWARD_DATA_DIR: dataDir,
      HOMEWARD_HTTP_PORT: String(httpPort),
      HOMEWARD_MQTT_PORT: String(mqttPort),
      HOMEWARD_HOST: '127.0.0.1',
      HOMEWARD_CONFIG: configFile,
      ...options.env,
    }),
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  options.cleanup.child(`hub ${name}`, child);

  let mqttReadyMs: number | undefined;
  let httpReadyMs: number | undefined;
  const deadline = spawnedAt + 15_000;
  for (let attempt = 0; attempt < 1500 && performance.now() < deadline; attempt++) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`hub ${name} exited during start-up (${child.exitCode ?? child.signalCode}):\n${logTail(logFile)}`);
    }
    const [mqttOk, httpOk] = await Promise.all([
      mqttReadyMs === undefined ? acceptsTcp(mqttPort, 200) : Promise.resolve(true),
      httpReadyMs === undefined ? answers200(httpPort, '/api/health', 200) : Promise.resolve(true),
    ]);
    const now = performance.now() - spawnedAt;
    if (mqttOk) mqttReadyMs ??= now;
    if (httpOk) httpReadyMs ??= now;
    if (mqttReadyMs !== undefined && httpReadyMs !== undefined) break;
    await sleep(10);
  }
  if (mqttReadyMs === undefined || httpReadyMs === undefined) {
    child.kill('SIGKILL');
    throw new Error(`hub ${name} was not ready within 15 s (mqtt ${mqttReadyMs ?? 'no'}, http ${httpReadyMs ?? 'no'}):\n${logTail(logFile)}`);
  }

  return {
    name,
    child,
    pid: child.pid as number,
    mqttPort,
    httpPort,
    dataDir,
    dbFile: path.join(dataDir, 'homeward.db'),
    logFile,
    readyMs: Math.max(mqttReadyMs, httpReadyMs),
    mqttReadyMs,
    httpReadyMs,
    async stop() {
      child.kill('SIGTERM');
      let cleanly = await waitForExit(child, 7000);
      if (!cleanly) {
        child.kill('SIGKILL');
        await waitForExit(child, 2000);
      }
      cleanly = cleanly && child.exitCode === 0;
      return { code: child.exitCode, signal: child.signalCode, cleanly };
    },
  };
}
