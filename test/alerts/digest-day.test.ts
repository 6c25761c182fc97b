import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Household } from '../../src/core/household.js';
import { GOOD_PASSWORD, startAccountsHub, type AccountsHub } from '../accounts/accounts-hub.js';
import { connectClient } from '../support/mqtt-clients.js';

/**
 * Issue 6, "Tests": the digest's text for a scripted day, end to end. A whole hub on a manual clock;
 * the door and the pill box publish over MQTT to the real broker (each reading committed before its
 * PUBACK, stamped with the hub's clock); the real rules raise a door-open-too-long alert; Anna says
 * "I'm on it" through the API; and the next morning the digest says, in the issue's own words,
 * "Up 07:10 · 3 of 3 doses on time · no night exits · Anna handled 1 alert".
 */
const at = (iso: string) => Date.parse(iso);

const household: Household = {
  home: { name: "Mum's house", timezone: 'Europe/London', lat: 51.5072, lon: -0.1276 },
  person: { name: 'Margaret', routines: ['Up around 7'] },
  zones: [{ id: 'home', name: 'Home', lat: 51.5072, lon: -0.1276, radiusM: 150 }],
  devices: [
    { id: 'front-door', name: 'Front door', kind: 'door', source: 'native', exit: true },
    { id: 'pillbox', name: 'Pill box', kind: 'pillbox', source: 'native', compartments: 3 },
  ],
  rules: {
    night: { start: '22:00', end: '07:00' },
    doorOpenTooLong: '10m',
    medication: [
      { name: 'Morning tablets', at: '08:00', window: '60m', compartment: 1 },
      { name: 'Lunchtime tablets', at: '13:00', window: '60m', compartment: 2 },
      { name: 'Evening tablets', at: '18:00', window: '60m', compartment: 3 },
    ],
  },
};

describe('the digest of a scripted day, end to end', () => {
  let t: AccountsHub;
  let frontDoor: MqttClient;
  let pillbox: MqttClient;
  let anna: { cookie: string; csrfToken: string };

  beforeAll(async () => {
    t = await startAccountsHub();
    t.hub.household.import(household);
    await t.hub.home.accounts.create({ email: 'olive@example.org', role: 'owner', password: GOOD_PASSWORD, name: 'Olive' });
    await t.hub.home.accounts.create({ email: 'anna@example.org', role: 'family', password: GOOD_PASSWORD, name: 'Anna' });
    anna = await t.signIn('anna@example.org', GOOD_PASSWORD);
    t.clock.set(at('2026-01-15T06:00:00Z'));
    const { mqttPort } = await t.hub.start();
    const url = `mqtt://127.0.0.1:${mqttPort}`;
    const credential = (id: string) => {
      const c = t.hub.credentials.reveal(id);
      if (c === undefined) throw new Error(`no credential for ${id}`);
      return c;
    };
    frontDoor = await connectClient(url, { ...credential('front-door'), clientId: 'front-door' });
    pillbox = await connectClient(url, { ...credential('pillbox'), clientId: 'pillbox' });
  });

  afterAll(async () => {
    await frontDoor?.endAsync();
    await pillbox?.endAsync();
    await t?.stop();
  });

  /** At `iso` on the hub's clock: publishes (QoS 1, so it is committed when this resolves), then lets the rules judge deadlines. */
  async function step(iso: string, client?: MqttClient, topic?: string, payload?: object): Promise<void> {
    t.clock.set(at(iso));
    if (client !== undefined && topic !== undefined) await client.publishAsync(topic, JSON.stringify(payload), { qos: 1 });
    t.hub.engine.tick();
  }

  it('says "Up 07:10 · 3 of 3 doses on time · no night exits · Anna handled 1 alert"', async () => {
    await step('2026-01-15T07:10:00Z', frontDoor, 'homeward/devices/front-door/door', { open: true });
    await step('2026-01-15T07:11:00Z', frontDoor, 'homeward/devices/front-door/door', { open: false });
    await step('2026-01-15T08:05:00Z', pillbox, 'homeward/devices/pillbox/pillbox', { compartment: 1, open: true });
    await step('2026-01-15T08:06:00Z', pillbox, 'homeward/devices/pillbox/pillbox', { compartment: 1, open: false });
    await step('2026-01-15T09:00:01Z');
    await step('2026-01-15T12:55:00Z', pillbox, 'homeward/devices/pillbox/pillbox', { compartment: 2, open: true });
    await step('2026-01-15T12:56:00Z', pillbox, 'homeward/devices/pillbox/pillbox', { compartment: 2, open: false });
    await step('2026-01-15T14:00:01Z');

    // The front door left open in the afternoon: the rule raises it ten minutes on, Anna is on it, the door closes.
    await step('2026-01-15T15:00:00Z', frontDoor, 'homeward/devices/front-door/door', { open: true });
    await step('2026-01-15T15:11:00Z');
    const doorOpen = t.hub.store.alerts.raisedSince(0).filter((a) => a.type === 'door-open-too-long');
    expect(doorOpen).toHaveLength(1);
    t.clock.set(at('2026-01-15T15:12:00Z'));
    const ack = await t.hub.http.inject({
      method: 'POST',
      url: `/api/alerts/${doorOpen[0]?.id}/ack`,
      headers: { cookie: anna.cookie, 'x-csrf-token': anna.csrfToken },
      payload: {},
    });
    expect(ack.statusCode).toBe(200);
    await step('2026-01-15T15:13:00Z', frontDoor, 'homeward/devices/front-door/door', { open: false });
    expect(t.hub.store.alerts.byId(doorOpen[0]?.id ?? '')?.status).toBe('resolved');

    await step('2026-01-15T18:10:00Z', pillbox, 'homeward/devices/pillbox/pillbox', { compartment: 3, open: true });
    await step('2026-01-15T18:11:00Z', pillbox, 'homeward/devices/pillbox/pillbox', { compartment: 3, open: false });
    await step('2026-01-15T19:00:01Z');
    // A quiet night; the next morning's digest.
    await step('2026-01-16T08:00:00Z');

    const digest = await t.hub.http.inject({ method: 'GET', url: '/api/digest?date=2026-01-15', headers: { cookie: anna.cookie } });
    expect(digest.statusCode).toBe(200);
    expect(digest.json()).toMatchObject({
      date: '2026-01-15',
      timezone: 'Europe/London',
      from: '2026-01-15T07:00:00.000Z',
      to: '2026-01-16T07:00:00.000Z',
      complete: true,
      title: 'Margaret · Thursday 15 January',
      line: 'Up 07:10 · 3 of 3 doses on time · no night exits · Anna handled 1 alert',
    });
  });
});
