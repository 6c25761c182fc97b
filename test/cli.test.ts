import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Household } from '../src/core/household.js';
import { testHousehold } from './support/households.js';
import { runCli } from './support/hub-process.js';
import { connectClient } from './support/mqtt-clients.js';
import { startTestHub, testDataDir } from './support/test-hub.js';

const homeward = runCli;

function writeJson(dir: string, name: string, value: unknown): string {
  const file = path.join(dir, name);
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

describe('homeward CLI', () => {
  it('prints help for every command and exits 0; an unknown command exits 2', async () => {
    for (const args of [['--help'], ['start', '--help'], ['setup', 'import', '--help'], ['setup', 'export', '--help'], ['status', '--help'], ['device', 'credentials', '--help']]) {
      const run = await homeward(args);
      expect(run.code, args.join(' ')).toBe(0);
      expect(run.stdout, args.join(' ')).toMatch(/Usage: homeward/);
    }
    const unknown = await homeward(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command');
    const badOption = await homeward(['status', '--colour']);
    expect(badOption.code).toBe(2);
  });

  it('imports a household and exports it back equal in meaning; importing again is idempotent', async () => {
    const dataDir = testDataDir();
    const file = writeJson(dataDir, 'household.json', testHousehold());
    const first = await homeward(['setup', 'import', file, '--json', '--data-dir', dataDir]);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ revision: 1, devices: 4 });
    const exported = await homeward(['setup', 'export', '--data-dir', dataDir]);
    expect(JSON.parse(exported.stdout)).toEqual(testHousehold());
    const again = await homeward(['setup', 'import', file, '--data-dir', dataDir]);
    expect(again.code).toBe(0);
    const exportedAgain = await homeward(['setup', 'export', '--data-dir', dataDir]);
    expect(JSON.parse(exportedAgain.stdout)).toEqual(testHousehold());
  });

  it('refuses each kind of invalid document with exit 2, naming the JSON path, and changes nothing', async () => {
    const dataDir = testDataDir();
    await homeward(['setup', 'import', writeJson(dataDir, 'good.json', testHousehold()), '--data-dir', dataDir]);
    const base = testHousehold();
    const broken: Array<[string, unknown, string]> = [
      ['not JSON', '{"home": ', 'cannot read'],
      ['missing person', { ...base, person: undefined }, '/person'],
      ['bad time zone', { ...base, home: { ...base.home, timezone: 'Mars/Olympus' } }, '/home/timezone'],
      ['duplicate device id', { ...base, devices: [...(base.devices ?? []), { ...base.devices![0]! }] }, '/devices/4/id'],
      ['unknown field', { ...base, devices: [{ ...base.devices![0]!, exti: true }] }, '/devices/0/exti'],
      ['bad duration', { ...base, rules: { doorOpenTooLong: '10 minutes' } }, '/rules/doorOpenTooLong'],
      ['exit on a tracker', { ...base, devices: [{ id: 'p', name: 'P', kind: 'tracker', source: 'native', exit: true }] }, '/devices/0/exit'],
      ['latitude out of range', { ...base, zones: [{ id: 'z', name: 'Z', lat: 91, lon: 0, radiusM: 10 }] }, '/zones/0/lat'],
    ];
    for (const [what, document, path] of broken) {
      const run = await homeward(['setup', 'import', writeJson(dataDir, 'bad.json', document), '--data-dir', dataDir]);
      expect(run.code, what).toBe(2);
      expect(run.stderr, what).toContain(path);
    }
    const exported = await homeward(['setup', 'export', '--data-dir', dataDir]);
    expect(JSON.parse(exported.stdout)).toEqual(testHousehold());
  });

  it('prints device credentials, rotates them, and exits 3 for an unknown device', async () => {
    const dataDir = testDataDir();
    await homeward(['setup', 'import', writeJson(dataDir, 'h.json', testHousehold()), '--data-dir', dataDir]);
    const shown = JSON.parse((await homeward(['device', 'credentials', 'front-door', '--json', '--data-dir', dataDir])).stdout) as { username: string; password: string };
    expect(shown.username).toBe('front-door');
    expect(shown.password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const again = JSON.parse((await homeward(['device', 'credentials', 'front-door', '--json', '--data-dir', dataDir])).stdout) as { password: string };
    expect(again.password).toBe(shown.password);
    const rotated = JSON.parse((await homeward(['device', 'credentials', 'front-door', '--rotate', '--json', '--data-dir', dataDir])).stdout) as { password: string };
    expect(rotated.password).not.toBe(shown.password);
    const integration = await homeward(['device', 'credentials', 'home-assistant', '--json', '--data-dir', dataDir]);
    expect(JSON.parse(integration.stdout)).toMatchObject({ username: 'home-assistant' });
    const unknown = await homeward(['device', 'credentials', 'garage', '--data-dir', dataDir]);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('garage');
  });

  it('status --json prints devices and alerts in the contract shape', async () => {
    const t = await startTestHub();
    const { username, password } = t.credential('front-door');
    const door = await connectClient(t.mqttUrl, { username, password, clientId: 'status-door' });
    await door.publishAsync('homeward/devices/front-door/door', JSON.stringify({ open: true, battery: 64 }), { qos: 1 });
    await door.endAsync();
    const run = await homeward(['status', '--json', '--data-dir', t.dataDir]);
    expect(run.code).toBe(0);
    const status = JSON.parse(run.stdout) as { devices: Array<Record<string, unknown>>; alerts: unknown[] };
    expect(status.alerts).toEqual([]);
    const front = status.devices.find((d) => d.id === 'front-door');
    expect(front).toMatchObject({ id: 'front-door', online: true, battery: 64, state: 'open', lastSeen: expect.stringMatching(/^\d{4}-/) });
    const back = status.devices.find((d) => d.id === 'back-door');
    expect(back).toMatchObject({ online: false, lastSeen: null, battery: null, state: 'unknown' });
    await t.stop();
  });

  it('an import by the CLI reaches a running hub without a restart', async () => {
    const t = await startTestHub();
    const next: Household = testHousehold();
    next.devices = [...(next.devices ?? []), { id: 'garden-gate', name: 'Garden gate', kind: 'door', source: 'native', exit: true }];
    const run = await homeward(['setup', 'import', writeJson(t.dataDir, 'next.json', next), '--data-dir', t.dataDir]);
    expect(run.code).toBe(0);
    const credential = JSON.parse((await homeward(['device', 'credentials', 'garden-gate', '--json', '--data-dir', t.dataDir])).stdout) as { username: string; password: string };
    // The hub polls the household revision each second; wait (bounded) until it has taken the new device.
    const deadline = Date.now() + 5000;
    let connected = false;
    while (!connected && Date.now() < deadline) {
      const client = await connectClient(t.mqttUrl, { ...credential, clientId: 'gate' }).catch(() => undefined);
      if (client) {
        connected = true;
        await client.endAsync();
      } else await new Promise((r) => setTimeout(r, 100));
    }
    expect(connected).toBe(true);
    await t.stop();
  });
});
