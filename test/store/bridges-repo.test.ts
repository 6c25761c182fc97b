import { describe, expect, it } from 'vitest';
import { useTempStore } from './temp-store.js';

const T = Date.UTC(2025, 5, 1, 12, 0, 0);
const temp = useTempStore();

describe('bridges repo', () => {
  const zigbee = { id: 'zigbee', source: 'zigbee2mqtt' as const, baseTopic: 'zigbee2mqtt' };

  it('syncs, retires and un-retires bridges', () => {
    temp.store.bridges.sync([zigbee], T);
    expect(temp.store.bridges.all()).toEqual([{ id: 'zigbee', source: 'zigbee2mqtt', baseTopic: 'zigbee2mqtt', lastSeenAt: null, online: null, retiredAt: null }]);
    temp.store.bridges.sync([], T + 1);
    expect(temp.store.bridges.all()[0]?.retiredAt).toBe(T + 1);
    temp.store.bridges.sync([{ ...zigbee, baseTopic: 'z2m' }], T + 2);
    expect(temp.store.bridges.all()[0]).toMatchObject({ baseTopic: 'z2m', retiredAt: null });
  });

  it('markSeen never moves last seen backwards and keeps online when not told', () => {
    temp.store.bridges.sync([zigbee], T);
    temp.store.bridges.markSeen('zigbee', T + 10, true);
    temp.store.bridges.markSeen('zigbee', T + 5);
    expect(temp.store.bridges.all()[0]).toMatchObject({ lastSeenAt: T + 10, online: true });
    temp.store.bridges.markSeen('zigbee', T + 20, false);
    expect(temp.store.bridges.all()[0]).toMatchObject({ lastSeenAt: T + 20, online: false });
  });
});
