import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config.js';
import type { Household } from '../../src/core/household.js';
import type { DeviceCredential } from '../../src/household/credentials.js';
import { openHome } from '../../src/hub.js';
import type { PushPayload } from '../../src/notify/web-push/push-payload.js';
import { startHubProcess } from '../support/faked-hub.js';
import type { HubProcess } from '../support/hub-process.js';
import { memberWithPhone, MEMBER_PASSWORD, pushingHubEnv } from '../support/pushing-hub.js';
import { openDescriptors } from '../support/heap-probe.js';
import { connectClient } from '../support/mqtt-clients.js';
import { connectPacket, openRaw, type RawConnection } from '../support/raw-mqtt.js';
import { startLocalPushService, type LocalPushService, type PushRequest, type TestBrowser } from '../notify/local-push-service.js';

/**
 * Issue 10, "Fault injection": 2,000 idle TCP sockets to the MQTT port and some to HTTP, and a flood
 * of failed log-ins over MQTT (CONNECT with bad passwords) and HTTP (POST /api/auth/login), while a
 * real night exit — the front door, connecting with its own credential in the middle of it all —
 * still reaches a local push endpoint (real HTTPS, decrypted with http_ece) within 5 s of the door
 * opening. The 5 s bounds the wait for the event; it is not a latency figure (npm run bench has those).
 *
 * The hub is the built one in its own process, with the limits a real install runs with (the
 * defaults: 500 MQTT connections, 60 connection attempts a minute per address, a 10 s CONNECT
 * time-out). The attackers come from addresses of their own (127.0.3.x to 127.0.6.x: any 127.x is
 * this machine on Linux), the door from 127.0.0.1, as on a home network where a compromised gadget
 * or a neighbour's laptop is not the door sensor: the per-address limit stops each attacker at 60 a
 * minute, and 40 attackers together fill the 500 connections with sockets that never log in. Those
 * make way for a newcomer (src/broker/broker.ts, admit), so the door still gets in.
 */
const IDLE_MQTT_SOCKETS = 2000;
const IDLE_HTTP_SOCKETS = 200;
/** 40 addresses × 50 sockets: each address stays under its 60 attempts a minute. */
const IDLE_ADDRESSES = 40;
/** config.mqtt.maxConnections, the default. */
const MAX_CONNECTIONS = 500;
/** Descriptors the hub opens and closes by itself (the database's files, a log write): counts are ± this. */
const SLACK = 10;
const MQTT_GUESSERS = 10;
const HTTP_GUESSERS = 10;

let dataDir: string;
let scratch: string;
let service: LocalPushService;
let hub: HubProcess;
let mqttPort: number;
let httpPort: number;
let door: DeviceCredential;
let annasPhone: TestBrowser;
const idleMqtt: net.Socket[] = [];
const idleHttp: net.Socket[] = [];
let flooding = true;

/** The soft limit on open files of this process (the test holds 2,200 sockets). */
function openFileLimit(): number {
  const line = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return line?.[1] === undefined || line[1] === 'unlimited' ? Infinity : Number(line[1]);
}

/** "HH:MM" in UTC, `minutes` from now: the household's night is made to be now, on the real clock. */
function utcClock(minutes: number): string {
  const at = new Date(Date.now() + minutes * 60_000);
  return `${String(at.getUTCHours()).padStart(2, '0')}:${String(at.getUTCMinutes()).padStart(2, '0')}`;
}

function household(): Household {
  return {
    home: { name: 'Flooded', timezone: 'UTC' },
    person: { name: 'Margaret' },
    devices: [{ id: 'front-door', name: 'Front door', kind: 'door', source: 'native', exit: true }],
    rules: { night: { start: utcClock(-60), end: utcClock(120) } },
  };
}

/** Opens a TCP connection from `from` that sends nothing; resolves once connected (or refused). */
function idleSocket(port: number, from: string): Promise<net.Socket | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress: from });
    socket.once('connect', () => resolve(socket));
    socket.on('error', () => resolve(undefined));
  });
}

interface MqttGuesses {
  refusedByBroker: number;
  cutOff: number;
  otherAnswers: number[];
}

/** An attacker guessing the door's MQTT password from `from`, until the test ends: CONNACK 4 each time, or refused. */
async function guessMqttPasswords(from: string, tally: MqttGuesses): Promise<void> {
  for (let guess = 0; flooding; guess++) {
    let raw: RawConnection | undefined;
    try {
      raw = await openRaw(mqttPort, from);
      raw.socket.write(connectPacket({ clientId: `guess-${from}-${guess}`, username: door.username, password: `guess-${guess}` }));
      const code = await raw.connack();
      // 4: bad user name or password (§3.2.2.3).
      if (code === 4) tally.refusedByBroker++;
      else tally.otherAnswers.push(code);
    } catch {
      tally.cutOff++; // closed before any CONNACK: beyond its attempts a minute, or made way for a newcomer
    } finally {
      raw?.destroy();
    }
    await new Promise((pause) => setTimeout(pause, 20));
  }
}

/** POST /api/auth/login from `from` with a bad password; resolves with the status. */
function badLogin(from: string, email: string, password: string): Promise<number> {
  return new Promise((resolve) => {
    const body = JSON.stringify({ email, password });
    const request = http.request(
      { host: '127.0.0.1', port: httpPort, path: '/api/auth/login', method: 'POST', localAddress: from, agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (response) => {
        response.resume();
        response.once('end', () => resolve(response.statusCode ?? 0));
      },
    );
    request.on('error', () => resolve(0));
    request.end(body);
  });
}

async function guessHttpPasswords(from: string, statuses: Map<number, number>): Promise<void> {
  for (let guess = 0; flooding; guess++) {
    // Half at the owner's real account, half at made-up ones.
    const email = guess % 2 === 0 ? 'olive@example.org' : `nobody-${guess}@example.org`;
    const status = await badLogin(from, email, `not her password ${guess}`);
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    await new Promise((pause) => setTimeout(pause, 20));
  }
}

function get(pathname: string): Promise<number> {
  return new Promise((resolve) => {
    http.get({ host: '127.0.0.1', port: httpPort, path: pathname, agent: false }, (response) => {
      response.resume();
      response.once('end', () => resolve(response.statusCode ?? 0));
    }).on('error', () => resolve(0));
  });
}

beforeAll(async () => {
  // 2,200 client sockets here; the hub, another process, holds its own side.
  expect(openFileLimit(), 'raise the open-file limit (ulimit -n 4096) to run this test').toBeGreaterThan(IDLE_MQTT_SOCKETS + IDLE_HTTP_SOCKETS + 500);
  service = await startLocalPushService();
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'homeward-flood-'));
  scratch = mkdtempSync(path.join(os.tmpdir(), 'homeward-flood-scratch-'));
  const home = openHome({ ...defaultConfig(), dataDir });
  try {
    home.household.import(household());
    door = home.credentials.reveal('front-door')!;
    await home.accounts.create({ email: 'olive@example.org', role: 'owner', password: MEMBER_PASSWORD, name: 'Olive' });
    annasPhone = (await memberWithPhone(home, service, 'Anna', 'family')).phone;
  } finally {
    home.close();
  }
  // Nothing about connections here: the limits are the installed defaults.
  ({ process: hub, mqttPort, httpPort } = await startHubProcess({ ...pushingHubEnv(scratch, service), HOMEWARD_DATA_DIR: dataDir, HOMEWARD_LOG_LEVEL: 'warn' }));
});

afterAll(async () => {
  flooding = false;
  for (const socket of [...idleMqtt, ...idleHttp]) socket.destroy();
  hub?.child.kill('SIGKILL');
  await hub?.exited;
  await service?.close();
  for (const dir of [dataDir, scratch]) if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('a night exit gets through a connection flood (issue 10)', () => {
  it('2,000 idle MQTT sockets, 200 idle HTTP ones and failed log-ins on both: the door connects, and the push arrives within 5 s', async () => {
    // The hub's own view of what it holds: its open descriptors, counted from before the flood.
    const pid = hub.child.pid!;
    const quiet = openDescriptors(pid);
    // 200 idle sockets to HTTP from 10 addresses, then 2,000 to MQTT, 50 from each of 40 addresses, all at once.
    const toHttp = await Promise.all(Array.from({ length: IDLE_HTTP_SOCKETS }, (_, i) => idleSocket(httpPort, `127.0.4.${(i % 10) + 1}`)));
    for (const socket of toHttp) if (socket !== undefined) idleHttp.push(socket);
    expect(idleHttp.length).toBe(IDLE_HTTP_SOCKETS);
    await until(() => openDescriptors(pid) >= quiet + IDLE_HTTP_SOCKETS - SLACK, 5000);
    const beforeMqttFlood = openDescriptors(pid);
    const toMqtt = await Promise.all(Array.from({ length: IDLE_MQTT_SOCKETS }, (_, i) => idleSocket(mqttPort, `127.0.3.${(i % IDLE_ADDRESSES) + 1}`)));
    for (const socket of toMqtt) if (socket !== undefined) idleMqtt.push(socket);
    // Every one was let in by the kernel; the hub keeps as many as it allows (maxConnections) and closes the rest.
    expect(idleMqtt.length).toBe(IDLE_MQTT_SOCKETS);
    await until(() => openDescriptors(pid) >= beforeMqttFlood + MAX_CONNECTIONS - SLACK, 5000);

    // The failed log-ins go on, from addresses of their own, until the test ends.
    const mqttTally: MqttGuesses = { refusedByBroker: 0, cutOff: 0, otherAnswers: [] };
    const httpStatuses = new Map<number, number>();
    const guessers = [
      ...Array.from({ length: MQTT_GUESSERS }, (_, i) => guessMqttPasswords(`127.0.5.${i + 1}`, mqttTally)),
      ...Array.from({ length: HTTP_GUESSERS }, (_, i) => guessHttpPasswords(`127.0.6.${i + 1}`, httpStatuses)),
    ];
    const guesses = () => mqttTally.refusedByBroker + mqttTally.cutOff + [...httpStatuses.values()].reduce((a, b) => a + b, 0);
    await until(() => guesses() >= 100, 5000);
    // Within the 10 s CONNECT time-out, every MQTT connection the hub allows is still taken by a socket
    // that never logged in (no more than the limit: the rest were closed at once).
    const held = openDescriptors(pid) - beforeMqttFlood;
    expect(held).toBeGreaterThanOrEqual(MAX_CONNECTIONS - SLACK);
    expect(held).toBeLessThan(MAX_CONNECTIONS + 2 * (MQTT_GUESSERS + HTTP_GUESSERS));

    // The front door, from its own address, connects now — in the middle of it all — and opens.
    const frontDoor = await connectClient(`mqtt://127.0.0.1:${mqttPort}`, { ...door, clientId: 'front-door', reconnectPeriod: 0 });
    const opensAt = Date.now();
    // Acknowledged once committed (DESIGN.md principle 2); the 5 s run from before the PUBLISH.
    await frontDoor.publishAsync('homeward/devices/front-door/door', '{"open":true}', { qos: 1 });
    const toAnna = await withinMs(5000 - (Date.now() - opensAt), 'the night-exit push to reach the local push endpoint', () =>
      service.requests.find((request: PushRequest) => request.browser === annasPhone.id && request.plaintext !== undefined),
    );
    const payload = JSON.parse((toAnna.plaintext as Buffer).toString('utf8')) as PushPayload;
    expect(payload).toMatchObject({ kind: 'alert', severity: 'urgent' });
    expect(payload.tag).toMatch(/^alert:/);
    expect(toAnna.vapid?.signatureValid).toBe(true);
    // The dashboard still answers, from the family's own address, while the flood goes on.
    expect(await get('/api/health')).toBe(200);

    flooding = false;
    await Promise.all(guessers);
    await frontDoor.endAsync();
    // What the flood did, for whoever reads the log.
    console.info(
      `flood: the night-exit push reached the endpoint ${toAnna.receivedAt - opensAt} ms after the door's PUBLISH; ${idleMqtt.length} idle MQTT sockets and ${idleHttp.length} idle HTTP ones opened; ${held} more descriptors held by the hub than before the MQTT flood when the door connected; MQTT guesses: ${mqttTally.refusedByBroker} CONNACK 4, ${mqttTally.cutOff} closed before any answer; HTTP log-ins: ${JSON.stringify(Object.fromEntries(httpStatuses))}`,
    );
    // Every guess failed; the HTTP ones were refused (401), throttled (429) or turned away busy (503), never let in.
    expect(mqttTally.otherAnswers).toEqual([]);
    expect([...httpStatuses.keys()].every((status) => [401, 429, 503].includes(status))).toBe(true);
    expect(hub.child.exitCode).toBeNull();
  }, 30_000);
});

/** Polls for `find` to return something, for at most `ms` of real time. */
async function withinMs<T>(ms: number, what: string, find: () => T | undefined): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`waited ${ms} ms for ${what}`);
    await new Promise((pause) => setTimeout(pause, 10));
  }
}

async function until(check: () => boolean, withinMsBound: number): Promise<void> {
  await withinMs(withinMsBound, 'the flood to be under way', () => (check() ? true : undefined));
}
