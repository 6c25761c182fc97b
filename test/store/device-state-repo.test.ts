import { describe, expect, it } from 'vitest';
import { emptyDeviceState, type DeviceState } from '../../src/store/device-state-repo.js';
import { useTempStore } from './temp-store.js';

const T = Date.UTC(2025, 5, 1, 12, 0, 0);
const temp = useTempStore();

describe('device state repo', () => {
  it('round-trips a full state through the file, positions to the microdegree', () => {
    const state: DeviceState = {
      num: 4,
      lastSeenAt: T,
      battery: 87,
      batteryAt: T - 10,
      linkQuality: -67,
      voltageMv: 2950,
      online: true,
      onlineAt: T - 5,
      doorOpen: false,
      doorAt: T - 1,
      doorReportedAt: T - 1,
      lat: 51.5072,
      lon: -0.1276,
      accuracyM: 12,
      positionAt: T - 2,
      pillboxOpen: true,
      pillboxCompartment: 2,
      pillboxAt: T - 3,
    };
    temp.store.deviceState.save(state);
    temp.store.deviceState.save(emptyDeviceState(5));
    const loaded = temp.reopen().deviceState.loadAll();
    expect(loaded.get(4)).toEqual(state);
    expect(loaded.get(5)).toEqual(emptyDeviceState(5));
  });

  it('overwrites the row of a device on each save', () => {
    temp.store.deviceState.save({ ...emptyDeviceState(1), doorOpen: true, doorAt: T });
    temp.store.deviceState.save({ ...emptyDeviceState(1), doorOpen: false, doorAt: T + 1, accuracyM: 12.6 });
    const loaded = temp.store.deviceState.loadAll();
    expect(loaded.size).toBe(1);
    expect(loaded.get(1)).toMatchObject({ doorOpen: false, doorAt: T + 1, accuracyM: 13 });
  });
});
