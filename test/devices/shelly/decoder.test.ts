import { claimedIds, decodeWithout, expectWellFormed, loadFixtures, mqttMessage } from '../decoder-support.js';
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { CredentialSubject, DecodeOutcome, SimulatedMessage } from '../../../src/core/device-source.js';
import type { HouseholdBridge, HouseholdDevice } from '../../../src/core/household.js';
import { decodeShelly, normaliseBluAddress, shellyDeviceTopic } from '../../../devices/shelly/decoder.js';
import { shellySource } from '../../../devices/shelly/source.js';

const RECEIVED_AT = 1_700_000_000_000;

const direct = (id: string, topic: string, kind: HouseholdDevice['kind'] = 'door'): HouseholdDevice => ({ id, name: id, kind, source: 'shelly', topic });
const frontDoor = direct('front-door', 'shellies/shellydw2-A1B2C3');
const sideDoor = direct('side-door', 'shellyplus1-a8032abe54dc');
const pro4pm = direct('pro4pm', 'shellypro4pm-f008d1d8b8b8');
const gateway: HouseholdBridge = { id: 'blu-gw', source: 'shelly', baseTopic: 'blu-gateway' };
const patioDoor: HouseholdDevice = { id: 'patio-door', name: 'Patio door', kind: 'door', source: 'shelly', bridge: 'blu-gw', topic: 'blu-gateway/3c:2e:f5:71:d5:2a' };
const pillBox: HouseholdDevice = { id: 'pill-box', name: 'Pill box', kind: 'pillbox', source: 'shelly', bridge: 'blu-gw', topic: 'blu-gateway/bthomesensor:201' };
const gatewaySubject: CredentialSubject = { type: 'bridge', bridge: gateway, devices: [patioDoor, pillBox] };
const directSubjects = [frontDoor, sideDoor, pro4pm].map((device): CredentialSubject => ({ type: 'device', device }));

function subjectFor(topic: string): CredentialSubject {
  if (topic.startsWith('blu-gateway/')) return gatewaySubject;
  const found = directSubjects.find((s) => s.type === 'device' && topic.startsWith(`${s.device.topic ?? ''}/`));
  if (found === undefined) throw new Error(`no test subject for ${topic}`);
  return found;
}
const fixtures = loadFixtures(new URL('../../../devices/shelly/fixtures/', import.meta.url));
const message = mqttMessage;
const decodeSafely = decodeWithout(decodeShelly, RECEIVED_AT);

describe('shelly fixtures (payloads from Shelly documentation, Allterco scripts and integrations)', () => {
  it('has fixtures, each citing where it came from', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(10);
    for (const { fixture } of fixtures) expect(fixture.source).toMatch(/^https:\/\//);
  });

  it.each(fixtures)('$name decodes to its expected outcome', ({ fixture }) => {
    const subject = subjectFor(fixture.topic);
    const outcome = decodeShelly(subject, message(fixture.topic, fixture.payload, fixture.retain ?? false), { receivedAt: RECEIVED_AT });
    if (Array.isArray(fixture.expected)) expect(outcome).toEqual({ status: 'readings', readings: fixture.expected });
    else expect(outcome).toMatchObject(fixture.expected as Record<string, unknown>);
    expectWellFormed(outcome, claimedIds(subject));
  });

  it.each(fixtures.filter(({ fixture }) => fixture.retain === true))('$name may be retained', ({ fixture }) => {
    expect(shellySource.retainAllowed?.(subjectFor(fixture.topic), fixture.topic)).toBe(true);
  });
});

describe('shelly decoder rules', () => {
  const gen1 = directSubjects[0] as CredentialSubject;
  const gen2 = directSubjects[1] as CredentialSubject;

  it('reads Gen2 input state true as closed and false as open, from events/rpc and status topics', () => {
    const open = decodeShelly(gen2, message('shellyplus1-a8032abe54dc/status/input:0', { id: 0, state: false }), { receivedAt: RECEIVED_AT });
    expect(open).toEqual({ status: 'readings', readings: [{ deviceId: 'side-door', at: RECEIVED_AT, atFromDevice: false, kind: 'door', open: true }] });
    const battery = decodeShelly(gen2, message('shellyplus1-a8032abe54dc/events/rpc', { method: 'NotifyStatus', params: { ts: 0, 'devicepower:0': { id: 0, battery: { V: 5.2, percent: 76 } } } }), { receivedAt: RECEIVED_AT });
    expect(battery).toEqual({ status: 'readings', readings: [{ deviceId: 'side-door', at: RECEIVED_AT, atFromDevice: false, kind: 'health', battery: 76 }] });
  });

  it('uses the input named in the topic', () => {
    const i4: CredentialSubject = { type: 'device', device: direct('kitchen-door', 'shellyplusi4-c4d8d5/input:2') };
    expect(shellyDeviceTopic(i4.type === 'device' ? i4.device : frontDoor)).toEqual({ prefix: 'shellyplusi4-c4d8d5', input: 2 });
    const outcome = decodeShelly(i4, message('shellyplusi4-c4d8d5/events/rpc', { method: 'NotifyStatus', params: { ts: 1631186545, 'input:0': { id: 0, state: true }, 'input:2': { id: 2, state: false } } }), { receivedAt: RECEIVED_AT });
    expect(outcome).toMatchObject({ readings: [{ deviceId: 'kitchen-door', open: true, at: 1631186545000 }] });
  });

  it('refuses malformed and invalid payloads', () => {
    expect(decodeShelly(gen1, message('shellies/shellydw2-A1B2C3/sensor/state', 'ajar'), { receivedAt: RECEIVED_AT })).toMatchObject({ status: 'refused', reason: 'invalid' });
    expect(decodeShelly(gen1, message('shellies/shellydw2-A1B2C3/sensor/battery', '140'), { receivedAt: RECEIVED_AT })).toMatchObject({ status: 'refused', reason: 'invalid' });
    expect(decodeShelly(gen1, message('shellies/shellydw2-A1B2C3/sensor/battery', ''), { receivedAt: RECEIVED_AT })).toMatchObject({ status: 'refused', reason: 'invalid' });
    expect(decodeShelly(gen1, message('shellies/shellydw2-A1B2C3/online', 'yes'), { receivedAt: RECEIVED_AT })).toMatchObject({ status: 'refused', reason: 'invalid' });
    expect(decodeShelly(gen2, message('shellyplus1-a8032abe54dc/events/rpc', '{'), { receivedAt: RECEIVED_AT })).toMatchObject({ status: 'refused', reason: 'malformed' });
    expect(decodeShelly(gen2, message('shellyplus1-a8032abe54dc/events/rpc', { params: {} }), { receivedAt: RECEIVED_AT })).toMatchObject({ status: 'refused', reason: 'invalid' });
    expect(decodeShelly(gen2, message('shellyplus1-a8032abe54dc/status/input:0', { id: 0, state: 'on' }), { receivedAt: RECEIVED_AT })).toMatchObject({ status: 'refused', reason: 'invalid' });
  });

  it('reads native BTHome sensor components by component key', () => {
    const outcome = decodeShelly(gatewaySubject, message('blu-gateway/events/rpc', { method: 'NotifyStatus', params: { ts: 1700000000, 'bthomesensor:201': { id: 201, value: true } } }), { receivedAt: RECEIVED_AT });
    expect(outcome).toEqual({ status: 'readings', readings: [{ deviceId: 'pill-box', at: 1700000000000, atFromDevice: true, kind: 'pillbox', compartment: 0, open: true }] });
  });

  it('ignores announces, commands and the gateway itself; refuses foreign topics and subjects', () => {
    expect(decodeShelly(gen1, message('shellies/announce', { id: 'shellydw2-A1B2C3' }), { receivedAt: RECEIVED_AT })).toMatchObject({ status: 'ignored' });
    expect(decodeShelly(gen1, message('shellies/shellydw2-A1B2C3/info', { sensor: { state: 'open' } }), { receivedAt: RECEIVED_AT })).toMatchObject({ status: 'ignored' });
    expect(decodeShelly(gatewaySubject, message('blu-gateway/events/rpc', { method: 'NotifyStatus', params: { ts: 1, 'switch:0': { output: true } } }), { receivedAt: RECEIVED_AT })).toMatchObject({ status: 'ignored' });
    expect(decodeShelly(gen1, message('shellies/other/sensor/state', 'open'), { receivedAt: RECEIVED_AT })).toMatchObject({ status: 'refused', reason: 'unknown_topic' });
    expect(decodeShelly({ type: 'integration', id: 'x' }, message('shellies/shellydw2-A1B2C3/sensor/state', 'open'), { receivedAt: RECEIVED_AT })).toMatchObject({ reason: 'not_allowed' });
  });

  it('normalises BLU addresses', () => {
    expect(normaliseBluAddress('3C:2E:F5:71:D5:2A')).toBe('3c2ef571d52a');
    expect(normaliseBluAddress('shellybludw-3c2ef571d52a')).toBe('3c2ef571d52a');
  });
});

describe('shelly source', () => {
  it('grants topics under the device or gateway prefix', () => {
    expect(shellySource.publishTopics(directSubjects[0] as CredentialSubject)).toEqual(['shellies/shellydw2-A1B2C3/#', 'shellies/announce']);
    expect(shellySource.subscribeTopics(gatewaySubject)).toContain('blu-gateway/rpc');
    expect(shellySource.publishTopics({ type: 'integration', id: 'x' })).toEqual([]);
    expect(shellySource.retainAllowed?.(gatewaySubject, 'blu-gateway/events/rpc')).toBe(false);
  });

  it('checks household entries', () => {
    const check = shellySource.checkDevice ?? (() => undefined);
    expect(check(frontDoor)).toBeUndefined();
    expect(check(patioDoor)).toBeUndefined();
    expect(check({ ...frontDoor, topic: undefined })).toMatch(/prefix/);
    expect(check({ ...patioDoor, topic: undefined })).toMatch(/MAC/);
    expect(check({ ...frontDoor, topic: 'shellies/shellydw2-A1B2C3/sensor/state' })).toMatch(/prefix/);
    expect(check({ ...frontDoor, kind: 'tracker' })).toMatch(/door or a pillbox/);
  });
});

describe('shelly simulator', () => {
  const simulator = shellySource.simulator;
  const decodeSimulated = (subject: CredentialSubject, m: SimulatedMessage | undefined): DecodeOutcome => {
    if (m?.transport !== 'mqtt') throw new Error('expected an MQTT message');
    return decodeShelly(subject, { topic: m.topic, payload: Buffer.from(m.payload), retain: m.retain ?? false }, { receivedAt: RECEIVED_AT });
  };

  it('builds Gen1 messages that decode back to the reading', () => {
    for (const open of [true, false]) {
      const [state, battery] = simulator?.door?.(frontDoor, undefined, open, RECEIVED_AT, { battery: 87 }) ?? [];
      expect(decodeSimulated(directSubjects[0] as CredentialSubject, state)).toEqual({ status: 'readings', readings: [{ deviceId: 'front-door', at: RECEIVED_AT, atFromDevice: false, kind: 'door', open }] });
      expect(decodeSimulated(directSubjects[0] as CredentialSubject, battery)).toEqual({ status: 'readings', readings: [{ deviceId: 'front-door', at: RECEIVED_AT, atFromDevice: false, kind: 'health', battery: 87 }] });
      const [online] = simulator?.availability?.(frontDoor, undefined, open, RECEIVED_AT) ?? [];
      expect(decodeSimulated(directSubjects[0] as CredentialSubject, online)).toEqual({ status: 'readings', readings: [{ deviceId: 'front-door', at: RECEIVED_AT, atFromDevice: false, kind: 'health', online: open }] });
    }
  });

  it('builds Gen2 and BLU gateway messages that decode back to the reading', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.integer({ min: 946_684_800, max: 4_000_000_000 }).map((s) => s * 1000), fc.integer({ min: 0, max: 100 }), fc.integer({ min: -100, max: -20 }), (open, at, battery, rssi) => {
        const [gen2] = simulator?.door?.(sideDoor, undefined, open, at) ?? [];
        expect(decodeSimulated(directSubjects[1] as CredentialSubject, gen2)).toEqual({ status: 'readings', readings: [{ deviceId: 'side-door', at, atFromDevice: true, kind: 'door', open }] });
        const [blu] = simulator?.door?.(patioDoor, gateway, open, at, { battery, linkQuality: rssi }) ?? [];
        expect(decodeSimulated(gatewaySubject, blu)).toEqual({ status: 'readings', readings: [{ deviceId: 'patio-door', at, atFromDevice: true, battery, linkQuality: rssi, kind: 'door', open }] });
      }),
    );
    expect(simulator?.availability?.(patioDoor, gateway, true, RECEIVED_AT)).toEqual([]);
  });
});

describe('shelly decoder never throws (property-based)', () => {
  const subjects = [...directSubjects, gatewaySubject];
  const topic = fc.oneof(
    fc.constantFrom(...fixtures.map(({ fixture }) => fixture.topic), 'shellies/announce', 'shellyplus1-a8032abe54dc/status/input:0', 'shellyplus1-a8032abe54dc/status/devicepower:0'),
    fc.tuple(fc.constantFrom('shellies/shellydw2-A1B2C3', 'shellyplus1-a8032abe54dc', 'blu-gateway', 'shellies'), fc.string()).map(([prefix, rest]) => `${prefix}/${rest}`),
    fc.string(),
  );
  const component = fc.dictionary(fc.constantFrom('id', 'state', 'value', 'battery', 'rssi', 'window', 'addr', 'address', 'percent'), fc.jsonValue());
  const params = fc.dictionary(fc.constantFrom('ts', 'input:0', 'devicepower:0', 'wifi', 'blu', 'bthomesensor:201', 'events'), fc.oneof(fc.jsonValue(), component, fc.dictionary(fc.constantFrom('shellybludw-3c2ef571d52a', '3c:2e:f5:71:d5:2a', 'x'), component)));
  const payload = fc.oneof(
    fc.uint8Array({ maxLength: 256 }).map((bytes) => Buffer.from(bytes)),
    fc.jsonValue().map((value) => Buffer.from(JSON.stringify(value) ?? 'null')),
    fc.record({ method: fc.constantFrom('NotifyStatus', 'NotifyEvent', 'NotifyFullStatus', 'x'), params }).map((frame) => Buffer.from(JSON.stringify(frame))),
    fc.constantFrom('open', 'close', 'true', 'false', '98', '-1', 'NaN', '').map((text) => Buffer.from(text)),
  );

  it('returns a well-formed outcome for random topics and payloads', () => {
    fc.assert(
      fc.property(fc.constantFrom(...subjects), topic, payload, fc.boolean(), (subject, t, p, retain) => {
        expectWellFormed(decodeSafely(subject, { topic: t, payload: p, retain }), claimedIds(subject));
      }),
      { numRuns: 1500 },
    );
  });

  it('returns a well-formed outcome for mutated fixture payloads', () => {
    const objectFixtures = fixtures.filter(({ fixture }) => typeof fixture.payload === 'object' && fixture.payload !== null);
    fc.assert(
      fc.property(fc.constantFrom(...objectFixtures), fc.string(), fc.jsonValue(), ({ fixture }, key, value) => {
        const payload = JSON.parse(JSON.stringify(fixture.payload)) as { params?: Record<string, unknown> };
        const target = (payload.params ?? payload) as Record<string, unknown>;
        const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
        // Collect the objects first, then assign copies, so the mutation never makes a cycle.
        const targets = Object.values(target).filter(isObject);
        const nestedTargets = targets.flatMap((inner) => Object.values(inner).filter(isObject));
        for (const object of [...targets, ...nestedTargets]) object[key] = structuredClone(value);
        const subject = subjectFor(fixture.topic);
        expectWellFormed(decodeSafely(subject, message(fixture.topic, payload)), claimedIds(subject));
      }),
      { numRuns: 1000 },
    );
  });
});
