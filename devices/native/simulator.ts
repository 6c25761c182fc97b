import type { DeviceHealthInput, SimulatedMessage, SourceSimulator } from '../../src/core/device-source.js';
import { nativeTopic } from './decoder.js';

function health(input: DeviceHealthInput | undefined): Record<string, number> {
  const fields: Record<string, number> = {};
  if (input?.battery !== undefined) fields.battery = input.battery;
  if (input?.linkQuality !== undefined) fields.rssi = input.linkQuality;
  return fields;
}

const mqtt = (topic: string, body: Record<string, unknown>): SimulatedMessage[] => [{ transport: 'mqtt', topic, payload: JSON.stringify(body) }];

/** Native-format messages, as a DIY device following the README would send them (with `ts`). */
export const nativeSimulator: SourceSimulator = {
  door: (device, _bridge, open, at, h) => mqtt(nativeTopic(device.id, 'door'), { open, ...health(h), ts: Math.floor(at / 1000) }),
  position: (device, _bridge, fix, at, h) =>
    mqtt(nativeTopic(device.id, 'tracker'), {
      lat: fix.lat,
      lon: fix.lon,
      ...(fix.accuracyM !== undefined ? { acc: fix.accuracyM } : {}),
      ...health(h),
      ts: Math.floor(at / 1000),
    }),
  pillbox: (device, _bridge, compartment, open, at, h) =>
    mqtt(nativeTopic(device.id, 'pillbox'), { compartment, open, ...health(h), ts: Math.floor(at / 1000) }),
  availability: (device, _bridge, online, at) => mqtt(nativeTopic(device.id, 'status'), { online, ts: Math.floor(at / 1000) }),
};
