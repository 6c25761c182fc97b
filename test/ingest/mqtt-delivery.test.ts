import { describe, expect, it } from 'vitest';
import { mqttDelivery, payloadDigest } from '../../src/ingest/mqtt-delivery.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe("a publish's identity for telling a resend apart", () => {
  it('is the credential and client id, the packet id and a 48-bit digest of topic and payload', () => {
    const publish = mqttDelivery('bridge:zigbee', 'zigbee2mqtt', 7, 'zigbee2mqtt/front door', bytes('{"contact":false}'));
    expect(publish).toEqual({ client: 'bridge:zigbee\u0000zigbee2mqtt', packetId: 7, digest: payloadDigest('zigbee2mqtt/front door', bytes('{"contact":false}')) });
    expect(Number.isSafeInteger(publish.digest) && publish.digest >= 0 && publish.digest < 2 ** 48).toBe(true);
  });

  it('the digest is the same for the same topic and payload, and tells topic from payload', () => {
    expect(payloadDigest('a/b', bytes('{}'))).toBe(payloadDigest('a/b', bytes('{}')));
    expect(payloadDigest('a/b', bytes('c{}'))).not.toBe(payloadDigest('a/bc', bytes('{}')));
    expect(payloadDigest('a/b', bytes(''))).not.toBe(payloadDigest('a/c', bytes('')));
  });

  it('a hundred thousand door and tracker payloads a byte or a digit apart give a hundred thousand digests', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 50_000; i++) {
      seen.add(payloadDigest('homeward/devices/mum-phone/tracker', bytes(JSON.stringify({ lat: 51.5 + i / 1e6, lon: -0.12, acc: 10 }))));
      seen.add(payloadDigest(`zigbee2mqtt/door ${i % 50}`, bytes(JSON.stringify({ contact: i % 2 === 0, battery: i % 101, linkquality: Math.floor(i / 101) }))));
    }
    expect(seen.size).toBe(100_000);
    // Every bit of the 48 is used: the high and the low halves both vary.
    const digests = [...seen];
    expect(new Set(digests.map((d) => Math.floor(d / 2 ** 24))).size).toBeGreaterThan(99_000);
    expect(new Set(digests.map((d) => d % 2 ** 24)).size).toBeGreaterThan(99_000);
  });
});

describe('client keys', () => {
  it('are told apart by credential even under the same client id, and stay right past the cache bound', () => {
    const first = mqttDelivery('device:mum-phone', 'phone', 1, 't', bytes('x'));
    const other = mqttDelivery('device:dad-phone', 'phone', 1, 't', bytes('x'));
    expect(first.client).toBe('device:mum-phone\u0000phone');
    expect(other.client).toBe('device:dad-phone\u0000phone');
    for (let i = 0; i < 3000; i++) expect(mqttDelivery('bridge:zigbee', `client-${i}`, 1, 't', bytes('x')).client).toBe(`bridge:zigbee\u0000client-${i}`);
    expect(mqttDelivery('device:mum-phone', 'phone', 2, 't', bytes('x')).client).toBe('device:mum-phone\u0000phone');
  });
});
