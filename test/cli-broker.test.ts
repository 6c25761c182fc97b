import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import type { Household } from '../src/core/household.js';
import { openHome } from '../src/hub.js';
import { testHousehold } from './support/households.js';
import { runCli as runBuiltCli } from './support/hub-process.js';
import { connectClient } from './support/mqtt-clients.js';
import { removeMosquitto, startMosquitto, type Mosquitto } from './support/mosquitto.js';
import { testHubConfig } from './support/test-hub.js';

/**
 * `homeward broker acl` and `homeward broker passwords` (issue 9, item 6): the files are given to
 * Debian's real Mosquitto as they are written, and Mosquitto then lets each device publish its own
 * topics and nothing else, lets integrations and the hub do what the embedded broker lets them do, and
 * accepts the hashed passwords.
 */
const HUB_PASSWORD = 'the hub’s own secret 42';

function household(): Household {
  const h = testHousehold();
  h.devices = [...(h.devices ?? []), { id: 'hall-door', name: 'Hall door', kind: 'door', source: 'zigbee2mqtt', bridge: 'zigbee', topic: 'zigbee2mqtt/Hall Door', exit: true }];
  h.bridges = [{ id: 'zigbee', source: 'zigbee2mqtt', baseTopic: 'zigbee2mqtt' }];
  return h;
}

function output() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (text: string) => void out.push(text), err: (text: string) => void err.push(text) }, out, err };
}

let dataDir: string;
let env: NodeJS.ProcessEnv;
const credential: Record<string, string> = {};

beforeAll(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'homeward-cli-broker-'));
  env = { HOMEWARD_DATA_DIR: dataDir, HOMEWARD_MQTT_URL: `mqtt://hub-user:${encodeURIComponent(HUB_PASSWORD)}@127.0.0.1:1883` };
  const home = openHome(testHubConfig(dataDir, 'silent'));
  home.household.import(household());
  for (const id of home.household.view().subjects.keys()) credential[id] = home.credentials.reveal(id)!.password;
  home.close();
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('homeward broker', () => {
  it('prints help, and refuses an unknown subcommand with exit 2', async () => {
    const help = output();
    expect(await runCli(['broker', 'acl', '--help'], env, help.io)).toBe(0);
    expect(help.out.join('\n')).toContain('Usage: homeward broker acl');
    const unknown = output();
    expect(await runCli(['broker', 'nonsense'], env, unknown.io)).toBe(2);
    expect(unknown.err.join('\n')).toContain('unknown command "broker nonsense"');
  });

  it('acl --json gives each user what the access policy gives it', async () => {
    const run = output();
    expect(await runCli(['broker', 'acl', '--json'], env, run.io)).toBe(0);
    const { users } = JSON.parse(run.out.join('')) as { users: Array<{ username: string; read: string[]; write: string[] }> };
    const of = (name: string) => users.find((user) => user.username === name);
    expect(of('hub-user')).toMatchObject({ write: ['homeward/#', 'homeassistant/#'] });
    expect(of('hub-user')?.read).toEqual(expect.arrayContaining(['homeward/devices/front-door/+', 'zigbee2mqtt/#', 'homeward/commands/#']));
    expect(of('front-door')).toEqual(expect.objectContaining({ write: ['homeward/devices/front-door/+'], read: ['homeward/devices/front-door/commands/#'] }));
    expect(of('zigbee')).toEqual(expect.objectContaining({ write: ['zigbee2mqtt/#'] }));
    expect(of('home-assistant')).toEqual(expect.objectContaining({ read: ['homeward/#', 'homeassistant/#'], write: ['homeward/commands/#'] }));
    // A device reached through a bridge has no user of its own.
    expect(of('hall-door')).toBeUndefined();
  });

  it('refuses a --hub-user that cannot be a broker user name (exit 2)', async () => {
    const run = output();
    await expect(runCli(['broker', 'acl', '--hub-user', 'two words'], env, run.io)).rejects.toThrow(/--hub-user "two words"/);
  });

  describe('the written files on a real Mosquitto', () => {
    let mosquitto: Mosquitto;
    const clients: MqttClient[] = [];
    let outDir: string;

    async function client(username: string, password: string, clientId: string): Promise<MqttClient> {
      const connected = await connectClient(`mqtt://127.0.0.1:${mosquitto.port}`, { username, password, clientId, protocolVersion: 5 });
      clients.push(connected);
      return connected;
    }

    /** Collects what a client receives on `filters`. */
    async function listen(receiver: MqttClient, filters: string[]): Promise<string[]> {
      const seen: string[] = [];
      receiver.on('message', (topic, payload) => seen.push(`${topic} ${payload.toString()}`));
      await receiver.subscribeAsync(filters, { qos: 1 });
      return seen;
    }

    async function until(done: () => boolean): Promise<boolean> {
      for (let i = 0; i < 250 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
      return done();
    }

    beforeAll(async () => {
      outDir = mkdtempSync(path.join(os.tmpdir(), 'homeward-broker-files-'));
      // The built command, as an installer runs it: --output, not a redirect of `npm run`.
      const acl = await runBuiltCli(['broker', 'acl', '--output', path.join(outDir, 'homeward.acl')], { HOMEWARD_DATA_DIR: dataDir, HOMEWARD_MQTT_URL: env.HOMEWARD_MQTT_URL! });
      expect(acl.code, acl.stderr).toBe(0);
      const passwords = await runBuiltCli(['broker', 'passwords', '--output', path.join(outDir, 'homeward.passwd')], { HOMEWARD_DATA_DIR: dataDir, HOMEWARD_MQTT_URL: env.HOMEWARD_MQTT_URL! });
      expect(passwords.code, passwords.stderr).toBe(0);
      expect(statSync(path.join(outDir, 'homeward.passwd')).mode & 0o777).toBe(0o640);
      const passwordText = readFileSync(path.join(outDir, 'homeward.passwd'), 'utf8');
      // Only hashes leave the hub.
      for (const password of [HUB_PASSWORD, ...Object.values(credential)]) expect(passwordText).not.toContain(password);
      mosquitto = await startMosquitto({ users: {}, passwordFileText: passwordText, acl: readFileSync(path.join(outDir, 'homeward.acl'), 'utf8') });
    });
    afterAll(async () => {
      for (const connected of clients) await connected.endAsync(true);
      await removeMosquitto(mosquitto);
      rmSync(outDir, { recursive: true, force: true });
    });

    it('Mosquitto accepts every generated password and refuses a wrong one', async () => {
      for (const [username, password] of [['hub-user', HUB_PASSWORD], ...Object.entries(credential)] as const) {
        const connected = await client(username, password, `check-${username}`);
        expect(connected.connected, username).toBe(true);
      }
      const error = await connectClient(`mqtt://127.0.0.1:${mosquitto.port}`, { username: 'front-door', password: 'guess', clientId: 'guess' }).catch((e: Error) => e);
      expect((error as { code?: number }).code).toBeOneOf([4, 5]);
    });

    it("lets a device publish its own topic and not another device's", async () => {
      const hub = await client('hub-user', HUB_PASSWORD, 'hub');
      const seen = await listen(hub, ['homeward/devices/+/+', 'zigbee2mqtt/#']);
      const frontDoor = await client('front-door', credential['front-door']!, 'front-door');
      // MQTT 5: Mosquitto answers a publish its ACL refuses with PUBACK 0x87, and relays nothing.
      await expect(frontDoor.publishAsync('homeward/devices/back-door/door', '{"open":true}', { qos: 1 })).rejects.toThrow(/Not authorized/);
      await expect(frontDoor.publishAsync('zigbee2mqtt/Hall Door', '{"contact":false}', { qos: 1 })).rejects.toThrow(/Not authorized/);
      await frontDoor.publishAsync('homeward/devices/front-door/door', '{"open":true}', { qos: 1 });
      expect(await until(() => seen.length > 0)).toBe(true);
      // Mosquitto relays in order: had either forbidden publish got through, it would be here first.
      expect(seen).toEqual(['homeward/devices/front-door/door {"open":true}']);

      const zigbee = await client('zigbee', credential.zigbee!, 'zigbee2mqtt');
      await expect(zigbee.publishAsync('homeward/devices/front-door/door', '{"open":false}', { qos: 1 })).rejects.toThrow(/Not authorized/);
      await zigbee.publishAsync('zigbee2mqtt/Hall Door', '{"contact":true}', { qos: 1 });
      expect(await until(() => seen.length > 1)).toBe(true);
      expect(seen.slice(1)).toEqual(['zigbee2mqtt/Hall Door {"contact":true}']);
    });

    it('lets a device read only its own command topic', async () => {
      const frontDoor = await client('front-door', credential['front-door']!, 'front-door-commands');
      // Mosquitto 2 grants the subscription and applies the ACL to each message it would deliver.
      const seen = await listen(frontDoor, ['homeward/#']);
      const hub = await client('hub-user', HUB_PASSWORD, 'hub-commands');
      await hub.publishAsync('homeward/devices/back-door/commands/lock', 'back', { qos: 1 });
      await hub.publishAsync('homeward/alerts/a0', '{"id":"a0"}', { qos: 1 });
      await hub.publishAsync('homeward/devices/front-door/commands/lock', 'front', { qos: 1 });
      expect(await until(() => seen.length > 0)).toBe(true);
      expect(seen).toEqual(['homeward/devices/front-door/commands/lock front']);
    });

    it('lets an integration read what the hub publishes and write commands, not device topics', async () => {
      const hub = await client('hub-user', HUB_PASSWORD, 'hub-2');
      const commands = await listen(hub, ['homeward/commands/#', 'homeward/devices/+/+']);
      const ha = await client('home-assistant', credential['home-assistant']!, 'home-assistant');
      const alerts = await listen(ha, ['homeward/alerts/#', 'homeassistant/#']);
      await hub.publishAsync('homeward/alerts/a1', '{"id":"a1"}', { qos: 1 });
      expect(await until(() => alerts.length > 0)).toBe(true);
      expect(alerts).toEqual(['homeward/alerts/a1 {"id":"a1"}']);
      await expect(ha.publishAsync('homeward/devices/front-door/door', '{"open":true}', { qos: 1 })).rejects.toThrow(/Not authorized/);
      await ha.publishAsync('homeward/commands/acknowledge', '{"alerts":"open"}', { qos: 1 });
      expect(await until(() => commands.length > 0)).toBe(true);
      expect(commands).toEqual(['homeward/commands/acknowledge {"alerts":"open"}']);
    });

    it("delivers no device's own message (positions included) to an integration subscribed to homeward/#", async () => {
      const hub = await client('hub-user', HUB_PASSWORD, 'hub-3');
      const ha = await client('home-assistant', credential['home-assistant']!, 'home-assistant-2');
      const everything = await listen(ha, ['homeward/#']);
      const phone = await client('mum-phone', credential['mum-phone']!, 'mum-phone');
      await phone.publishAsync('homeward/devices/mum-phone/location', '{"lat":51.5,"lon":-0.12,"acc":10}', { qos: 1 });
      // Mosquitto handles one message at a time, in order: the phone's was routed before this one arrived.
      await hub.publishAsync('homeward/alerts/a2', '{"id":"a2"}', { qos: 1 });
      expect(await until(() => everything.length > 0)).toBe(true);
      expect(everything).toEqual(['homeward/alerts/a2 {"id":"a2"}']);
    });
  });
});
