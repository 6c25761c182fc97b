import type { CredentialSubject, DeviceSource, SimulatedMessage, SourceSimulator } from '../../src/core/device-source.js';
import type { HouseholdDevice } from '../../src/core/household.js';
import { decodeOwnTracksHttp, decodeOwnTracksMqtt, OWNTRACKS_TOPIC_PATTERN } from './decoder.js';

/** Where OwnTracks HTTP mode posts (DESIGN.md, "HTTP in"). */
export const OWNTRACKS_HTTP_PATH = '/ingest/owntracks';

function ownTopic(subject: CredentialSubject): string | undefined {
  return subject.type === 'device' ? subject.device.topic : undefined;
}

function checkOwnTracksDevice(device: HouseholdDevice): string | undefined {
  if (device.kind !== 'tracker') return `OwnTracks reports a phone's position: "kind" must be "tracker", not "${device.kind}"`;
  if (device.bridge !== undefined) return 'OwnTracks phones connect with their own credential; remove "bridge"';
  // The phone may publish to topic and topic/#, so a topic outside owntracks/ could let it write into
  // another device's or the hub's own namespace (homeward/alerts/...). HTTP-only phones need no topic.
  if (device.topic !== undefined && !OWNTRACKS_TOPIC_PATTERN.test(device.topic)) {
    return `"topic" must be the app's base topic owntracks/<user>/<device> (the default pubTopicBase), not "${device.topic}"`;
  }
  return undefined;
}

/** json.md: "tid … defaults to the last two characters of the topic". */
function trackerId(device: HouseholdDevice): string {
  return (device.topic ?? device.id).slice(-2);
}

/** Builds what the apps send: a location object as in json.md, over MQTT when the phone has a topic, else HTTP. */
export const owntracksSimulator: SourceSimulator = {
  position(device, _bridge, fix, at, health) {
    const tst = Math.floor(at / 1000);
    const location: Record<string, unknown> = { _type: 'location', tid: trackerId(device), lat: fix.lat, lon: fix.lon, tst };
    // The apps send integer metres and leave out zero values (json.md, "Notes").
    const acc = fix.accuracyM === undefined ? 0 : Math.round(fix.accuracyM);
    if (acc > 0) location.acc = acc;
    if (health?.battery !== undefined) location.batt = Math.round(health.battery);
    location.conn = 'm';
    location.created_at = tst;
    const messages: SimulatedMessage[] = [];
    if (device.topic !== undefined) {
      // pubRetain defaults to true for locations (owntracks/android Preferences.pubRetainLocations).
      messages.push({ transport: 'mqtt', topic: device.topic, payload: JSON.stringify(location), retain: true });
    } else {
      messages.push({ transport: 'http', method: 'POST', path: OWNTRACKS_HTTP_PATH, body: location });
    }
    return messages;
  },
  availability(device, _bridge, online, at) {
    // Only the broker speaks for a dropped phone (its last will); coming back online is simply the next
    // location, and HTTP mode has no will at all.
    if (online || device.topic === undefined) return [];
    return [{ transport: 'mqtt', topic: device.topic, payload: JSON.stringify({ _type: 'lwt', tst: Math.floor(at / 1000) }) }];
  },
};

export const owntracksSource: DeviceSource = {
  id: 'owntracks',
  title: 'OwnTracks phone app (MQTT or HTTP mode)',
  reach: 'device',
  checkDevice: checkOwnTracksDevice,
  publishTopics: (subject) => {
    const topic = ownTopic(subject);
    return topic === undefined ? [] : [topic, `${topic}/#`];
  },
  // Only the phone's own command topic. The app also subscribes to owntracks/+/+ (+/event, +/info) to see
  // "friends"; those subscriptions are refused so a phone never receives anyone else's position.
  subscribeTopics: (subject) => {
    const topic = ownTopic(subject);
    return topic === undefined ? [] : [`${topic}/cmd`];
  },
  // The app publishes its location retained by default (pubRetain); the broker keeps it only as broker
  // state. Everything else it sends is published non-retained (json.md: waypoints and transitions).
  retainAllowed: (subject, topic) => {
    const own = ownTopic(subject);
    return own !== undefined && topic === own;
  },
  decodeMqtt: decodeOwnTracksMqtt,
  decodeHttp: decodeOwnTracksHttp,
  simulator: owntracksSimulator,
};
