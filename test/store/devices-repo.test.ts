import { describe, expect, it } from 'vitest';
import type { HouseholdDevice } from '../../src/core/household.js';
import { useTempStore } from './temp-store.js';

const T = Date.UTC(2025, 5, 1, 12, 0, 0);
const temp = useTempStore();

const device = (id: string, kind: HouseholdDevice['kind'] = 'door'): HouseholdDevice => ({ id, name: id, kind, source: 'native' });

describe('devices repo', () => {
  it('numbers devices once and keeps the number for devices that stay', () => {
    temp.store.transaction(() => temp.store.devices.sync([device('front-door'), device('mum-phone', 'tracker')], T));
    const first = new Map(temp.store.devices.all().map((d) => [d.id, d.num]));
    temp.store.transaction(() => temp.store.devices.sync([{ ...device('mum-phone', 'tracker'), name: "Margaret's phone" }, device('front-door')], T + 1));
    const rows = temp.store.devices.all();
    expect(new Map(rows.map((d) => [d.id, d.num]))).toEqual(first);
    expect(rows.find((d) => d.id === 'mum-phone')).toMatchObject({ name: "Margaret's phone", kind: 'tracker', addedAt: T, retiredAt: null });
  });

  it('retires removed devices once, and un-retires them when they return', () => {
    temp.store.devices.sync([device('front-door'), device('back-door')], T);
    temp.store.devices.sync([device('front-door')], T + 1);
    temp.store.devices.sync([device('front-door')], T + 2);
    expect(temp.store.devices.all().find((d) => d.id === 'back-door')?.retiredAt).toBe(T + 1);
    temp.store.devices.sync([device('front-door'), device('back-door')], T + 3);
    expect(temp.store.devices.all().find((d) => d.id === 'back-door')?.retiredAt).toBeNull();
  });

  it('records the bridge a device is reached through', () => {
    temp.store.devices.sync([{ ...device('hall-door'), source: 'zigbee2mqtt', bridge: 'zigbee' }], T);
    expect(temp.store.devices.all()[0]).toMatchObject({ source: 'zigbee2mqtt', bridgeId: 'zigbee' });
  });
});
