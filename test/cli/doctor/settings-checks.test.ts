import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { clockCheck } from '../../../src/cli/doctor/clock-check.js';
import { publicUrlCheck } from '../../../src/cli/doctor/public-url-check.js';
import { supervisionCheck } from '../../../src/cli/doctor/supervision-check.js';
import { loadConfig } from '../../../src/config.js';
import { doctorConfig, runCheck } from './doctor-support.js';

/**
 * The checks that read settings (issue 9, item 5): the public URL is https, a dead-man ping is set;
 * and the clock (issue 7, item 6). Settings come through loadConfig from the variables installers set.
 */
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function configFrom(env: Record<string, string>) {
  const config = loadConfig({ env: { HOMEWARD_DATA_DIR: doctorConfig().dataDir, ...env } });
  dirs.push(config.dataDir);
  return config;
}

const RIGHT = Date.UTC(2026, 5, 1, 12, 0, 0);

describe('public-url check', () => {
  it('is fine with an https address', async () => {
    expect(await runCheck(publicUrlCheck, configFrom({ HOMEWARD_PUBLIC_URL: 'https://mums-house.example.net' }))).toEqual({ name: 'public-url', ok: true, level: 'ok', finding: 'https://mums-house.example.net' });
  });

  it('is a problem when it is http or missing, pointing at the Caddy and Tailscale Serve guide', async () => {
    const http = await runCheck(publicUrlCheck, configFrom({ HOMEWARD_PUBLIC_URL: 'http://192.168.1.20:8080' }));
    expect(http).toMatchObject({ level: 'problem', finding: 'HOMEWARD_PUBLIC_URL is http://192.168.1.20:8080, not https: Web Push and installing the dashboard need https' });
    expect(http.fix).toMatch(/Caddy .*Tailscale Serve.*deploy\//);
    expect(await runCheck(publicUrlCheck, configFrom({}))).toMatchObject({ level: 'problem', finding: 'HOMEWARD_PUBLIC_URL is not set: Web Push and installing the dashboard need https' });
  });
});

describe('supervision check', () => {
  it('warns (without failing) when no dead-man ping is set', async () => {
    const found = await runCheck(supervisionCheck, configFrom({}));
    expect(found).toMatchObject({ level: 'warning', ok: true, finding: 'no dead-man ping: if the hub stops (a power cut, a full card, a crash), nobody outside will notice' });
    expect(found.fix).toMatch(/^set HOMEWARD_PING_URL to a check URL from healthchecks\.io \(or a "push" monitor of your own Uptime Kuma\); the hub pings it every 60 s/);
  });

  it('is fine with one, showing only its origin: the path is the secret that lets anyone ping', async () => {
    const found = await runCheck(supervisionCheck, configFrom({ HOMEWARD_PING_URL: 'https://hc-ping.com/5bf2a1c4-0000-4000-8000-1234567890ab' }));
    expect(found).toEqual({ name: 'supervision', ok: true, level: 'ok', finding: 'pings https://hc-ping.com/… every 60 s' });
  });
});

describe('clock check', () => {
  it('is fine when plausible and synchronised, a problem when not synchronised or before the earliest plausible time', async () => {
    const config = configFrom({});
    expect(await runCheck(clockCheck, config, { now: RIGHT, probe: async () => true })).toEqual({ name: 'clock', ok: true, level: 'ok', finding: '2026-06-01T12:00:00.000Z, synchronised (NTP)' });
    expect(await runCheck(clockCheck, config, { now: RIGHT, probe: async () => undefined })).toMatchObject({ level: 'ok', finding: '2026-06-01T12:00:00.000Z, synchronisation unknown' });
    expect(await runCheck(clockCheck, config, { now: RIGHT, probe: async () => false })).toMatchObject({ level: 'problem', fix: expect.stringContaining('timedatectl set-ntp true') });
    expect(await runCheck(clockCheck, config, { now: Date.UTC(1970, 0, 1), probe: async () => true })).toMatchObject({ level: 'problem', finding: expect.stringMatching(/^the clock says 1970-01-01T00:00:00\.000Z, before 2026-01-01/) });
  });

  it('treats a probe that fails as "unknown", not as a finding', async () => {
    const found = await runCheck(clockCheck, configFrom({}), { now: RIGHT, probe: () => Promise.reject(new Error('no D-Bus')) });
    expect(found).toMatchObject({ level: 'ok', finding: '2026-06-01T12:00:00.000Z, synchronisation unknown' });
  });
});
