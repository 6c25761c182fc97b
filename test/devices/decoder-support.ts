import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { CredentialSubject, DecodeContext, DecodeOutcome, MqttMessage, RefusalReason } from '../../src/core/device-source.js';

/** What the decoder tests of every device source share: fixtures, messages, and the shape of an outcome. */

export interface MqttFixture {
  source: string;
  topic: string;
  payload: unknown;
  retain?: boolean;
  expected: unknown;
}

/** The JSON fixtures of one source's folder, sorted by name. */
export function loadFixtures<F = MqttFixture>(folder: URL): Array<{ name: string; fixture: F }> {
  const dir = fileURLToPath(folder);
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => ({ name, fixture: JSON.parse(readFileSync(`${dir}${name}`, 'utf8')) as F }));
}

export function mqttMessage(topic: string, payload: unknown, retain = false): MqttMessage {
  return { topic, payload: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload), 'utf8'), retain };
}

/** The household devices a credential may speak for. */
export function claimedIds(subject: CredentialSubject): Set<string> {
  if (subject.type === 'bridge') return new Set(subject.devices.map((device) => device.id));
  if (subject.type === 'device') return new Set([subject.device.id]);
  return new Set();
}

const refusalReasons: readonly RefusalReason[] = ['unknown_device', 'unknown_topic', 'malformed', 'invalid', 'not_allowed', 'retained', 'duplicate', 'implausible'];

/** The shape every outcome must have, whatever went in. */
export function expectWellFormed(outcome: DecodeOutcome, ids: ReadonlySet<string>, kinds: readonly string[] = ['door', 'pillbox', 'health']): void {
  expect(['readings', 'ignored', 'refused']).toContain(outcome.status);
  if (outcome.status === 'refused') {
    expect(refusalReasons).toContain(outcome.reason);
    expect(typeof outcome.detail).toBe('string');
    return;
  }
  if (outcome.status === 'ignored') {
    expect(typeof outcome.reason).toBe('string');
    return;
  }
  expect(Array.isArray(outcome.readings)).toBe(true);
  for (const reading of outcome.readings) {
    expect(ids.has(reading.deviceId)).toBe(true);
    expect(Number.isFinite(reading.at)).toBe(true);
    expect(typeof reading.atFromDevice).toBe('boolean');
    expect(kinds).toContain(reading.kind);
    if (reading.battery !== undefined) expect(reading.battery >= 0 && reading.battery <= 100).toBe(true);
    if (reading.kind === 'position') {
      expect(reading.lat).toBeGreaterThanOrEqual(-90);
      expect(reading.lat).toBeLessThanOrEqual(90);
      expect(reading.lon).toBeGreaterThanOrEqual(-180);
      expect(reading.lon).toBeLessThanOrEqual(180);
      if (reading.accuracyM !== undefined) expect(reading.accuracyM).toBeGreaterThan(0);
      if (reading.speedKmh !== undefined) expect(reading.speedKmh).toBeGreaterThanOrEqual(0);
    }
  }
}

/** For trackers: every outcome well formed, readings for this device only, battery in whole percent. */
export function expectTrackerOutcome(outcome: DecodeOutcome, deviceId: string): void {
  expectWellFormed(outcome, new Set([deviceId]), ['position', 'health']);
  if (outcome.status !== 'readings') return;
  for (const reading of outcome.readings) if (reading.battery !== undefined) expect(Number.isInteger(reading.battery)).toBe(true);
}

/** Decodes, failing the test if the decoder throws (decoders promise never to). */
export function decodeWithout(
  decode: (subject: CredentialSubject, message: MqttMessage, context: DecodeContext) => DecodeOutcome,
  receivedAt: number,
): (subject: CredentialSubject, message: MqttMessage) => DecodeOutcome {
  return (subject, m) => {
    let outcome: DecodeOutcome | undefined;
    expect(() => {
      outcome = decode(subject, m, { receivedAt });
    }).not.toThrow();
    return outcome as DecodeOutcome;
  };
}
