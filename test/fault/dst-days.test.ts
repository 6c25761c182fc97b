import type { MqttClient } from 'mqtt';
import { describe, it } from 'vitest';
import type { Household } from '../../src/core/household.js';
import { fakeClock, type FakeClock } from '../support/fake-clock-process.js';
import { connectDevice, homeWith, startHubProcess, type RunningHub } from '../support/faked-hub.js';
import { evaluatedPast, storedAlerts, watchDeadline, type StoredAlert } from '../support/rule-watch.js';

/**
 * Issue 10, "Clock jumps of ±12 h and DST days under faketime: every deadline evaluated exactly once".
 * The built hub in its own process, its wall clock on the two days London changes its clocks in 2026,
 * moved by libfaketime through the night. The care plan has a dose at 01:30 — a time that does not
 * happen on the spring day and happens twice on the autumn one — and a night of 22:00–07:00, which
 * both changes fall inside. local-time.ts gives the intended answers: a missing 01:30 moves forward by
 * the gap (02:30 BST), a doubled one is the first; the night is 22:00–07:00 on the home's wall clock.
 * Every deadline is watched as it passes (test/support/rule-watch.ts): raised once the hub has judged
 * past it, never before, and never again.
 */
/** After a clock move the hub ticks within a second: set the clock this long before a deadline, to see it wait. */
const LEAD_MS = 1500;
const TOO_LONG_MS = 10 * 60_000;
const at = (iso: string) => Date.parse(iso);

const household: Household = {
  home: { name: 'DST', timezone: 'Europe/London' },
  person: { name: 'Margaret' },
  devices: [
    { id: 'front-door', name: 'Front door', kind: 'door', source: 'native', exit: true },
    { id: 'pillbox', name: 'Pill box', kind: 'pillbox', source: 'native' },
  ],
  rules: {
    night: { start: '22:00', end: '07:00' },
    doorOpenTooLong: '10m',
    medication: [{ name: 'Night tablets', at: '01:30', window: '5m' }],
  },
};

/** One DST night: a hub of its own, on its own faked clock, so the two days run side by side. */
interface Night {
  dataDir: string;
  clock: FakeClock;
  hub: RunningHub;
  door: MqttClient;
}

async function night(startIso: string, finished: (cleanup: () => Promise<void>) => void): Promise<Night> {
  const dataDir = homeWith(household);
  const clock = fakeClock(dataDir, startIso);
  const hub = await startHubProcess({ ...clock.env, HOMEWARD_DATA_DIR: dataDir });
  finished(async () => {
    hub.process.child.kill('SIGKILL');
    await hub.process.exited;
  });
  const door = await connectDevice(dataDir, hub.mqttPort, 'front-door');
  finished(() => door.endAsync(true));
  return { dataDir, clock, hub, door };
}

/** Sets the hub's clock `LEAD_MS` before `deadline` and watches it pass. */
async function deadlinePasses({ dataDir, clock, hub }: Night, deadline: number, keyPrefix: string): Promise<StoredAlert[]> {
  clock.set(new Date(deadline - LEAD_MS).toISOString());
  const { alerts, sawItBefore } = await watchDeadline(hub.httpPort, dataDir, deadline, keyPrefix, deadline - LEAD_MS);
  if (!sawItBefore) throw new Error(`the hub was not seen before ${new Date(deadline).toISOString()}`);
  return alerts;
}

/** Moves the hub's clock to `iso` and waits until it has judged up to there. */
async function clockTo({ clock, hub }: Night, iso: string): Promise<void> {
  clock.set(iso);
  await evaluatedPast(hub.httpPort, at(iso));
}

/**
 * The front door opens at `iso` by the hub's clock and the sensor's own stamp ("ts"), and stays open
 * until its door-open-too-long deadline has been judged (how the test knows the opening was evaluated
 * in full); then it closes. Returns the night exit raised for the opening, if any.
 */
async function doorOpensAt(home: Night, iso: string): Promise<StoredAlert | undefined> {
  home.clock.set(iso);
  await home.door.publishAsync('homeward/devices/front-door/door', JSON.stringify({ open: true, ts: at(iso) / 1000 }), { qos: 1 });
  const tooLong = await deadlinePasses(home, at(iso) + TOO_LONG_MS, `door-open-too-long:front-door:${at(iso)}`);
  if (tooLong.length !== 1) throw new Error(`${tooLong.length} door-open-too-long alerts for the opening at ${iso}`);
  await home.door.publishAsync('homeward/devices/front-door/door', JSON.stringify({ open: false }), { qos: 1 });
  return storedAlerts(home.dataDir).find((alert) => alert.key === `night-exit:front-door:${at(iso)}`);
}

const summary = (dataDir: string) => storedAlerts(dataDir).map((alert) => [alert.type, alert.severity, new Date(alert.raisedAt).toISOString()]);

describe('DST days in Europe/London (whole process, libfaketime)', () => {
  it.concurrent('spring forward (29 March, 01:00 GMT → 02:00 BST): the 01:30 dose is due at 02:30 BST, judged once; the night ends at 07:00 BST', async ({ expect, onTestFinished }) => {
    const home = await night('2026-03-29T00:50:00Z', onTestFinished);

    // 00:55 GMT: a night exit; ten minutes later it is 02:05 BST, still night — an urgent deadline across the change.
    expect(await doorOpensAt(home, '2026-03-29T00:55:00Z')).toBeDefined();
    // 01:30 does not happen today: the dose is due at 02:30 BST (01:30 UTC), its window ends at 01:35 UTC.
    await deadlinePasses(home, at('2026-03-29T01:35:00Z'), 'missed-dose:');
    // 06:50 BST (05:50 UTC) is night by the home's clock; 07:10 BST (06:10 UTC) is not, though 06:10 GMT would be.
    expect(await doorOpensAt(home, '2026-03-29T05:50:00Z')).toBeDefined();
    expect(await doorOpensAt(home, '2026-03-29T06:10:00Z')).toBeUndefined();
    // Later in the day: nothing more comes of the night.
    await clockTo(home, '2026-03-29T12:00:00Z');

    expect(summary(home.dataDir)).toEqual([
      ['night-exit', 'urgent', '2026-03-29T00:55:00.000Z'],
      ['door-open-too-long', 'urgent', '2026-03-29T01:05:00.000Z'],
      ['missed-dose', 'warning', '2026-03-29T01:35:00.000Z'],
      ['night-exit', 'urgent', '2026-03-29T05:50:00.000Z'],
      // 06:00 UTC is 07:00 BST: the night is over, so a person soon, not someone woken.
      ['door-open-too-long', 'warning', '2026-03-29T06:00:00.000Z'],
      ['door-open-too-long', 'warning', '2026-03-29T06:20:00.000Z'],
    ]);
    expect(storedAlerts(home.dataDir).find((alert) => alert.type === 'missed-dose')?.key).toBe('missed-dose:night-tablets:2026-03-29');
  }, 30_000);

  it.concurrent('fall back (25 October, 02:00 BST → 01:00 GMT): the 01:30 dose is the first 01:30, judged once and not again an hour later; the night ends at 07:00 GMT', async ({ expect, onTestFinished }) => {
    const home = await night('2026-10-25T00:20:00Z', onTestFinished);

    // The first 01:30 is 01:30 BST (00:30 UTC): the window ends at 00:35 UTC.
    await deadlinePasses(home, at('2026-10-25T00:35:00Z'), 'missed-dose:');
    // 01:58 BST: a night exit; ten minutes later it is 01:08 GMT — an urgent deadline across the change.
    expect(await doorOpensAt(home, '2026-10-25T00:58:00Z')).toBeDefined();
    // The clocks have gone back and 01:35 comes round again (01:35 GMT): nothing more for the dose.
    await clockTo(home, '2026-10-25T01:35:30Z');
    // 06:30 GMT is night by the home's clock (07:30 BST would not be); 07:10 GMT is not.
    expect(await doorOpensAt(home, '2026-10-25T06:30:00Z')).toBeDefined();
    expect(await doorOpensAt(home, '2026-10-25T07:10:00Z')).toBeUndefined();
    await clockTo(home, '2026-10-25T12:00:00Z');

    expect(summary(home.dataDir)).toEqual([
      ['missed-dose', 'warning', '2026-10-25T00:35:00.000Z'],
      ['night-exit', 'urgent', '2026-10-25T00:58:00.000Z'],
      ['door-open-too-long', 'urgent', '2026-10-25T01:08:00.000Z'],
      ['night-exit', 'urgent', '2026-10-25T06:30:00.000Z'],
      ['door-open-too-long', 'urgent', '2026-10-25T06:40:00.000Z'],
      ['door-open-too-long', 'warning', '2026-10-25T07:20:00.000Z'],
    ]);
    expect(storedAlerts(home.dataDir).find((alert) => alert.type === 'missed-dose')?.key).toBe('missed-dose:night-tablets:2026-10-25');
  }, 30_000);
});
