import { claimedIds, decodeWithout, expectWellFormed, loadFixtures, mqttMessage } from '../decoder-support.js';
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { CredentialSubject, DecodeOutcome, SimulatedMessage } from '../../../src/core/device-source.js';
import type { HouseholdBridge, HouseholdDevice } from '../../../src/core/household.js';
import { decodeTasmota, tasmotaZigbeeName } from '../../../devices/tasmota/decoder.js';
import { tasmotaSource } from '../../../devices/tasmota/source.js';

const RECEIVED_AT = 1_700_000_000_000;

const sonoffBridge: HouseholdBridge = { id: 'sonoff-zb', source: 'tasmota', baseTopic: 'SonoffZB' };
const zbBridge: HouseholdBridge = { id: 'zb', source: 'tasmota', baseTopic: 'zbbridge' };
const bridged = (id: string, bridge: HouseholdBridge, topic: string, kind: HouseholdDevice['kind'] = 'door'): HouseholdDevice => ({
  id,
  name: id,
  kind,
  source: 'tasmota',
  bridge: bridge.id,
  topic,
});
const doorSensor = bridged('door-sensor', sonoffBridge, 'SonoffZB/door_sensor');
const kitchenDoor = bridged('kitchen-door', zbBridge, 'zbbridge/Kitchen');
const pillLid = bridged('pill-lid', zbBridge, 'zbbridge/0x4A1C', 'pillbox');
const backDoor: HouseholdDevice = { id: 'back-door', name: 'Back door', kind: 'door', source: 'tasmota', topic: 'MYSONOFF' };
const garageDoor: HouseholdDevice = { id: 'garage-door', name: 'Garage door', kind: 'door', source: 'tasmota', topic: 'tasmota' };

const subjects: Record<string, CredentialSubject> = {
  SonoffZB: { type: 'bridge', bridge: sonoffBridge, devices: [doorSensor] },
  zbbridge: { type: 'bridge', bridge: zbBridge, devices: [kitchenDoor, pillLid] },
  MYSONOFF: { type: 'device', device: backDoor },
  tasmota: { type: 'device', device: garageDoor },
};
/** The subject that sends a topic: its second level is the Tasmota %topic%. */
function subjectFor(topic: string): CredentialSubject {
  const subject = subjects[topic.split('/')[1] ?? ''];
  if (subject === undefined) throw new Error(`no test subject for ${topic}`);
  return subject;
}
const fixtures = loadFixtures(new URL('../../../devices/tasmota/fixtures/', import.meta.url));
const message = mqttMessage;
const decodeSafely = decodeWithout(decodeTasmota, RECEIVED_AT);

describe('tasmota fixtures (real payloads from Tasmota documentation, source and captures)', () => {
  it('has fixtures, each citing where it came from', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(10);
    for (const { fixture } of fixtures) expect(fixture.source).toMatch(/^https:\/\/github\.com\//);
  });

  it.each(fixtures)('$name decodes to its expected outcome', ({ fixture }) => {
    const subject = subjectFor(fixture.topic);
    const outcome = decodeTasmota(subject, message(fixture.topic, fixture.payload, fixture.retain ?? false), { receivedAt: RECEIVED_AT });
    if (Array.isArray(fixture.expected)) expect(outcome).toEqual({ status: 'readings', readings: fixture.expected });
    else expect(outcome).toMatchObject(fixture.expected as Record<string, unknown>);
    expectWellFormed(outcome, claimedIds(subject));
  });

  it.each(fixtures.filter(({ fixture }) => fixture.retain === true))('$name may be retained', ({ fixture }) => {
    expect(tasmotaSource.retainAllowed?.(subjectFor(fixture.topic), fixture.topic)).toBe(true);
  });
});

describe('tasmota decoder rules', () => {
  const bridge = subjects.zbbridge as CredentialSubject;
  it('reads Contact 1 as open and 0 as closed, for doors and pill-box lids', () => {
    const open = decodeTasmota(bridge, message('tele/zbbridge/SENSOR', { ZbReceived: { '0x4a1c': { Device: '0x4A1C', Contact: 1, BatteryPercentage: 100 } } }), { receivedAt: RECEIVED_AT });
    expect(open).toEqual({ status: 'readings', readings: [{ deviceId: 'pill-lid', at: RECEIVED_AT, atFromDevice: false, battery: 100, kind: 'pillbox', compartment: 0, open: true }] });
    const closed = decodeTasmota(bridge, message('tele/zbbridge/SENSOR', { ZbReceived: { '0x4A1C': { Device: '0x4A1C', Contact: 0 } } }), { receivedAt: RECEIVED_AT });
    expect(closed).toMatchObject({ readings: [{ kind: 'pillbox', open: false }] });
  });

  it('keeps readings for claimed devices when the message also carries others', () => {
    const outcome = decodeTasmota(bridge, message('tele/zbbridge/SENSOR', { ZbReceived: { '0x4A1C': { Contact: 1 }, '0x9999': { Power: 1 } } }), { receivedAt: RECEIVED_AT });
    expect(outcome).toMatchObject({ status: 'readings', readings: [{ deviceId: 'pill-lid' }] });
  });

  it('accepts the SetOption100 form without the ZbReceived wrapper', () => {
    const outcome = decodeTasmota(bridge, message('tele/zbbridge/SENSOR', { '0x4A1C': { Device: '0x4A1C', Contact: 0 } }), { receivedAt: RECEIVED_AT });
    expect(outcome).toMatchObject({ readings: [{ deviceId: 'pill-lid', open: false }] });
  });

  it('refuses malformed and invalid payloads', () => {
    expect(decodeTasmota(bridge, message('tele/zbbridge/SENSOR', '{"ZbReceived":'), { receivedAt: RECEIVED_AT })).toMatchObject({ status: 'refused', reason: 'malformed' });
    expect(decodeTasmota(bridge, message('tele/zbbridge/SENSOR', { ZbReceived: { Kitchen: { Contact: 'open' } } }), { receivedAt: RECEIVED_AT })).toMatchObject({ status: 'refused', reason: 'invalid' });
    expect(decodeTasmota(bridge, message('tele/zbbridge/SENSOR', { ZbReceived: [] }), { receivedAt: RECEIVED_AT })).toMatchObject({ status: 'refused', reason: 'invalid' });
    expect(decodeTasmota(bridge, message('tele/zbbridge/LWT', 'Maybe'), { receivedAt: RECEIVED_AT })).toMatchObject({ status: 'refused', reason: 'invalid' });
    expect(decodeTasmota(subjects.tasmota as CredentialSubject, message('tele/tasmota/SENSOR', { Switch1: 'HALF' }), { receivedAt: RECEIVED_AT })).toMatchObject({ status: 'refused', reason: 'invalid' });
  });

  it('reads a direct Tasmota: LWT, plain telemetry and STATE prove life', () => {
    const direct = subjects.tasmota as CredentialSubject;
    expect(decodeTasmota(direct, message('tele/tasmota/LWT', 'Offline'), { receivedAt: RECEIVED_AT })).toMatchObject({ readings: [{ kind: 'health', online: false }] });
    expect(decodeTasmota(direct, message('tele/tasmota/SENSOR', { Time: '2021-01-01T00:00:00', DS18B20: { Temperature: 20.6 } }), { receivedAt: RECEIVED_AT })).toMatchObject({ readings: [{ kind: 'health' }] });
    expect(decodeTasmota(direct, message('tele/tasmota/STATE', { Time: '2021-01-01T00:00:00', Wifi: { RSSI: 100, Signal: -52 } }), { receivedAt: RECEIVED_AT })).toMatchObject({ readings: [{ kind: 'health', linkQuality: -52 }] });
    expect(decodeTasmota(direct, message('stat/tasmota/RESULT', { POWER: 'ON' }), { receivedAt: RECEIVED_AT })).toMatchObject({ status: 'ignored' });
  });

  it('refuses other topics and subjects', () => {
    expect(decodeTasmota(bridge, message('tele/other/SENSOR', {}), { receivedAt: RECEIVED_AT })).toMatchObject({ status: 'refused', reason: 'unknown_topic' });
    expect(decodeTasmota(bridge, message('tele/zbbridge', {}), { receivedAt: RECEIVED_AT })).toMatchObject({ status: 'refused', reason: 'unknown_topic' });
    expect(decodeTasmota(bridge, message('zbbridge/tele/SENSOR', {}), { receivedAt: RECEIVED_AT })).toMatchObject({ status: 'refused', reason: 'unknown_topic' });
    expect(decodeTasmota({ type: 'integration', id: 'x' }, message('tele/zbbridge/SENSOR', {}), { receivedAt: RECEIVED_AT })).toMatchObject({ reason: 'not_allowed' });
    expect(decodeTasmota({ type: 'device', device: { ...backDoor, topic: undefined } }, message('tele/MYSONOFF/LWT', 'Online'), { receivedAt: RECEIVED_AT })).toMatchObject({ reason: 'not_allowed' });
  });

  it('names bridged devices with or without the base topic', () => {
    expect(tasmotaZigbeeName(kitchenDoor, 'zbbridge')).toBe('Kitchen');
    expect(tasmotaZigbeeName({ ...kitchenDoor, topic: 'Kitchen' }, 'zbbridge')).toBe('Kitchen');
    expect(tasmotaZigbeeName({ ...kitchenDoor, topic: undefined }, 'zbbridge')).toBeUndefined();
  });
});

describe('tasmota source', () => {
  it('grants topics under the Tasmota topic only', () => {
    expect(tasmotaSource.publishTopics(subjects.zbbridge as CredentialSubject)).toEqual(['tele/zbbridge/#', 'stat/zbbridge/#', 'cmnd/zbbridge/POWER']);
    expect(tasmotaSource.subscribeTopics(subjects.MYSONOFF as CredentialSubject)).toEqual(['cmnd/MYSONOFF/#']);
    expect(tasmotaSource.publishTopics({ type: 'integration', id: 'x' })).toEqual([]);
    expect(tasmotaSource.retainAllowed?.(subjects.zbbridge as CredentialSubject, 'cmnd/zbbridge/POWER')).toBe(false);
  });

  it('checks household entries', () => {
    const check = tasmotaSource.checkDevice ?? (() => undefined);
    expect(check(kitchenDoor)).toBeUndefined();
    expect(check(backDoor)).toBeUndefined();
    expect(check({ ...backDoor, topic: undefined })).toMatch(/Topic/);
    expect(check({ ...kitchenDoor, topic: undefined })).toMatch(/ZbName/);
    expect(check({ ...backDoor, topic: 'a/b' })).toMatch(/single-word/);
    expect(check({ ...backDoor, kind: 'tracker' })).toMatch(/door or a pillbox/);
  });
});

describe('tasmota simulator', () => {
  const simulator = tasmotaSource.simulator;
  const decodeSimulated = (subject: CredentialSubject, m: SimulatedMessage | undefined): DecodeOutcome => {
    if (m?.transport !== 'mqtt') throw new Error('expected an MQTT message');
    return decodeTasmota(subject, { topic: m.topic, payload: Buffer.from(m.payload), retain: m.retain ?? false }, { receivedAt: RECEIVED_AT });
  };

  it('builds ZbReceived messages that decode back to the reading', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 255 }), fc.constantFrom(kitchenDoor, pillLid), (open, battery, linkQuality, device) => {
        const messages = (device.kind === 'door' ? simulator?.door?.(device, zbBridge, open, RECEIVED_AT, { battery, linkQuality }) : simulator?.pillbox?.(device, zbBridge, 0, open, RECEIVED_AT, { battery, linkQuality })) ?? [];
        expect(messages).toHaveLength(1);
        const expected = device.kind === 'door' ? { kind: 'door', open } : { kind: 'pillbox', compartment: 0, open };
        expect(decodeSimulated(subjects.zbbridge as CredentialSubject, messages[0])).toEqual({
          status: 'readings',
          readings: [{ deviceId: device.id, at: RECEIVED_AT, atFromDevice: false, battery, linkQuality, ...expected }],
        });
      }),
    );
  });

  it('builds switch and LWT messages for a direct Tasmota that decode back', () => {
    for (const open of [true, false]) {
      const [sensor] = simulator?.door?.(garageDoor, undefined, open, RECEIVED_AT) ?? [];
      expect(decodeSimulated(subjects.tasmota as CredentialSubject, sensor)).toEqual({
        status: 'readings',
        readings: [{ deviceId: 'garage-door', at: RECEIVED_AT, atFromDevice: false, kind: 'door', open }],
      });
      const [lwt] = simulator?.availability?.(garageDoor, undefined, open, RECEIVED_AT) ?? [];
      expect(decodeSimulated(subjects.tasmota as CredentialSubject, lwt)).toEqual({
        status: 'readings',
        readings: [{ deviceId: 'garage-door', at: RECEIVED_AT, atFromDevice: false, kind: 'health', online: open }],
      });
    }
    expect(simulator?.availability?.(kitchenDoor, zbBridge, true, RECEIVED_AT)).toEqual([]);
  });
});

describe('tasmota decoder never throws (property-based)', () => {
  const subjectList = Object.values(subjects);
  const topic = fc.oneof(
    fc.constantFrom(...fixtures.map(({ fixture }) => fixture.topic), 'tele/zbbridge/STATE', 'tele/tasmota/STATE', 'cmnd/zbbridge/POWER'),
    fc.tuple(fc.constantFrom('tele', 'stat', 'cmnd', 'x'), fc.constantFrom('zbbridge', 'SonoffZB', 'tasmota', 'MYSONOFF', ''), fc.string()).map((parts) => parts.join('/')),
    fc.string(),
  );
  const entry = fc.dictionary(fc.constantFrom('Device', 'Name', 'IEEEAddr', 'Contact', 'BatteryPercentage', 'Battery', 'BatteryVoltage', 'Voltage', 'LinkQuality', 'Endpoint'), fc.jsonValue());
  const payload = fc.oneof(
    fc.uint8Array({ maxLength: 256 }).map((bytes) => Buffer.from(bytes)),
    fc.jsonValue().map((value) => Buffer.from(JSON.stringify(value) ?? 'null')),
    fc.dictionary(fc.constantFrom('0x8F20', 'Kitchen', '0x662E', 'door_sensor', '0x4A1C', 'x'), entry).map((received) => Buffer.from(JSON.stringify({ ZbReceived: received }))),
    fc.dictionary(fc.constantFrom('Switch1', 'Time', 'Wifi', 'ZbState'), fc.jsonValue()).map((value) => Buffer.from(JSON.stringify(value))),
    fc.constantFrom('Online', 'Offline', '', 'null').map((text) => Buffer.from(text)),
  );

  it('returns a well-formed outcome for random topics and payloads', () => {
    fc.assert(
      fc.property(fc.constantFrom(...subjectList), topic, payload, fc.boolean(), (subject, t, p, retain) => {
        expectWellFormed(decodeSafely(subject, { topic: t, payload: p, retain }), claimedIds(subject));
      }),
      { numRuns: 3000 },
    );
  });

  it('returns a well-formed outcome for mutated fixture payloads', () => {
    const objectFixtures = fixtures.filter(({ fixture }) => typeof fixture.payload === 'object' && fixture.payload !== null);
    fc.assert(
      fc.property(fc.constantFrom(...objectFixtures), fc.jsonValue(), fc.string(), ({ fixture }, value, key) => {
        const payload = JSON.parse(JSON.stringify(fixture.payload)) as Record<string, unknown>;
        const received = payload.ZbReceived;
        if (typeof received === 'object' && received !== null) {
          for (const inner of Object.values(received as Record<string, unknown>)) {
            if (typeof inner === 'object' && inner !== null) (inner as Record<string, unknown>)[key] = value;
          }
        } else {
          payload[key] = value;
        }
        const subject = subjectFor(fixture.topic);
        expectWellFormed(decodeSafely(subject, message(fixture.topic, payload)), claimedIds(subject));
      }),
      { numRuns: 1000 },
    );
  });
});
