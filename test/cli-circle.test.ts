import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../src/accounts/roles.js';
import { createAlertService } from '../src/alerts/alert-service.js';
import type { AlertDraft } from '../src/core/alerts.js';
import { createEventBus } from '../src/core/event-bus.js';
import type { Household } from '../src/core/household.js';
import { createMetricsRegistry } from '../src/core/metrics.js';
import { openHome } from '../src/hub.js';
import { STATE_TOPIC } from '../src/integrations/home-assistant.js';
import { testHousehold } from './support/households.js';
import { runCli, freePort, spawnHub, waitForPort } from './support/hub-process.js';
import { connectClient } from './support/mqtt-clients.js';
import { recordingLogger } from './support/recording-logger.js';
import { testDataDir, testHubConfig } from './support/test-hub.js';
import { openEventStream } from './http/sse-client.js';
import { watch } from './integrations/mqtt-watch.js';

/**
 * `homeward alerts | ack | resolve | note add | notes | rota | rota add | away` (issue 6, item 10), run
 * as the built command, as a script or a person over SSH would: roles held to the permission table,
 * exit codes 0 done / 2 refused, nothing changed / 3 not found; and against a running hub process,
 * whose memory, MQTT subscribers and API learn of the change within a second.
 */
const homeward = runCli;

const PASSWORD = 'kettle on the windowsill 7';
const NAMES: Record<Role, string> = { owner: 'Olive', family: 'Anna', carer: 'Carol', installer: 'Ian', viewer: 'Vera' };
const email = (role: Role) => `${role}@example.org`;
const roles: Role[] = ['owner', 'family', 'carer', 'installer', 'viewer'];

/** A data directory with the test household and one member of each role, written as another process would. */
async function household(document: Household = testHousehold()): Promise<string> {
  const dataDir = testDataDir();
  const home = openHome(testHubConfig(dataDir, 'silent'));
  try {
    home.household.import(document);
    for (const role of roles) await home.accounts.create({ email: email(role), name: NAMES[role], role, password: PASSWORD });
  } finally {
    home.close();
  }
  return dataDir;
}

let keys = 0;
/** Raises alerts in the data directory as the hub's rules do (one transaction, announced to nobody here). */
function raise(dataDir: string, drafts: Array<Partial<AlertDraft> & Pick<AlertDraft, 'type'>>): string[] {
  const home = openHome(testHubConfig(dataDir, 'silent'));
  try {
    const alerts = createAlertService({ store: home.store, bus: createEventBus(() => undefined), log: recordingLogger(() => undefined), alertsTotal: createMetricsRegistry().counter('x', 'x') });
    const full = drafts.map((d): AlertDraft => ({ key: `${d.type}:cli:${++keys}`, severity: 'urgent', at: Date.now(), title: `${d.type} for the CLI test`, details: {}, deviceId: 'front-door', ...d }));
    alerts.commit({ raise: full, clear: [], doses: [] });
    return full.map((d) => home.store.alerts.byKey(d.key)!.id);
  } finally {
    home.close();
  }
}

function readHome<T>(dataDir: string, read: (home: ReturnType<typeof openHome>) => T): T {
  const home = openHome(testHubConfig(dataDir, 'silent'));
  try {
    return read(home);
  } finally {
    home.close();
  }
}

describe('homeward CLI: the care circle', () => {
  let dataDir: string;
  const at = (args: string[]) => homeward([...args, '--data-dir', dataDir]);

  beforeAll(async () => {
    dataDir = await household();
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('has --help on every command (exit 0), lists them in homeward --help, and refuses what it does not know (exit 2)', async () => {
    for (const args of [['alerts'], ['ack'], ['resolve'], ['note', 'add'], ['notes'], ['rota'], ['rota', 'add'], ['away']]) {
      const run = await homeward([...args, '--help']);
      expect(run.code, args.join(' ')).toBe(0);
      expect(run.stdout, args.join(' ')).toMatch(new RegExp(`^Usage: homeward ${args.join(' ')}`));
    }
    const main = await homeward(['--help']);
    for (const command of ['alerts', 'ack ALERT_ID --as EMAIL', 'resolve ALERT_ID', 'note add TEXT', 'notes', 'rota add EMAIL', 'away EMAIL']) expect(main.stdout).toContain(command);
    expect((await at(['note'])).code).toBe(2);
    expect((await at(['rota', 'remove'])).code).toBe(2);
    expect((await at(['alerts', '--colour'])).code).toBe(2);
  });

  it('alerts: open ones (or --all), who is on each, never a position; --json in the API\'s shape', async () => {
    const [zone, door] = raise(dataDir, [{ type: 'left-safe-zone', deviceId: 'mum-phone', details: { lat: 51.5213, lon: -0.1399, accuracyM: 12, zone: 'home' } }, { type: 'night-exit' }]);
    const run = await at(['alerts', '--json']);
    expect(run.code).toBe(0);
    const { alerts } = JSON.parse(run.stdout) as { alerts: Array<Record<string, unknown>> };
    expect(alerts.map((a) => a.id)).toEqual(expect.arrayContaining([zone, door]));
    expect(alerts.find((a) => a.id === zone)).toMatchObject({ type: 'left-safe-zone', status: 'open', details: { zone: 'home' }, acknowledgedBy: null });
    expect(run.stdout).not.toMatch(/51\.52|0\.139/);
    const text = await at(['alerts']);
    expect(text.stdout).toContain(`[${door!}]`);
    expect(text.stdout).not.toMatch(/51\.52/);
    expect((await at(['alerts', '--as', email('installer')])).code).toBe(2); // installers have faults.read, not alerts.read
    expect((await at(['alerts', '--as', email('viewer')])).code).toBe(0);
  });

  it('ack: "I\'m on it" as a member who may act; a viewer or installer is refused with 2 and nothing changes; unknown alert or account 3', async () => {
    const [alert] = raise(dataDir, [{ type: 'night-exit' }]);
    for (const role of ['viewer', 'installer'] as const) {
      const refused = await at(['ack', alert!, '--as', email(role)]);
      expect(refused.code, role).toBe(2);
      expect(refused.stderr, role).toContain('alerts.act');
    }
    expect(readHome(dataDir, (home) => home.store.alerts.byId(alert!)?.acknowledgedAt)).toBeNull();
    expect((await at(['ack', alert!])).code).toBe(2); // who is on it must be said
    expect((await at(['ack', alert!, '--as', 'nobody@example.org'])).code).toBe(3);
    expect((await at(['ack', 'no-such-alert', '--as', email('family')])).code).toBe(3);

    const run = await at(['ack', alert!, '--as', email('family'), '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ first: true, alert: { id: alert, acknowledgedBy: { name: 'Anna' } } });
    const second = await at(['ack', alert!, '--as', email('carer')]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('Anna was on it first');
    readHome(dataDir, (home) => {
      const events = home.store.alertEvents.forAlert(alert!).filter((e) => e.kind === 'acknowledged');
      expect(events.map((e) => e.userName)).toEqual(['Anna', 'Carol']);
      expect(home.store.audit.recent(20).filter((e) => e.action === 'alert.acknowledged' && e.target === `alert:${alert!}`)).toHaveLength(2);
    });
  });

  it('resolve: needs a note (exit 2), resolves with it and closes the incident with its last alert; a resolved alert is 2', async () => {
    const [alert] = raise(dataDir, [{ type: 'night-exit', at: Date.now() + 5 * 3_600_000 }]);
    expect((await at(['resolve', alert!, '--as', email('carer')])).code).toBe(2);
    expect((await at(['resolve', alert!, '--as', email('carer'), '--note', '   '])).code).toBe(2);
    expect((await at(['resolve', alert!, '--as', email('viewer'), '--note', 'fine'])).code).toBe(2);
    expect(readHome(dataDir, (home) => home.store.alerts.byId(alert!)?.status)).toBe('open');
    const run = await at(['resolve', alert!, '--as', email('carer'), '--note', 'found her at the church, home safe', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ alert: { status: 'resolved', resolution: 'found her at the church, home safe', resolvedBy: { name: 'Carol' } } });
    const incidentId = readHome(dataDir, (home) => home.store.alerts.byId(alert!)!.incidentId!);
    expect(readHome(dataDir, (home) => home.store.incidents.byId(incidentId))).toMatchObject({ status: 'closed', resolution: 'found her at the church, home safe' });
    const again = await at(['resolve', alert!, '--as', email('carer'), '--note', 'again']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already resolved');
  });

  it('note add and notes: by kind, newest first; a viewer reads but may not write, an installer may not read', async () => {
    expect((await at(['note', 'add', 'Slept', 'badly,', 'up at 4', '--as', email('carer')])).code).toBe(0);
    const visit = await at(['note', 'add', 'Visited, she enjoyed talking about the garden', '--kind', 'visit', '--as', email('family'), '--json']);
    expect(visit.code).toBe(0);
    expect(JSON.parse(visit.stdout)).toMatchObject({ kind: 'visit', author: { name: 'Anna' } });
    expect((await at(['note', 'add', 'Hello', '--kind', 'gossip', '--as', email('family')])).code).toBe(2);
    expect((await at(['note', 'add', 'Hello', '--as', email('viewer')])).code).toBe(2);
    expect((await at(['note', 'add', '   ', '--as', email('family')])).code).toBe(2);
    expect((await at(['notes', '--as', email('installer')])).code).toBe(2);

    const run = await at(['notes', '--json', '--as', email('viewer')]);
    expect(run.code).toBe(0);
    const { notes } = JSON.parse(run.stdout) as { notes: Array<{ kind: string; text: string; author: { name: string } }> };
    expect(notes.slice(0, 2).map((n) => [n.kind, n.text, n.author.name])).toEqual([
      ['visit', 'Visited, she enjoyed talking about the garden', 'Anna'],
      ['note', 'Slept badly, up at 4', 'Carol'],
    ]);
    expect((await at(['notes'])).stdout).toContain('Carol: Slept badly, up at 4');
  });

  it('rota add and rota: a shift arranged by the owner or family, who is on call now; refusals exit 2', async () => {
    const everyDay = 'mon,tue,wed,thu,fri,sat,sun';
    expect((await at(['rota', 'add', email('carer'), '--days', everyDay, '--from', '00:00', '--to', '00:00', '--as', email('carer')])).code).toBe(2); // rota.manage
    expect((await at(['rota', 'add', email('viewer'), '--days', everyDay, '--from', '00:00', '--to', '00:00', '--as', email('owner')])).code).toBe(2); // cannot be on call
    expect((await at(['rota', 'add', email('carer'), '--days', 'mon,funday', '--from', '22:00', '--to', '07:00', '--as', email('owner')])).code).toBe(2);
    expect((await at(['rota', 'add', email('carer'), '--days', 'mon', '--from', '25:00', '--to', '07:00', '--as', email('owner')])).code).toBe(2);
    expect((await at(['rota', 'add', email('carer'), '--days', 'mon', '--from', '22:00', '--to', '07:00', '--tier', '9', '--as', email('owner')])).code).toBe(2);
    expect((await at(['rota', 'add', 'nobody@example.org', '--days', 'mon', '--from', '22:00', '--to', '07:00', '--as', email('owner')])).code).toBe(3);

    const added = await at(['rota', 'add', email('carer'), '--days', everyDay, '--from', '00:00', '--to', '00:00', '--as', email('family'), '--json']);
    expect(added.code).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ days: everyDay.split(','), start: '00:00', end: '00:00', tier: 1 });
    const backup = await at(['rota', 'add', email('family'), '--days', everyDay, '--from', '00:00', '--to', '00:00', '--tier', '2', '--as', email('owner')]);
    expect(backup.code).toBe(0);
    const overlap = await at(['rota', 'add', email('carer'), '--days', 'mon', '--from', '22:00', '--to', '07:00', '--as', email('owner')]);
    expect(overlap.code).toBe(2);
    expect(overlap.stderr).toContain('overlaps');

    const run = await at(['rota', '--json']);
    expect(run.code).toBe(0);
    const rota = JSON.parse(run.stdout) as { timezone: string; shifts: Array<{ email: string; tier: number }>; onCall: Array<{ tier: number; members: Array<{ name: string }> }> };
    expect(rota.timezone).toBe('Europe/London');
    expect(rota.shifts.map((s) => [s.email, s.tier])).toEqual([
      [email('carer'), 1],
      [email('family'), 2],
    ]);
    expect(rota.onCall).toEqual([
      { tier: 1, members: [expect.objectContaining({ name: 'Carol' })] },
      { tier: 2, members: [expect.objectContaining({ name: 'Anna' })] },
    ]);
    expect((await at(['rota'])).stdout).toContain('On call now: tier 1: Carol; tier 2: Anna');
  });

  it('away: a member marks themselves away and the rota skips them; someone else needs the owner; back with --clear', async () => {
    const until = new Date(Date.now() + 2 * 86_400_000).toISOString();
    expect((await at(['away', email('carer'), '--until', until, '--as', email('family')])).code).toBe(2); // people.manage
    expect((await at(['away', email('carer'), '--until', 'next tuesday'])).code).toBe(2);
    expect((await at(['away', email('carer'), '--until', '2020-01-01T00:00:00Z'])).code).toBe(2);
    expect((await at(['away', email('carer')])).code).toBe(2);

    const run = await at(['away', email('carer'), '--until', until, '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ away: { until } });
    const onCall = async () => (JSON.parse((await at(['rota', '--json'])).stdout) as { onCall: Array<{ tier: number; members: Array<{ name: string }> }> }).onCall;
    expect(await onCall()).toEqual([{ tier: 2, members: [expect.objectContaining({ name: 'Anna' })] }]);
    expect((await at(['away', email('carer'), '--clear', '--as', email('owner')])).code).toBe(0);
    expect((await onCall()).map((t) => t.tier)).toEqual([1, 2]);
  });
});

/** A night window around the present hour (UTC), so a real door opening now is a night exit. */
function nightAroundNow(): { start: string; end: string } {
  const hour = new Date().getUTCHours();
  const pad = (h: number) => `${String((h + 24) % 24).padStart(2, '0')}:00`;
  return { start: pad(hour - 1), end: pad(hour + 2) };
}

describe('homeward CLI against a running hub process', () => {
  it('an acknowledgement, a resolution and a note made by the CLI reach the running hub within a second', async () => {
    const document = testHousehold();
    document.home.timezone = 'UTC';
    document.rules = { ...document.rules, night: nightAroundNow() };
    const dataDir = await household(document);
    const mqttPort = await freePort();
    const httpPort = await freePort();
    const hub = spawnHub({ HOMEWARD_DATA_DIR: dataDir, HOMEWARD_MQTT_PORT: String(mqttPort), HOMEWARD_HTTP_PORT: String(httpPort) });
    try {
      await waitForPort(mqttPort, undefined, hub);
      await waitForPort(httpPort, undefined, hub);
      const credential = (id: string) => JSON.parse(readHome(dataDir, (home) => JSON.stringify(home.credentials.reveal(id)))) as { username: string; password: string };
      const t = { mqttUrl: `mqtt://127.0.0.1:${mqttPort}`, credential };
      const ha = await watch(t, ['homeward/#']);
      // A member's live view (the dashboard's server-sent events), opened with a script's token.
      const { token } = JSON.parse((await homeward(['user', 'token', email('viewer'), '--json', '--data-dir', dataDir])).stdout) as { token: string };
      const live = await openEventStream(httpPort, { authorization: `Bearer ${token}` });
      expect(live.status).toBe(200);

      // The front door opens in the night: the hub raises a night exit.
      const door = await connectClient(t.mqttUrl, { ...credential('front-door'), clientId: 'front-door' });
      await door.publishAsync('homeward/devices/front-door/door', JSON.stringify({ open: true }), { qos: 1 });
      await door.endAsync();
      const state = () => ha.json<{ open: number; alerts: Array<{ id: string; acknowledged_by: string | null }> }>(STATE_TOPIC);
      expect(await ha.until(() => state()?.open === 1)).toBe(true);
      const alertId = state()!.alerts[0]!.id;

      // "I'm on it" from the command line: the hub's memory (the state it publishes) says so within a second or two.
      const acked = await homeward(['ack', alertId, '--as', email('family'), '--data-dir', dataDir]);
      expect(acked.code).toBe(0);
      expect(await ha.until(() => state()?.alerts[0]?.acknowledged_by === 'Anna', 5000)).toBe(true);
      expect(ha.json<{ acknowledgedBy: { name: string } }>(`homeward/alerts/${alertId}`)?.acknowledgedBy.name).toBe('Anna');

      // Resolved from the command line: nothing open in the hub's memory, the incident closed on MQTT.
      const resolved = await homeward(['resolve', alertId, '--as', email('carer'), '--note', 'door closed, she is asleep', '--data-dir', dataDir]);
      expect(resolved.code).toBe(0);
      expect(await ha.until(() => state()?.open === 0, 5000)).toBe(true);
      const incidentId = ha.json<{ incidentId: string }>(`homeward/alerts/${alertId}`)!.incidentId;
      expect(await ha.until(() => ha.json<{ status: string }>(`homeward/incidents/${incidentId}`)?.status === 'closed', 5000)).toBe(true);
      expect(ha.json(`homeward/incidents/${incidentId}`)).toMatchObject({ resolution: 'door closed, she is asleep', resolvedBy: { name: 'Carol' } });

      // The API of the running hub agrees, asked with a script's token.
      const open = (await (await fetch(`http://127.0.0.1:${httpPort}/api/alerts?status=open`, { headers: { authorization: `Bearer ${token}` } })).json()) as { alerts: unknown[] };
      expect(open.alerts).toEqual([]);

      // A note written from the command line reaches every live view of the care log.
      const noted = await homeward(['note', 'add', 'Handed over to Anna at 07:00', '--kind', 'handover', '--as', email('carer'), '--data-dir', dataDir]);
      expect(noted.code).toBe(0);
      const event = await Promise.race([
        live.next((e) => e.event === 'care-log' && (e.data as { note?: { text?: string } }).note?.text === 'Handed over to Anna at 07:00'),
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 5000)),
      ]);
      expect(event?.data).toMatchObject({ change: 'added', note: { kind: 'handover', author: { name: 'Carol' } } });
      // The acknowledgement and the resolution reached the live views too, once each.
      const alertEvents = live.named('alert').map((e) => e.data as { id: string; status: string; acknowledgedBy: { name: string } | null });
      expect(alertEvents.filter((a) => a.id === alertId).map((a) => [a.status, a.acknowledgedBy?.name ?? null])).toEqual([
        ['open', null],
        ['open', 'Anna'],
        ['resolved', 'Anna'],
      ]);
      live.close();
      await ha.end();
    } finally {
      hub.child.kill('SIGTERM');
      expect((await hub.exited).code).toBe(0);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
