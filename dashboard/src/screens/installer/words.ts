import type { Body } from '../../api/types';

/** The words an installer reads for each kind and source of device (devices/*\/README.md). */
export type DeviceBody = Body<'/api/devices', 'post'>;
export type Kind = DeviceBody['kind'];
export type Source = DeviceBody['source'];

export const KINDS: ReadonlyArray<[Kind, string]> = [
  ['door', 'Door sensor'],
  ['tracker', 'Tracker'],
  ['pillbox', 'Pill box'],
];

export const SOURCES: ReadonlyArray<[Source, string]> = [
  ['native', 'Native (DIY)'],
  ['zigbee2mqtt', 'Zigbee2MQTT'],
  ['owntracks', 'OwnTracks'],
  ['traccar', 'Traccar Client / OsmAnd'],
  ['tasmota', 'Tasmota'],
  ['shelly', 'Shelly'],
];

/** Sources a bridge can be: the ones that reach several sensors through one connection. */
export const BRIDGE_SOURCES: readonly Source[] = ['zigbee2mqtt', 'tasmota', 'shelly'];

export function kindWord(kind: string): string {
  return KINDS.find(([k]) => k === kind)?.[1] ?? kind;
}

export function sourceWord(source: string): string {
  return SOURCES.find(([s]) => s === source)?.[1] ?? source;
}

/** Zigbee reports link quality (0–255), Wi-Fi and Bluetooth an RSSI in dBm (negative). */
export function signalWord(signal: number | null): string {
  if (signal === null) return 'no signal reading';
  return signal < 0 ? `signal ${signal} dBm` : `link quality ${signal}`;
}
