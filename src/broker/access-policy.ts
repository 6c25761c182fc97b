import type { CredentialSubject, DeviceSource } from '../core/device-source.js';
import type { SourceId } from '../core/household.js';
import { filterCovers, topicMatches } from './topic-filter.js';

/**
 * Who may publish and subscribe where (DESIGN.md, "Public contract"): default deny. Devices publish only
 * to their own topics and subscribe only to their own command topics; a bridge stays under its base
 * topic; an integration reads homeward/# (never the devices' own homeward/devices/#) and homeassistant/#
 * and writes only homeward/commands/#.
 * $SYS is closed to everyone.
 */
export interface Permissions {
  publish: readonly string[];
  subscribe: readonly string[];
  /** Topics inside `publish` that stay closed: they carry what only the hub may say. */
  publishExcept?: readonly string[];
  /** Topics inside `subscribe` whose messages are never delivered (see INTEGRATION). */
  receiveExcept?: readonly string[];
}

const INTEGRATION: Permissions = {
  publish: ['homeward/commands/#'],
  subscribe: ['homeward/#', 'homeassistant/#'],
  // The hub answers each command on homeward/commands/result (issue 6, item 9): a Node-RED flow must be
  // able to trust that an answer there came from the hub, not from another integration.
  publishExcept: ['homeward/commands/result'],
  // Native devices publish under homeward/devices/, positions included. An integration is no member of
  // the circle: it has no positions.read, and nobody's view through it could be audited (DESIGN.md:
  // "every view of their location is logged"). It gets what the hub says about the home, not the raw feed.
  receiveExcept: ['homeward/devices/#'],
};

export function permissionsFor(subject: CredentialSubject, sources: ReadonlyMap<SourceId, DeviceSource>): Permissions {
  if (subject.type === 'integration') return INTEGRATION;
  const source = sources.get(subject.type === 'device' ? subject.device.source : subject.bridge.source);
  if (source === undefined) return { publish: [], subscribe: [] };
  return { publish: source.publishTopics(subject), subscribe: source.subscribeTopics(subject) };
}

export function mayPublish(permissions: Permissions, topic: string): boolean {
  if (topic.startsWith('$')) return false;
  if (permissions.publishExcept?.some((filter) => topicMatches(filter, topic)) === true) return false;
  return permissions.publish.some((filter) => topicMatches(filter, topic));
}

/** Whether a message on `topic` may be delivered to a subscriber holding these permissions. */
export function mayReceive(permissions: Permissions, topic: string): boolean {
  return permissions.receiveExcept?.some((filter) => topicMatches(filter, topic)) !== true;
}

export function maySubscribe(permissions: Permissions, filter: string): boolean {
  if (filter.startsWith('$')) return false;
  return permissions.subscribe.some((allowed) => filterCovers(allowed, filter));
}

export function mayRetain(subject: CredentialSubject, topic: string, sources: ReadonlyMap<SourceId, DeviceSource>): boolean {
  if (subject.type === 'integration') return false;
  const source = sources.get(subject.type === 'device' ? subject.device.source : subject.bridge.source);
  return source?.retainAllowed?.(subject, topic) ?? false;
}
