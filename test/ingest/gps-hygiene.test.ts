import { describe, expect, it } from 'vitest';
import type { PositionReading } from '../../src/core/readings.js';
import { emptyDeviceState, type DeviceState } from '../../src/store/device-state-repo.js';
import { defaultGpsHygiene, distanceM, screenFix } from '../../src/ingest/gps-hygiene.js';
import { countRows } from '../support/database-file.js';
import { connectClient } from '../support/mqtt-clients.js';
import { startTestHub } from '../support/test-hub.js';

const NOW = Date.UTC(2026, 0, 15, 2, 0, 0);

function fix(lat: number, lon: number, at = NOW, extra: Partial<PositionReading> = {}): PositionReading {
  return { kind: 'position', deviceId: 'phone', at, atFromDevice: true, lat, lon, ...extra };
}

function lastFix(lat: number, lon: number, at: number, accuracyM: number | null = 10): DeviceState {
  return { ...emptyDeviceState(1), lat, lon, positionAt: at, accuracyM };
}

describe('GPS hygiene (as Traccar filters fixes)', () => {
  it('measures great-circle distance', () => {
    // London to Paris is about 344 km.
    expect(distanceM(51.5072, -0.1276, 48.8566, 2.3522) / 1000).toBeCloseTo(343.5, 0);
    expect(distanceM(51.5, -0.1, 51.5, -0.1)).toBe(0);
  });

  const cases: Array<[string, PositionReading, DeviceState | undefined, 'keep' | 'implausible' | 'duplicate']> = [
    ['a first fix', fix(51.5, -0.12), undefined, 'keep'],
    ['(0,0), a receiver with no position', fix(0, 0), undefined, 'implausible'],
    ['ten minutes in the future', fix(51.5, -0.12, NOW + 10 * 60_000), undefined, 'implausible'],
    ['four minutes ahead (clock skew)', fix(51.5, -0.12, NOW + 4 * 60_000), undefined, 'keep'],
    ['the same timestamp as the last fix', fix(51.5001, -0.12, NOW), lastFix(51.5, -0.12, NOW), 'duplicate'],
    ['a walk: 100 m in a minute', fix(51.5009, -0.12, NOW), lastFix(51.5, -0.12, NOW - 60_000), 'keep'],
    ['a jump to Paris in a minute', fix(48.8566, 2.3522, NOW), lastFix(51.5, -0.12, NOW - 60_000), 'implausible'],
    ['a train: 60 km in half an hour', fix(51.5 + 0.54, -0.12, NOW), lastFix(51.5, -0.12, NOW - 30 * 60_000), 'keep'],
    ['GPS jitter two seconds apart within accuracy', fix(51.5003, -0.12, NOW, { accuracyM: 30 }), lastFix(51.5, -0.12, NOW - 2000, 20), 'keep'],
  ];
  it.each(cases)('%s', (_name, reading, previous, expected) => {
    const verdict = screenFix(reading, previous, NOW, defaultGpsHygiene);
    expect(verdict.keep ? 'keep' : verdict.reason).toBe(expected);
  });

  it('on a live hub: drops implausible fixes, counts them, and still records the tracker as heard from', async () => {
    const t = await startTestHub();
    const phone = await connectClient(t.mqttUrl, { ...t.credential('mum-phone'), clientId: 'phone' });
    const ts = Math.floor(Date.now() / 1000);
    await phone.publishAsync('homeward/devices/mum-phone/tracker', JSON.stringify({ lat: 51.5072, lon: -0.1276, acc: 10, ts }), { qos: 1 });
    await phone.publishAsync('homeward/devices/mum-phone/tracker', JSON.stringify({ lat: 0, lon: 0, battery: 41, ts: ts + 30 }), { qos: 1 });
    await phone.publishAsync('homeward/devices/mum-phone/tracker', JSON.stringify({ lat: 48.8566, lon: 2.3522, ts: ts + 60 }), { qos: 1 });
    await phone.publishAsync('homeward/devices/mum-phone/tracker', JSON.stringify({ lat: 51.5073, lon: -0.1276, ts: ts + 3600 }), { qos: 1 });
    await phone.endAsync();
    expect(countRows(t.dataDir, 'position_readings')).toBe(1);
    const metrics = t.hub.metrics.render();
    expect(metrics).toMatch(/homeward_readings_total\{reason="implausible",result="refused"\} 3/);
    expect(metrics).toMatch(/homeward_readings_total\{result="accepted"\} 1\n/);
    const status = t.hub.home.deviceStatuses(t.hub.commit.states(), Date.now()).find((d) => d.id === 'mum-phone');
    expect(status?.battery).toBe(41);
    await t.stop();
  });
});
