import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './hub-process.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The file installers copy to /etc/caddy/Caddyfile: what the tests run, unchanged. */
export const deployCaddyfile = path.join(repo, 'deploy', 'Caddyfile');

/**
 * Debian's Caddy in front of a test hub, running the real deploy/Caddyfile (issue 9, item 3): a small
 * wrapper Caddyfile holds the test-only global options (free loopback ports, certificates from Caddy's
 * own local authority, nothing installed in the system's trust store, storage in a temporary
 * directory) and `import`s the real file after them.
 */
export interface RunningCaddy {
  domain: string;
  httpsPort: number;
  httpPort: number;
  /** https://<domain>:<httpsPort> */
  origin: string;
  /** PEM of Caddy's local root certificate, for clients' `ca`. */
  ca: string;
  /** Resolves `domain` (any name) to 127.0.0.1, for node's `lookup` option: no DNS, no /etc/hosts. */
  lookup: LookupFunction;
  /** What Caddy wrote to stdout and stderr, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

export interface ProxyAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const CADDY_MISSING =
  "caddy is not installed: the reverse-proxy tests run the real deploy/Caddyfile through Debian's caddy (apt-get install caddy; .ci/run installs it)";

export const toLoopback: LookupFunction = (_hostname, options, callback) => {
  if (options.all === true) (callback as (err: null, addresses: Array<{ address: string; family: number }>) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
};

function caddyVersion(): string {
  try {
    return execFileSync('caddy', ['version'], { encoding: 'utf8' }).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(CADDY_MISSING);
    throw error;
  }
}

export async function startCaddy(options: { upstreamPort: number; domain?: string }): Promise<RunningCaddy> {
  caddyVersion();
  const domain = options.domain ?? 'hub.homeward.test';
  const dir = mkdtempSync(path.join(os.tmpdir(), 'homeward-caddy-'));
  const storage = path.join(dir, 'storage');
  const [httpPort, httpsPort] = [await freePort(), await freePort()];
  const wrapper = path.join(dir, 'Caddyfile');
  writeFileSync(
    wrapper,
    [
      '{',
      '\tadmin off',
      '\tdefault_bind 127.0.0.1',
      `\thttp_port ${httpPort}`,
      `\thttps_port ${httpsPort}`,
      '\tlocal_certs',
      '\tskip_install_trust',
      '\tgrace_period 1s',
      // HTTP/3 would also take a UDP port nobody checked was free.
      '\tservers {',
      '\t\tprotocols h1 h2',
      '\t}',
      '\tstorage file_system {',
      `\t\troot ${storage}`,
      '\t}',
      '}',
      `import ${deployCaddyfile}`,
      '',
    ].join('\n'),
  );

  const child: ChildProcess = spawn('caddy', ['run', '--adapter', 'caddyfile', '--config', wrapper], {
    // Only what Caddy needs: a developer's own HOMEWARD_* variables must not change what is tested.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, XDG_CONFIG_HOME: dir, XDG_DATA_HOME: dir, HOMEWARD_DOMAIN: domain, HOMEWARD_UPSTREAM: `127.0.0.1:${options.upstreamPort}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let exitedEarly: string | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exitedEarly = `caddy exited (code ${code}, signal ${signal})`;
      resolve();
    }),
  );

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const rootFile = path.join(storage, 'pki', 'authorities', 'local', 'root.crt');
  const caddy: RunningCaddy = {
    domain,
    httpsPort,
    httpPort,
    origin: `https://${domain}:${httpsPort}`,
    ca: '',
    lookup: toLoopback,
    output: () => output,
    stop,
  };
  // Serving means: the local authority exists, the site's certificate is issued, and the hub answers through it.
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (exitedEarly !== undefined) {
      await stop();
      throw new Error(`${exitedEarly} before serving ${deployCaddyfile}:\n${output}`);
    }
    if (caddy.ca === '' && existsSync(rootFile)) caddy.ca = readFileSync(rootFile, 'utf8');
    if (caddy.ca !== '') {
      const answer = await proxyRequest(caddy, { path: '/api/health' }).catch(() => undefined);
      if (answer !== undefined) return caddy;
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`caddy did not serve https://${domain}:${httpsPort}/api/health within 15 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * One HTTPS request through Caddy, trusting only its local authority, as a phone elsewhere would make
 * it; `localAddress` (another 127.x address) lets the hub tell this client from the proxy.
 */
export function proxyRequest(
  caddy: Pick<RunningCaddy, 'domain' | 'httpsPort' | 'ca' | 'lookup'>,
  request: { method?: string; path: string; headers?: Record<string, string>; body?: string; localAddress?: string },
): Promise<ProxyAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = https.request(
      {
        hostname: caddy.domain,
        port: caddy.httpsPort,
        method: request.method ?? 'GET',
        path: request.path,
        headers: request.headers ?? {},
        ca: caddy.ca,
        lookup: caddy.lookup,
        agent: false,
        ...(request.localAddress === undefined ? {} : { localAddress: request.localAddress }),
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}
