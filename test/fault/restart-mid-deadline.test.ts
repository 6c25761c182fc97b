import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config.js';
import type { Household } from '../../src/core/household.js';
import { openHome } from '../../src/hub.js';
import type { PushPayload } from '../../src/notify/web-push/push-payload.js';
import { startLocalPushService, type LocalPushService, type TestBrowser } from '../notify/local-push-service.js';
import { fakeClock } from '../support/fake-clock-process.js';
import { connectDevice, homeWith, startHubProcess, type RunningHub } from '../support/faked-hub.js';
import { memberWithPhone, pushingHubEnv } from '../support/pushing-hub.js';
import { evaluatedPast, evaluatedUpTo, storedAlerts, until, watchDeadline } from '../support/rule-watch.js';

/**
 * Issue 10, "Fault injection": restart mid-escalation and mid-dose-window — both continue on time.
 * The built hub runs in its own process with its wall clock moved by libfaketime
 * (test/support/fake-clock-process.ts), is killed with SIGKILL half-way through, and started again
 * with its clock just before the next deadline. What it does is watched from outside only: the push
 * requests reaching a local push service (real HTTPS, VAPID checked, bodies decrypted with http_ece:
 * test/notify/local-push-service.ts), its database, and /metrics.
 */
const S = 1000;
const M = 60 * S;
/** The restarted hub's clock is set this long before the deadline: room to start and be seen waiting. */
const LEAD_MS = 6 * S;

let hub: RunningHub | undefined;
const dirs: string[] = [];

afterEach(async () => {
  hub?.process.child.kill('SIGKILL');
  await hub?.process.exited;
  hub = undefined;
});

afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(env: Record<string, string>): Promise<RunningHub> {
  hub = await startHubProcess(env);
  return hub;
}

async function kill(): Promise<void> {
  hub?.process.child.kill('SIGKILL');
  const exit = await hub?.process.exited;
  expect(exit?.signal).toBe('SIGKILL');
  hub = undefined;
}

describe('restart mid-escalation (issue 10)', () => {
  /**
   * Olive (owner), Anna (family, on call first), Ben (family, on call second); a night exit at once
   * (the night is made to be now), ackWithin 5 minutes. The faked clock stays within minutes of the
   * real one: the push service's certificate is valid from now, and the hub checks it by its clock.
   */
  let service: LocalPushService;
  let dataDir: string;
  let scratch: string;
  const phones: Record<'Olive' | 'Anna' | 'Ben', TestBrowser> = {} as never;
  const ids: Record<'Olive' | 'Anna' | 'Ben', number> = {} as never;

  /** "HH:MM" in UTC, `minutes` from now. */
  const utcClock = (minutes: number) => new Date(Date.now() + minutes * M).toISOString().slice(11, 16);

  beforeAll(async () => {
    service = await startLocalPushService();
    dataDir = homeWith({
      home: { name: 'Mid-escalation', timezone: 'UTC' },
      person: { name: 'Margaret' },
      devices: [{ id: 'front-door', name: 'Front door', kind: 'door', source: 'native', exit: true }],
      rules: { night: { start: utcClock(-60), end: utcClock(120) } },
      escalation: { ackWithin: '5m', repeatEvery: '2m' },
    });
    scratch = mkdtempSync(path.join(os.tmpdir(), 'homeward-restart-'));
    dirs.push(dataDir, scratch);
    const home = openHome({ ...defaultConfig(), dataDir });
    try {
      for (const [name, role] of [['Olive', 'owner'], ['Anna', 'family'], ['Ben', 'family']] as const) {
        ({ id: ids[name], phone: phones[name] } = await memberWithPhone(home, service, name, role));
      }
      const everyDay = 'mon,tue,wed,thu,fri,sat,sun';
      home.store.rota.insertShift({ userId: ids.Anna, days: everyDay, start: '00:00', end: '00:00', tier: 1 });
      home.store.rota.insertShift({ userId: ids.Ben, days: everyDay, start: '00:00', end: '00:00', tier: 2 });
    } finally {
      home.close();
    }
  });

  afterAll(async () => {
    await service?.close();
  });

  /** What each phone was told about alerts, decrypted: [kind, alert tag]. */
  function told(name: keyof typeof phones): Array<[string, string]> {
    return service.requests
      .filter((request) => request.browser === phones[name].id && request.plaintext !== undefined)
      .map((request) => JSON.parse(request.plaintext!.toString('utf8')) as PushPayload)
      .filter((payload) => payload.kind !== 'digest')
      .map((payload) => [payload.kind, payload.tag]);
  }

  /** The ladder's entries in the alert's timeline, as recorded: [kind, user id, step, at]. */
  function ladder(): Array<{ kind: string; userId: number | null; step: number; at: number; reason?: string }> {
    const db = new Database(path.join(dataDir, 'homeward.db'), { readonly: true });
    try {
      return (
        db
          .prepare("SELECT kind, user_id AS userId, at, details FROM alert_events WHERE kind IN ('notified', 'escalated') ORDER BY id")
          .all() as Array<{ kind: string; userId: number | null; at: number; details: string }>
      ).map(({ details, ...row }) => {
        const parsed = JSON.parse(details) as { step: number; reason?: string };
        return { ...row, step: parsed.step, ...(parsed.reason === undefined ? {} : { reason: parsed.reason }) };
      });
    } finally {
      db.close();
    }
  }

  it('killed after the first person was told, restarted before ackWithin: the second is told at the original time, once, and the first not again', async () => {
    const clock = fakeClock(scratch, new Date().toISOString());
    const env = {
      ...clock.env,
      ...pushingHubEnv(scratch, service),
      HOMEWARD_DATA_DIR: dataDir,
    };
    const { mqttPort } = await start(env);
    const frontDoor = await connectDevice(dataDir, mqttPort, 'front-door');
    await frontDoor.publishAsync('homeward/devices/front-door/door', '{"open":true}', { qos: 1 });
    await frontDoor.endAsync();

    // Anna, on call first, is told; the step is recorded (only then is it safe from being taken again).
    const first = await until('the first step to be recorded', () => ladder().find((entry) => entry.kind === 'notified' && entry.step === 0));
    expect(first.userId).toBe(ids.Anna);
    const [alert] = storedAlerts(dataDir);
    expect(alert?.type).toBe('night-exit');
    const tag = told('Anna')[0]?.[1];
    expect(told('Anna')).toEqual([['alert', tag]]);
    await kill();

    // Down for almost five minutes; back six seconds before Ben is due.
    const due = first.at + 5 * M;
    clock.set(new Date(due - LEAD_MS).toISOString());
    const { httpPort } = await start(env);
    // The restarted hub was running before the step was due, and had taken nothing yet.
    await evaluatedPast(httpPort, due - LEAD_MS);
    const upTo = await evaluatedUpTo(httpPort);
    expect(upTo, 'the hub came up after the step was due: nothing left to show').toBeLessThan(due);
    expect(ladder().filter((entry) => entry.step > 0)).toEqual([]);

    const second = await until('the second step to be recorded', () => {
      const entries = ladder();
      // A ladder started again from the beginning tells Anna again at once: say so, rather than time out.
      if (entries.filter((entry) => entry.step === 0).length > 1 || told('Anna').length > 1) throw new Error(`the ladder started again: ${JSON.stringify(entries)}`);
      return entries.find((entry) => entry.kind === 'notified' && entry.step === 1);
    });
    await until("Ben's push", () => (told('Ben').length > 0 ? true : undefined));
    // At its original time: not before the five minutes were up, and within a tick or two of them.
    expect(second.userId).toBe(ids.Ben);
    expect(second.at).toBeGreaterThanOrEqual(due);
    expect(second.at - due).toBeLessThanOrEqual(2 * S);
    // Not from the beginning, not skipped, nobody twice: step 0 to Anna, step 1 to Ben, each once.
    expect(ladder().map(({ kind, userId, step, reason }) => [kind, userId, step, reason])).toEqual([
      ['notified', ids.Anna, 0, undefined],
      ['notified', ids.Ben, 1, undefined],
      ['escalated', null, 1, 'not-acknowledged'],
    ]);
    expect(told('Anna')).toEqual([['alert', tag]]);
    expect(told('Ben')).toEqual([['escalation', tag]]);
    expect(told('Olive')).toEqual([]);
    // Every push was a real one: signed by the hub's VAPID key.
    expect(service.requests.every((request) => request.vapid?.signatureValid === true)).toBe(true);
  }, 30_000);
});

describe('restart mid-dose-window (issue 4; issue 10)', () => {
  const household: Household = {
    home: { name: 'Mid-window', timezone: 'Europe/London' },
    person: { name: 'Margaret' },
    devices: [{ id: 'pillbox', name: 'Pill box', kind: 'pillbox', source: 'native', compartments: 2 }],
    rules: { medication: [{ name: 'Morning tablets', at: '08:00', window: '5m', compartment: 1 }] },
  };

  it('a window opened before the kill raises its missed dose at at+window, once, after the restart', async () => {
    const dataDir = homeWith(household);
    dirs.push(dataDir);
    // The window opened at 07:55; the hub judges into it, then dies.
    const clock = fakeClock(dataDir, '2026-01-15T07:58:00Z');
    const env = { ...clock.env, HOMEWARD_DATA_DIR: dataDir };
    let { httpPort } = await start(env);
    await evaluatedPast(httpPort, Date.parse('2026-01-15T07:58:00Z'));
    await kill();
    expect(storedAlerts(dataDir)).toEqual([]);

    // Back before the window ends: raised as the end passes, not before, not late.
    const end = Date.parse('2026-01-15T08:05:00Z');
    clock.set(new Date(end - LEAD_MS).toISOString());
    ({ httpPort } = await start(env));
    const { alerts, sawItBefore } = await watchDeadline(httpPort, dataDir, end, 'missed-dose:', end - LEAD_MS);
    expect(sawItBefore, 'the hub came up after the window ended: nothing left to show').toBe(true);
    expect(alerts).toEqual([{ key: 'missed-dose:morning-tablets:2026-01-15', type: 'missed-dose', severity: 'warning', raisedAt: end }]);

    // Killed again and restarted well after: not raised a second time.
    await kill();
    clock.set('2026-01-15T08:30:00Z');
    ({ httpPort } = await start(env));
    await evaluatedPast(httpPort, Date.parse('2026-01-15T08:30:00Z'));
    expect(storedAlerts(dataDir).filter((alert) => alert.key.startsWith('missed-dose:'))).toHaveLength(1);
  }, 30_000);
});
