import { decodeWithout, expectWellFormed, loadFixtures, mqttMessage } from '../decoder-support.js';
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { CredentialSubject, DecodeOutcome, SimulatedMessage } from '../../../src/core/device-source.js';
import type { HouseholdBridge, HouseholdDevice } from '../../../src/core/household.js';
import { decodeZigbee2mqtt, parseZigbee2mqttAvailability, slugFromFriendlyName } from '../../../devices/zigbee2mqtt/decoder.js';
import { zigbee2mqttSource } from '../../../devices/zigbee2mqtt/source.js';

const RECEIVED_AT = 1_700_000_000_000;

const bridge: HouseholdBridge = { id: 'zigbee', source: 'zigbee2mqtt', baseTopic: 'zigbee2mqtt' };
const door = (id: string, topic: string): HouseholdDevice => ({ id, name: id, kind: 'door', source: 'zigbee2mqtt', bridge: 'zigbee', topic });
/** The test household: every device a fixture speaks for, claimed by the fixture's topic. */
const devices: HouseholdDevice[] = [
  door('window-a', 'zigbee2mqtt/window-a'),
  door('back-gate', 'zigbee2mqtt/backgate'),
  door('hall-door', 'zigbee2mqtt/0x00158d000288e3c5'),
  { id: 'pill-box', name: 'Pill box', kind: 'pillbox', source: 'zigbee2mqtt', bridge: 'zigbee', topic: 'zigbee2mqtt/0x00158d000288e3b1' },
  door('entrance-door', 'zigbee2mqtt/entrance/door'),
  door('bedroom-window', 'zigbee2mqtt/Bedroom Window'),
  door('balcony-door', 'zigbee2mqtt/balcony/door'),
];
const subject: CredentialSubject = { type: 'bridge', bridge, devices };

const fixtures = loadFixtures(new URL('../../../devices/zigbee2mqtt/fixtures/', import.meta.url));
const message = mqttMessage;
const decodeSafely = decodeWithout(decodeZigbee2mqtt, RECEIVED_AT);

const ids = new Set(devices.map((device) => device.id));

describe('zigbee2mqtt fixtures (real payloads from the Zigbee2MQTT project and its users)', () => {
  it('has fixtures, each citing where it came from', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(10);
    for (const { fixture } of fixtures) expect(fixture.source).toMatch(/^https:\/\/github\.com\//);
  });

  it.each(fixtures)('$name decodes to its expected outcome', ({ fixture }) => {
    const outcome = decodeZigbee2mqtt(subject, message(fixture.topic, fixture.payload, fixture.retain ?? false), { receivedAt: RECEIVED_AT });
    if (Array.isArray(fixture.expected)) {
      expect(outcome).toEqual({ status: 'readings', readings: fixture.expected });
    } else {
      expect(outcome).toMatchObject(fixture.expected as Record<string, unknown>);
    }
    expectWellFormed(outcome, ids);
  });

  it.each(fixtures.filter(({ fixture }) => fixture.retain === true))('$name is a topic Zigbee2MQTT retains, so retain is allowed', ({ fixture }) => {
    expect(zigbee2mqttSource.retainAllowed?.(subject, fixture.topic)).toBe(true);
  });
});

describe('zigbee2mqtt decoder rules', () => {
  it('reads contact: true as closed and false as open', () => {
    const closed = decodeZigbee2mqtt(subject, message('zigbee2mqtt/window-a', { contact: true }), { receivedAt: RECEIVED_AT });
    const open = decodeZigbee2mqtt(subject, message('zigbee2mqtt/window-a', { contact: false }), { receivedAt: RECEIVED_AT });
    expect(closed).toMatchObject({ status: 'readings', readings: [{ kind: 'door', open: false }] });
    expect(open).toMatchObject({ status: 'readings', readings: [{ kind: 'door', open: true }] });
  });

  it('turns a report without contact into a health reading', () => {
    const outcome = decodeZigbee2mqtt(subject, message('zigbee2mqtt/window-a', { battery: 91, voltage: 2985, linkquality: 84 }), { receivedAt: RECEIVED_AT });
    expect(outcome).toEqual({
      status: 'readings',
      readings: [{ deviceId: 'window-a', at: RECEIVED_AT, atFromDevice: false, battery: 91, voltageMv: 2985, linkQuality: 84, kind: 'health' }],
    });
  });

  it('uses an epoch last_seen and ignores one without a zone', () => {
    const epoch = decodeZigbee2mqtt(subject, message('zigbee2mqtt/window-a', { contact: true, last_seen: 1_600_000_000_123 }), { receivedAt: RECEIVED_AT });
    expect(epoch).toMatchObject({ readings: [{ at: 1_600_000_000_123, atFromDevice: true }] });
    const zoneless = decodeZigbee2mqtt(subject, message('zigbee2mqtt/window-a', { contact: true, last_seen: '2019-03-08T19:50:47' }), { receivedAt: RECEIVED_AT });
    expect(zoneless).toMatchObject({ readings: [{ at: RECEIVED_AT, atFromDevice: false }] });
  });

  it('refuses malformed and invalid state', () => {
    expect(decodeZigbee2mqtt(subject, message('zigbee2mqtt/window-a', '{"contact":'), { receivedAt: RECEIVED_AT })).toMatchObject({ status: 'refused', reason: 'malformed' });
    expect(decodeZigbee2mqtt(subject, message('zigbee2mqtt/window-a', { contact: 'yes' }), { receivedAt: RECEIVED_AT })).toMatchObject({ status: 'refused', reason: 'invalid' });
    expect(decodeZigbee2mqtt(subject, message('zigbee2mqtt/window-a', { battery: 250 }), { receivedAt: RECEIVED_AT })).toMatchObject({ status: 'refused', reason: 'invalid' });
    expect(decodeZigbee2mqtt(subject, message('zigbee2mqtt/window-a', [1, 2]), { receivedAt: RECEIVED_AT })).toMatchObject({ status: 'refused', reason: 'invalid' });
    expect(decodeZigbee2mqtt(subject, message('zigbee2mqtt/window-a/availability', 'maybe'), { receivedAt: RECEIVED_AT })).toMatchObject({ status: 'refused', reason: 'invalid' });
  });

  it('ignores the bridge talking about itself and device commands', () => {
    for (const topic of ['zigbee2mqtt/bridge/info', 'zigbee2mqtt/bridge/groups', 'zigbee2mqtt/bridge/definitions', 'zigbee2mqtt/bridge/extensions', 'zigbee2mqtt/bridge/response/permit_join']) {
      expect(decodeZigbee2mqtt(subject, message(topic, { status: 'ok' }), { receivedAt: RECEIVED_AT })).toMatchObject({ status: 'ignored' });
    }
    for (const topic of ['zigbee2mqtt/window-a/set', 'zigbee2mqtt/window-a/get', 'zigbee2mqtt/window-a/set/state', 'zigbee2mqtt/my_bulb/set']) {
      expect(decodeZigbee2mqtt(subject, message(topic, { state: '' }), { receivedAt: RECEIVED_AT })).toEqual({ status: 'ignored', reason: 'device command' });
    }
    expect(decodeZigbee2mqtt(subject, message('zigbee2mqtt/window-a/contact', 'true'), { receivedAt: RECEIVED_AT })).toMatchObject({ status: 'ignored' });
  });

  it('matches the longest household topic for friendly names containing /', () => {
    const nested: CredentialSubject = { type: 'bridge', bridge, devices: [door('balcony', 'zigbee2mqtt/balcony'), door('balcony-door', 'zigbee2mqtt/balcony/door')] };
    expect(decodeZigbee2mqtt(nested, message('zigbee2mqtt/balcony/door', { contact: false }), { receivedAt: RECEIVED_AT })).toMatchObject({ readings: [{ deviceId: 'balcony-door' }] });
    expect(decodeZigbee2mqtt(nested, message('zigbee2mqtt/balcony', { contact: false }), { receivedAt: RECEIVED_AT })).toMatchObject({ readings: [{ deviceId: 'balcony' }] });
  });

  it('refuses other topics and other subjects', () => {
    expect(decodeZigbee2mqtt(subject, message('owntracks/a/b', {}), { receivedAt: RECEIVED_AT })).toMatchObject({ status: 'refused', reason: 'unknown_topic' });
    expect(decodeZigbee2mqtt({ type: 'device', device: devices[0] as HouseholdDevice }, message('zigbee2mqtt/window-a', { contact: true }), { receivedAt: RECEIVED_AT })).toMatchObject({ status: 'refused', reason: 'not_allowed' });
    expect(decodeZigbee2mqtt({ type: 'integration', id: 'home-assistant' }, message('zigbee2mqtt/window-a', { contact: true }), { receivedAt: RECEIVED_AT })).toMatchObject({ status: 'refused', reason: 'not_allowed' });
    const otherBridge: CredentialSubject = { type: 'bridge', bridge: { id: 'tas', source: 'tasmota', baseTopic: 'zigbee2mqtt' }, devices };
    expect(decodeZigbee2mqtt(otherBridge, message('zigbee2mqtt/window-a', { contact: true }), { receivedAt: RECEIVED_AT })).toMatchObject({ status: 'refused', reason: 'not_allowed' });
  });

  it('reads both availability forms', () => {
    expect(parseZigbee2mqttAvailability(Buffer.from('offline'))).toBe('offline');
    expect(parseZigbee2mqttAvailability(Buffer.from('{"state":"online"}'))).toBe('online');
    expect(parseZigbee2mqttAvailability(Buffer.from('{"state":"away"}'))).toBeUndefined();
  });

  it('makes household ids from friendly names', () => {
    expect(slugFromFriendlyName('Front Door', '0x1')).toBe('front-door');
    expect(slugFromFriendlyName('kitchen/floor_light', '0x1')).toBe('kitchen-floor-light');
    expect(slugFromFriendlyName('!!!', '0x00158d00018255df')).toBe('zigbee-00158d00018255df');
    expect(slugFromFriendlyName('x'.repeat(100), '0x1')).toMatch(/^[a-z0-9][a-z0-9_-]{0,63}$/);
  });
});

describe('zigbee2mqtt source', () => {
  it('lets the bridge publish and subscribe under its base topic only', () => {
    expect(zigbee2mqttSource.publishTopics(subject)).toEqual(['zigbee2mqtt/#']);
    expect(zigbee2mqttSource.subscribeTopics(subject)).toEqual(['zigbee2mqtt/#']);
    expect(zigbee2mqttSource.publishTopics({ type: 'integration', id: 'x' })).toEqual([]);
    expect(zigbee2mqttSource.retainAllowed?.(subject, 'homeassistant/binary_sensor/x/config')).toBe(false);
  });

  it('checks household entries', () => {
    const check = zigbee2mqttSource.checkDevice ?? (() => undefined);
    expect(check(devices[0] as HouseholdDevice)).toBeUndefined();
    expect(check({ ...(devices[0] as HouseholdDevice), bridge: undefined })).toMatch(/bridge/);
    expect(check({ ...(devices[0] as HouseholdDevice), topic: undefined })).toMatch(/topic/);
    expect(check({ ...(devices[0] as HouseholdDevice), kind: 'tracker' })).toMatch(/door or a pillbox/);
    expect(check({ ...(devices[0] as HouseholdDevice), topic: 'zigbee2mqtt/window-a/availability' })).toMatch(/availability/);
  });
});

describe('zigbee2mqtt simulator', () => {
  const simulator = zigbee2mqttSource.simulator;
  const decodeSimulated = (m: SimulatedMessage): DecodeOutcome => {
    if (m.transport !== 'mqtt') throw new Error('expected MQTT');
    return decodeZigbee2mqtt(subject, { topic: m.topic, payload: Buffer.from(m.payload), retain: m.retain ?? false }, { receivedAt: RECEIVED_AT });
  };

  it('builds door messages that decode back to the reading', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.integer({ min: 946_684_800_000, max: 4_000_000_000_000 }), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 255 }), (open, at, battery, linkQuality) => {
        const device = devices[0] as HouseholdDevice;
        const messages = simulator?.door?.(device, bridge, open, at, { battery, linkQuality }) ?? [];
        expect(messages).toHaveLength(1);
        expect(decodeSimulated(messages[0] as SimulatedMessage)).toEqual({
          status: 'readings',
          readings: [{ deviceId: device.id, at, atFromDevice: true, battery, linkQuality, kind: 'door', open }],
        });
      }),
    );
  });

  it('builds pill-box and availability messages that decode back', () => {
    const pillbox = devices[3] as HouseholdDevice;
    const [lid] = simulator?.pillbox?.(pillbox, bridge, 0, true, RECEIVED_AT - 5000) ?? [];
    expect(decodeSimulated(lid as SimulatedMessage)).toEqual({
      status: 'readings',
      readings: [{ deviceId: 'pill-box', at: RECEIVED_AT - 5000, atFromDevice: true, kind: 'pillbox', compartment: 0, open: true }],
    });
    for (const online of [true, false]) {
      const [availability] = simulator?.availability?.(pillbox, bridge, online, RECEIVED_AT) ?? [];
      expect(availability).toMatchObject({ retain: true });
      expect(decodeSimulated(availability as SimulatedMessage)).toEqual({
        status: 'readings',
        readings: [{ deviceId: 'pill-box', at: RECEIVED_AT, atFromDevice: false, kind: 'health', online }],
      });
    }
  });
});

describe('zigbee2mqtt decoder never throws (property-based)', () => {
  const knownTopics = [
    ...devices.map((device) => device.topic as string),
    ...devices.map((device) => `${device.topic as string}/availability`),
    'zigbee2mqtt/bridge/state',
    'zigbee2mqtt/bridge/devices',
    'zigbee2mqtt/bridge/info',
    'zigbee2mqtt/unclaimed',
  ];
  const topic = fc.oneof(
    fc.constantFrom(...knownTopics),
    fc.string().map((rest) => `zigbee2mqtt/${rest}`),
    fc.string(),
    fc.array(fc.constantFrom('zigbee2mqtt', 'bridge', 'window-a', 'set', 'get', 'availability', '', '#', 'devices', 'state'), { maxLength: 5 }).map((parts) => parts.join('/')),
  );
  const payload = fc.oneof(
    fc.uint8Array({ maxLength: 256 }).map((bytes) => Buffer.from(bytes)),
    fc.string().map((text) => Buffer.from(text)),
    fc.jsonValue().map((value) => Buffer.from(JSON.stringify(value) ?? 'null')),
    fc.constantFrom('online', 'offline', '{"state":"online"}', 'null', '[]', '{}', '').map((text) => Buffer.from(text)),
  );

  it('returns a well-formed outcome for random topics and payloads', () => {
    fc.assert(
      fc.property(topic, payload, fc.boolean(), (t, p, retain) => {
        expectWellFormed(decodeSafely(subject, { topic: t, payload: p, retain }), ids);
      }),
      { numRuns: 2000 },
    );
  });

  it('returns a well-formed outcome for mutated fixture payloads', () => {
    const objectFixtures = fixtures.filter(({ fixture }) => typeof fixture.payload === 'object' && fixture.payload !== null);
    fc.assert(
      fc.property(
        fc.constantFrom(...objectFixtures),
        fc.dictionary(fc.oneof(fc.constantFrom('contact', 'battery', 'voltage', 'linkquality', 'last_seen', 'state', 'friendly_name', 'definition', 'type', 'exposes'), fc.string()), fc.jsonValue()),
        ({ fixture }, overrides) => {
          const original = fixture.payload;
          const mutated = Array.isArray(original)
            ? original.map((entry: unknown) => (typeof entry === 'object' && entry !== null ? { ...entry, ...overrides } : overrides))
            : { ...(original as Record<string, unknown>), ...overrides };
          expectWellFormed(decodeSafely(subject, message(fixture.topic, mutated)), ids);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('returns a well-formed outcome for any household shape', () => {
    const household = fc.array(
      fc.record({
        id: fc.constantFrom('a', 'b', 'c'),
        name: fc.constant('x'),
        kind: fc.constantFrom('door' as const, 'pillbox' as const, 'tracker' as const),
        source: fc.constant('zigbee2mqtt' as const),
        bridge: fc.constant('zigbee'),
        topic: fc.option(fc.oneof(fc.constantFrom('zigbee2mqtt/a', 'zigbee2mqtt/a/b', 'zigbee2mqtt/bridge'), fc.string()), { nil: undefined }),
      }),
      { maxLength: 4 },
    );
    fc.assert(
      fc.property(household, topic, payload, (randomDevices, t, p) => {
        const s: CredentialSubject = { type: 'bridge', bridge, devices: randomDevices };
        expectWellFormed(decodeSafely(s, { topic: t, payload: p, retain: false }), new Set(randomDevices.map((d) => d.id)));
      }),
      { numRuns: 1000 },
    );
  });
});
