import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The decisions deploy/install.sh makes before it touches anything (issue 9, item 1), tried on machines
 * this one is not: which systems it supports and what it says about the others, where Node.js comes
 * from, how a checkout's release is named, when the build needs extra swap; and its command line.
 * The functions live in deploy/lib/ and are called here through bash, as install.sh calls them.
 */
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const lib = path.join(repo, 'deploy', 'lib');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'homeward-install-fns-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs `fn args…` with deploy/lib/<file> sourced; a non-zero exit is an answer. */
function call(file: string, fn: string, ...args: string[]): { code: number | null; out: string } {
  const script = `. "$1"; shift; "$@"`;
  const run = spawnSync('bash', ['-c', script, 'bash', path.join(lib, file), fn, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: scratch },
  });
  return { code: run.status, out: `${run.stdout}${run.stderr}`.trim() };
}

let osReleases = 0;
function osRelease(fields: Record<string, string>): string {
  const file = path.join(scratch, `os-release-${++osReleases}`);
  writeFileSync(file, Object.entries(fields).map(([key, value]) => `${key}="${value}"`).join('\n') + '\n');
  return file;
}

const trixie = { PRETTY_NAME: 'Debian GNU/Linux 13 (trixie)', ID: 'debian', VERSION_ID: '13', VERSION_CODENAME: 'trixie' };
const piOsBookworm = { PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)', ID: 'debian', VERSION_ID: '12', VERSION_CODENAME: 'bookworm' };

describe('platform_check', () => {
  it.each([
    ['Debian trixie on amd64', trixie, 'amd64', 'x86_64'],
    ['64-bit Raspberry Pi OS bookworm on a Pi Zero 2 W', piOsBookworm, 'arm64', 'aarch64'],
    ['32-bit Raspberry Pi OS on a Pi 3', { ...piOsBookworm, ID: 'raspbian', PRETTY_NAME: 'Raspbian GNU/Linux 12 (bookworm)' }, 'armhf', 'armv7l'],
    ['Debian testing (no VERSION_ID)', { PRETTY_NAME: 'Debian GNU/Linux forky/sid', ID: 'debian', VERSION_CODENAME: 'forky' }, 'arm64', 'aarch64'],
  ])('supports %s', (_name, fields, arch, machine) => {
    const result = call('platform.sh', 'platform_check', osRelease(fields), arch, machine);
    expect(result).toEqual({ code: 0, out: `${fields.PRETTY_NAME}, ${arch}` });
  });

  it.each([
    ['Ubuntu', { PRETTY_NAME: 'Ubuntu 24.04 LTS', ID: 'ubuntu', VERSION_ID: '24.04', VERSION_CODENAME: 'noble' }, 'amd64', 'x86_64', /Ubuntu 24.04 LTS is not supported: .*Raspberry Pi OS or Debian, bookworm \(12\) or later/],
    ['Debian bullseye', { PRETTY_NAME: 'Debian GNU/Linux 11 (bullseye)', ID: 'debian', VERSION_ID: '11', VERSION_CODENAME: 'bullseye' }, 'arm64', 'aarch64', /too old: Homeward needs bookworm \(12\) or later/],
    ['an ARMv6 Pi Zero W', { ...piOsBookworm, ID: 'raspbian' }, 'armhf', 'armv6l', /ARMv6 .*no Node\.js; use a Pi Zero 2 W, Pi 3, 4 or 5/],
    ['i386', trixie, 'i386', 'i686', /the i386 architecture is not supported: .*arm64 .* armhf or amd64/],
  ])('refuses %s and says what is supported', (_name, fields, arch, machine, message) => {
    const result = call('platform.sh', 'platform_check', osRelease(fields), arch, machine);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(message);
  });

  it('refuses a system without /etc/os-release', () => {
    const result = call('platform.sh', 'platform_check', path.join(scratch, 'nothing-here'), 'amd64', 'x86_64');
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/does not look like Debian or Raspberry Pi OS/);
  });
});

describe('node_plan', () => {
  it.each([
    ['v20.19.2', '20.19.2+dfsg-1', 'keep', 'a Node.js 20 is kept'],
    ['v22.12.0', '', 'keep', 'NodeSource’s 22 is kept'],
    ['', '20.19.2+dfsg-1+deb13u3', 'debian', 'no node on trixie: Debian’s'],
    ['v18.19.0', '22.1.0+dfsg-1', 'debian', 'an old node where Debian has a new one: Debian’s'],
    ['', '18.19.0+dfsg-6~deb12u2', 'nodesource', 'no node on bookworm: NodeSource'],
    ['v18.19.0', '18.19.0+dfsg-6~deb12u2', 'nodesource', 'bookworm’s 18: NodeSource'],
    ['', '(none)', 'nodesource', 'no nodejs package at all: NodeSource'],
    ['', '1:22.3.0-1nodesource1', 'debian', 'an epoch in the candidate is read past'],
  ])('node %s, apt candidate %s → %s (%s)', (installed, candidate, plan) => {
    expect(call('platform.sh', 'node_plan', installed, candidate)).toEqual({ code: 0, out: plan });
  });
});

describe('source_release_name', () => {
  function tree(name: string): string {
    const dir = path.join(scratch, name);
    mkdirSync(path.join(dir, 'src'), { recursive: true });
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'homeward', version: '1.2.3' }));
    writeFileSync(path.join(dir, 'src', 'main.ts'), 'export {};\n');
    return dir;
  }

  it('is <version>-<12 hex>, the same for the same files, and different when a file changes', () => {
    const first = call('release.sh', 'source_release_name', tree('a'));
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/^1\.2\.3-[0-9a-f]{12}$/);
    expect(call('release.sh', 'source_release_name', tree('b')).out).toBe(first.out);
    writeFileSync(path.join(scratch, 'b', 'src', 'main.ts'), 'export const changed = 1;\n');
    expect(call('release.sh', 'source_release_name', path.join(scratch, 'b')).out).not.toBe(first.out);
  });

  it('ignores build output, dependencies and data, which a checkout may hold after `npm install`', () => {
    const clean = call('release.sh', 'source_release_name', tree('c')).out;
    const used = tree('d');
    for (const dir of ['node_modules/x', 'dist/src', 'dashboard/dist', 'data']) mkdirSync(path.join(used, dir), { recursive: true });
    writeFileSync(path.join(used, 'node_modules', 'x', 'index.js'), '');
    writeFileSync(path.join(used, 'dist', 'src', 'main.js'), '');
    writeFileSync(path.join(used, 'data', 'homeward.db'), '');
    expect(call('release.sh', 'source_release_name', used).out).toBe(clean);
  });

  it('names a git checkout as it names the same files exported (what the chroot test installs from)', () => {
    const exported = tree('e');
    const checkout = tree('f');
    for (const dir of [exported, checkout]) writeFileSync(path.join(dir, '.gitignore'), 'node_modules/\n');
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@example.org', '-c', 'user.name=t', ...args], { cwd: checkout });
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'x');
    mkdirSync(path.join(checkout, 'node_modules'));
    writeFileSync(path.join(checkout, 'node_modules', 'ignored.js'), '');
    const name = call('release.sh', 'source_release_name', checkout).out;
    expect(name).toMatch(/^1\.2\.3-[0-9a-f]{12}$/);
    expect(name).toBe(call('release.sh', 'source_release_name', exported).out);
  });
});

describe('the memory the build needs', () => {
  function meminfo(memKib: number, swapKib: number): string {
    const file = path.join(scratch, `meminfo-${memKib}-${swapKib}`);
    writeFileSync(file, `MemTotal:       ${memKib} kB\nMemFree:        1000 kB\nSwapTotal:      ${swapKib} kB\nSwapFree:       0 kB\n`);
    return file;
  }
  const needed = Number(execFileSync('bash', ['-c', '. "$1"; echo "$BUILD_MEMORY_KIB"', 'bash', path.join(lib, 'release.sh')], { encoding: 'utf8' }).trim());

  it('counts RAM and swap: a Pi Zero 2 W with Raspberry Pi OS’s small swap falls short, a Pi 4 does not', () => {
    const zero = Number(call('release.sh', 'memory_and_swap_kib', meminfo(427_000, 102_396)).out);
    const pi4 = Number(call('release.sh', 'memory_and_swap_kib', meminfo(3_884_000, 102_396)).out);
    expect(zero).toBe(529_396);
    expect(zero).toBeLessThan(needed);
    expect(pi4).toBeGreaterThanOrEqual(needed);
  });
});

describe('deploy/install.sh, its command line', () => {
  const install = path.join(repo, 'deploy', 'install.sh');
  const run = (...args: string[]) => spawnSync('bash', [install, ...args], { encoding: 'utf8', input: '' });

  it('--help says what it installs and where, and exits 0', () => {
    const help = run('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--uninstall/);
    expect(help.stdout).toMatch(/\/opt\/homeward\/releases/);
    expect(help.stdout).toMatch(/KEEP the data \(\/var\/lib\/homeward\)/);
  });

  it.each([
    [['--frobnicate'], /unknown argument "--frobnicate"/],
    [['--purge'], /--purge and --yes go with --uninstall/],
    [['--yes'], /--purge and --yes go with --uninstall/],
  ])('refuses %j with exit 2 before doing anything', (args, message) => {
    const result = run(...args);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('asks for root before doing anything', () => {
    if (process.getuid?.() === 0) {
      // As root (CI), try it as nobody: the check is the same.
      const copy = path.join(scratch, 'deploy');
      cpSync(path.join(repo, 'deploy'), copy, { recursive: true });
      chmodSync(scratch, 0o755);
      const result = spawnSync('runuser', ['-u', 'nobody', '--', 'bash', path.join(copy, 'install.sh')], { encoding: 'utf8' });
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/run it as root: sudo /);
    } else {
      const result = run();
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/run it as root: sudo /);
    }
  });
});
