import path from 'node:path';
import Database from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config.js';
import type { Household } from '../../src/core/household.js';
import { openHome } from '../../src/hub.js';
import { connectClient } from '../support/mqtt-clients.js';
import { freePort, spawnHub, waitForPort, type HubProcess } from '../support/hub-process.js';
import { testDataDir } from '../support/test-hub.js';

/**
 * DESIGN.md: "kill -9 at any moment loses no acknowledged reading". A hub in a child process takes
 * QoS 1 readings from several clients and is killed with SIGKILL mid-stream; after a restart every
 * reading whose PUBACK a client received is in the database exactly once. Repeated, killing at a
 * different moment each round.
 */
const TRACKERS = 5;
const ROUNDS = 4;

function household(): Household {
  return {
    home: { name: 'Durability', timezone: 'UTC' },
    person: { name: 'Test' },
    devices: Array.from({ length: TRACKERS }, (_, i) => ({ id: `tracker-${i}`, name: `Tracker ${i}`, kind: 'tracker' as const, source: 'native' as const })),
  };
}

/**
 * Publishes numbered fixes with up to `window` in flight; records each one whose PUBACK arrived.
 * The sequence continues across rounds, one microdegree a fix, so the track stays physically plausible
 * and GPS hygiene (which drops impossible jumps) keeps every fix.
 */
function publishUntilKilled(client: MqttClient, deviceId: string, acked: Set<string>, next: { seq: number }): void {
  const window = 8;
  const publishOne = () => {
    if (!client.connected) return;
    const mine = next.seq++;
    // The sequence number rides in the longitude (microdegrees), so each fix is distinct and findable.
    const payload = JSON.stringify({ lat: 51.5, lon: -(mine / 1e6), acc: 20 });
    client.publish(`homeward/devices/${deviceId}/tracker`, payload, { qos: 1 }, (error) => {
      if (error) return;
      acked.add(`${deviceId}:${-mine}`);
      publishOne();
    });
  };
  for (let i = 0; i < window; i++) publishOne();
}

describe('durability under SIGKILL', () => {
  const dataDir = testDataDir();
  const home = openHome({ ...defaultConfig(), dataDir });
  home.household.import(household());
  const credentials = Array.from({ length: TRACKERS }, (_, i) => home.credentials.reveal(`tracker-${i}`)!);
  home.close();
  let hub: HubProcess | undefined;

  afterAll(() => {
    hub?.child.kill('SIGKILL');
  });

  it(`loses no acknowledged reading and stores none twice, over ${ROUNDS} kills`, async () => {
    const acked = new Set<string>();
    const sequences = credentials.map(() => ({ seq: 1 }));
    for (let round = 0; round < ROUNDS; round++) {
      const mqttPort = await freePort();
      const httpPort = await freePort();
      hub = spawnHub({ HOMEWARD_DATA_DIR: dataDir, HOMEWARD_MQTT_PORT: String(mqttPort), HOMEWARD_HTTP_PORT: String(httpPort) });
      await waitForPort(mqttPort);
      const clients = await Promise.all(
        credentials.map((c, i) => connectClient(`mqtt://127.0.0.1:${mqttPort}`, { ...c, clientId: `durable-${i}`, reconnectPeriod: 0 })),
      );
      const before = acked.size;
      clients.forEach((client, i) => publishUntilKilled(client, `tracker-${i}`, acked, sequences[i]!));
      // Kill after a different number of acknowledgements each round: somewhere mid-stream.
      const killAfter = 150 + round * 170;
      await new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (acked.size - before >= killAfter) {
            clearInterval(check);
            resolve();
          }
        }, 1);
      });
      hub.child.kill('SIGKILL');
      const { signal } = await hub.exited;
      expect(signal).toBe('SIGKILL');
      clients.forEach((c) => c.end(true));
    }

    // Restart once more: recovery from the WAL must keep everything.
    const mqttPort = await freePort();
    hub = spawnHub({ HOMEWARD_DATA_DIR: dataDir, HOMEWARD_MQTT_PORT: String(mqttPort), HOMEWARD_HTTP_PORT: String(await freePort()) });
    await waitForPort(mqttPort);

    const db = new Database(path.join(dataDir, 'homeward.db'), { readonly: true });
    const rows = db
      .prepare('SELECT d.id AS device, p.lon_e6 AS seq, COUNT(*) AS n FROM position_readings p JOIN devices d ON d.num = p.device GROUP BY d.id, p.lon_e6')
      .all() as Array<{ device: string; seq: number; n: number }>;
    db.close();
    const stored = new Map(rows.map((r) => [`${r.device}:${r.seq}`, r.n]));
    const missing = [...acked].filter((key) => !stored.has(key));
    const twice = rows.filter((r) => r.n > 1);
    expect(acked.size).toBeGreaterThan(ROUNDS * 150);
    expect(missing).toEqual([]);
    expect(twice).toEqual([]);

    hub.child.kill('SIGTERM');
    expect((await hub.exited).code).toBe(0);
  }, 60_000);
});
