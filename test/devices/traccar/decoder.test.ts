import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { expectTrackerOutcome } from '../decoder-support.js';
import { describe, expect, it } from 'vitest';
import { decodeOsmAnd, osmandDeviceIdentifier, parseOsmAndTimestamp } from '../../../devices/traccar/decoder.js';
import { OSMAND_HTTP_PATH, traccarSource } from '../../../devices/traccar/source.js';
import type {
  CredentialSubject,
  DecodeOutcome,
  HttpIngestRequest,
  RefusalReason,
} from '../../../src/core/device-source.js';
import type { HouseholdDevice } from '../../../src/core/household.js';
import type { Reading } from '../../../src/core/readings.js';

const FIXTURES = new URL('../../../devices/traccar/fixtures/', import.meta.url);
const RECEIVED_AT = 1_750_000_000_000;
const context = { receivedAt: RECEIVED_AT };

const tracker: HouseholdDevice = { id: 'mum-tracker', name: "Margaret's GPS tracker", kind: 'tracker', source: 'traccar' };
const asDevice = (device: HouseholdDevice): CredentialSubject => ({ type: 'device', device });

type Expected =
  | Reading[]
  | { status: 'ignored' }
  | { status: 'refused'; reason: RefusalReason }
  | { status: 'readings'; readings: Reading[] };

interface Fixture {
  source: string;
  transport: 'http';
  method: 'GET' | 'POST';
  url?: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body?: unknown;
  device: HouseholdDevice;
  receivedAt: number;
  identifier: string | null;
  expected: Expected;
}

const fixtures: [string, Fixture][] = readdirSync(FIXTURES)
  .filter((name) => name.endsWith('.json'))
  .sort()
  .map((name) => [name, JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as Fixture]);
const queryFixtures = fixtures.filter(([, f]) => f.url !== undefined);
const jsonFixtures = fixtures.filter(([, f]) => f.body !== undefined);

function requestOf(fixture: Fixture): HttpIngestRequest {
  return { method: fixture.method, query: fixture.query, body: fixture.body, headers: fixture.headers };
}

function expectedOutcome(expected: Expected): Exclude<Expected, Reading[]> {
  return Array.isArray(expected) ? { status: 'readings', readings: expected } : expected;
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

function expectMatches(outcome: DecodeOutcome, expected: Expected): void {
  const want = expectedOutcome(expected);
  expect(outcome.status, JSON.stringify(outcome)).toBe(want.status);
  if (want.status === 'refused' && outcome.status === 'refused') expect(outcome.reason).toBe(want.reason);
  if (want.status === 'readings' && outcome.status === 'readings') {
    expect(normalise(outcome.readings)).toEqual(normalise(want.readings));
  }
}

/** Any outcome must be one of the three shapes, and every reading a canonical one for this device. */
const expectDecodeOutcome = (outcome: DecodeOutcome, device: HouseholdDevice) => expectTrackerOutcome(outcome, device.id);

describe('OsmAnd fixtures', () => {
  it('has query and JSON fixtures, each citing its source', () => {
    expect(queryFixtures.length).toBeGreaterThan(5);
    expect(jsonFixtures.length).toBeGreaterThan(2);
    for (const [, fixture] of fixtures) expect(fixture.source).toMatch(/^https:\/\//);
  });

  it.each(fixtures)('%s decodes to its expected outcome', (_name, fixture) => {
    const outcome = decodeOsmAnd(asDevice(fixture.device), requestOf(fixture), { receivedAt: fixture.receivedAt });
    expectDecodeOutcome(outcome, fixture.device);
    expectMatches(outcome, fixture.expected);
  });

  it.each(fixtures)('%s names the identifier it claims', (_name, fixture) => {
    expect(osmandDeviceIdentifier(requestOf(fixture))).toBe(fixture.identifier ?? undefined);
  });

  it.each(queryFixtures)('%s: its query is the one in its URL', (_name, fixture) => {
    const url = new URL(fixture.url ?? '', 'http://hub.invalid');
    expect(Object.fromEntries(url.searchParams)).toEqual(fixture.query);
  });

  it.each(queryFixtures)('%s decodes the same as a urlencoded POST body', (_name, fixture) => {
    const form: HttpIngestRequest = {
      method: 'POST',
      query: {},
      body: fixture.query,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    };
    const asText: HttpIngestRequest = { ...form, body: new URL(fixture.url ?? '', 'http://hub.invalid').search.slice(1) };
    for (const request of [form, asText]) {
      expectMatches(decodeOsmAnd(asDevice(fixture.device), request, { receivedAt: fixture.receivedAt }), fixture.expected);
      expect(osmandDeviceIdentifier(request)).toBe(fixture.identifier ?? undefined);
    }
  });

  it.each(jsonFixtures)('%s decodes the same without a Content-Type, or as unparsed text', (_name, fixture) => {
    const noType: HttpIngestRequest = { ...requestOf(fixture), headers: {} };
    const text: HttpIngestRequest = { ...requestOf(fixture), body: JSON.stringify(fixture.body) };
    for (const request of [noType, text]) {
      expectMatches(decodeOsmAnd(asDevice(fixture.device), request, { receivedAt: fixture.receivedAt }), fixture.expected);
    }
    expect(osmandDeviceIdentifier(noType)).toBe(fixture.identifier ?? undefined);
    expect(osmandDeviceIdentifier(text)).toBe(fixture.identifier ?? undefined);
  });
});

describe('OsmAnd query format', () => {
  const get = (query: Record<string, string>): HttpIngestRequest => ({ method: 'GET', query, body: undefined, headers: {} });
  const decode = (query: Record<string, string>) => decodeOsmAnd(asDevice(tracker), get(query), context);

  it('refuses lat/lon out of range, not numbers, or one without the other', () => {
    const queries: Record<string, string>[] = [
      { id: '1', lat: '91', lon: '0' },
      { id: '1', lat: '0', lon: '-181' },
      { id: '1', lat: 'abc', lon: '0' },
      { id: '1', lat: '1e999', lon: '0' },
      { id: '1', lat: '51.5' },
      { id: '1', location: '51.5' },
      { id: '1', location: '95,0' },
    ];
    for (const query of queries) {
      expect(decode(query), JSON.stringify(query)).toMatchObject({ status: 'refused', reason: 'invalid' });
    }
  });

  it('refuses unreadable numbers and times, as the server does', () => {
    const queries: Record<string, string>[] = [
      { id: '1', lat: '1', lon: '2', speed: 'fast' },
      { id: '1', lat: '1', lon: '2', timestamp: 'yesterday' },
      { id: '1', lat: '1', lon: '2', timestamp: '2021-02-30T00:00:00Z' },
      { id: '1', lat: '1', lon: '2', timestamp: '0' },
    ];
    for (const query of queries) {
      expect(decode(query), JSON.stringify(query)).toMatchObject({ status: 'refused', reason: 'invalid' });
    }
  });

  it('keeps only battery and proof of life from a fix the tracker marks invalid', () => {
    expect(decode({ id: '1', lat: '1', lon: '2', valid: 'false', batt: '55.4', timestamp: '1700000000' })).toEqual({
      status: 'readings',
      readings: [{ deviceId: 'mum-tracker', kind: 'health', at: 1_700_000_000_000, atFromDevice: true, battery: 55 }],
    });
    expect(decode({ id: '1', lat: '1', lon: '2', valid: '0' })).toEqual({ status: 'readings', readings: [] });
    expect(decode({ id: '1', lat: '1', lon: '2', valid: '1' }).status).toBe('readings');
  });

  it('converts knots to km/h and leaves out "not measured" accuracy', () => {
    expect(decode({ id: '1', lat: '1', lon: '2', speed: '10', accuracy: '0', timestamp: '1700000000' })).toEqual({
      status: 'readings',
      readings: [
        { deviceId: 'mum-tracker', kind: 'position', at: 1_700_000_000_000, atFromDevice: true, lat: 1, lon: 2, speedKmh: 18.52 },
      ],
    });
  });

  it('skips empty parameters and refuses non-text form fields', () => {
    expect(decode({ id: '1', lat: '1', lon: '2', speed: '', batt: '' }).status).toBe('readings');
    const body: HttpIngestRequest = { method: 'POST', query: {}, body: { id: '1', lat: 1, lon: 2 }, headers: {} };
    expect(decodeOsmAnd(asDevice(tracker), body, context)).toMatchObject({ status: 'refused', reason: 'invalid' });
  });

  it('refuses subjects other than the tracker itself', () => {
    const integration: CredentialSubject = { type: 'integration', id: 'home-assistant' };
    expect(decodeOsmAnd(integration, get({ id: '1', lat: '1', lon: '2' }), context)).toMatchObject({ status: 'refused', reason: 'not_allowed' });
    expect(decodeOsmAnd(asDevice({ ...tracker, kind: 'pillbox' }), get({ id: '1', lat: '1', lon: '2' }), context)).toMatchObject({
      status: 'refused',
      reason: 'not_allowed',
    });
  });
});

describe('OsmAnd timestamps (OsmAndProtocolDecoder.decodeQuery)', () => {
  it('reads integers below Integer.MAX_VALUE as seconds and the rest as milliseconds', () => {
    expect(parseOsmAndTimestamp('1377177267')).toBe(1_377_177_267_000);
    expect(parseOsmAndTimestamp('2147483646')).toBe(2_147_483_646_000);
    expect(parseOsmAndTimestamp('2147483647')).toBe(2_147_483_647);
    expect(parseOsmAndTimestamp('1442068686579')).toBe(1_442_068_686_579);
  });

  it('reads ISO 8601 with or without an offset, and the zone-less calendar form as UTC', () => {
    expect(parseOsmAndTimestamp('2016-01-27T18:55:47Z')).toBe(Date.UTC(2016, 0, 27, 18, 55, 47));
    expect(parseOsmAndTimestamp('2016-01-27T19:55:47+01:00')).toBe(Date.UTC(2016, 0, 27, 18, 55, 47));
    expect(parseOsmAndTimestamp('2016-01-27T13:25:47-0530')).toBe(Date.UTC(2016, 0, 27, 18, 55, 47));
    expect(parseOsmAndTimestamp('2025-06-15T13:45:12.862Z')).toBe(Date.UTC(2025, 5, 15, 13, 45, 12, 862));
    expect(parseOsmAndTimestamp('2016-01-27T18:55:47')).toBe(Date.UTC(2016, 0, 27, 18, 55, 47));
    expect(parseOsmAndTimestamp('2014-06-04 09:10:11')).toBe(Date.UTC(2014, 5, 4, 9, 10, 11));
  });

  it('rejects what is not a time', () => {
    for (const value of ['', 'T', '2021-13-01T00:00:00Z', '2021-04-31 00:00:00', '2021-01-01 24:00:00', '2021-01-01X00:00:00', '12:00']) {
      expect(parseOsmAndTimestamp(value), value).toBeUndefined();
    }
  });
});

describe('OsmAnd source', () => {
  it('is HTTP only', () => {
    expect(traccarSource.publishTopics(asDevice(tracker))).toEqual([]);
    expect(traccarSource.subscribeTopics(asDevice(tracker))).toEqual([]);
    expect(traccarSource.decodeMqtt).toBeUndefined();
    expect(traccarSource.decodeHttp).toBeDefined();
  });

  it('checks the household entry', () => {
    const check = traccarSource.checkDevice;
    expect(check?.(tracker)).toBeUndefined();
    expect(check?.({ ...tracker, kind: 'door' })).toMatch(/tracker/);
    expect(check?.({ ...tracker, topic: 'osmand/x' })).toMatch(/topic/);
    expect(check?.({ ...tracker, bridge: 'b' })).toMatch(/bridge/);
  });
});

describe('OsmAnd decoder never throws', () => {
  const numberText = fc.oneof(
    fc.double().map(String),
    fc.integer().map(String),
    fc.constantFrom('', '-', '.', '1e999', 'NaN', '0x10', ' 1', '1,5'),
    fc.string({ maxLength: 12 }),
  );
  const knownKey = fc.constantFrom(
    'id',
    'deviceid',
    'valid',
    'timestamp',
    'lat',
    'lon',
    'location',
    'speed',
    'bearing',
    'heading',
    'altitude',
    'accuracy',
    'hdop',
    'batt',
    'charge',
  );
  const query = fc.dictionary(fc.oneof(knownKey, fc.string({ maxLength: 8 })), numberText, { maxKeys: 10 });
  const fixtureQueries = queryFixtures.map(([, f]) => f.query);
  const mutatedQuery = fc
    .tuple(fc.constantFrom(...fixtureQueries), fc.array(fc.tuple(knownKey, fc.option(numberText, { nil: undefined })), { maxLength: 5 }))
    .map(([base, changes]) => {
      const copy: Record<string, string> = { ...base };
      for (const [key, value] of changes) {
        if (value === undefined) delete copy[key];
        else copy[key] = value;
      }
      return copy;
    });
  const fixtureBodies = jsonFixtures.map(([, f]) => f.body);

  /** Replaces one node anywhere in a JSON tree by a random JSON value. */
  function mutate(value: unknown, path: number[], replacement: unknown): unknown {
    if (path.length === 0 || typeof value !== 'object' || value === null) return replacement;
    const [step = 0, ...rest] = path;
    if (Array.isArray(value)) {
      if (value.length === 0) return replacement;
      const index = step % value.length;
      return value.map((item, i) => (i === index ? mutate(item, rest, replacement) : item));
    }
    const keys = Object.keys(value);
    if (keys.length === 0) return replacement;
    const key = keys[step % keys.length] ?? '';
    return { ...(value as Record<string, unknown>), [key]: mutate((value as Record<string, unknown>)[key], rest, replacement) };
  }
  const mutatedBody = fc
    .tuple(fc.constantFrom(...fixtureBodies), fc.array(fc.nat(), { maxLength: 4 }), fc.jsonValue())
    .map(([body, path, replacement]) => mutate(body, path, replacement));
  const headers = fc.oneof(
    fc.constant({}),
    fc.constant({ 'content-type': 'application/json' }),
    fc.constant({ 'content-type': 'application/x-www-form-urlencoded' }),
    fc.dictionary(fc.string(), fc.option(fc.string(), { nil: undefined })),
  );
  const method = fc.constantFrom<'GET' | 'POST'>('GET', 'POST');

  function expectSafe(request: HttpIngestRequest): void {
    expectDecodeOutcome(decodeOsmAnd(asDevice(tracker), request, context), tracker);
    const identifier = osmandDeviceIdentifier(request);
    expect(identifier === undefined || (typeof identifier === 'string' && identifier !== '')).toBe(true);
  }

  it('random and mutated query parameters', () => {
    fc.assert(
      fc.property(method, fc.oneof(query, mutatedQuery), (m, q) => expectSafe({ method: m, query: q, body: undefined, headers: {} })),
      { numRuns: 500 },
    );
  });

  it('mutated Traccar Client JSON bodies', () => {
    fc.assert(
      fc.property(mutatedBody, headers, (body, h) => expectSafe({ method: 'POST', query: {}, body, headers: h })),
      { numRuns: 500 },
    );
  });

  it('any request at all', () => {
    fc.assert(
      fc.property(method, fc.dictionary(fc.string(), fc.string()), fc.anything(), headers, (m, q, body, h) =>
        expectSafe({ method: m, query: q, body, headers: h }),
      ),
      { numRuns: 500 },
    );
  });
});

describe('OsmAnd simulator', () => {
  const fix = fc.record({
    lat: fc.double({ min: -90, max: 90, noNaN: true }).map((v) => v + 0),
    lon: fc.double({ min: -180, max: 180, noNaN: true }).map((v) => v + 0),
    accuracyM: fc.option(fc.double({ min: 0.1, max: 5000, noNaN: true }), { nil: undefined }),
  });
  const time = fc.integer({ min: 946_684_800_000, max: 4_102_444_799_999 });
  const battery = fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined });

  it('builds Traccar Client requests that decode back to the fix they were built from', () => {
    fc.assert(
      fc.property(fix, time, battery, (built, at, percent) => {
        const messages = traccarSource.simulator?.position?.(tracker, undefined, built, at, percent === undefined ? undefined : { battery: percent }) ?? [];
        expect(messages).toHaveLength(1);
        for (const message of messages) {
          if (message.transport !== 'http') throw new Error('OsmAnd is HTTP only');
          expect(message.path).toBe(OSMAND_HTTP_PATH);
          const request: HttpIngestRequest = {
            method: message.method,
            query: message.query ?? {},
            body: JSON.parse(JSON.stringify(message.body)) as unknown,
            headers: { 'content-type': 'application/json' },
          };
          expect(osmandDeviceIdentifier(request)).toBe(tracker.id);
          const expected: Reading = { deviceId: tracker.id, kind: 'position', at, atFromDevice: true, lat: built.lat, lon: built.lon, altitudeM: 0 };
          if (built.accuracyM !== undefined) expected.accuracyM = built.accuracyM;
          if (percent !== undefined) expected.battery = percent;
          expect(decodeOsmAnd(asDevice(tracker), request, context)).toEqual({ status: 'readings', readings: [expected] });
        }
      }),
      { numRuns: 200 },
    );
  });
});
