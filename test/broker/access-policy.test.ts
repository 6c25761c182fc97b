import { describe, expect, it } from 'vitest';
import { deviceSources } from '../../devices/registry.js';
import { mayPublish, mayReceive, mayRetain, maySubscribe, permissionsFor } from '../../src/broker/access-policy.js';
import type { CredentialSubject, DeviceSource } from '../../src/core/device-source.js';
import type { HouseholdDevice, SourceId } from '../../src/core/household.js';

const frontDoor: HouseholdDevice = { id: 'front-door', name: 'Front door', kind: 'door', source: 'native', exit: true };
const pillbox: HouseholdDevice = { id: 'pillbox', name: 'Pill box', kind: 'pillbox', source: 'native', compartments: 2 };
const doorSubject: CredentialSubject = { type: 'device', device: frontDoor };
const integration: CredentialSubject = { type: 'integration', id: 'home-assistant' };

describe('access policy: a native device', () => {
  const permissions = permissionsFor(doorSubject, deviceSources);

  it.each([
    ['homeward/devices/front-door/door', true],
    ['homeward/devices/front-door/status', true],
    ['homeward/devices/pillbox/door', false], // another device's topic
    ['homeward/devices/pillbox/pillbox', false],
    ['homeward/devices/front-doorx/door', false],
    ['homeward/devices/front-door', false],
    ['homeward/devices/front-door/door/extra', false],
    ['homeward/devices/front-door/commands/open', false],
    ['homeward/alerts/a1', false],
    ['homeward/commands/silence', false],
    ['homeassistant/binary_sensor/front-door/config', false],
    ['zigbee2mqtt/Front Door', false],
    ['$SYS/broker/clients/connected', false],
    ['$homeward/devices/front-door/door', false],
    ['', false],
  ])('may publish to %j: %s', (topic, allowed) => {
    expect(mayPublish(permissions, topic)).toBe(allowed);
  });

  it.each([
    ['homeward/devices/front-door/commands/#', true],
    ['homeward/devices/front-door/commands/reboot', true],
    ['homeward/devices/front-door/commands/+', true],
    ['homeward/devices/front-door/commands', true],
    ['homeward/devices/front-door/#', false],
    ['homeward/devices/front-door/door', false],
    ['homeward/devices/pillbox/commands/#', false],
    ['homeward/devices/+/commands/#', false],
    ['homeward/#', false],
    ['#', false],
    ['+/devices/front-door/commands/#', false],
    ['$SYS/#', false],
    ['$SYS/broker/clients/connected', false],
  ])('may subscribe to %j: %s', (filter, allowed) => {
    expect(maySubscribe(permissions, filter)).toBe(allowed);
  });

  it('each device gets its own topics, not a shared pattern', () => {
    const other = permissionsFor({ type: 'device', device: pillbox }, deviceSources);
    expect(mayPublish(other, 'homeward/devices/pillbox/pillbox')).toBe(true);
    expect(mayPublish(other, 'homeward/devices/front-door/door')).toBe(false);
    expect(maySubscribe(other, 'homeward/devices/front-door/commands/#')).toBe(false);
  });

  it('may not retain (native devices have no retained topics)', () => {
    expect(mayRetain(doorSubject, 'homeward/devices/front-door/door', deviceSources)).toBe(false);
  });
});

describe('access policy: an integration (Home Assistant, Node-RED, a script)', () => {
  const permissions = permissionsFor(integration, deviceSources);

  it.each([
    ['homeward/commands/silence', true],
    ['homeward/commands/alerts/a1/ack', true],
    ['homeward/commands', true],
    ['homeward/devices/front-door/door', false], // must never be able to forge a reading
    ['homeward/alerts/a1', false],
    ['homeassistant/binary_sensor/x/config', false],
    ['$SYS/anything', false],
  ])('may publish to %j: %s', (topic, allowed) => {
    expect(mayPublish(permissions, topic)).toBe(allowed);
  });

  it.each([
    ['homeward/#', true],
    ['homeward/alerts/+', true],
    ['homeward/devices/front-door/door', true],
    ['homeassistant/#', true],
    ['homeassistant/binary_sensor/+/config', true],
    ['#', false],
    ['+/alerts/#', false],
    ['zigbee2mqtt/#', false],
    ['$SYS/#', false],
  ])('may subscribe to %j: %s', (filter, allowed) => {
    expect(maySubscribe(permissions, filter)).toBe(allowed);
  });

  it('may not retain', () => {
    expect(mayRetain(integration, 'homeward/commands/silence', deviceSources)).toBe(false);
  });
});

describe('access policy: default deny', () => {
  it('a subject whose source this hub does not have may do nothing', () => {
    const noSources = new Map<SourceId, DeviceSource>();
    const permissions = permissionsFor(doorSubject, noSources);
    expect(permissions).toEqual({ publish: [], subscribe: [] });
    expect(mayPublish(permissions, 'homeward/devices/front-door/door')).toBe(false);
    expect(maySubscribe(permissions, 'homeward/devices/front-door/commands/#')).toBe(false);
    expect(mayRetain(doorSubject, 'homeward/devices/front-door/door', noSources)).toBe(false);
  });

  it('a bridge of the native source (which has none) may do nothing', () => {
    const bridge: CredentialSubject = { type: 'bridge', bridge: { id: 'odd', source: 'native', baseTopic: 'homeward' }, devices: [frontDoor] };
    const permissions = permissionsFor(bridge, deviceSources);
    expect(mayPublish(permissions, 'homeward/devices/front-door/door')).toBe(false);
    expect(maySubscribe(permissions, 'homeward/#')).toBe(false);
  });

  it('$SYS stays closed even to a permission list that names it', () => {
    const permissions = { publish: ['#', '$SYS/#'], subscribe: ['#', '$SYS/#'] };
    expect(mayPublish(permissions, '$SYS/broker/uptime')).toBe(false);
    expect(maySubscribe(permissions, '$SYS/#')).toBe(false);
    expect(mayPublish(permissions, 'anything/else')).toBe(true);
  });

  it("delivers to an integration what the hub says, never a device's own message", () => {
    const integration = permissionsFor({ type: 'integration', id: 'home-assistant' }, deviceSources);
    expect(mayReceive(integration, 'homeward/alerts/a1')).toBe(true);
    expect(mayReceive(integration, 'homeward/state')).toBe(true);
    expect(mayReceive(integration, 'homeward/devices/mum-phone/location')).toBe(false);
    expect(mayReceive(integration, 'homeward/devices/front-door/door')).toBe(false);
  });
});
