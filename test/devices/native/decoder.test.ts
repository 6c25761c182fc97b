import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CredentialSubject, MqttMessage } from '../../../src/core/device-source.js';
import type { HouseholdDevice } from '../../../src/core/household.js';
import { decodeNative } from '../../../devices/native/decoder.js';
import { nativeSimulator } from '../../../devices/native/simulator.js';
import { nativeSource } from '../../../devices/native/source.js';

const RECEIVED_AT = 1_750_000_000_000;
const fixturesDir = fileURLToPath(new URL('../../../devices/native/fixtures/', import.meta.url));
const devices: Record<string, HouseholdDevice> = {
  'front-door': { id: 'front-door', name: 'Front door', kind: 'door', source: 'native', exit: true },
  'mum-phone': { id: 'mum-phone', name: 'Phone', kind: 'tracker', source: 'native' },
  pillbox: { id: 'pillbox', name: 'Pill box', kind: 'pillbox', source: 'native', compartments: 2 },
};
const subjectFor = (id: string): CredentialSubject => ({ type: 'device', device: devices[id]! });
const message = (topic: string, payload: unknown): MqttMessage => ({
  topic,
  payload: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)),
  retain: false,
});

interface Fixture {
  topic: string;
  payload: unknown;
  expected: unknown;
}

describe('native decoder', () => {
  const fixtures = readdirSync(fixturesDir).map((name) => [name, JSON.parse(readFileSync(fixturesDir + name, 'utf8')) as Fixture] as const);
  it.each(fixtures)('%s', (_name, f) => {
    const outcome = decodeNative(subjectFor(f.topic.split('/')[2]!), message(f.topic, f.payload), { receivedAt: RECEIVED_AT });
    if (Array.isArray(f.expected)) expect(outcome).toEqual({ status: 'readings', readings: f.expected });
    else expect(outcome).toMatchObject(f.expected as object);
  });

  it('refuses malformed JSON, other devices, and unknown kinds', () => {
    const door = subjectFor('front-door');
    expect(decodeNative(door, message('homeward/devices/front-door/door', '{"open":'), { receivedAt: RECEIVED_AT })).toMatchObject({ reason: 'malformed' });
    expect(decodeNative(door, message('homeward/devices/back-door/door', { open: true }), { receivedAt: RECEIVED_AT })).toMatchObject({ reason: 'unknown_topic' });
    expect(decodeNative(door, message('homeward/devices/front-door/fridge', { open: true }), { receivedAt: RECEIVED_AT })).toMatchObject({ reason: 'unknown_topic' });
    expect(decodeNative(door, message('homeward/devices/front-door/door', { open: true, battery: 140 }), { receivedAt: RECEIVED_AT })).toMatchObject({ reason: 'invalid' });
    for (const inherited of ['valueOf', 'constructor', '__proto__', 'toString']) {
      expect(decodeNative(door, message(`homeward/devices/front-door/${inherited}`, { open: true }), { receivedAt: RECEIVED_AT })).toMatchObject({ reason: 'unknown_topic' });
    }
  });

  it('never throws on random topics and payloads', () => {
    fc.assert(
      fc.property(fc.constantFrom('front-door', 'mum-phone', 'pillbox'), fc.string(), fc.oneof(fc.json(), fc.string(), fc.uint8Array().map((a) => Buffer.from(a).toString('latin1'))), (id, suffix, payload) => {
        const outcome = decodeNative(subjectFor(id), message(`homeward/devices/${id}/${suffix}`, payload), { receivedAt: RECEIVED_AT });
        expect(['readings', 'ignored', 'refused']).toContain(outcome.status);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on mutated valid payloads', () => {
    fc.assert(
      fc.property(fc.record({ open: fc.anything(), battery: fc.anything(), ts: fc.anything(), compartment: fc.anything(), lat: fc.anything(), lon: fc.anything() }, { requiredKeys: [] }), (body) => {
        for (const [id, kind] of [['front-door', 'door'], ['mum-phone', 'tracker'], ['pillbox', 'pillbox']] as const) {
          const outcome = decodeNative(subjectFor(id), message(`homeward/devices/${id}/${kind}`, body), { receivedAt: RECEIVED_AT });
          if (outcome.status === 'readings') for (const r of outcome.readings) expect(Number.isFinite(r.at)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('decodes what its simulator sends', () => {
    const at = 1_750_000_000_000;
    const cases = [
      [nativeSimulator.door!(devices['front-door']!, undefined, true, at, { battery: 80 }), { kind: 'door', open: true, battery: 80, at, atFromDevice: true }],
      [nativeSimulator.position!(devices['mum-phone']!, undefined, { lat: 51.5, lon: -0.1, accuracyM: 9 }, at), { kind: 'position', lat: 51.5, lon: -0.1, accuracyM: 9 }],
      [nativeSimulator.pillbox!(devices.pillbox!, undefined, 2, true, at), { kind: 'pillbox', compartment: 2, open: true }],
      [nativeSimulator.availability!(devices['front-door']!, undefined, false, at), { kind: 'health', online: false }],
    ] as const;
    for (const [messages, expected] of cases) {
      const m = messages[0]!;
      if (m.transport !== 'mqtt') throw new Error('native is MQTT only');
      const id = m.topic.split('/')[2]!;
      const outcome = decodeNative(subjectFor(id), message(m.topic, m.payload), { receivedAt: RECEIVED_AT });
      expect(outcome).toMatchObject({ status: 'readings', readings: [expected] });
    }
  });

  it('allows a device its own topics only', () => {
    const subject = subjectFor('front-door');
    expect(nativeSource.publishTopics(subject)).toEqual(['homeward/devices/front-door/+']);
    expect(nativeSource.subscribeTopics(subject)).toEqual(['homeward/devices/front-door/commands/#']);
    expect(nativeSource.checkDevice?.({ ...devices['front-door']!, topic: 'x' })).toMatch(/remove "topic"/);
  });
});
