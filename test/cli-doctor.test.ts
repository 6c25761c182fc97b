import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runDoctorCommand, type DoctorDeps } from '../src/cli/doctor-command.js';
import { loadConfig } from '../src/config.js';
import { createManualClock } from '../src/core/clock.js';
import { runCli } from '../src/cli.js';
import { openHome } from '../src/hub.js';
import { dailyBackupName, takeBackup } from '../src/store/backup.js';
import { databasePath } from '../src/store/database.js';
import { packageVersion } from '../src/version.js';
import { testHousehold } from './support/households.js';
import { freePort, runCli as runBuiltCli } from './support/hub-process.js';
import { connectClient } from './support/mqtt-clients.js';
import { startTestHub, testHubConfig } from './support/test-hub.js';

/**
 * `homeward doctor` (issue 7, item 6; issue 9, item 5) as a whole: the table, the order, --json and
 * the exit code, in-process with the clock and NTP probe as inputs; then the built command, spawned as
 * an installer runs it, on a deliberately broken set-up and on an all-good one (a real hub listening,
 * devices that reported over MQTT, a subscribed phone whose push service answers, a fresh backup).
 * Each check has its own tests in test/cli/doctor/.
 */
const RIGHT = Date.UTC(2026, 5, 1, 12, 0, 0);
const NAMES = ['clock', 'disk', 'database', 'broker', 'devices', 'push', 'public-url', 'backups', 'supervision'];
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function output() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (text: string) => void out.push(text), err: (text: string) => void err.push(text) }, out, err };
}

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A fresh data directory and a free MQTT port (so nothing answers), as environment variables. */
async function freshEnv(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  return { HOMEWARD_DATA_DIR: tempDir('homeward-doctor-'), HOMEWARD_HOST: '127.0.0.1', HOMEWARD_MQTT_PORT: String(await freePort()), ...extra };
}

const deps = (extra: Partial<DoctorDeps> = {}): DoctorDeps => ({ clock: createManualClock(RIGHT), probe: async () => true, timeoutMs: 1000, ...extra });

interface Report {
  ok: boolean;
  checks: Array<{ name: string; ok: boolean; level: 'ok' | 'warning' | 'problem'; finding: string; fix?: string }>;
}

describe('homeward doctor: the table, the order and the exit code', () => {
  it('lists problems first, then warnings, then what is fine, each fix under its finding, and exits 1', async () => {
    const { io, out } = output();
    const env = await freshEnv({ HOMEWARD_PUBLIC_URL: 'https://mum.example.org' });
    const code = await runDoctorCommand([], env, io, deps());
    expect(code).toBe(1);
    const rows = out.filter((line) => !line.startsWith(' ')).slice(0, -1);
    expect(rows.map((line) => line.slice(0, 22))).toEqual([
      'PROBLEM  broker       ',
      'PROBLEM  devices      ',
      'PROBLEM  backups      ',
      'warning  database     ',
      'warning  push         ',
      'warning  supervision  ',
      'ok       clock        ',
      'ok       disk         ',
      'ok       public-url   ',
    ]);
    expect(out[0]).toBe(`PROBLEM  broker       nothing answers MQTT on 127.0.0.1:${env.HOMEWARD_MQTT_PORT} (connect ECONNREFUSED 127.0.0.1:${env.HOMEWARD_MQTT_PORT}): devices cannot deliver readings`);
    expect(out[1]).toMatch(/^ {22}fix: start the hub: `sudo systemctl start homeward`/);
    expect(out.at(-1)).toBe('3 problems, 3 warnings.');
  });

  it('--json gives every check with its level, in the same order; warnings alone do not fail it', async () => {
    const { io, out } = output();
    const code = await runDoctorCommand(['--json'], await freshEnv({ HOMEWARD_PUBLIC_URL: 'http://192.168.1.20:8080' }), io, deps({ probe: async () => false }));
    expect(code).toBe(1);
    const report = JSON.parse(out.join('\n')) as Report;
    expect(report.ok).toBe(false);
    expect(report.checks.map((c) => c.name).sort()).toEqual([...NAMES].sort());
    const levels = report.checks.map((c) => c.level);
    expect(levels).toEqual([...levels].sort((a, b) => ['problem', 'warning', 'ok'].indexOf(a) - ['problem', 'warning', 'ok'].indexOf(b)));
    for (const check of report.checks) {
      expect(check.ok).toBe(check.level !== 'problem');
      expect(check.fix === undefined).toBe(check.level === 'ok');
    }
    expect(report.checks.find((c) => c.name === 'clock')).toMatchObject({ level: 'problem', finding: expect.stringContaining('not synchronised') });
    expect(report.checks.find((c) => c.name === 'public-url')).toMatchObject({ level: 'problem' });
    expect(report.checks.find((c) => c.name === 'push')).toMatchObject({ level: 'problem', finding: expect.stringContaining('Web Push is off: no VAPID subject') });
  });

  it('a check that throws becomes a problem finding with its message, and every other check still runs', async () => {
    const { io, out } = output();
    const statfs = () => {
      throw Object.assign(new Error("EACCES: permission denied, statfs '/var/lib/homeward'"), { code: 'EACCES' });
    };
    const code = await runDoctorCommand(['--json'], await freshEnv(), io, deps({ statfs }));
    expect(code).toBe(1);
    const report = JSON.parse(out.join('\n')) as Report;
    expect(report.checks).toHaveLength(NAMES.length);
    expect(report.checks.find((c) => c.name === 'disk')).toEqual({
      name: 'disk',
      ok: false,
      level: 'problem',
      finding: "the check could not run: EACCES: permission denied, statfs '/var/lib/homeward'",
      fix: 'fix what the message names, then run `npm run homeward -- doctor` again',
    });
    expect(report.checks.find((c) => c.name === 'clock')?.level).toBe('ok');
  });

  it('is a command of `homeward`, with --help naming every check', async () => {
    const { io, out } = output();
    expect(await runCli(['doctor', '--help'], {}, io)).toBe(0);
    expect(out.join('\n')).toMatch(/^Usage: homeward doctor \[--json\]/);
    for (const name of NAMES) expect(out.join('\n')).toMatch(new RegExp(`^  ${name} `, 'm'));
    const usage = output();
    await runCli(['--help'], {}, usage.io);
    expect(usage.out.join('\n')).toContain('doctor [--json]');
  });

  it('refuses an unknown option (exit 2 at the edge, as every command)', async () => {
    const { io } = output();
    await expect(runDoctorCommand(['--fix'], {}, io)).rejects.toMatchObject({ code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' });
  });
});

describe('homeward doctor, the built command', () => {
  /** `timedatectl` as the doctor finds it on PATH: here a stand-in that answers as a synchronised Pi does. */
  function ntpSays(answer: 'yes' | 'no'): string {
    const bin = tempDir('homeward-doctor-bin-');
    writeFileSync(path.join(bin, 'timedatectl'), `#!/bin/sh\necho ${answer}\n`);
    chmodSync(path.join(bin, 'timedatectl'), 0o755);
    return `${bin}:${process.env.PATH ?? ''}`;
  }

  it('on a broken set-up: a damaged database, an old backup, an http public URL, no broker, no ping; exit 1 with a fix for each', async () => {
    const env = await freshEnv({ HOMEWARD_PUBLIC_URL: 'http://192.168.1.20:8080', PATH: ntpSays('yes') });
    const dataDir = env.HOMEWARD_DATA_DIR as string;
    const home = openHome(loadConfig({ env }));
    home.household.import(testHousehold());
    home.close();
    const backups = path.join(dataDir, 'backups');
    mkdirSync(backups);
    const old = path.join(backups, dailyBackupName(Date.now() - 4 * 86_400_000));
    await takeBackup({ databaseFile: databasePath(dataDir), dataDir, destination: old, takenAt: Date.now() - 4 * 86_400_000, hubVersion: packageVersion() });
    const fd = openSync(databasePath(dataDir), 'r+');
    writeSync(fd, Buffer.alloc(4 * 4096, 0x5a), 0, 4 * 4096, 2 * 4096);
    closeSync(fd);

    const run = await runBuiltCli(['doctor'], env);
    expect(run.code).toBe(1);
    const lines = run.stdout.trimEnd().split('\n');
    // Each check's row: its label, its name and its finding; the next line is its fix.
    const row = (name: string) => {
      const at = lines.findIndex((line) => line.slice(9).startsWith(`${name} `));
      const line = lines[at] as string;
      return { label: line.slice(0, 7).trim(), finding: line.slice(9 + name.length).trim(), fix: lines[at + 1] as string };
    };
    expect(row('database')).toMatchObject({ label: 'PROBLEM', finding: expect.stringMatching(/homeward\.db (is damaged|cannot be read)/) });
    expect(row('database').fix).toContain(`\`npm run homeward -- restore ${old} --data-dir ${dataDir}\` (the newest backup)`);
    expect(row('broker')).toMatchObject({ label: 'PROBLEM', finding: expect.stringMatching(/^nothing answers MQTT on 127\.0\.0\.1:\d+/) });
    expect(row('public-url')).toMatchObject({ label: 'PROBLEM', finding: expect.stringMatching(/^HOMEWARD_PUBLIC_URL is http:\/\/192\.168\.1\.20:8080, not https/), fix: expect.stringMatching(/fix: put the hub behind Caddy/) });
    expect(row('backups')).toMatchObject({ label: 'PROBLEM', finding: expect.stringMatching(/^the newest backup, homeward-\d{8}T\d{6}Z\.db, is 4 days old$/) });
    expect(row('push')).toMatchObject({ label: 'PROBLEM', finding: expect.stringMatching(/^Web Push is off/) });
    expect(row('supervision')).toMatchObject({ label: 'warning', finding: expect.stringMatching(/^no dead-man ping/) });
    expect(row('clock')).toMatchObject({ label: 'ok', finding: expect.stringMatching(/synchronised \(NTP\)$/) });
    expect(lines.at(-1)).toMatch(/^\d+ problems, 1 warning\.$/);
    expect(run.stderr).toBe('');
  });

  it('on an all-good set-up: a hub listening, every device reporting, a phone subscribed, a fresh backup; exit 0', async () => {
    const household = testHousehold();
    for (const device of household.devices ?? []) device.heartbeat ??= '26h';
    const hub = await startTestHub({ household });
    cleanups.push(() => hub.stop());
    for (const [id, kind, payload] of [
      ['front-door', 'door', { open: false, battery: 80 }],
      ['back-door', 'door', { open: false, battery: 75 }],
      ['mum-phone', 'tracker', { lat: 51.5072, lon: -0.1276, acc: 12 }],
      ['pillbox', 'pillbox', { compartment: 1, open: false, battery: 60 }],
    ] as const) {
      const client = await connectClient(hub.mqttUrl, { ...hub.credential(id), clientId: `test-${id}` });
      await client.publishAsync(`homeward/devices/${id}/${kind}`, JSON.stringify(payload), { qos: 1 });
      await client.endAsync();
    }
    const pushService = net.createServer((socket) => socket.resume());
    await new Promise<void>((resolve) => pushService.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => pushService.close(() => resolve())));
    // Anna turned notifications on: stored through a second connection, as the dashboard's request would be.
    const home = openHome(testHubConfig(hub.dataDir, 'silent'));
    try {
      const anna = await home.accounts.create({ email: 'anna@example.org', name: 'Anna', role: 'family', password: 'a long family password 42' });
      home.store.pushSubscriptions.insert({
        userId: anna.id,
        endpoint: `https://127.0.0.1:${(pushService.address() as net.AddressInfo).port}/push/anna-phone`,
        p256dh: 'BPublicKeyOfTheBrowser',
        auth: 'authSecret',
        label: null,
        createdAt: Date.now(),
      });
    } finally {
      home.close();
    }
    mkdirSync(path.join(hub.dataDir, 'backups'));
    await takeBackup({ databaseFile: databasePath(hub.dataDir), dataDir: hub.dataDir, destination: path.join(hub.dataDir, 'backups', dailyBackupName(Date.now())), takenAt: Date.now(), hubVersion: packageVersion() });

    const env = {
      HOMEWARD_DATA_DIR: hub.dataDir,
      HOMEWARD_HOST: '127.0.0.1',
      HOMEWARD_MQTT_PORT: String(hub.mqttPort),
      HOMEWARD_PUBLIC_URL: 'https://mum.example.org',
      HOMEWARD_PING_URL: 'https://hc-ping.com/5bf2a1c4-0000-4000-8000-1234567890ab',
      PATH: ntpSays('yes'),
    };
    const run = await runBuiltCli(['doctor', '--json'], env);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.checks.filter((c) => c.level !== 'ok')).toEqual([]);
    expect(report.ok).toBe(true);
    expect(run.code).toBe(0);
    expect(report.checks.find((c) => c.name === 'devices')?.finding).toBe('4 of 4 devices online');

    const text = await runBuiltCli(['doctor'], env);
    expect(text.code).toBe(0);
    expect(text.stdout.trimEnd().split('\n').at(-1)).toBe('All is well.');
  });
});
