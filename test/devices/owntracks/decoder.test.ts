import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { expectTrackerOutcome } from '../decoder-support.js';
import { describe, expect, it } from 'vitest';
import {
  decodeOwnTracksHttp,
  decodeOwnTracksMqtt,
  OWNTRACKS_HTTP_REPLY,
} from '../../../devices/owntracks/decoder.js';
import { OWNTRACKS_HTTP_PATH, owntracksSource } from '../../../devices/owntracks/source.js';
import type {
  CredentialSubject,
  DecodeOutcome,
  HttpIngestRequest,
  MqttMessage,
  RefusalReason,
  SimulatedMessage,
} from '../../../src/core/device-source.js';
import type { HouseholdDevice } from '../../../src/core/household.js';
import type { Reading } from '../../../src/core/readings.js';

const FIXTURES = new URL('../../../devices/owntracks/fixtures/', import.meta.url);
const RECEIVED_AT = 1_750_000_000_000;
const context = { receivedAt: RECEIVED_AT };

const phone: HouseholdDevice = {
  id: 'mum-phone',
  name: "Margaret's phone",
  kind: 'tracker',
  source: 'owntracks',
  topic: 'owntracks/margaret/phone',
};
const httpPhone: HouseholdDevice = { id: 'mum-http', name: 'Phone over HTTP', kind: 'tracker', source: 'owntracks' };
const asDevice = (device: HouseholdDevice): CredentialSubject => ({ type: 'device', device });

type Expected =
  | Reading[]
  | { status: 'ignored' }
  | { status: 'refused'; reason: RefusalReason }
  | { status: 'readings'; readings: Reading[] };

interface Fixture {
  source: string;
  transport: 'mqtt' | 'http';
  topic?: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  device: HouseholdDevice;
  receivedAt: number;
  payload?: unknown;
  body?: unknown;
  expected: Expected;
}

const fixtures: [string, Fixture][] = readdirSync(FIXTURES)
  .filter((name) => name.endsWith('.json'))
  .sort()
  .map((name) => [name, JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as Fixture]);

function mqtt(topic: string, payload: string | Buffer, retain = false): MqttMessage {
  return { topic, payload: typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload, retain };
}

function post(body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }): HttpIngestRequest {
  return { method: 'POST', query: {}, body, headers };
}

function decodeFixture(fixture: Fixture): DecodeOutcome {
  const subject = asDevice(fixture.device);
  const at = { receivedAt: fixture.receivedAt };
  if (fixture.transport === 'mqtt') {
    return decodeOwnTracksMqtt(subject, mqtt(fixture.topic ?? '', JSON.stringify(fixture.payload)), at);
  }
  return decodeOwnTracksHttp(
    subject,
    { method: fixture.method ?? 'POST', query: {}, body: fixture.body, headers: fixture.headers ?? {} },
    at,
  );
}

/** Floating-point results (unit conversions) compared to 9 decimals; everything else exactly. */
function normalise(readings: Reading[]): Reading[] {
  return readings.map(
    (reading) =>
      Object.fromEntries(
        Object.entries(reading).map(([key, value]) => [
          key,
          typeof value === 'number' && !Number.isInteger(value) ? Number(value.toFixed(9)) : value,
        ]),
      ) as unknown as Reading,
  );
}

/** Any outcome must be one of the three shapes, and every reading a canonical one for this device. */
const expectDecodeOutcome = (outcome: DecodeOutcome, device: HouseholdDevice) => expectTrackerOutcome(outcome, device.id);

describe('OwnTracks fixtures', () => {
  it('has fixtures for both transports, each citing its source', () => {
    expect(fixtures.length).toBeGreaterThan(10);
    expect(new Set(fixtures.map(([, f]) => f.transport))).toEqual(new Set(['mqtt', 'http']));
    for (const [, fixture] of fixtures) expect(fixture.source).toMatch(/^https:\/\//);
  });

  it.each(fixtures)('%s decodes to its expected outcome', (_name, fixture) => {
    const outcome = decodeFixture(fixture);
    expectDecodeOutcome(outcome, fixture.device);
    const expected = Array.isArray(fixture.expected)
      ? { status: 'readings' as const, readings: fixture.expected }
      : fixture.expected;
    expect(outcome.status, JSON.stringify(outcome)).toBe(expected.status);
    if (expected.status === 'refused' && outcome.status === 'refused') expect(outcome.reason).toBe(expected.reason);
    if (expected.status === 'readings' && outcome.status === 'readings') {
      expect(normalise(outcome.readings)).toEqual(normalise(expected.readings));
    }
  });

  it.each(fixtures.filter(([, f]) => f.transport === 'mqtt' && isRecord(f.payload) && f.payload._type !== 'lwt'))(
    '%s decodes the same when posted in HTTP mode',
    (_name, fixture) => {
      const overMqtt = decodeFixture(fixture);
      const overHttp = decodeOwnTracksHttp(asDevice(fixture.device), post(fixture.payload), { receivedAt: fixture.receivedAt });
      expect(overHttp).toEqual(overMqtt);
    },
  );
});

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

describe('OwnTracks over MQTT', () => {
  const location = { _type: 'location', lat: 51.5072, lon: -0.1276, tst: 1_700_000_000, acc: 12 };

  it('refuses topics outside the phone\'s own base topic', () => {
    for (const topic of ['owntracks/margaret/other', 'owntracks/margaret/phonebook', 'owntracks/margaret', 'homeward/devices/x/tracker']) {
      const outcome = decodeOwnTracksMqtt(asDevice(phone), mqtt(topic, JSON.stringify(location)), context);
      expect(outcome).toMatchObject({ status: 'refused', reason: 'unknown_topic' });
    }
  });

  it('refuses a phone without a topic, and subjects that are not the phone itself', () => {
    expect(decodeOwnTracksMqtt(asDevice(httpPhone), mqtt('owntracks/a/b', JSON.stringify(location)), context)).toMatchObject({
      status: 'refused',
      reason: 'unknown_topic',
    });
    const bridge: CredentialSubject = { type: 'bridge', bridge: { id: 'z', source: 'zigbee2mqtt', baseTopic: 'owntracks' }, devices: [phone] };
    expect(decodeOwnTracksMqtt(bridge, mqtt(phone.topic ?? '', JSON.stringify(location)), context)).toMatchObject({
      status: 'refused',
      reason: 'not_allowed',
    });
    const door: HouseholdDevice = { ...phone, kind: 'door' };
    expect(decodeOwnTracksMqtt(asDevice(door), mqtt(phone.topic ?? '', JSON.stringify(location)), context)).toMatchObject({
      status: 'refused',
      reason: 'not_allowed',
    });
  });

  it('ignores an empty payload (clearing a retained location) and refuses non-JSON', () => {
    expect(decodeOwnTracksMqtt(asDevice(phone), mqtt(phone.topic ?? '', '', true), context).status).toBe('ignored');
    expect(decodeOwnTracksMqtt(asDevice(phone), mqtt(phone.topic ?? '', '{"_type":'), context)).toMatchObject({
      status: 'refused',
      reason: 'malformed',
    });
  });

  it('ignores status, steps and config dumps, and refuses an unknown _type', () => {
    const topic = phone.topic ?? '';
    for (const [sub, payload] of [
      ['/status', { _type: 'status', android: { wifi: 1, ps: 0, bo: 1, hib: 0, loc: 0 } }],
      ['/step', { _type: 'steps', tst: 1_700_000_000, steps: 12, from: 1_699_990_000, to: 1_700_000_000 }],
      ['/dump', { _type: 'configuration', mode: 0 }],
    ] as const) {
      expect(decodeOwnTracksMqtt(asDevice(phone), mqtt(topic + sub, JSON.stringify(payload)), context).status).toBe('ignored');
    }
    expect(decodeOwnTracksMqtt(asDevice(phone), mqtt(topic, '{"_type":"msg"}'), context)).toMatchObject({
      status: 'refused',
      reason: 'invalid',
    });
  });

  it('ignores a transition that carries no fix', () => {
    const transition = { _type: 'transition', event: 'leave', desc: 'Home', wtst: 1_600_000_000, tst: 1_700_000_000 };
    expect(decodeOwnTracksMqtt(asDevice(phone), mqtt(`${phone.topic}/event`, JSON.stringify(transition)), context).status).toBe(
      'ignored',
    );
  });

  it('refuses a fix whose lat/lon are out of range or not numbers', () => {
    for (const bad of [{ lat: 91 }, { lon: -180.5 }, { lat: '51.5' }, { lon: null }, { tst: 1_700_000_000_000 }]) {
      const outcome = decodeOwnTracksMqtt(asDevice(phone), mqtt(phone.topic ?? '', JSON.stringify({ ...location, ...bad })), context);
      expect(outcome).toMatchObject({ status: 'refused', reason: 'invalid' });
    }
  });

  it('keeps the fix when a measurement is an "unknown" sentinel', () => {
    const outcome = decodeOwnTracksMqtt(
      asDevice(phone),
      mqtt(phone.topic ?? '', JSON.stringify({ ...location, batt: -1, vel: -1, cog: -1, acc: 0 })),
      context,
    );
    expect(outcome).toEqual({
      status: 'readings',
      readings: [{ deviceId: 'mum-phone', kind: 'position', at: 1_700_000_000_000, atFromDevice: true, lat: 51.5072, lon: -0.1276 }],
    });
  });
});

describe('OwnTracks over HTTP', () => {
  it('tells the hub to answer an empty JSON array', () => {
    expect(JSON.parse(OWNTRACKS_HTTP_REPLY)).toEqual([]);
  });

  it('decodes a body the hub left as text or bytes', () => {
    const text = '{"lon":2.29513,"lat":48.85833,"_type":"location","tst":1497476456, "tid":"JJ"}';
    const expected = decodeOwnTracksHttp(asDevice(httpPhone), post(JSON.parse(text)), context);
    expect(expected.status).toBe('readings');
    expect(decodeOwnTracksHttp(asDevice(httpPhone), post(text), context)).toEqual(expected);
    expect(decodeOwnTracksHttp(asDevice(httpPhone), post(Buffer.from(text)), context)).toEqual(expected);
  });

  it('refuses an empty body, a non-JSON body and a GET', () => {
    expect(decodeOwnTracksHttp(asDevice(httpPhone), post(undefined), context)).toMatchObject({ status: 'refused', reason: 'malformed' });
    expect(decodeOwnTracksHttp(asDevice(httpPhone), post(''), context)).toMatchObject({ status: 'refused', reason: 'malformed' });
    expect(decodeOwnTracksHttp(asDevice(httpPhone), post('<html>'), context)).toMatchObject({ status: 'refused', reason: 'malformed' });
    expect(
      decodeOwnTracksHttp(asDevice(httpPhone), { method: 'GET', query: {}, body: undefined, headers: {} }, context),
    ).toMatchObject({ status: 'refused', reason: 'invalid' });
  });
});

describe('OwnTracks source', () => {
  it('lets the phone publish under its own base topic and subscribe only to its cmd topic', () => {
    const subject = asDevice(phone);
    expect(owntracksSource.publishTopics(subject)).toEqual(['owntracks/margaret/phone', 'owntracks/margaret/phone/#']);
    expect(owntracksSource.subscribeTopics(subject)).toEqual(['owntracks/margaret/phone/cmd']);
    expect(owntracksSource.subscribeTopics(subject)).not.toContain('owntracks/+/+');
    expect(owntracksSource.publishTopics(asDevice(httpPhone))).toEqual([]);
    expect(owntracksSource.publishTopics({ type: 'integration', id: 'home-assistant' })).toEqual([]);
  });

  it('allows a retained publish only on the location topic', () => {
    const subject = asDevice(phone);
    expect(owntracksSource.retainAllowed?.(subject, 'owntracks/margaret/phone')).toBe(true);
    expect(owntracksSource.retainAllowed?.(subject, 'owntracks/margaret/phone/event')).toBe(false);
    expect(owntracksSource.retainAllowed?.(asDevice(httpPhone), 'owntracks/margaret/phone')).toBe(false);
  });

  it('checks the household entry', () => {
    const check = owntracksSource.checkDevice;
    expect(check?.(phone)).toBeUndefined();
    expect(check?.(httpPhone)).toBeUndefined();
    expect(check?.({ ...phone, kind: 'door' })).toMatch(/tracker/);
    expect(check?.({ ...phone, bridge: 'zigbee' })).toMatch(/bridge/);
    for (const topic of ['homeward', 'homeward/alerts', 'owntracks/margaret', 'owntracks/margaret/phone/x', 'owntracks//phone']) {
      expect(check?.({ ...phone, topic })).toMatch(/topic/);
    }
  });
});

describe('OwnTracks decoders never throw', () => {
  const devices = [phone, httpPhone];
  const topics = fc.oneof(
    fc.constantFrom('owntracks/margaret/phone', 'owntracks/margaret/phone/event', 'owntracks/margaret/phone/info'),
    fc.string().map((tail) => `owntracks/margaret/phone/${tail}`),
    fc.string(),
  );
  const fixturePayloads = fixtures
    .map(([, f]) => (f.transport === 'mqtt' ? f.payload : f.body))
    .filter(isRecord);

  /** A real payload with keys deleted, replaced by random JSON, or added. */
  const mutatedPayload = fc
    .tuple(
      fc.constantFrom(...fixturePayloads),
      fc.array(fc.tuple(fc.constantFrom('delete', 'replace', 'add'), fc.nat(), fc.string({ maxLength: 8 }), fc.jsonValue()), {
        maxLength: 6,
      }),
    )
    .map(([payload, mutations]) => {
      const copy: Record<string, unknown> = { ...payload };
      for (const [kind, index, key, value] of mutations) {
        const keys = Object.keys(copy);
        const target = keys.length > 0 ? keys[index % keys.length] : undefined;
        if (kind === 'delete' && target !== undefined) delete copy[target];
        else if (kind === 'replace' && target !== undefined) copy[target] = value;
        else Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
      }
      return copy;
    });

  it('random bytes on any topic', () => {
    fc.assert(
      fc.property(fc.constantFrom(...devices), topics, fc.uint8Array({ maxLength: 300 }), fc.boolean(), (device, topic, bytes, retain) => {
        expectDecodeOutcome(decodeOwnTracksMqtt(asDevice(device), mqtt(topic, Buffer.from(bytes), retain), context), device);
      }),
      { numRuns: 300 },
    );
  });

  it('random JSON on the phone\'s topics', () => {
    fc.assert(
      fc.property(topics, fc.jsonValue(), (topic, value) => {
        expectDecodeOutcome(decodeOwnTracksMqtt(asDevice(phone), mqtt(topic, JSON.stringify(value) ?? ''), context), phone);
      }),
      { numRuns: 300 },
    );
  });

  it('mutated real payloads over MQTT and HTTP', () => {
    fc.assert(
      fc.property(mutatedPayload, (payload) => {
        expectDecodeOutcome(decodeOwnTracksMqtt(asDevice(phone), mqtt(phone.topic ?? '', JSON.stringify(payload)), context), phone);
        expectDecodeOutcome(decodeOwnTracksHttp(asDevice(httpPhone), post(payload), context), httpPhone);
      }),
      { numRuns: 500 },
    );
  });

  it('any HTTP request', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<'GET' | 'POST'>('GET', 'POST'),
        fc.dictionary(fc.string(), fc.string()),
        fc.anything(),
        fc.dictionary(fc.string(), fc.option(fc.string(), { nil: undefined })),
        (method, query, body, headers) => {
          expectDecodeOutcome(decodeOwnTracksHttp(asDevice(httpPhone), { method, query, body, headers }, context), httpPhone);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('OwnTracks simulator', () => {
  const simulator = owntracksSource.simulator;
  const fix = fc.record({
    lat: fc.double({ min: -90, max: 90, noNaN: true }).map((v) => v + 0),
    lon: fc.double({ min: -180, max: 180, noNaN: true }).map((v) => v + 0),
    accuracyM: fc.option(fc.double({ min: 1, max: 5000, noNaN: true }), { nil: undefined }),
  });
  const time = fc.integer({ min: 946_684_800_000, max: 4_102_444_799_999 });
  const battery = fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined });

  function decodeSimulated(device: HouseholdDevice, message: SimulatedMessage): DecodeOutcome {
    if (message.transport === 'mqtt') {
      return decodeOwnTracksMqtt(asDevice(device), mqtt(message.topic, message.payload, message.retain), context);
    }
    expect(message.path).toBe(OWNTRACKS_HTTP_PATH);
    // Through JSON text, as it travels.
    return decodeOwnTracksHttp(asDevice(device), post(JSON.parse(JSON.stringify(message.body)) as unknown), context);
  }

  it('builds messages that decode back to the fix they were built from', () => {
    fc.assert(
      fc.property(fc.constantFrom(phone, httpPhone), fix, time, battery, (device, built, at, percent) => {
        const messages = simulator?.position?.(device, undefined, built, at, percent === undefined ? undefined : { battery: percent }) ?? [];
        expect(messages).toHaveLength(1);
        for (const message of messages) {
          if (message.transport === 'mqtt') {
            expect(message.topic).toBe(device.topic);
            expect(owntracksSource.retainAllowed?.(asDevice(device), message.topic) ?? false).toBe(message.retain ?? false);
          }
          const outcome = decodeSimulated(device, message);
          expect(outcome.status).toBe('readings');
          if (outcome.status !== 'readings') return;
          const expected: Reading = {
            deviceId: device.id,
            kind: 'position',
            at: Math.floor(at / 1000) * 1000,
            atFromDevice: true,
            lat: built.lat,
            lon: built.lon,
          };
          if (built.accuracyM !== undefined) expected.accuracyM = Math.round(built.accuracyM);
          if (percent !== undefined) expected.battery = percent;
          expect(outcome.readings).toEqual([expected]);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('sends the last will when the phone goes offline, and nothing for coming back', () => {
    const offline = simulator?.availability?.(phone, undefined, false, RECEIVED_AT) ?? [];
    expect(offline).toHaveLength(1);
    const [will] = offline;
    if (will === undefined) return;
    expect(decodeSimulated(phone, will)).toEqual({
      status: 'readings',
      readings: [{ deviceId: 'mum-phone', kind: 'health', at: RECEIVED_AT, atFromDevice: false, online: false }],
    });
    expect(simulator?.availability?.(phone, undefined, true, RECEIVED_AT)).toEqual([]);
    expect(simulator?.availability?.(httpPhone, undefined, false, RECEIVED_AT)).toEqual([]);
  });
});
