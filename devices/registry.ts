import type { DeviceSource } from '../src/core/device-source.js';
import type { SourceId } from '../src/core/household.js';
import { nativeSource } from './native/source.js';
import { owntracksSource } from './owntracks/source.js';
import { shellySource } from './shelly/source.js';
import { tasmotaSource } from './tasmota/source.js';
import { traccarSource } from './traccar/source.js';
import { zigbee2mqttSource } from './zigbee2mqtt/source.js';

/** Every device source the hub knows. Adding a source = one folder in devices/ and one line here. */
export const deviceSources: ReadonlyMap<SourceId, DeviceSource> = new Map<SourceId, DeviceSource>([
  ['native', nativeSource],
  ['zigbee2mqtt', zigbee2mqttSource],
  ['owntracks', owntracksSource],
  ['traccar', traccarSource],
  ['tasmota', tasmotaSource],
  ['shelly', shellySource],
]);
