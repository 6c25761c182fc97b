import { describe, expect, it } from 'vitest';
import type { HouseholdDevice } from '../../src/core/household.js';
import { useTempStore } from './temp-store.js';

const T = Date.UTC(2025, 5, 1, 12, 0, 0);
const temp = useTempStore();

const device = (id: string, kind: HouseholdDevice['kind'] = 'door'): HouseholdDevice => ({ id, name: id, kind, source: 'native' });

describe('store.transaction', () => {
  it('rolls back everything when the work throws', () => {
    expect(() =>
      temp.store.transaction(() => {
        temp.store.household.save({ home: { name: 'Home', timezone: 'UTC' }, person: { name: 'M' } }, T);
        temp.store.devices.sync([device('front-door')], T);
        throw new Error('disk full');
      }),
    ).toThrow('disk full');
    expect(temp.store.household.revision()).toBe(0);
    expect(temp.store.devices.all()).toEqual([]);
  });
});
