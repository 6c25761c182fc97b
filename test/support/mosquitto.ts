import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { deviceSources } from '../../devices/registry.js';
import { brokerUsers, mosquittoAclText } from '../../src/broker/mosquitto-acl.js';
import type { HubConfig } from '../../src/config.js';
import type { Household } from '../../src/core/household.js';
import { openHome } from '../../src/hub.js';
import { freePort, waitForPort } from './hub-process.js';

const run = promisify(execFile);

/**
 * Debian's real Mosquitto for the external-broker tests (issue 9, item 6): a generated config on a free
 * loopback port, a password file made with `mosquitto_passwd -b`, an ACL file. Every broker started
 * here is stopped by removeMosquitto() (afterAll), and killed at the latest when the test process exits.
 */
export interface Mosquitto {
  port: number;
  dir: string;
  aclFile: string;
  passwordFile: string;
  /** mqtt://user:password@127.0.0.1:port */
  url(username: string, password: string): string;
  /** Everything the broker logged (stderr), for a failing test's message. */
  output(): string;
  /** Rewrites the password file and ACL and makes the running broker reload them (SIGHUP). */
  reload(users: Record<string, string>, acl: string): Promise<void>;
  /** Stops the broker (SIGTERM: it saves its persistence file) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same files and persistence. */
  start(): Promise<void>;
}

export interface MosquittoOptions {
  /** Users and passwords, hashed into the password file with `mosquitto_passwd -b`... */
  users: Record<string, string>;
  /** ...or a password file's whole text, as `homeward broker passwords` writes it. */
  passwordFileText?: string;
  acl: string;
  /** Extra mosquitto.conf lines (a TLS listener, sys_interval, ...). */
  extraConfig?: string[];
  /** A whole mosquitto.conf instead of the generated one (deploy/mosquitto's example); it must listen on `port`. */
  configText?: (files: { port: number; dir: string; passwordFile: string; aclFile: string }) => string;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  // A test that failed before its afterAll must not leave a broker running.
  for (const child of running) child.kill('SIGKILL');
});

async function writePasswords(file: string, users: Record<string, string>): Promise<void> {
  writeFileSync(file, '', { mode: 0o600 });
  for (const [username, password] of Object.entries(users)) await run('mosquitto_passwd', ['-b', file, username, password]);
}

export async function startMosquitto(options: MosquittoOptions): Promise<Mosquitto> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'homeward-mosquitto-'));
  const port = await freePort();
  const passwordFile = path.join(dir, 'passwd');
  const aclFile = path.join(dir, 'acl');
  const configFile = path.join(dir, 'mosquitto.conf');
  if (options.passwordFileText !== undefined) writeFileSync(passwordFile, options.passwordFileText, { mode: 0o600 });
  else await writePasswords(passwordFile, options.users);
  writeFileSync(aclFile, options.acl);
  writeFileSync(
    configFile,
    options.configText?.({ port, dir, passwordFile, aclFile }) ??
    [
      // Run as root (CI), Mosquitto would switch to the "mosquitto" user, who cannot read this temp dir.
      `user ${os.userInfo().username}`,
      `listener ${port} 127.0.0.1`,
      'allow_anonymous false',
      `password_file ${passwordFile}`,
      `acl_file ${aclFile}`,
      'persistence true',
      `persistence_location ${dir}/`,
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'log_type notice',
      'log_type information',
      ...(options.extraConfig ?? []),
      '',
    ].join('\n'),
  );

  let child: ChildProcess | undefined;
  let log = '';
  let exited: Promise<void> = Promise.resolve();

  async function start(): Promise<void> {
    const started = spawn('mosquitto', ['-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = started;
    running.add(started);
    started.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    exited = new Promise((resolve) =>
      started.once('exit', () => {
        running.delete(started);
        resolve();
      }),
    );
    try {
      await waitForPort(port, 5000);
    } catch (error) {
      started.kill('SIGKILL');
      throw new Error(`mosquitto did not start: ${(error as Error).message}\n${log}`);
    }
  }

  async function stop(): Promise<void> {
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await exited;
    child = undefined;
  }

  await start();
  const broker: Mosquitto = {
    port,
    dir,
    aclFile,
    passwordFile,
    url: (username, password) => `mqtt://${encodeURIComponent(username)}:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    output: () => log,
    async reload(users, acl) {
      await writePasswords(passwordFile, users);
      writeFileSync(aclFile, acl);
      const before = log.length;
      child?.kill('SIGHUP');
      // Mosquitto logs "Reloading config." once it has read the files again.
      for (let i = 0; i < 100 && !log.slice(before).includes('Reloading'); i++) await new Promise((r) => setTimeout(r, 20));
    },
    stop,
    start,
  };
  return broker;
}

/** Stops a broker and removes its files (afterAll / afterEach). */
export async function removeMosquitto(broker: Mosquitto | undefined): Promise<void> {
  if (broker === undefined) return;
  await broker.stop();
  rmSync(broker.dir, { recursive: true, force: true });
}

/**
 * The broker users of a household (the hub's, and every device's, bridge's and integration's with its
 * password) and the ACL `homeward broker acl` writes for it; imports `household` first when given.
 */
export function householdBrokerFiles(config: HubConfig, hub: { username: string; password: string }, household?: Household): { users: Record<string, string>; acl: string } {
  const home = openHome(config);
  try {
    if (household !== undefined) home.household.import(household);
    const subjects = home.household.view().subjects;
    const users: Record<string, string> = { [hub.username]: hub.password };
    for (const id of subjects.keys()) users[id] = home.credentials.reveal(id)!.password;
    return { users, acl: mosquittoAclText(brokerUsers(subjects, deviceSources, hub.username), [`test household in ${config.dataDir}`]) };
  } finally {
    home.close();
  }
}
