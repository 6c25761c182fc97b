import { describe, expect, it } from 'vitest';
import type { Reading } from '../../src/core/readings.js';
import { applyReading } from '../../src/ingest/device-state.js';
import { emptyDeviceState, type DeviceState } from '../../src/store/device-state-repo.js';

const T = Date.UTC(2025, 6, 1, 3, 0, 0);
const base = { deviceId: 'front-door', atFromDevice: true };

function fold(readings: Array<[Reading, number]>, start: DeviceState = emptyDeviceState(1)): DeviceState {
  return readings.reduce((state, [reading, receivedAt]) => applyReading(state, reading, receivedAt), start);
}

describe('applyReading', () => {
  it('does not modify the state it is given', () => {
    const state = emptyDeviceState(1);
    const copy = structuredClone(state);
    applyReading(state, { ...base, kind: 'door', at: T, open: true, battery: 80 }, T);
    expect(state).toEqual(copy);
  });

  it.each([
    { name: 'a newer reading moves door state', second: T + 1000, open: false, doorAt: T + 1000 },
    { name: 'a reading at the same time moves door state', second: T, open: false, doorAt: T },
    { name: 'an older reading does not move door state back', second: T - 1000, open: true, doorAt: T },
  ])('$name', ({ second, open, doorAt }) => {
    const state = fold([
      [{ ...base, kind: 'door', at: T, open: true }, T],
      [{ ...base, kind: 'door', at: second, open: false }, T + 5000],
    ]);
    expect(state).toMatchObject({ doorOpen: open, doorAt, lastSeenAt: T + 5000 });
  });

  it('last seen is the latest time of receipt, whatever the device clock says', () => {
    const state = fold([
      [{ ...base, kind: 'door', at: T + 3_600_000, open: true }, T],
      [{ ...base, kind: 'door', at: T - 3_600_000, open: false }, T - 10], // receipt times can arrive out of order across batches
    ]);
    expect(state.lastSeenAt).toBe(T);
  });

  it('keeps the newest battery level by reading time', () => {
    const state = fold([
      [{ ...base, kind: 'door', at: T, open: true, battery: 87 }, T],
      [{ ...base, kind: 'door', at: T + 60_000, open: false, battery: 80 }, T + 60_000],
      [{ ...base, kind: 'door', at: T + 30_000, open: true, battery: 90 }, T + 61_000], // late
    ]);
    expect(state).toMatchObject({ battery: 80, batteryAt: T + 60_000, doorOpen: false });
  });

  it('a reading without battery leaves the battery as it was', () => {
    const state = fold([
      [{ ...base, kind: 'door', at: T, open: true, battery: 55 }, T],
      [{ ...base, kind: 'door', at: T + 1, open: false }, T + 1],
    ]);
    expect(state).toMatchObject({ battery: 55, batteryAt: T });
  });

  it('folds positions, clearing accuracy when a fix has none', () => {
    const state = fold([
      [{ ...base, deviceId: 'mum-phone', kind: 'position', at: T, lat: 51.5, lon: -0.12, accuracyM: 8 }, T],
      [{ ...base, deviceId: 'mum-phone', kind: 'position', at: T + 30_000, lat: 51.6, lon: -0.13 }, T + 30_000],
      [{ ...base, deviceId: 'mum-phone', kind: 'position', at: T + 10_000, lat: 0.1, lon: 0.1, accuracyM: 1 }, T + 31_000],
    ]);
    expect(state).toMatchObject({ lat: 51.6, lon: -0.13, accuracyM: null, positionAt: T + 30_000 });
  });

  it('folds pill-box openings with their compartment', () => {
    const state = fold([
      [{ ...base, deviceId: 'pillbox', kind: 'pillbox', at: T, compartment: 1, open: true }, T],
      [{ ...base, deviceId: 'pillbox', kind: 'pillbox', at: T + 5000, compartment: 1, open: false }, T + 5000],
    ]);
    expect(state).toMatchObject({ pillboxOpen: false, pillboxCompartment: 1, pillboxAt: T + 5000 });
  });

  it('a health reading sets online and battery but no sensor state', () => {
    const state = fold([[{ ...base, kind: 'health', at: T, online: false, battery: 12 }, T]]);
    expect(state).toMatchObject({ online: false, onlineAt: T, battery: 12, doorOpen: null, positionAt: null });
  });

  it('a sensor event after a last will brings the device back online; an older one does not', () => {
    const offline = fold([[{ ...base, kind: 'health', at: T, online: false }, T]]);
    expect(applyReading(offline, { ...base, kind: 'door', at: T + 1000, open: true }, T + 1000)).toMatchObject({ online: true, onlineAt: T + 1000 });
    expect(applyReading(offline, { ...base, kind: 'door', at: T - 1000, open: true }, T + 1000)).toMatchObject({ online: false, onlineAt: T });
  });

  it('a health reading without "online" leaves availability alone', () => {
    const online = fold([[{ ...base, kind: 'health', at: T, online: true }, T]]);
    expect(applyReading(online, { ...base, kind: 'health', at: T + 1, battery: 50 }, T + 1)).toMatchObject({ online: true, onlineAt: T });
  });

  // Link quality and voltage are judged "newer" against batteryAt ?? lastSeenAt. lastSeenAt is the hub's
  // receipt time while reading.at is the device's: a device whose clock runs two minutes slow never
  // updates its link quality again after the first message.
  it('updates link quality from each newer message of a device whose clock runs slow', () => {
    const slowMs = 120_000;
    const state = fold([
      [{ ...base, kind: 'door', at: T - slowMs, open: true, linkQuality: -80, voltageMv: 3000 }, T],
      [{ ...base, kind: 'door', at: T + 30_000 - slowMs, open: false, linkQuality: -60, voltageMv: 2900 }, T + 30_000],
    ]);
    expect(state).toMatchObject({ doorOpen: false, linkQuality: -60, voltageMv: 2900 });
  });
});

describe('applyReading: a door repeating its state', () => {
  const T = Date.UTC(2026, 0, 15, 2, 0, 0);
  const door = (at: number, open: boolean): Reading => ({ kind: 'door', deviceId: 'front-door', at, atFromDevice: false, open });

  it('keeps the time the door opened when a sensor repeats "open" (the door-open-too-long countdown must not restart)', () => {
    let state = emptyDeviceState(1);
    for (const [at, open] of [[T, true], [T + 300_000, true], [T + 600_000, true]] as const) state = applyReading(state, door(at, open), at);
    expect(state).toMatchObject({ doorOpen: true, doorAt: T, lastSeenAt: T + 600_000 });
    state = applyReading(state, door(T + 700_000, false), T + 700_000);
    expect(state).toMatchObject({ doorOpen: false, doorAt: T + 700_000 });
  });
});
