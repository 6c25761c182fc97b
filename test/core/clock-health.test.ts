import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EARLIEST_PLAUSIBLE_TIME } from '../../src/alerts/rule-engine.js';
import { createClockHealth, judgeClock, timedatectlProbe, type ClockSyncProbe } from '../../src/core/clock-health.js';
import { createManualClock } from '../../src/core/clock.js';
import { recordingLogger } from '../support/recording-logger.js';

/** Issue 7, item 6: a clock obviously wrong, or not synchronised, is found (and said once). */
const RIGHT = Date.UTC(2026, 5, 1, 12, 0, 0);
const BOOTED_OFFLINE = Date.UTC(1970, 0, 1, 0, 0, 42);

describe('clock health', () => {
  it('finds a clock before the earliest plausible time, with a plain fix', () => {
    const found = judgeClock(BOOTED_OFFLINE, undefined, EARLIEST_PLAUSIBLE_TIME);
    expect(found).toMatchObject({ ok: false, problem: 'before-plausible', synchronised: null, now: BOOTED_OFFLINE });
    expect(found.detail).toContain('the clock says 1970-01-01T00:00:42.000Z, before 2026-01-01');
    expect(found.fix).toContain('sudo timedatectl set-ntp true');
  });

  it('finds a plausible clock that is not synchronised; unknown synchronisation is no finding', () => {
    expect(judgeClock(RIGHT, false, EARLIEST_PLAUSIBLE_TIME)).toMatchObject({ ok: false, problem: 'not-synchronised', synchronised: false, fix: expect.stringContaining('set-ntp true') });
    expect(judgeClock(RIGHT, true, EARLIEST_PLAUSIBLE_TIME)).toEqual({ ok: true, now: RIGHT, synchronised: true });
    expect(judgeClock(RIGHT, undefined, EARLIEST_PLAUSIBLE_TIME)).toEqual({ ok: true, now: RIGHT, synchronised: null });
  });

  it('reads the clock at each finding, synchronisation as last probed, and says each change once', async () => {
    const clock = createManualClock(BOOTED_OFFLINE);
    let synchronised: boolean | undefined = false;
    let probes = 0;
    const probe: ClockSyncProbe = async () => {
      probes += 1;
      return synchronised;
    };
    const lines: string[] = [];
    const health = createClockHealth({ clock, probe, earliestPlausible: EARLIEST_PLAUSIBLE_TIME, log: recordingLogger((level, msg) => lines.push(`${level} ${msg}`)) });

    expect((await health.refresh()).problem).toBe('before-plausible');
    await health.refresh();
    // NTP sets the clock: the finding follows the clock at once, synchronisation at the next probe.
    clock.set(RIGHT);
    expect(health.finding().problem).toBe('not-synchronised');
    synchronised = true;
    expect(health.finding().problem).toBe('not-synchronised');
    expect(await health.refresh()).toEqual({ ok: true, now: RIGHT, synchronised: true });
    expect(probes).toBe(3);
    expect(lines).toEqual([expect.stringMatching(/^warn clock: the clock says 1970/), 'info clock: looks right again']);
  });

  it('treats a probe that fails as unknown', async () => {
    const health = createClockHealth({
      clock: createManualClock(RIGHT),
      probe: () => Promise.reject(new Error('no dbus')),
      earliestPlausible: EARLIEST_PLAUSIBLE_TIME,
      log: recordingLogger(() => {}),
    });
    expect(await health.refresh()).toEqual({ ok: true, now: RIGHT, synchronised: null });
  });

  it('asks timedatectl: "yes" and "no" are answers; an error, other words or no timedatectl are unknown', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'homeward-timedatectl-'));
    try {
      const fake = (name: string, script: string) => {
        const file = path.join(dir, name);
        writeFileSync(file, `#!/bin/sh\n${script}\n`, { mode: 0o755 });
        return timedatectlProbe({ command: file });
      };
      // The real command's arguments reach it.
      expect(await fake('yes', '[ "$*" = "show -p NTPSynchronized --value" ] && echo yes')()).toBe(true);
      expect(await fake('no', 'echo no')()).toBe(false);
      expect(await fake('down', 'echo "System has not been booted with systemd" >&2; exit 1')()).toBeUndefined();
      expect(await fake('odd', 'echo maybe')()).toBeUndefined();
      expect(await timedatectlProbe({ command: path.join(dir, 'missing') })()).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
