import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAlertService } from '../../src/alerts/alert-service.js';
import { createCareServices } from '../../src/alerts/care-services.js';
import { runCli } from '../../src/cli.js';
import { systemClock } from '../../src/core/clock.js';
import { createEventBus, type HubEvents } from '../../src/core/event-bus.js';
import { createMetricsRegistry } from '../../src/core/metrics.js';
import { openHome, type Home } from '../../src/hub.js';
import { createChangesFromCli, type ChangesFromCli } from '../../src/integrations/changes-from-cli.js';
import { testHousehold } from '../support/households.js';
import { recordingLogger } from '../support/recording-logger.js';
import { testDataDir, testHubConfig } from '../support/test-hub.js';

/**
 * What the CLI changes while the hub runs reaches the hub's memory and bus (issue 6, item 10), once,
 * and the hub's own changes are never announced twice. "The hub" here is its alert service and this
 * watcher over one connection; the CLI runs in this process over its own connection, as it would in
 * its own process; the hub's once-a-second poll is called by hand.
 */
describe('changes made by the CLI reach the running hub', () => {
  let dataDir: string;
  let home: Home;
  let changes: ChangesFromCli;
  let events: Array<{ name: keyof HubEvents; payload: unknown }>;
  let hub: { alerts: ReturnType<typeof createAlertService>; care: ReturnType<typeof createCareServices> };
  const cli = async (...args: string[]) => {
    const out: string[] = [];
    const code = await runCli([...args, '--data-dir', dataDir], {}, { out: (text) => out.push(text), err: (text) => out.push(text) });
    expect(code, out.join('\n')).toBe(0);
  };
  const named = (name: keyof HubEvents) => events.filter((e) => e.name === name).map((e) => e.payload);

  beforeEach(async () => {
    dataDir = testDataDir();
    home = openHome(testHubConfig(dataDir, 'silent'));
    home.household.import(testHousehold());
    for (const [name, role] of [['Anna', 'family'], ['Carol', 'carer'], ['Olive', 'owner']] as const) {
      await home.accounts.create({ email: `${name.toLowerCase()}@example.org`, name, role, password: 'kettle on the windowsill 7' });
    }
    const bus = createEventBus((owner, event, error) => {
      throw new Error(`${owner} failed on ${event}: ${String(error)}`);
    });
    const log = recordingLogger(() => undefined);
    const alerts = createAlertService({ store: home.store, bus, log, alertsTotal: createMetricsRegistry().counter('t', 't') });
    const care = createCareServices({ store: home.store, bus, clock: systemClock, log, alerts, household: home.household, sessions: home.sessions, deviceStatuses: () => [] });
    hub = { alerts, care };
    changes = createChangesFromCli({ store: home.store, alerts, bus, log });
    events = [];
    for (const name of ['alertChanged', 'incidentChanged', 'careLogChanged', 'circleChanged'] as const) bus.on(name, 'test', (payload) => events.push({ name, payload }));
  });
  afterEach(() => {
    home.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function raise(key: string): string {
    hub.alerts.commit({ raise: [{ type: 'night-exit', key, severity: 'urgent', deviceId: 'front-door', at: Date.now(), title: 'Front door opened at night', details: {} }], clear: [], doses: [] });
    return home.store.alerts.byKey(key)!.id;
  }

  it('an acknowledgement and a resolution by the CLI update the open alerts in memory and are announced once', async () => {
    const id = raise('night-exit:a');
    changes.start();
    events = [];
    expect(changes.poll()).toBe(false);

    await cli('ack', id, '--as', 'anna@example.org');
    expect(hub.alerts.openAlert('night-exit:a')?.acknowledgedAt).toBeNull(); // memory does not know yet
    expect(changes.poll()).toBe(true);
    expect(hub.alerts.openAlert('night-exit:a')?.acknowledgedBy).toBe(home.accounts.byEmail('anna@example.org')!.id);
    expect(named('alertChanged')).toEqual([{ alert: expect.objectContaining({ id, acknowledgedBy: expect.objectContaining({ name: 'Anna' }) }) }]);
    expect(named('incidentChanged')).toHaveLength(1);
    expect(changes.poll()).toBe(false);

    events = [];
    await cli('resolve', id, '--as', 'carol@example.org', '--note', 'she was only getting the milk in');
    changes.poll();
    expect(hub.alerts.openAlerts()).toEqual([]); // the rules no longer see it open
    expect(named('alertChanged')).toEqual([{ alert: expect.objectContaining({ id, status: 'resolved', resolvedBy: expect.objectContaining({ name: 'Carol' }) }) }]);
  });

  it("the hub's own changes are not announced again when the CLI changes something else", async () => {
    const own = raise('night-exit:own');
    changes.start();
    hub.care.actions.acknowledge(own, { userId: home.accounts.byEmail('olive@example.org')!.id });
    hub.care.careLog.add({ userId: home.accounts.byEmail('olive@example.org')!.id, role: 'owner' }, { kind: 'note', text: 'written on the dashboard' });
    // The hub's own writes do not change what another connection would see as news.
    expect(changes.poll()).toBe(false);
    events = [];

    await cli('note', 'add', 'written over SSH', '--as', 'carol@example.org');
    expect(changes.poll()).toBe(true);
    expect(named('alertChanged')).toEqual([]);
    expect(named('careLogChanged')).toEqual([{ noteId: expect.any(Number), change: 'added' }]);
    const [added] = named('careLogChanged') as Array<{ noteId: number }>;
    expect(home.store.careNotes.byId(added!.noteId)?.text).toBe('written over SSH');
    expect(changes.poll()).toBe(false);
  });

  it('a rota shift, an away spell and a changed role from the CLI are announced to the circle', async () => {
    changes.start();
    await cli('rota', 'add', 'carol@example.org', '--days', 'mon,tue', '--from', '22:00', '--to', '07:00', '--as', 'olive@example.org');
    changes.poll();
    expect(named('circleChanged')).toEqual([{ what: 'rota' }]);

    events = [];
    await cli('away', 'anna@example.org', '--until', new Date(Date.now() + 86_400_000).toISOString());
    changes.poll();
    expect(named('circleChanged')).toEqual([{ what: 'preferences' }]);

    events = [];
    await cli('user', 'role', 'anna@example.org', 'viewer');
    changes.poll();
    expect(named('circleChanged')).toEqual([{ what: 'members' }]);
  });
});
