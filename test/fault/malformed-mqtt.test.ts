import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config.js';
import type { Household } from '../../src/core/household.js';
import type { DeviceCredential } from '../../src/household/credentials.js';
import { openHome } from '../../src/hub.js';
import { heapProbeNodeArgs, hubMemory, openSockets } from '../support/heap-probe.js';
import { freePort, spawnHub, waitForPort, type HubProcess } from '../support/hub-process.js';
import { connectClient } from '../support/mqtt-clients.js';
import { connectPacket, CONNECT, openRaw, packet, PUBLISH, publishPacket, utf8, type RawConnection } from '../support/raw-mqtt.js';

/**
 * Issue 10, "Fault injection": malformed MQTT on a raw TCP socket, against the built hub in its own
 * process. Each kind of bad packet — cited by its clause of MQTT 3.1.1 — must close THAT socket
 * only: a real device (mqtt.js, its own credential) publishes QoS 1 fixes all along, and every one it
 * was acknowledged is in the database at the end. Then many rounds of all of it, and the hub's live
 * heap (after a full garbage collection, test/support/heap-probe.ts), its RSS and its open sockets
 * must not grow round by round.
 *
 * Limits are the installed defaults (500 connections, 60 attempts a minute per address, 16 KiB
 * packets), except a 2 s CONNECT time-out instead of 10 s, so the one test that waits for it stays
 * short. The hostile sockets come from other loopback addresses (127.0.1.x, 127.0.2.x) than the
 * device (127.0.0.1), as an attacker on the network would: the per-address attempt limit is not what
 * is tested here, the parser is.
 */
const CONNECT_TIMEOUT_MS = 2000;
const TOPIC = 'homeward/devices/front-door/door';
const household: Household = {
  home: { name: 'Malformed MQTT', timezone: 'UTC' },
  person: { name: 'Margaret' },
  devices: [
    { id: 'front-door', name: 'Front door', kind: 'door', source: 'native' },
    { id: 'mum-phone', name: "Margaret's phone", kind: 'tracker', source: 'native' },
  ],
};

let dataDir: string;
let hub: HubProcess;
let mqttPort: number;
let door: DeviceCredential;
let phone: MqttClient;
/** The real device's acknowledged fixes, by the sequence number riding in their longitude. */
const acknowledged: number[] = [];
let publishing: Promise<void> | undefined;
let stopPublishing = false;
let nextAddress = 0;

/** A fresh hostile source address each time: 127.0.2.1, 127.0.2.2, … */
const attacker = () => `127.0.2.${(nextAddress++ % 250) + 1}`;

/** Opens a raw connection and logs in as the front door: CONNACK 0 (§3.2.2.3) first. */
async function loggedIn(clientId: string, from = attacker()): Promise<RawConnection> {
  const raw = await openRaw(mqttPort, from);
  raw.socket.write(connectPacket({ clientId, username: door.username, password: door.password }));
  expect(await raw.connack()).toBe(0);
  return raw;
}

/** The broker closed it, bounded: it must not take longer than `withinMs` of real time. */
async function closedWithin(raw: RawConnection, withinMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    raw.closed,
    new Promise<void>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`the hub left the socket open for ${withinMs} ms`)), withinMs);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** The real device: one QoS 1 fix after another, each awaited, until told to stop. */
async function keepPublishing(): Promise<void> {
  for (let seq = 1; !stopPublishing; seq++) {
    await phone.publishAsync('homeward/devices/mum-phone/tracker', JSON.stringify({ lat: 51.5, lon: -seq / 1e6, acc: 20 }), { qos: 1 });
    acknowledged.push(seq);
    await new Promise((pause) => setTimeout(pause, 5));
  }
}

/** The real device is still connected, still acknowledged, and every fix it was acknowledged for is in the database. */
async function expectDeviceServedThroughout(): Promise<void> {
  const before = acknowledged.length;
  await until(() => acknowledged.length >= before + 5);
  expect(phone.connected).toBe(true);
  const acknowledgedSoFar = [...acknowledged];
  const stored = new Set(storedFixes());
  expect(acknowledgedSoFar.length).toBeGreaterThan(20);
  expect(acknowledgedSoFar.filter((seq) => !stored.has(seq))).toEqual([]);
}

function storedFixes(): number[] {
  const db = new Database(path.join(dataDir, 'homeward.db'), { readonly: true });
  try {
    const rows = db.prepare("SELECT -p.lon_e6 AS seq FROM position_readings p JOIN devices d ON d.num = p.device WHERE d.id = 'mum-phone' ORDER BY p.at").all() as Array<{ seq: number }>;
    return rows.map((row) => row.seq);
  } finally {
    db.close();
  }
}

function storedDoorReadings(): number {
  const db = new Database(path.join(dataDir, 'homeward.db'), { readonly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM door_readings').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'homeward-malformed-'));
  const home = openHome({ ...defaultConfig(), dataDir });
  home.household.import(household);
  door = home.credentials.reveal('front-door')!;
  const phoneCredential = home.credentials.reveal('mum-phone')!;
  home.close();
  const configFile = path.join(dataDir, 'config.json');
  writeFileSync(configFile, JSON.stringify({ mqtt: { connectTimeoutMs: CONNECT_TIMEOUT_MS } }));
  mqttPort = await freePort();
  const httpPort = await freePort();
  hub = spawnHub(
    { HOMEWARD_DATA_DIR: dataDir, HOMEWARD_MQTT_PORT: String(mqttPort), HOMEWARD_HTTP_PORT: String(httpPort), HOMEWARD_CONFIG: configFile, HOMEWARD_LOG_LEVEL: 'error' },
    [],
    { nodeArgs: heapProbeNodeArgs, ipc: true },
  );
  await waitForPort(mqttPort, undefined, hub);
  phone = await connectClient(`mqtt://127.0.0.1:${mqttPort}`, { ...phoneCredential, clientId: 'mum-phone', keepalive: 30 });
  publishing = keepPublishing();
});

afterAll(async () => {
  stopPublishing = true;
  await publishing?.catch(() => undefined);
  await phone?.endAsync(true);
  hub?.child.kill('SIGKILL');
  await hub?.exited;
  rmSync(dataDir, { recursive: true, force: true });
});

describe('malformed MQTT on a raw socket closes that socket only (issue 10)', () => {
  it('a CONNECT cut short, then silence: closed at the CONNECT time-out (§3.1.4, 1), never answered', async () => {
    const raw = await openRaw(mqttPort, attacker());
    raw.socket.write(connectPacket({ clientId: 'cut-short', username: door.username, password: door.password }).subarray(0, 12));
    await closedWithin(raw, CONNECT_TIMEOUT_MS + 5000);
    expect(raw.received()).toEqual(Buffer.alloc(0));
  });

  it('a CONNECT whose Remaining Length ends inside its own variable header: closed without CONNACK ([MQTT-3.1.4-1], §4.8)', async () => {
    const raw = await openRaw(mqttPort, attacker());
    // Remaining Length 6 holds the protocol name "MQTT" and nothing of level, flags or keep-alive (§3.1.2).
    raw.socket.write(packet(CONNECT, 0, utf8('MQTT')));
    raw.socket.write(connectPacket({ clientId: 'after', username: door.username, password: door.password }));
    await closedWithin(raw, 5000);
    expect(raw.received()).toEqual(Buffer.alloc(0));
  });

  it('a PUBLISH cut off inside its topic, then silence: closed by keep-alive, 1.5 × its 1 s ([MQTT-3.1.2-24]); nothing stored', async () => {
    const before = storedDoorReadings();
    const raw = await openRaw(mqttPort, attacker());
    raw.socket.write(connectPacket({ clientId: 'cut-publish', username: door.username, password: door.password, keepAliveS: 1 }));
    expect(await raw.connack()).toBe(0);
    raw.socket.write(publishPacket({ topic: TOPIC, payload: '{"open":true}', qos: 1, messageId: 7 }).subarray(0, 9));
    await closedWithin(raw, 10_000);
    expect(raw.received().length).toBe(4); // the CONNACK, and no PUBACK
    expect(storedDoorReadings()).toBe(before);
  });

  it('a PUBLISH cut off and the sender half-closing: the hub closes its side too, no half-open socket', async () => {
    const raw = await loggedIn('half-close');
    raw.socket.end(publishPacket({ topic: TOPIC, payload: '{"open":true}', qos: 1, messageId: 8 }).subarray(0, 20));
    await closedWithin(raw, 5000);
  });

  it('a PUBLISH with QoS 3 (both QoS bits set): closed ([MQTT-3.3.1-4]); nothing stored, no PUBACK', async () => {
    const before = storedDoorReadings();
    const raw = await loggedIn('qos-3');
    raw.socket.write(publishPacket({ topic: TOPIC, payload: '{"open":true}', qos: 3, messageId: 9 }));
    await closedWithin(raw, 5000);
    expect(raw.received().length).toBe(4);
    expect(storedDoorReadings()).toBe(before);
  });

  it.each(['homeward/devices/front-door/+', 'homeward/devices/front-door/#', 'homeward/+/front-door/door'])(
    'a PUBLISH to the wildcard topic %s: closed ([MQTT-3.3.2-2]); nothing stored, no PUBACK',
    async (topic) => {
      const before = storedDoorReadings();
      const raw = await loggedIn('wildcard');
      raw.socket.write(publishPacket({ topic, payload: '{"open":true}', qos: 1, messageId: 10 }));
      await closedWithin(raw, 5000);
      expect(raw.received().length).toBe(4);
      expect(storedDoorReadings()).toBe(before);
    },
  );

  it('a second CONNECT on the same connection: closed as a protocol violation ([MQTT-3.1.0-2]), no second CONNACK', async () => {
    const raw = await loggedIn('second-connect');
    raw.socket.write(connectPacket({ clientId: 'second-connect', username: door.username, password: door.password }));
    await closedWithin(raw, 5000);
    expect(raw.received().length).toBe(4);
  });

  it('the largest Remaining Length (268,435,455) trickled in a byte at a time: closed once its last length byte is in (§2.2.3)', async () => {
    const raw = await loggedIn('trickle');
    const header = Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f]);
    await raw.trickle(header.subarray(0, 4), 25);
    // Three continuation bytes say nothing yet about the size: the socket is still served.
    expect(raw.isClosed()).toBe(false);
    await raw.trickle(header.subarray(4), 25);
    await closedWithin(raw, 5000);
    expect(raw.received().length).toBe(4);
  });

  it('a fifth Remaining Length byte, trickled: closed as malformed (§2.2.3 allows four)', async () => {
    const raw = await loggedIn('five-bytes');
    await raw.trickle(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80, 0x01]), 10);
    await closedWithin(raw, 5000);
  });

  it('the real device published all along: every fix it was acknowledged for is stored', async () => {
    await expectDeviceServedThroughout();
  });
});

describe('memory stays flat under many rounds of malformed MQTT (issue 10)', () => {
  /** One of each fast-closing case, all at once, from its own source address; resolves when the hub has closed every one. */
  async function round(n: number, from: () => string): Promise<void> {
    const cases: Array<() => Promise<RawConnection>> = [
      async () => {
        const raw = await openRaw(mqttPort, from());
        raw.socket.write(packet(CONNECT, 0, utf8('MQTT')));
        return raw;
      },
      async () => {
        const raw = await openRaw(mqttPort, from());
        raw.socket.end(connectPacket({ clientId: `cut-${n}`, username: door.username, password: door.password }).subarray(0, 15));
        return raw;
      },
      async () => {
        const raw = await loggedIn(`qos3-${n}`, from());
        raw.socket.write(publishPacket({ topic: TOPIC, payload: '{"open":true}', qos: 3, messageId: 1 }));
        return raw;
      },
      async () => {
        const raw = await loggedIn(`wild-${n}`, from());
        raw.socket.write(publishPacket({ topic: 'homeward/devices/front-door/#', payload: '{"open":true}', qos: 1, messageId: 1 }));
        return raw;
      },
      async () => {
        const raw = await loggedIn(`again-${n}`, from());
        raw.socket.write(connectPacket({ clientId: `again-${n}`, username: door.username, password: door.password }));
        return raw;
      },
      async () => {
        const raw = await loggedIn(`huge-${n}`, from());
        await raw.trickle(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f]), 1);
        return raw;
      },
      async () => {
        const raw = await loggedIn(`half-${n}`, from());
        // 16,000 bytes announced (within the 16 KiB limit), 1,000 sent, then the sender goes away.
        raw.socket.end(Buffer.concat([Buffer.from([(PUBLISH << 4) | 0x02]), Buffer.from([0x80, 0x7d]), Buffer.alloc(1000, 0x61)]));
        return raw;
      },
    ];
    const connections = await Promise.all(cases.map((open) => open()));
    await Promise.all(connections.map((raw) => closedWithin(raw, 10_000)));
  }

  it('the live heap, RSS and open sockets of the hub do not grow with the rounds', async () => {
    const ROUNDS = 200;
    const WARM_UP = 40;
    // 7 connections a round from a pool of 64 addresses: each stays well under 60 attempts a minute.
    let turn = 0;
    const pool = () => `127.0.1.${(turn++ % 64) + 1}`;
    for (let n = 0; n < WARM_UP; n++) await round(n, pool);
    const socketsBefore = openSockets(hub.child.pid!);
    const before = await hubMemory(hub.child);
    for (let n = WARM_UP; n < WARM_UP + ROUNDS; n++) await round(n, pool);
    const after = await hubMemory(hub.child);
    const socketsAfter = openSockets(hub.child.pid!);

    const MiB = 1024 * 1024;
    const perRound = (after.heapUsed - before.heapUsed) / ROUNDS;
    // The figures behind the verdict, for whoever reads the log.
    console.info(
      `malformed MQTT, ${ROUNDS} rounds × 7 sockets: heap ${(before.heapUsed / MiB).toFixed(1)} → ${(after.heapUsed / MiB).toFixed(1)} MiB (${(perRound / 1024).toFixed(2)} KiB a round), RSS ${(before.rss / MiB).toFixed(1)} → ${(after.rss / MiB).toFixed(1)} MiB, sockets ${socketsBefore} → ${socketsAfter}`,
    );
    // Generous, and still a verdict: here the live heap grows by under 1 MiB over these rounds, by less
    // each round (V8 and aedes warming up: 800 rounds add 0.5 MiB, most of it in the first 200), while
    // one aedes Client kept per logged-in socket (about 5.6 KiB each, 5 a round) would add 5.5 MiB. RSS also holds freed pages the kernel
    // has not taken back, so its bound only catches gross growth.
    expect(after.heapUsed - before.heapUsed).toBeLessThan(2.5 * MiB);
    expect(after.rss - before.rss).toBeLessThan(32 * MiB);
    // No socket is left open: the same sockets as before the rounds (the device's connection among them).
    expect(socketsAfter).toBe(socketsBefore);
    await expectDeviceServedThroughout();
  }, 60_000);
});

/** Waits (polling, bounded) until `check` holds. */
async function until(check: () => boolean, withinMs = 10_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((pause) => setTimeout(pause, 20));
  }
}
