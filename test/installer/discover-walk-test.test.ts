import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Household } from '../../src/core/household.js';
import { slug, unclaimedDevices } from '../../src/installer/discover.js';
import { cliScript } from '../support/hub-process.js';
import { connectClient } from '../support/mqtt-clients.js';
import { startTestHub, type TestHub } from '../support/test-hub.js';

const run = promisify(execFile);

const household: Household = {
  home: { name: 'Installer visit', timezone: 'Europe/London' },
  person: { name: 'Margaret' },
  bridges: [{ id: 'zigbee', source: 'zigbee2mqtt', baseTopic: 'zigbee2mqtt' }],
  devices: [
    { id: 'front-door', name: 'Front door', kind: 'door', source: 'zigbee2mqtt', bridge: 'zigbee', topic: 'zigbee2mqtt/Front Door', exit: true },
    { id: 'mum-phone', name: 'Phone', kind: 'tracker', source: 'native' },
  ],
};

describe('installer tools on a live hub', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ household });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('suggests ids from names without clashing', () => {
    expect(slug('Bedroom Window')).toBe('bedroom-window');
    expect(slug('0x00158d000288e3c5')).toBe('0x00158d000288e3c5');
    expect(slug('__')).toBe('device');
    const rows = [{ topic: 'zigbee2mqtt/Front Door 2', source: 'zigbee2mqtt', bridgeId: 'zigbee', description: null, suggested: { name: 'Front Door' }, firstSeenAt: 0, lastSeenAt: 0, messages: 1 }];
    expect(unclaimedDevices(rows, [{ id: 'front-door', name: 'x', kind: 'door', source: 'native' }])[0]?.suggested.id).toBe('front-door-2');
  });

  it("devices discover lists Zigbee2MQTT's paired devices and unknown publishers that no entry claims", async () => {
    const bridge = await connectClient(t.mqttUrl, { ...t.credential('zigbee'), clientId: 'z2m' });
    const list = JSON.parse(readFileSync(new URL('../../devices/zigbee2mqtt/fixtures/bridge-devices-captured.json', import.meta.url), 'utf8')) as { payload: unknown };
    await bridge.publishAsync('zigbee2mqtt/bridge/devices', JSON.stringify(list.payload), { qos: 1, retain: true });
    await bridge.publishAsync('zigbee2mqtt/Garden Gate', JSON.stringify({ contact: false, battery: 90, linkquality: 60 }), { qos: 1 });
    await bridge.publishAsync('zigbee2mqtt/Front Door', JSON.stringify({ contact: true }), { qos: 1 });
    await bridge.endAsync();

    const { stdout } = await run(process.execPath, [cliScript, 'devices', 'discover', '--json', '--data-dir', t.dataDir]);
    const found = (JSON.parse(stdout) as { devices: Array<{ topic: string; suggested: Record<string, unknown> }> }).devices;
    const gate = found.find((d) => d.topic === 'zigbee2mqtt/Garden Gate');
    expect(gate?.suggested).toMatchObject({ id: 'garden-gate', source: 'zigbee2mqtt', bridge: 'zigbee', topic: 'zigbee2mqtt/Garden Gate' });
    // The claimed front door is not offered again; the bridge's device list contributed entries of its own.
    expect(found.some((d) => d.topic === 'zigbee2mqtt/Front Door')).toBe(false);
    expect(found.length).toBeGreaterThan(1);
    const human = await run(process.execPath, [cliScript, 'devices', 'discover', '--data-dir', t.dataDir]);
    expect(human.stdout).toContain('suggested entry');
  });

  it('devices walk-test streams each door event and tracker fix, without coordinates', async () => {
    const walk = spawn(process.execPath, [cliScript, 'devices', 'walk-test', '--json', '--for', '20s', '--data-dir', t.dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: Array<Record<string, unknown>> = [];
    let buffer = '';
    walk.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      for (const line of parts) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
    });
    await new Promise<void>((resolve) => walk.stderr.once('data', () => resolve()));

    const bridge = await connectClient(t.mqttUrl, { ...t.credential('zigbee'), clientId: 'z2m-walk' });
    await bridge.publishAsync('zigbee2mqtt/Front Door', JSON.stringify({ contact: false, battery: 77 }), { qos: 1 });
    await bridge.publishAsync('zigbee2mqtt/Front Door', JSON.stringify({ contact: true, battery: 77 }), { qos: 1 });
    await bridge.endAsync();
    const phone = await connectClient(t.mqttUrl, { ...t.credential('mum-phone'), clientId: 'phone-walk' });
    await phone.publishAsync('homeward/devices/mum-phone/tracker', JSON.stringify({ lat: 51.5, lon: -0.12, acc: 8 }), { qos: 1 });
    await phone.endAsync();

    const deadline = Date.now() + 10_000;
    while (lines.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    walk.kill('SIGINT');
    expect(lines.map((l) => `${String(l.deviceId)}:${String(l.event)}`)).toEqual(['front-door:open', 'front-door:closed', 'mum-phone:fix']);
    expect(lines[0]).toMatchObject({ battery: 77, kind: 'door' });
    expect(lines[2]).toMatchObject({ accuracyM: 8 });
    expect(lines[2]).not.toHaveProperty('lat');
  });
});
