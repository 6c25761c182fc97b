import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The systemd unit and the deploy scripts, checked without installing anything (issue 9, items 1 and 2):
 * systemd's own verifier and offline security analysis on the unit, the directives the issue asks for,
 * and `bash -n` and shellcheck on every script in deploy/. The real install runs in a throwaway Debian
 * root: test/deploy/install-in-chroot.sh (`npm run test:deploy`).
 */
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const deploy = path.join(repo, 'deploy');
const unitText = readFileSync(path.join(deploy, 'homeward.service'), 'utf8');
const ENTRY = '/opt/homeward/current/dist/src/main.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'homeward-unit-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Key=value lines of one [Section] (the last value wins, as in systemd). */
function section(text: string, name: string): Map<string, string> {
  const entries = new Map<string, string>();
  let current = '';
  for (const line of text.split('\n')) {
    const header = /^\[(.+)\]$/.exec(line.trim());
    if (header) current = header[1] as string;
    else if (current === name && /^[A-Za-z]+=/.test(line)) entries.set(line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1));
  }
  return entries;
}

/** The unit as install.sh writes it, with ExecStart pointing at files that exist on this machine. */
function renderUnit(text: string, file: string): string {
  const entry = existsSync(path.join(repo, 'dist', 'src', 'main.js')) ? path.join(repo, 'dist', 'src', 'main.js') : path.join(repo, 'src', 'main.ts');
  const rendered = text.replace('ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} `).replace(ENTRY, entry);
  const target = path.join(scratch, file);
  writeFileSync(target, rendered);
  return target;
}

/** What `systemd-analyze verify` says about the file itself (it may also talk about the host's units). */
function verify(file: string): { status: number | null; complaints: string[] } {
  const run = spawnSync('systemd-analyze', ['verify', '--man=no', file], { encoding: 'utf8' });
  const complaints = `${run.stdout}${run.stderr}`.split('\n').filter((line) => line.includes(path.basename(file)));
  return { status: run.status, complaints };
}

describe('deploy/homeward.service', () => {
  const service = section(unitText, 'Service');

  it('passes systemd-analyze verify, which does complain about a broken copy', () => {
    const good = verify(renderUnit(unitText, 'homeward.service'));
    expect(good.complaints).toEqual([]);
    expect(good.status).toBe(0);
    // The verifier only warns (exit 0) about a bad value; the complaint is what shows it.
    const broken = verify(renderUnit(unitText.replace('WatchdogSec=60', 'WatchdogSec=a minute'), 'broken.service'));
    expect(broken.complaints.join('\n')).toMatch(/WatchdogSec|sec value/);
  });

  it('runs the current release as homeward, with the layout’s settings, data directory and memory flags', () => {
    expect(service.get('ExecStart')).toBe(`/usr/bin/node --max-old-space-size=96 --max-semi-space-size=2 ${ENTRY}`);
    expect(service.get('User')).toBe('homeward');
    expect(service.get('Group')).toBe('homeward');
    expect(service.get('EnvironmentFile')).toBe('/etc/homeward/homeward.env');
    expect(service.get('WorkingDirectory')).toBe('/var/lib/homeward');
  });

  it('is a notify service with a watchdog the hub feeds, restarted always, stopped within 15 s', () => {
    expect(Object.fromEntries(['Type', 'NotifyAccess', 'WatchdogSec', 'Restart', 'RestartSec', 'TimeoutStopSec'].map((key) => [key, service.get(key)]))).toEqual({
      Type: 'notify',
      NotifyAccess: 'all',
      WatchdogSec: '60',
      Restart: 'always',
      RestartSec: '5',
      TimeoutStopSec: '15',
    });
    expect(section(unitText, 'Unit').get('StartLimitIntervalSec')).toBe('0');
  });

  it('has the hardening issue 9 names, no capabilities, and not MemoryDenyWriteExecute (V8 needs W+X)', () => {
    const hardening = {
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      ReadWritePaths: '/var/lib/homeward',
      PrivateTmp: 'yes',
      ProtectHome: 'yes',
      PrivateDevices: 'yes',
      ProtectKernelTunables: 'yes',
      ProtectKernelModules: 'yes',
      ProtectKernelLogs: 'yes',
      ProtectControlGroups: 'yes',
      RestrictSUIDSGID: 'yes',
      RestrictNamespaces: 'yes',
      LockPersonality: 'yes',
      RestrictRealtime: 'yes',
      RestrictAddressFamilies: 'AF_UNIX AF_INET AF_INET6 AF_NETLINK',
      SystemCallArchitectures: 'native',
      CapabilityBoundingSet: '',
    };
    expect(Object.fromEntries(Object.keys(hardening).map((key) => [key, service.get(key)]))).toEqual(hardening);
    expect(service.has('MemoryDenyWriteExecute')).toBe(false);
  });

  it('keeps the hub’s memory within what a Pi Zero 2 W (512 MB) can give it', () => {
    const megabytes = (value: string | undefined) => Number(/^(\d+)M$/.exec(value ?? '')?.[1] ?? NaN);
    const high = megabytes(service.get('MemoryHigh'));
    const max = megabytes(service.get('MemoryMax'));
    // Above DESIGN.md's 128 MB budget under load, below half the Pi's memory; MemoryHigh before MemoryMax.
    expect(high).toBeGreaterThan(128);
    expect(max).toBeGreaterThan(high);
    expect(max).toBeLessThanOrEqual(256);
  });

  it('rates "OK" or better in systemd-analyze security (a unit without the hardening rates "UNSAFE")', () => {
    const exposure = (file: string) => {
      const output = execFileSync('systemd-analyze', ['security', '--offline=true', '--man=no', '--no-pager', file], { encoding: 'utf8' });
      return Number(/Overall exposure level for \S+: (\d+(?:\.\d+)?)/.exec(output)?.[1] ?? NaN);
    };
    expect(exposure(renderUnit(unitText, 'homeward.service'))).toBeLessThan(5);
    const bare = unitText
      .split('\n')
      .filter((line) => !/^(NoNewPrivileges|CapabilityBoundingSet|Protect|Private|Restrict|ReadWritePaths|LockPersonality|SystemCallArchitectures|UMask)/.test(line))
      .join('\n');
    expect(exposure(renderUnit(bare, 'bare.service'))).toBeGreaterThan(8);
  });
});

describe('deploy/homeward.env', () => {
  const envText = readFileSync(path.join(deploy, 'homeward.env'), 'utf8');

  it('sets the data directory and only that; every other line is a comment', () => {
    const settings = envText.split('\n').filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'));
    expect(settings).toEqual(['HOMEWARD_DATA_DIR=/var/lib/homeward']);
  });

  it('shows every HOMEWARD_* variable src/config.ts reads, so an installer finds each setting there', () => {
    const config = readFileSync(path.join(repo, 'src', 'config.ts'), 'utf8');
    const names = new Set([...config.matchAll(/\b(HOMEWARD_[A-Z_]+)\b/g)].map((match) => match[1] as string));
    expect(names.size).toBeGreaterThan(15);
    const missing = [...names].filter((name) => !new RegExp(`^#?${name}=`, 'm').test(envText));
    expect(missing).toEqual([]);
  });
});

describe('the scripts in deploy/', () => {
  const scripts: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.sh') || readFileSync(full, 'utf8').startsWith('#!')) scripts.push(full);
    }
  };
  walk(deploy);
  scripts.push(path.join(repo, 'test', 'deploy', 'install-in-chroot.sh'));

  it('finds the install script, its libraries and the command wrapper', () => {
    const names = scripts.map((file) => path.relative(repo, file));
    expect(names).toEqual(expect.arrayContaining(['deploy/install.sh', 'deploy/homeward-command.sh', 'deploy/lib/release.sh', 'deploy/lib/platform.sh']));
  });

  it.each(scripts.map((file) => [path.relative(repo, file), file]))('%s parses (bash -n) and is shellcheck clean', (_name, file) => {
    execFileSync('bash', ['-n', file]);
    const check = spawnSync('shellcheck', ['--external-sources', file], { cwd: path.dirname(file), encoding: 'utf8' });
    expect(check.error, 'shellcheck is not installed (.ci/run installs it)').toBeUndefined();
    expect(check.stdout + check.stderr).toBe('');
    expect(check.status).toBe(0);
  });
});
