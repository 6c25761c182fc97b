import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import type { Household } from '../../src/core/household.js';
import { connectClient } from '../support/mqtt-clients.js';
import { startTestHub, type TestHub } from '../support/test-hub.js';

const DOORS = 8;

/** A night window around the present hour (UTC), so real door openings now count as night exits. */
function nightAroundNow(): { start: string; end: string } {
  const hour = new Date().getUTCHours();
  const pad = (h: number) => `${String((h + 24) % 24).padStart(2, '0')}:00`;
  return { start: pad(hour - 1), end: pad(hour + 2) };
}

const household: Household = {
  home: { name: 'Alerts out', timezone: 'UTC', lat: 51.5, lon: -0.12 },
  person: { name: 'Margaret' },
  zones: [{ id: 'home', name: 'Home', lat: 51.5, lon: -0.12, radiusM: 150 }],
  devices: [
    ...Array.from({ length: DOORS }, (_, i) => ({ id: `door-${i}`, name: `Door ${i}`, kind: 'door' as const, source: 'native' as const, exit: true })),
    { id: 'phone', name: 'Phone', kind: 'tracker', source: 'native' },
  ],
  integrations: [{ id: 'home-assistant', kind: 'home-assistant' }],
  rules: { night: nightAroundNow() },
};

/**
 * DESIGN.md pitfall: aedes can drop messages published with broker.publish() towards a client that
 * also receives other traffic (upstream #994, #955). Every alert must reach a subscriber that is
 * also receiving a stream of other messages (the hub's state and incidents; the devices' own readings
 * never reach an integration: src/broker/access-policy.ts).
 */
describe('alerts on MQTT', () => {
  let t: TestHub;
  let subscriber: MqttClient;
  const received = new Map<string, Array<{ status: string }>>();
  let otherTraffic = 0;

  beforeAll(async () => {
    t = await startTestHub({ household });
    subscriber = await connectClient(t.mqttUrl, { ...t.credential('home-assistant'), clientId: 'ha', clean: true });
    subscriber.on('message', (topic, payload) => {
      if (topic.startsWith('homeward/alerts/')) {
        const alert = JSON.parse(payload.toString()) as { id: string; status: string };
        received.set(alert.id, [...(received.get(alert.id) ?? []), alert]);
      } else otherTraffic++;
    });
    await subscriber.subscribeAsync(['homeward/#'], { qos: 1 });
  });
  afterAll(async () => {
    await subscriber.endAsync();
    await t.stop();
  });

  it('delivers every night-exit alert while the subscriber also receives other messages', async () => {
    const phone = await connectClient(t.mqttUrl, { ...t.credential('phone'), clientId: 'phone' });
    const doors = await Promise.all(Array.from({ length: DOORS }, (_, i) => connectClient(t.mqttUrl, { ...t.credential(`door-${i}`), clientId: `door-${i}` })));
    const background = Array.from({ length: 300 }, (_, i) =>
      phone.publishAsync('homeward/devices/phone/tracker', JSON.stringify({ lat: 51.5, lon: -0.12 - i * 1e-6, acc: 10 }), { qos: 1 }),
    );
    const openings: Array<Promise<unknown>> = [];
    for (let round = 0; round < 4; round++) {
      // Each opening is its own night exit (keyed by its time), even seconds apart.
      doors.forEach((door, i) => {
        openings.push(door.publishAsync(`homeward/devices/door-${i}/door`, JSON.stringify({ open: true }), { qos: 1 }));
        openings.push(door.publishAsync(`homeward/devices/door-${i}/door`, JSON.stringify({ open: false }), { qos: 1 }));
      });
    }
    await Promise.all([...background, ...openings]);

    const raised = t.hub.store.alerts.raisedSince(0).filter((a) => a.type === 'night-exit');
    expect(raised).toHaveLength(DOORS * 4);
    const deadline = Date.now() + 10_000;
    while (raised.some((a) => !received.has(a.id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(raised.filter((a) => !received.has(a.id)).map((a) => a.key)).toEqual([]);
    expect(otherTraffic).toBeGreaterThan(0);
    await Promise.all([phone, ...doors].map((c) => c.endAsync()));
  });

  it('retains each alert, so a subscriber that connects later still sees it', async () => {
    const late = await connectClient(t.mqttUrl, { ...t.credential('home-assistant'), clientId: 'ha-late' });
    const seen: string[] = [];
    late.on('message', (topic) => seen.push(topic));
    await late.subscribeAsync('homeward/alerts/#', { qos: 1 });
    const expected = t.hub.store.alerts.raisedSince(0).length;
    const deadline = Date.now() + 5000;
    while (seen.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(new Set(seen).size).toBe(expected);
    await late.endAsync();
  });
});
