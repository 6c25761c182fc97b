import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertDraft } from '../../src/core/alerts.js';
import { alertTypes } from '../../src/core/alerts.js';
import { stateMessage, STATE_TOPIC, STATUS_TOPIC } from '../../src/integrations/home-assistant.js';
import { HUB_ID_SETTING } from '../../src/integrations/mqtt-publisher.js';
import { withoutLocation } from '../../src/alerts/alert-json.js';
import { connectClient } from '../support/mqtt-clients.js';
import { startTestHub, testDataDir, type TestHub } from '../support/test-hub.js';
import { watch, type Watcher } from './mqtt-watch.js';

/**
 * MQTT out through the real broker to real mqtt.js clients logged in as the household's integration
 * (issue 6, item 9): Home Assistant discovery, homeward/status, homeward/state, alerts and incidents.
 */
const HOUR = 3_600_000;
let drafts = 0;

/** An alert as a rule raises it: `at` decides its incident (wandering alerts within an hour join one). */
function draft(type: AlertDraft['type'], at: number, details: Record<string, unknown> = {}): AlertDraft {
  drafts++;
  return { type, key: `${type}:mqtt-out:${drafts}`, severity: 'urgent', deviceId: type === 'left-safe-zone' ? 'mum-phone' : 'front-door', at, title: `${type} ${drafts}`, details };
}

describe('MQTT out', () => {
  const cleanup: Array<() => Promise<unknown> | void> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function hub(dataDir?: string): Promise<TestHub> {
    const t = await startTestHub(dataDir === undefined ? {} : { dataDir });
    cleanup.push(() => t.stop());
    return t;
  }

  async function watcher(t: TestHub, filters: string[]): Promise<Watcher> {
    const w = await watch(t, filters);
    cleanup.push(() => w.end());
    return w;
  }

  it('publishes retained discovery, "online" and the state at start, for a subscriber that connects later', async () => {
    const t = await hub();
    const ha = await watcher(t, ['homeassistant/#', STATUS_TOPIC, STATE_TOPIC]);
    const expected = alertTypes.length + 2; // a binary sensor per alert type, the open-alert count, the button
    expect(await ha.until(() => ha.messages.filter((m) => m.topic.startsWith('homeassistant/')).length >= expected && ha.latest.has(STATUS_TOPIC) && ha.latest.has(STATE_TOPIC))).toBe(true);
    expect(ha.messages.every((m) => m.retain)).toBe(true);
    expect(ha.latest.get(STATUS_TOPIC)).toBe('online');
    expect(ha.json(STATE_TOPIC)).toEqual({ open: 0, open_by_type: {}, alerts: [] });
    const button = ha.messages.find((m) => m.topic.startsWith('homeassistant/button/'));
    expect(JSON.parse(button?.payload ?? '{}')).toMatchObject({ command_topic: 'homeward/commands/acknowledge', device: { name: 'Homeward — Test home' } });
  });

  it('keeps the hub id (and so every entity id) across restarts and a renamed home; discovery follows the new name', async () => {
    const dataDir = testDataDir();
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const first = await startTestHub({ dataDir });
    const hubId = first.hub.store.settings.get(HUB_ID_SETTING)?.value;
    expect(hubId).toMatch(/^[a-z0-9]{12}$/);
    const ha = await watch(first, ['homeassistant/#']);
    expect(await ha.until(() => ha.latest.size >= alertTypes.length + 2)).toBe(true);
    const topics = [...ha.latest.keys()].sort();
    expect(topics.every((topic) => topic.includes(`homeward_${String(hubId)}`))).toBe(true);

    first.hub.household.update((h) => ({ ...h, home: { ...h.home, name: "Dad's flat" } }));
    const button = () => ha.json<{ device: { name: string }; unique_id: string }>(`homeassistant/button/homeward_${String(hubId)}/acknowledge/config`);
    expect(await ha.until(() => button()?.device.name === "Homeward — Dad's flat")).toBe(true);
    expect(button()?.unique_id).toBe(`homeward_${String(hubId)}_acknowledge`);
    await ha.end();
    await first.stop();

    const again = await startTestHub({ dataDir });
    cleanup.push(() => again.stop());
    expect(again.hub.store.settings.get(HUB_ID_SETTING)?.value).toBe(hubId);
    const later = await watcher(again, ['homeassistant/#']);
    expect(await later.until(() => later.latest.size >= alertTypes.length + 2)).toBe(true);
    expect([...later.latest.keys()].sort()).toEqual(topics);

    // Another household (another data directory) is another hub, with entities of its own.
    const other = await hub();
    expect(other.hub.store.settings.get(HUB_ID_SETTING)?.value).not.toBe(hubId);
  });

  it('delivers every incident change, every alert and the latest state to a subscriber, amid readings', async () => {
    const t = await hub();
    const ha = await watcher(t, ['homeward/#']);
    const phone = await connectClient(t.mqttUrl, { ...t.credential('mum-phone'), clientId: 'phone' });
    cleanup.push(() => phone.endAsync());
    let fixes = 0;
    const traffic = () =>
      Array.from({ length: 25 }, () =>
        phone.publishAsync('homeward/devices/mum-phone/tracker', JSON.stringify({ lat: 51.5072, lon: -0.1276 - ++fixes * 1e-6, acc: 10 }), { qos: fixes % 2 === 0 ? 0 : 1 }),
      );

    // Forty incidents (two hours apart, so none joins another), raised in bursts between readings.
    const start = Date.now() - 100 * HOUR;
    const sent: Array<Promise<unknown>> = [];
    for (let burst = 0; burst < 8; burst++) {
      sent.push(...traffic());
      t.hub.alerts.commit({ raise: Array.from({ length: 5 }, (_, i) => draft('night-exit', start + (burst * 5 + i) * 2 * HOUR)), clear: [], doses: [] });
    }
    await Promise.all(sent);
    const incidents = t.hub.api.care.routes.incidents.list({ status: 'open', limit: 200 }).incidents;
    expect(incidents).toHaveLength(40);

    // Then every one of them changes again: half acknowledged, half resolved with a note, amid readings.
    const anna = await t.hub.home.accounts.create({ email: 'anna@example.org', name: 'Anna', role: 'family', password: 'kettle on the windowsill 7' });
    for (const [i, incident] of incidents.entries()) {
      if (i % 5 === 0) sent.push(...traffic());
      if (i % 2 === 0) t.hub.api.care.actions.acknowledgeIncident(incident.id, { userId: anna.id });
      else t.hub.api.care.actions.resolveIncident(incident.id, { userId: anna.id }, 'home safe');
    }
    await Promise.all(sent);

    const current = (id: string) => t.hub.api.care.routes.incidents.summary(id);
    const stale = () => incidents.filter((incident) => JSON.stringify(ha.json(`homeward/incidents/${incident.id}`)) !== JSON.stringify(current(incident.id)));
    const expectedState = () => stateMessage(t.hub.alerts.openAlerts().sort((a, b) => a.raisedAt - b.raisedAt).map((a) => t.hub.alerts.json(a)));
    await ha.until(() => stale().length === 0 && JSON.stringify(ha.json(STATE_TOPIC)) === JSON.stringify(expectedState()));
    expect(stale().map((incident) => incident.id)).toEqual([]);
    expect(ha.json(STATE_TOPIC)).toEqual(expectedState());
    expect(ha.json<{ open: number }>(STATE_TOPIC)?.open).toBe(20);
    expect(ha.json<{ alerts: Array<{ acknowledged_by: string }> }>(STATE_TOPIC)?.alerts.every((a) => a.acknowledged_by === 'Anna')).toBe(true);
    // Every alert's latest change arrived too.
    const alerts = t.hub.store.alerts.raisedSince(0);
    expect(alerts.filter((a) => JSON.stringify(ha.json(`homeward/alerts/${a.id}`)) !== JSON.stringify(withoutLocation(t.hub.alerts.json(a)))).map((a) => a.id)).toEqual([]);
    // The phone's fixes were the traffic around the hub's messages, but they never reach an integration:
    // it has no right to positions (src/broker/access-policy.ts, INTEGRATION).
    expect(ha.messages.filter((m) => m.topic.startsWith('homeward/devices/'))).toEqual([]);
  });

  it('publishes alerts, incidents and the state without the person\'s position', async () => {
    const t = await hub();
    const ha = await watcher(t, ['homeward/#']);
    t.hub.alerts.commit({ raise: [draft('left-safe-zone', Date.now(), { lat: 51.5213, lon: -0.1399, accuracyM: 12, zone: 'home' })], clear: [], doses: [] });
    const [alert] = t.hub.store.alerts.open();
    expect(await ha.until(() => ha.latest.has(`homeward/alerts/${alert!.id}`) && ha.latest.has(`homeward/incidents/${alert!.incidentId!}`) && ha.json<{ open: number }>(STATE_TOPIC)?.open === 1)).toBe(true);
    expect(ha.json<{ details: Record<string, unknown> }>(`homeward/alerts/${alert!.id}`)?.details).toEqual({ zone: 'home' });
    for (const message of ha.messages) expect(message.payload, message.topic).not.toMatch(/51\.52|0\.139/);
  });

  it('publishes what is open again after a restart (the embedded broker keeps retained messages in memory only)', async () => {
    const dataDir = testDataDir();
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const before = await startTestHub({ dataDir });
    before.hub.alerts.commit({ raise: [draft('night-exit', Date.now() - HOUR), draft('missed-dose', Date.now())], clear: [], doses: [] });
    const open = before.hub.store.alerts.open();
    await before.stop();

    const after = await hub(dataDir);
    const late = await watcher(after, ['homeward/alerts/#', 'homeward/incidents/#', STATE_TOPIC]);
    const incidentId = open.find((a) => a.incidentId !== null)?.incidentId;
    expect(await late.until(() => open.every((a) => late.latest.has(`homeward/alerts/${a.id}`)) && late.latest.has(`homeward/incidents/${incidentId!}`) && late.latest.has(STATE_TOPIC))).toBe(true);
    expect(late.json<{ open: number }>(STATE_TOPIC)?.open).toBe(2);
    expect(late.json<{ status: string }>(`homeward/incidents/${incidentId!}`)?.status).toBe('open');
  });

  it('says "offline" on homeward/status at a clean stop, before the broker closes', async () => {
    const t = await startTestHub();
    const ha = await watch(t, [STATUS_TOPIC]);
    expect(await ha.until(() => ha.latest.get(STATUS_TOPIC) === 'online')).toBe(true);
    await t.stop();
    expect(ha.messages.map((m) => m.payload)).toEqual(['online', 'offline']);
    await ha.end().catch(() => undefined);
  });
});
