import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { cliScript } from '../support/hub-process.js';
import { testDataDir } from '../support/test-hub.js';
import { GOOD_PASSWORD, startAccountsHub, type AccountsHub } from './accounts-hub.js';

/** `homeward user …` as an installer runs it over SSH: the built CLI as a child process, the password on stdin. */
interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function homeward(args: string[], input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliScript, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

const dirs: string[] = [];
let hub: AccountsHub | undefined;
afterEach(async () => {
  await hub?.stop();
  hub = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function dataDir(): string {
  const dir = testDataDir();
  dirs.push(dir);
  return dir;
}

describe('homeward user', () => {
  it('prints help for each user command and exits 0', async () => {
    for (const args of [['user', '--help'], ['user', 'add', '--help'], ['user', 'token', '--help'], ['user', 'list', '--help'], ['user', 'role', '--help']]) {
      const run = await homeward(args);
      expect(run.code, args.join(' ')).toBe(0);
      expect(run.stdout, args.join(' ')).toMatch(/Usage: homeward user/);
    }
    expect((await homeward(['--help'])).stdout).toContain('user add EMAIL --role ROLE');
    expect((await homeward(['user', 'frobnicate'])).code).toBe(2);
  });

  it('user add reads the password from standard input, and the account can sign in with it', async () => {
    const dir = dataDir();
    const run = await homeward(['user', 'add', 'Anna@Example.org', '--role', 'family', '--name', 'Anna Smith', '--json', '--data-dir', dir], `${GOOD_PASSWORD}\n`);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ id: 1, email: 'anna@example.org', name: 'Anna Smith', role: 'family' });
    const listed = await homeward(['user', 'list', '--json', '--data-dir', dir]);
    expect(JSON.parse(listed.stdout)).toEqual({ users: [{ id: 1, email: 'anna@example.org', name: 'Anna Smith', role: 'family', createdAt: expect.stringMatching(/^\d{4}-/), disabled: false }] });
    hub = await startAccountsHub({ dataDir: dir });
    const { cookie } = await hub.signIn('anna@example.org', GOOD_PASSWORD);
    const me = await hub.hub.http.inject({ method: 'GET', url: '/api/me', headers: { cookie } });
    expect(me.json()).toEqual({ id: 1, email: 'anna@example.org', name: 'Anna Smith', role: 'family' });
  });

  it('refuses a weak, common or missing password with exit 2, creating nothing', async () => {
    const dir = dataDir();
    for (const [input, message] of [
      ['short\n', 'at least 12 characters'],
      ['password1234\n', 'commonly used'],
      ['qwertyuiop!!\n', 'commonly used'],
      ['', 'no password'],
      ['\n', 'no password'],
    ] as const) {
      const run = await homeward(['user', 'add', 'anna@example.org', '--role', 'family', '--data-dir', dir], input);
      expect(run.code, JSON.stringify(input)).toBe(2);
      expect(run.stderr, JSON.stringify(input)).toContain(message);
      expect(run.stderr).not.toContain(input.trim() || '\u0000');
    }
    expect(JSON.parse((await homeward(['user', 'list', '--json', '--data-dir', dir])).stdout)).toEqual({ users: [] });
  });

  it('refuses an unknown role, a missing --role and a taken email with exit 2', async () => {
    const dir = dataDir();
    expect((await homeward(['user', 'add', 'anna@example.org', '--role', 'admin', '--data-dir', dir], `${GOOD_PASSWORD}\n`)).code).toBe(2);
    expect((await homeward(['user', 'add', 'anna@example.org', '--data-dir', dir], `${GOOD_PASSWORD}\n`)).code).toBe(2);
    expect((await homeward(['user', 'add', 'anna@example.org', '--role', 'carer', '--data-dir', dir], `${GOOD_PASSWORD}\n`)).code).toBe(0);
    const taken = await homeward(['user', 'add', 'ANNA@example.org', '--role', 'owner', '--data-dir', dir], `${GOOD_PASSWORD}\n`);
    expect(taken.code).toBe(2);
    expect(taken.stderr).toContain('already an account');
  });

  it('user token prints {"token"} once; the token acts with the account’s role as Bearer; unknown email exits 3', async () => {
    const dir = dataDir();
    await homeward(['user', 'add', 'ha@example.org', '--role', 'viewer', '--data-dir', dir], `${GOOD_PASSWORD}\n`);
    const run = await homeward(['user', 'token', 'ha@example.org', '--name', 'Home Assistant', '--json', '--data-dir', dir]);
    expect(run.code).toBe(0);
    const printed = JSON.parse(run.stdout) as { token: string; id: number; name: string };
    expect(printed).toEqual({ token: expect.stringMatching(/^hwt_/), id: 1, name: 'Home Assistant' });
    hub = await startAccountsHub({ dataDir: dir });
    const me = await hub.hub.http.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${printed.token}` } });
    expect(me.json()).toMatchObject({ email: 'ha@example.org', role: 'viewer' });
    const plain = await homeward(['user', 'token', 'ha@example.org', '--data-dir', dir]);
    expect(plain.stdout.trim()).toMatch(/^hwt_[A-Za-z0-9_-]{43}$/);
    expect(plain.stderr).toContain('shown this once');
    const unknown = await homeward(['user', 'token', 'nobody@example.org', '--data-dir', dir]);
    expect(unknown.code).toBe(3);
  });

  it('user role changes the role and ends the account’s sessions in a running hub', async () => {
    const dir = dataDir();
    await homeward(['user', 'add', 'owner@example.org', '--role', 'owner', '--data-dir', dir], `${GOOD_PASSWORD}\n`);
    await homeward(['user', 'add', 'anna@example.org', '--role', 'family', '--data-dir', dir], `${GOOD_PASSWORD}\n`);
    hub = await startAccountsHub({ dataDir: dir });
    const { cookie } = await hub.signIn('anna@example.org', GOOD_PASSWORD);
    const run = await homeward(['user', 'role', 'anna@example.org', 'carer', '--json', '--data-dir', dir]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ email: 'anna@example.org', role: 'carer' });
    expect((await hub.hub.http.inject({ method: 'GET', url: '/api/me', headers: { cookie } })).statusCode).toBe(401);
    const lastOwner = await homeward(['user', 'role', 'owner@example.org', 'viewer', '--data-dir', dir]);
    expect(lastOwner.code).toBe(2);
    expect(lastOwner.stderr).toContain('must keep an owner');
  });

  it('an owner added on the command line means no setup link at the next start', async () => {
    const dir = dataDir();
    await homeward(['user', 'add', 'owner@example.org', '--role', 'owner', '--data-dir', dir], `${GOOD_PASSWORD}\n`);
    hub = await startAccountsHub({ dataDir: dir });
    expect((await hub.hub.start()).setupLink).toBeUndefined();
  });
});
