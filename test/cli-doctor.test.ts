import { describe, expect, it } from 'vitest';
import { runDoctorCommand } from '../src/cli/doctor-command.js';
import { createManualClock } from '../src/core/clock.js';
import { runCli } from '../src/cli.js';

/**
 * `homeward doctor` (issue 7, item 6): the clock and Web Push's VAPID subject, each with a plain fix.
 * The probe of NTP synchronisation is the one thing outside the process: a fake stands in for it.
 */
const RIGHT = Date.UTC(2026, 5, 1, 12, 0, 0);

function output() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (text: string) => void out.push(text), err: (text: string) => void err.push(text) }, out, err };
}

const env = (extra: Record<string, string> = {}) => ({ HOMEWARD_DATA_DIR: '/tmp/homeward-doctor-test', ...extra });

describe('homeward doctor', () => {
  it('says all is well, and exits 0, when the clock is right and Web Push has a subject', async () => {
    const { io, out } = output();
    const code = await runDoctorCommand([], env({ HOMEWARD_PUBLIC_URL: 'https://mum.example.org' }), io, { clock: createManualClock(RIGHT), probe: async () => true });
    expect(code).toBe(0);
    expect(out).toEqual(['ok       clock     2026-06-01T12:00:00.000Z, synchronised (NTP)', 'ok       web-push  VAPID subject https://mum.example.org']);
  });

  it('shows an obviously wrong clock with a plain fix, and exits 1', async () => {
    const { io, out } = output();
    const code = await runDoctorCommand([], env({ HOMEWARD_PUBLIC_URL: 'https://mum.example.org' }), io, { clock: createManualClock(Date.UTC(1970, 0, 1)), probe: async () => undefined });
    expect(code).toBe(1);
    expect(out[0]).toBe("PROBLEM  clock     the clock says 1970-01-01T00:00:00.000Z, before 2026-01-01: alerts are held back and push services refuse the hub's signatures");
    expect(out[1]).toMatch(/^ {19}fix: connect the hub to the internet so it sets its clock \(NTP\): `sudo timedatectl set-ntp true`/);
  });

  it('shows a clock that is not synchronised, and Web Push off or refused, in --json for scripts', async () => {
    const { io, out } = output();
    const code = await runDoctorCommand(['--json'], env({ HOMEWARD_PUBLIC_URL: 'https://localhost:8443' }), io, { clock: createManualClock(RIGHT), probe: async () => false });
    expect(code).toBe(1);
    const report = JSON.parse(out.join('\n')) as { ok: boolean; checks: Array<{ name: string; ok: boolean; finding: string; fix?: string }> };
    expect(report.ok).toBe(false);
    expect(report.checks).toEqual([
      { name: 'clock', ok: false, finding: expect.stringContaining('not synchronised'), fix: expect.stringContaining('timedatectl set-ntp true') },
      { name: 'web-push', ok: false, finding: expect.stringContaining('Safari and iPhones reject https://localhost'), fix: expect.stringContaining('HOMEWARD_PUBLIC_URL') },
    ]);

    const off = output();
    await runDoctorCommand(['--json'], env(), off.io, { clock: createManualClock(RIGHT), probe: async () => true });
    expect((JSON.parse(off.out.join('')) as typeof report).checks[1]).toEqual({ name: 'web-push', ok: false, finding: 'Web Push is off: no VAPID subject', fix: expect.stringContaining('set HOMEWARD_PUBLIC_URL') });
  });

  it('is a command of `homeward`, with --help', async () => {
    const { io, out } = output();
    expect(await runCli(['doctor', '--help'], env(), io)).toBe(0);
    expect(out.join('\n')).toMatch(/^Usage: homeward doctor \[--json\]/);
    const usage = output();
    await runCli(['--help'], env(), usage.io);
    expect(usage.out.join('\n')).toContain('doctor [--json]');
  });

  it('refuses an unknown option (exit 2 at the edge, as every command)', async () => {
    const { io } = output();
    await expect(runDoctorCommand(['--fix'], env(), io)).rejects.toMatchObject({ code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' });
  });
});
