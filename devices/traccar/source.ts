import type { DeviceSource, SourceSimulator } from '../../src/core/device-source.js';
import type { HouseholdDevice } from '../../src/core/household.js';
import { decodeOsmAnd } from './decoder.js';

/** Where Traccar Client and OsmAnd-protocol trackers post (DESIGN.md, "HTTP in"). */
export const OSMAND_HTTP_PATH = '/ingest/osmand';

function checkTraccarDevice(device: HouseholdDevice): string | undefined {
  if (device.kind !== 'tracker') return `Traccar Client and OsmAnd trackers report positions: "kind" must be "tracker", not "${device.kind}"`;
  if (device.bridge !== undefined) return 'OsmAnd trackers post with their own credential; remove "bridge"';
  if (device.topic !== undefined) return 'OsmAnd trackers speak HTTP only (/ingest/osmand); remove "topic"';
  return undefined;
}

/**
 * Builds what Traccar Client 9+ posts: the SDK's location record in the client's own template
 * (traccar/traccar-client lib/preferences.dart, `_locationTemplate`), wrapped as
 * `{"location": …, "device_id": …}`. The identifier used is the household device id; a real phone sends
 * whatever identifier the installer typed into the app.
 */
export const traccarSimulator: SourceSimulator = {
  position(device, _bridge, fix, at, health) {
    const timestamp = new Date(at).toISOString();
    const location = {
      timestamp,
      coords: {
        latitude: fix.lat,
        longitude: fix.lon,
        accuracy: fix.accuracyM ?? 0,
        // The SDK reports -1 for an unknown speed and heading.
        speed: -1,
        heading: -1,
        altitude: 0,
      },
      is_moving: false,
      odometer: 0,
      event: '',
      battery: { level: health?.battery === undefined ? -1 : health.battery / 100, is_charging: false },
      activity: { type: 'still' },
      extras: {},
      _: `&id=${device.id}&lat=${fix.lat}&lon=${fix.lon}&timestamp=${timestamp}&`,
    };
    return [{ transport: 'http', method: 'POST', path: OSMAND_HTTP_PATH, body: { location, device_id: device.id } }];
  },
};

export const traccarSource: DeviceSource = {
  id: 'traccar',
  title: 'Traccar Client or OsmAnd-protocol GPS tracker (HTTP)',
  reach: 'device',
  checkDevice: checkTraccarDevice,
  // HTTP only: no MQTT topics to publish or subscribe to.
  publishTopics: () => [],
  subscribeTopics: () => [],
  decodeHttp: decodeOsmAnd,
  simulator: traccarSimulator,
};
