import type { DeviceSource } from '../src/core/device-source.js';
import type { SourceId } from '../src/core/household.js';
import { nativeSource } from './native/source.js';
import { owntracksSource } from './owntracks/source.js';
import { traccarSource } from './traccar/source.js';

/** Every device source the hub knows. Adding a source = one folder in devices/ and one line here. */
export const deviceSources: ReadonlyMap<SourceId, DeviceSource> = new Map<SourceId, DeviceSource>([
  ['native', nativeSource],
  ['owntracks', owntracksSource],
  ['traccar', traccarSource],
]);
