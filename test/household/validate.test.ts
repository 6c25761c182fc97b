import { describe, expect, it } from 'vitest';
import { deviceSources } from '../../devices/registry.js';
import type { DeviceSource } from '../../src/core/device-source.js';
import { HomewardError, isHomewardError } from '../../src/core/errors.js';
import { sourceIds, type Household, type SourceId } from '../../src/core/household.js';
import { validateHousehold } from '../../src/household/validate.js';

/** The household document exactly as DESIGN.md ("The household document") shows it. */
function designExample(): Household {
  return {
    home: { name: "Mum's house", timezone: 'Europe/London', lat: 51.5072, lon: -0.1276 },
    person: {
      name: 'Margaret',
      description: '5\'4", grey coat, walks with a stick',
      routines: ['Up around 7', 'Walks to the shop at 10'],
      triggers: ['Loud noises'],
      calming: ['Talk about her garden'],
      likelyPlaces: ["St Mary's church"],
    },
    zones: [{ id: 'home', name: 'Home', lat: 51.5072, lon: -0.1276, radiusM: 150 }],
    devices: [
      { id: 'front-door', name: 'Front door', kind: 'door', source: 'zigbee2mqtt', bridge: 'zigbee', topic: 'zigbee2mqtt/Front Door', exit: true, heartbeat: '26h' },
      { id: 'mum-phone', name: "Margaret's phone", kind: 'tracker', source: 'owntracks', topic: 'owntracks/margaret/phone', heartbeat: '30m' },
      { id: 'pillbox', name: 'Pill box', kind: 'pillbox', source: 'native', heartbeat: '2h' },
    ],
    bridges: [{ id: 'zigbee', source: 'zigbee2mqtt', baseTopic: 'zigbee2mqtt' }],
    integrations: [{ id: 'home-assistant', kind: 'home-assistant' }],
    rules: {
      night: { start: '22:00', end: '07:00' },
      doorOpenTooLong: '10m',
      medication: [{ name: 'Morning tablets', at: '08:00', window: '60m', compartment: 1 }],
    },
    escalation: { ackWithin: '5m', repeatEvery: '2m' },
  };
}

/**
 * The DESIGN.md example with every device whose source this hub does not register turned into a native
 * device (no topic, no bridge), and bridges of unregistered sources dropped: as the registry grows, more of
 * the example is checked as written.
 */
function example(): Household {
  const doc = designExample();
  doc.devices = doc.devices?.map((d) => {
    if (deviceSources.has(d.source)) return d;
    const { topic: _topic, bridge: _bridge, ...rest } = d;
    return { ...rest, source: 'native' };
  });
  doc.bridges = doc.bridges?.filter((b) => deviceSources.get(b.source)?.reach !== undefined && deviceSources.get(b.source)?.reach !== 'device');
  return doc;
}

/** A source id this hub does not support, and the sources to validate with so that it stays unsupported. */
const unsupported: SourceId = sourceIds.find((id) => !deviceSources.has(id)) ?? 'shelly';
const sourcesWithoutUnsupported: ReadonlyMap<SourceId, DeviceSource> = new Map([...deviceSources].filter(([id]) => id !== unsupported));

function invalidError(candidate: unknown, sources: ReadonlyMap<SourceId, DeviceSource> = deviceSources): HomewardError {
  const before = structuredClone(candidate);
  try {
    validateHousehold(candidate, sources);
  } catch (error) {
    expect(candidate, 'the document itself is left as it was').toEqual(before);
    if (isHomewardError(error, 'HW_HOUSEHOLD_INVALID')) return error;
    throw error;
  }
  throw new Error('expected HW_HOUSEHOLD_INVALID');
}

type Doc = Household & Record<string, unknown>;

describe('validateHousehold accepts', () => {
  it('the DESIGN.md example (sources adapted to this registry), returning the document itself', () => {
    const doc = example();
    expect(validateHousehold(doc, deviceSources)).toBe(doc);
    expect(doc).toEqual(example());
  });

  it('the smallest household: a home and a person', () => {
    const doc = { home: { name: 'Home', timezone: 'UTC' }, person: { name: 'Someone' } };
    expect(validateHousehold(doc, deviceSources)).toEqual(doc);
  });

  it('a medication dose in the last compartment of the largest pill box, and one for a one-lid box', () => {
    const doc = example();
    doc.devices?.push({ id: 'weekly-box', name: 'Weekly box', kind: 'pillbox', source: 'native', compartments: 14 });
    doc.rules = { medication: [{ name: 'Sunday evening', at: '20:00', window: '1h30m', compartment: 14 }, { name: 'Any', at: '12:00', window: '30m', compartment: 0 }] };
    expect(() => validateHousehold(doc, deviceSources)).not.toThrow();
  });
});

describe('validateHousehold refuses with HW_HOUSEHOLD_INVALID, naming the JSON path', () => {
  const cases: Array<{ name: string; edit: (doc: Doc) => void; path: string; says?: string; sources?: ReadonlyMap<SourceId, DeviceSource> }> = [
    { name: 'missing home', edit: (d) => delete (d as Partial<Doc>).home, path: '/home', says: 'required' },
    { name: 'missing person name', edit: (d) => delete (d.person as Partial<Household['person']>).name, path: '/person/name', says: 'required' },
    { name: 'bad timezone', edit: (d) => (d.home.timezone = 'Mars/Olympus'), path: '/home/timezone', says: '"Mars/Olympus" is not an IANA time zone' },
    {
      name: 'duplicate device ids',
      edit: (d) => d.devices?.push({ id: 'front-door', name: 'Another door', kind: 'door', source: 'native' }),
      path: '/devices/3/id',
      says: 'id "front-door" is already used at /devices/0/id',
    },
    {
      name: 'device id clashing with a bridge id',
      edit: (d) => (d.bridges = [{ id: 'front-door', source: 'zigbee2mqtt', baseTopic: 'zigbee2mqtt' }]),
      path: '/devices/0/id',
      says: 'id "front-door" is already used at /bridges/0/id',
    },
    {
      name: 'device id clashing with an integration id',
      edit: (d) => d.integrations?.push({ id: 'pillbox', kind: 'script' }),
      path: '/devices/2/id',
      says: 'id "pillbox" is already used at /integrations/1/id',
    },
    {
      name: 'unknown bridge reference',
      edit: (d) => {
        const door = d.devices?.[0];
        if (door) door.bridge = 'zigbee-upstairs';
      },
      path: '/devices/0/bridge',
      says: 'no bridge with id "zigbee-upstairs" in /bridges',
    },
    { name: 'exit on a non-door', edit: (d) => d.devices?.[1] && (d.devices[1].exit = true), path: '/devices/1/exit', says: 'only doors can be exits' },
    { name: 'compartments on a door', edit: (d) => d.devices?.[0] && (d.devices[0].compartments = 2), path: '/devices/0/compartments', says: 'only pill boxes have compartments' },
    { name: 'bad duration "10 minutes"', edit: (d) => d.rules && (d.rules.doorOpenTooLong = '10 minutes'), path: '/rules/doorOpenTooLong', says: 'pattern' },
    { name: 'bad heartbeat "26"', edit: (d) => d.devices?.[0] && (d.devices[0].heartbeat = '26'), path: '/devices/0/heartbeat' },
    { name: 'bad escalation duration', edit: (d) => d.escalation && (d.escalation.repeatEvery = '2 min'), path: '/escalation/repeatEvery' },
    { name: 'bad time "25:00"', edit: (d) => d.rules?.night && (d.rules.night.start = '25:00'), path: '/rules/night/start', says: 'pattern' },
    { name: 'bad dose time "8:00"', edit: (d) => d.rules?.medication?.[0] && (d.rules.medication[0].at = '8:00'), path: '/rules/medication/0/at' },
    { name: 'lat 91', edit: (d) => (d.home.lat = 91), path: '/home/lat', says: '90' },
    { name: 'zone lon -181', edit: (d) => d.zones?.[0] && (d.zones[0].lon = -181), path: '/zones/0/lon' },
    { name: 'zone radius 0', edit: (d) => d.zones?.[0] && (d.zones[0].radiusM = 0), path: '/zones/0/radiusM' },
    { name: 'duplicate zone ids', edit: (d) => d.zones?.push({ id: 'home', name: 'Garden', lat: 51.5, lon: -0.12, radiusM: 30 }), path: '/zones/1/id', says: 'zone id "home" is used twice' },
    {
      name: 'unknown field "exti"',
      edit: (d) => d.devices?.[0] && ((d.devices[0] as Record<string, unknown>).exti = true),
      path: '/devices/0/exti',
      says: 'is not a known field',
    },
    { name: 'unknown top-level field', edit: (d) => (d.carers = []), path: '/carers', says: 'is not a known field' },
    { name: 'device kind "window"', edit: (d) => d.devices?.[0] && ((d.devices[0] as Record<string, unknown>).kind = 'window'), path: '/devices/0/kind' },
    { name: 'device id with spaces and capitals', edit: (d) => d.devices?.[0] && (d.devices[0].id = 'Front Door'), path: '/devices/0/id' },
    {
      name: 'unsupported source',
      edit: (d) => d.devices?.[2] && (d.devices[2].source = unsupported),
      path: '/devices/2/source',
      says: `source "${unsupported}" is not supported by this hub`,
      sources: sourcesWithoutUnsupported,
    },
    { name: 'unknown source name', edit: (d) => d.devices?.[2] && ((d.devices[2] as Record<string, unknown>).source = 'homekit'), path: '/devices/2/source' },
    { name: 'native device with a topic', edit: (d) => d.devices?.[2] && (d.devices[2].topic = 'pillbox/state'), path: '/devices/2', says: 'remove "topic"' },
    {
      name: 'medication compartment beyond any pill box',
      edit: (d) => d.rules?.medication?.[0] && (d.rules.medication[0].compartment = 3),
      path: '/rules/medication/0/compartment',
      says: 'no pill box has compartment 3 (largest has 1)',
    },
  ];

  it.each(cases)('$name → $path', ({ edit, path, says, sources }) => {
    const doc = example() as Doc;
    edit(doc);
    const error = invalidError(doc, sources);
    const line = error.message.split('\n').find((l) => l.trim().startsWith(`${path}:`));
    expect(line, `a line for ${path} in:\n${error.message}`).toBeDefined();
    if (says !== undefined) expect(line).toContain(says);
    expect(error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
  });

  it.each([null, undefined, 'household', 42, [], [example()]])('a document that is not an object: %j', (candidate) => {
    const error = invalidError(candidate);
    expect(error.message).toContain('/:');
  });

  it('lists every cross-reference problem at once', () => {
    const doc = example();
    doc.home.timezone = 'Mars/Olympus';
    if (doc.devices?.[1]) doc.devices[1].exit = true;
    if (doc.devices?.[0]) doc.devices[0].compartments = 4;
    const message = invalidError(doc).message;
    expect(message).toContain('/home/timezone:');
    expect(message).toContain('/devices/1/exit:');
    expect(message).toContain('/devices/0/compartments:');
  });

  it('lists every shape problem at once', () => {
    const doc = example() as Doc;
    doc.home.lat = 91;
    if (doc.rules) doc.rules.doorOpenTooLong = '10 minutes';
    (doc.person as Record<string, unknown>).nickname = 'Peggy';
    const message = invalidError(doc).message;
    expect(message).toContain('/home/lat:');
    expect(message).toContain('/rules/doorOpenTooLong:');
    expect(message).toContain('/person/nickname:');
  });
});
