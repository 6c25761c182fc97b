import { execFile, spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const mainScript = path.join(repo, 'dist', 'src', 'main.js');
export const cliScript = path.join(repo, 'dist', 'src', 'cli.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

const execFileAsync = promisify(execFile);

/** Runs the built `homeward` command as a script would; a non-zero exit is an answer, not a throw. */
export async function runCli(args: string[], env: Record<string, string> = {}, options: { timeoutMs?: number } = {}): Promise<CliRun> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [cliScript, ...args], {
      env: { ...process.env, ...env },
      ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// Ports for processes a test starts are taken below Linux's ephemeral range (32768–60999 by
// default). A port the OS handed out with listen(0) and was then closed can be given, a moment
// later, to any outgoing connection as its local port, and the load tests open thousands: a hub
// starting a second later then fails with EADDRINUSE (CI saw this once). Below the range, only
// another test can take a port, so each vitest worker draws from a slice of its own.
const FIRST_TEST_PORT = 20_000;
const LAST_TEST_PORT = 32_767;
const worker = Number(process.env.VITEST_POOL_ID ?? '1');
const SLICE = 500;
const sliceCount = Math.floor((LAST_TEST_PORT - FIRST_TEST_PORT + 1) / SLICE);
const sliceStart = FIRST_TEST_PORT + (((Number.isInteger(worker) && worker > 0 ? worker : 1) - 1) % sliceCount) * SLICE;
let nextInSlice = Math.floor(Math.random() * SLICE);

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A free TCP port on loopback, outside the ephemeral range and from this worker's own slice. */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < SLICE; tries++) {
    const port = sliceStart + (nextInSlice++ % SLICE);
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port in ${sliceStart}–${sliceStart + SLICE - 1}`);
}

/**
 * Resolves once something accepts TCP connections on `port`; bounded by `withinMs` (a hub starts in under a second when quiet, several on a loaded CI machine). Given the
 * `hub` that should be listening, it fails at once, with the hub's output, if the hub exits first.
 */
export async function waitForPort(port: number, withinMs = 20_000, hub?: HubProcess): Promise<void> {
  const deadline = Date.now() + withinMs;
  let exitedFirst = false;
  void hub?.exited.then(() => (exitedFirst = true));
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (exitedFirst) throw new Error(`the hub exited before listening on ${port}:\n${hub?.output() ?? ''}`);
    if (Date.now() > deadline) throw new Error(`nothing listening on ${port} after ${withinMs} ms${hub === undefined ? '' : `; the hub said:\n${hub.output()}`}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface HubProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs the built hub (`node dist/src/main.js`) as a separate process, as `npm start` does.
 * `options.nodeArgs` go to node before the script; `options.ipc` opens an IPC channel (`child.send`),
 * which the fault suite's heap probe answers on (test/support/heap-probe.ts).
 */
export function spawnHub(env: Record<string, string>, args: string[] = [], options: { nodeArgs?: string[]; ipc?: boolean } = {}): HubProcess {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), mainScript, ...args], {
    env: { ...process.env, HOMEWARD_HOST: '127.0.0.1', HOMEWARD_LOG_LEVEL: 'warn', ...env },
    stdio: options.ipc === true ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}
