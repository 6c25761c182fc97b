import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { devicesCheck } from '../../../src/cli/doctor/devices-check.js';
import type { HubConfig } from '../../../src/config.js';
import { openHome } from '../../../src/hub.js';
import { connectClient } from '../../support/mqtt-clients.js';
import { startTestHub, testDataDir, type TestHub } from '../../support/test-hub.js';
import { doctorConfig, runCheck } from './doctor-support.js';

/**
 * The devices check (issue 9, item 5) on what a real hub stored: devices publish over MQTT to a
 * running hub (QoS 1, so each reading is committed before its PUBACK), the hub stops, and the doctor
 * judges the database at a later moment. The household: front door (heartbeat 26h), back door (none),
 * Margaret's phone (30m), pill box (none).
 */
const HOUR = 3_600_000;
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Runs a hub, lets `publish` send what the devices say, stops it; returns its data directory's config. */
async function afterReadings(publish: (hub: TestHub) => Promise<void>): Promise<HubConfig> {
  const dataDir = testDataDir();
  dirs.push(dataDir);
  const hub = await startTestHub({ dataDir });
  try {
    await publish(hub);
  } finally {
    await hub.stop();
  }
  return doctorConfig(dataDir);
}

async function say(hub: TestHub, deviceId: string, kind: string, payload: object): Promise<void> {
  const { username, password } = hub.credential(deviceId);
  const client = await connectClient(hub.mqttUrl, { username, password, clientId: `test-${deviceId}` });
  await client.publishAsync(`homeward/devices/${deviceId}/${kind}`, JSON.stringify(payload), { qos: 1 });
  await client.endAsync();
}

function statusesAt(config: HubConfig, now: number) {
  const home = openHome(config);
  try {
    return home.deviceStatuses(home.store.deviceState.loadAll(), now);
  } finally {
    home.close();
  }
}

describe('devices check', () => {
  it('names each device silent past its heartbeat or never heard from, with its battery; warns of low batteries and devices without a heartbeat', async () => {
    const config = await afterReadings(async (hub) => {
      await say(hub, 'front-door', 'door', { open: false, battery: 45 });
      await say(hub, 'back-door', 'door', { open: false, battery: 12 });
      await say(hub, 'mum-phone', 'tracker', { lat: 51.5072, lon: -0.1276, acc: 12 });
    });
    const later = Date.now() + 27 * HOUR;
    const found = await runCheck(devicesCheck, config, { now: later });
    expect(found).toMatchObject({ name: 'devices', ok: false, level: 'problem' });
    expect(found.finding.split('; ')).toEqual([
      'Front door (front-door) silent for 27 h, past its heartbeat of 26h (battery 45%)',
      "Margaret's phone (mum-phone) silent for 27 h, past its heartbeat of 30m (battery unknown)",
      'Pill box (pillbox) never heard from (battery unknown)',
      'low battery: Back door (back-door) battery 12%',
      'no heartbeat for Back door (back-door), Pill box (pillbox): if they go silent, nobody is told',
      '1 of 4 devices online',
    ]);
    expect(found.fix).toMatch(/^check each one: a fresh battery, .*`npm run homeward -- devices walk-test`.*; change the batteries soon.*; give each device a "heartbeat"/);
    // `homeward status` says the same about each device at that moment.
    expect(statusesAt(config, later).filter((d) => !d.online).map((d) => d.id)).toEqual(['front-door', 'mum-phone', 'pillbox']);
  });

  it('is fine (with the heartbeat warning) when every device was heard from within its heartbeat', async () => {
    const config = await afterReadings(async (hub) => {
      await say(hub, 'front-door', 'door', { open: false, battery: 80 });
      await say(hub, 'back-door', 'door', { open: true, battery: 90 });
      await say(hub, 'mum-phone', 'tracker', { lat: 51.5072, lon: -0.1276, acc: 12 });
      await say(hub, 'pillbox', 'pillbox', { compartment: 1, open: true });
    });
    const found = await runCheck(devicesCheck, config, { now: Date.now() + 20 * 60_000 });
    expect(found).toMatchObject({ level: 'warning', ok: true, finding: 'no heartbeat for Back door (back-door), Pill box (pillbox): if they go silent, nobody is told; 4 of 4 devices online' });
  });

  it('a device whose last will says it went offline is a problem though it was heard from lately', async () => {
    const config = await afterReadings(async (hub) => {
      await say(hub, 'front-door', 'door', { open: false, battery: 70 });
      await say(hub, 'front-door', 'status', { online: false });
    });
    const found = await runCheck(devicesCheck, config, { now: Date.now() + 5 * 60_000 });
    expect(found.finding).toMatch(/^Front door \(front-door\) reported offline by its bridge or last will, last heard 5 min ago \(battery 70%\)/);
  });

  it('is a problem when no household has been imported, or there is no database yet', async () => {
    const config = doctorConfig();
    dirs.push(config.dataDir);
    const fix = 'import the household: `npm run homeward -- setup import household.json` (README: "Set up a home")';
    expect(await runCheck(devicesCheck, config)).toMatchObject({ level: 'problem', finding: 'no household devices: no door, tracker or pill box is being watched', fix });
    openHome(config).close();
    expect(await runCheck(devicesCheck, config)).toMatchObject({ level: 'problem', fix });
  });
});
