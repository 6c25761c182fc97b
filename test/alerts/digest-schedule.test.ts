import { rmSync } from 'node:fs';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Role } from '../../src/accounts/roles.js';
import { createDigestSchedule, digestSentKey, type DigestMessage } from '../../src/alerts/digest-schedule.js';
import { withDefaults } from '../../src/circle/preferences.js';
import { createManualClock } from '../../src/core/clock.js';
import { createHub } from '../../src/hub.js';
import type { NotificationChannel, Recipient } from '../../src/notify/channel.js';
import { checkMessage } from '../../src/notify/notifier.js';
import { GOOD_PASSWORD, startAccountsHub, type AccountsHub } from '../accounts/accounts-hub.js';
import { testHousehold } from '../support/households.js';
import { testDataDir, testHubConfig } from '../support/test-hub.js';
import { recordingLogger } from '../support/recording-logger.js';

/**
 * Each member's digest at their own local time, once per date (issue 6, item 7): a real hub on a
 * manual clock and its real SQLite file; the schedule ticks when the test says so, and hands each
 * digest to a recording sender (the digest's one dependency on the outside: the notifier).
 */
const at = (iso: string) => Date.parse(iso);

interface Sent {
  recipient: Recipient;
  message: DigestMessage;
}

let hubs: AccountsHub[] = [];
let dirs: string[] = [];
afterEach(async () => {
  for (const hub of hubs) await hub.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  hubs = [];
  dirs = [];
});

async function hubWith(dataDir?: string): Promise<AccountsHub> {
  const t = await startAccountsHub(dataDir === undefined ? {} : { dataDir });
  hubs.push(t);
  if (t.hub.household.view().revision === 0) t.hub.household.import(testHousehold());
  return t;
}

async function member(t: AccountsHub, name: string, role: Role, digest?: { enabled: boolean; at: string }) {
  const user = await t.hub.home.accounts.create({ email: `${name.toLowerCase()}@example.org`, role, password: GOOD_PASSWORD, name });
  if (digest !== undefined) t.hub.api.circle.routes.preferences.replace(user.id, withDefaults({ digest }));
  return user.id;
}

function schedule(t: AccountsHub, send?: (recipient: Recipient, message: DigestMessage) => Promise<unknown>) {
  const sent: Sent[] = [];
  const logged: Array<{ level: string; msg: string | undefined }> = [];
  const facts = t.hub.api.care.routes.digest;
  if (facts === undefined) throw new Error('the hub builds no digest facts');
  const digest = createDigestSchedule({
    store: t.hub.store,
    household: t.hub.household,
    clock: t.clock,
    log: recordingLogger((level, msg) => logged.push({ level, msg })),
    facts,
    preferencesOf: (userId) => t.hub.api.circle.preferencesOf(userId),
    send:
      send ??
      (async (recipient, message) => {
        sent.push({ recipient, message });
      }),
  });
  return { digest, sent, logged };
}

async function tickAt(t: AccountsHub, s: ReturnType<typeof schedule>, iso: string) {
  t.clock.set(at(iso));
  return s.digest.tick();
}

describe('the daily digest schedule', () => {
  it("sends each member yesterday's digest at their own time, once, and none to installers or those who turned it off", async () => {
    const t = await hubWith();
    const olive = await member(t, 'Olive', 'owner');
    const anna = await member(t, 'Anna', 'family', { enabled: true, at: '07:30' });
    await member(t, 'Carol', 'carer', { enabled: false, at: '08:00' });
    await member(t, 'Ian', 'installer');
    const vera = await member(t, 'Vera', 'viewer');
    const gone = await member(t, 'Gina', 'family');
    t.hub.home.accounts.disable(gone);
    const s = schedule(t);

    expect(await tickAt(t, s, '2026-01-16T07:29:59Z')).toEqual([]);
    expect(await tickAt(t, s, '2026-01-16T07:30:00Z')).toEqual([{ userId: anna, date: '2026-01-15', handedOver: true }]);
    expect(await tickAt(t, s, '2026-01-16T07:59:00Z')).toEqual([]);
    await tickAt(t, s, '2026-01-16T08:00:00Z');
    await tickAt(t, s, '2026-01-16T12:00:00Z');

    expect(s.sent.map((m) => m.recipient)).toEqual([
      { userId: anna, name: 'Anna' },
      { userId: olive, name: 'Olive' },
      { userId: vera, name: 'Vera' },
    ]);
    const line = t.hub.api.care.routes.digest?.day('2026-01-15').line;
    expect(line).toBe('no morning activity seen · no night exits');
    const message = s.sent[0]?.message;
    expect(message).toEqual({
      kind: 'digest',
      about: { digest: '2026-01-15' },
      title: 'Margaret · Thursday 15 January',
      body: line,
      severity: 'notice',
      urgency: 'low',
      ttlSeconds: 24 * 3600,
      url: '/digest?date=2026-01-15',
      acknowledgeable: false,
    });
    // What the notifier will accept: checked by its own rules, not a copy of them.
    expect(() => checkMessage(message as DigestMessage)).not.toThrow();
    expect(t.hub.store.settings.get(digestSentKey(anna))?.value).toEqual({ date: '2026-01-15' });

    // The next morning at 08:00, the next day's digest: to everyone whose time has come, Anna's included.
    await tickAt(t, s, '2026-01-17T08:00:00Z');
    expect(s.sent.slice(3).map((m) => [m.recipient.name, m.message.about.digest])).toEqual([
      ['Olive', '2026-01-16'],
      ['Anna', '2026-01-16'],
      ['Vera', '2026-01-16'],
    ]);
  });

  it('waits for the night to end: a digest at 06:00 would say "no night exits" of a night still going', async () => {
    const t = await hubWith();
    await member(t, 'Anna', 'family', { enabled: true, at: '06:00' });
    const s = schedule(t);
    expect(await tickAt(t, s, '2026-01-16T06:30:00Z')).toEqual([]);
    expect(await tickAt(t, s, '2026-01-16T07:00:00Z')).toHaveLength(1);
  });

  it('sends a digest missed while the hub was down when it is back that day, never a stale one the next', async () => {
    const t = await hubWith();
    await member(t, 'Anna', 'family');
    const s = schedule(t);
    expect(await tickAt(t, s, '2026-01-16T15:00:00Z')).toEqual([expect.objectContaining({ date: '2026-01-15' })]);
    // Down from 15:00 until the next afternoon: only that day's digest (of the 16th) goes out.
    expect(await tickAt(t, s, '2026-01-17T16:00:00Z')).toEqual([expect.objectContaining({ date: '2026-01-16' })]);
    expect(s.sent).toHaveLength(2);
  });

  it('sends once per member per date across a restart, and a clock set back sends nothing again', async () => {
    const dataDir = testDataDir();
    dirs.push(dataDir);
    const first = await hubWith(dataDir);
    const anna = await member(first, 'Anna', 'family');
    const before = schedule(first);
    expect(await tickAt(first, before, '2026-01-16T08:00:00Z')).toHaveLength(1);
    await first.stop();

    const second = await hubWith(dataDir);
    const after = schedule(second);
    expect(await tickAt(second, after, '2026-01-16T08:00:30Z')).toEqual([]);
    expect(await tickAt(second, after, '2026-01-16T21:00:00Z')).toEqual([]);
    expect(await tickAt(second, after, '2026-01-17T08:00:00Z')).toEqual([{ userId: anna, date: '2026-01-16', handedOver: true }]);
    // The Pi's clock steps back a day (NTP not synced yet): that date was sent already.
    expect(await tickAt(second, after, '2026-01-16T09:00:00Z')).toEqual([]);
    expect(after.sent).toHaveLength(1);
  });

  it('keeps 08:00 on the hall clock across the change to summer time', async () => {
    const t = await hubWith();
    await member(t, 'Anna', 'family');
    const s = schedule(t);
    // 29 March 2026: 08:00 BST is 07:00 UTC.
    expect(await tickAt(t, s, '2026-03-29T06:59:59Z')).toEqual([]);
    expect(await tickAt(t, s, '2026-03-29T07:00:00Z')).toEqual([expect.objectContaining({ date: '2026-03-28' })]);
    expect(s.sent[0]?.message.title).toBe('Margaret · Saturday 28 March');
  });

  it('sends no digest of a day the hub did not watch from its start: the first is of the first whole day', async () => {
    const t = await hubWith();
    await member(t, 'Anna', 'family');
    // The household is imported at T0 (5 January, 09:00): the 5th was watched only from 09:00.
    const s = schedule(t);
    expect(await tickAt(t, s, '2026-01-06T08:00:00Z')).toEqual([]);
    expect(await tickAt(t, s, '2026-01-07T08:00:00Z')).toEqual([expect.objectContaining({ date: '2026-01-06' })]);
  });

  it('records a sender that fails, and does not send that digest again', async () => {
    const t = await hubWith();
    const anna = await member(t, 'Anna', 'family');
    let calls = 0;
    const s = schedule(t, async () => {
      calls++;
      throw new Error('push service unreachable');
    });
    expect(await tickAt(t, s, '2026-01-16T08:00:00Z')).toEqual([{ userId: anna, date: '2026-01-15', handedOver: false }]);
    expect(s.logged).toContainEqual({ level: 'warn', msg: 'daily digest could not be sent' });
    expect(await tickAt(t, s, '2026-01-16T08:01:00Z')).toEqual([]);
    expect(calls).toBe(1);
  });

  it('is started by the hub and goes through its notifier: a digest due at start goes out with the first tick', async () => {
    const dataDir = testDataDir();
    dirs.push(dataDir);
    const received: Sent[] = [];
    let firstReceived: () => void = () => {};
    const first = new Promise<void>((resolve) => {
      firstReceived = resolve;
    });
    const channel: NotificationChannel = {
      id: 'recording',
      async send(recipient, message) {
        received.push({ recipient, message: message as DigestMessage });
        firstReceived();
        return { status: 'delivered' };
      },
    };
    const clock = createManualClock(at('2026-01-14T15:00:00Z'));
    const hub = await createHub({ config: testHubConfig(dataDir, 'silent'), log: pino({ level: 'silent' }), clock, channels: [channel] });
    try {
      hub.household.import(testHousehold());
      clock.set(at('2026-01-16T09:00:00Z'));
      const anna = await hub.home.accounts.create({ email: 'anna@example.org', role: 'family', password: GOOD_PASSWORD, name: 'Anna' });
      await hub.start();
      expect(hub.store.settings.get(digestSentKey(anna.id))?.value).toEqual({ date: '2026-01-15' });
      await first;
      expect(received).toHaveLength(1);
      expect(received[0]?.recipient).toEqual({ userId: anna.id, name: 'Anna' });
      expect(received[0]?.message).toMatchObject({ kind: 'digest', about: { digest: '2026-01-15' }, urgency: 'low', body: 'no morning activity seen · no night exits' });
    } finally {
      await hub.stop();
    }
  });
});
