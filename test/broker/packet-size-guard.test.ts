import { PassThrough } from 'node:stream';
import { generate, type Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { createPacketScanner, guardPacketSize } from '../../src/broker/packet-size-guard.js';

const TOPIC = 'homeward/devices/front-door/door';

/** A real QoS 0 PUBLISH whose Remaining Length (MQTT 3.1.1 §2.2.3) is exactly `remaining`. */
function publishWithRemainingLength(remaining: number): Buffer {
  const payload = Buffer.alloc(remaining - 2 - Buffer.byteLength(TOPIC), 0x61);
  const packet = generate({ cmd: 'publish', topic: TOPIC, payload, qos: 0, dup: false, retain: false });
  return packet;
}

function lengthBytes(remaining: number): number {
  return remaining < 128 ? 1 : remaining < 16_384 ? 2 : remaining < 2_097_152 ? 3 : 4;
}

const session: Packet[] = [
  { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'front-door', keepalive: 60, username: 'front-door', password: Buffer.from('secret') },
  { cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'homeward/devices/front-door/commands/#', qos: 1 }] },
  { cmd: 'publish', topic: TOPIC, payload: Buffer.from('{"open":true,"battery":87}'), qos: 1, messageId: 2, dup: false, retain: false },
  { cmd: 'pingreq' },
  { cmd: 'publish', topic: TOPIC, payload: Buffer.alloc(300, 0x62), qos: 0, dup: false, retain: false },
  { cmd: 'publish', topic: TOPIC, payload: Buffer.alloc(20_000, 0x63), qos: 1, messageId: 3, dup: true, retain: false },
  { cmd: 'puback', messageId: 7 },
  { cmd: 'disconnect' },
];
const sessionBytes = Buffer.concat(session.map((p) => generate(p)));
const largestInSession = Math.max(...session.map((p) => generate(p).length));

describe('createPacketScanner', () => {
  it('builds its fixtures as intended: 1-, 2- and 3-byte remaining lengths are in the session', () => {
    const lengths = session.map((p) => generate(p)).map((b) => b.length);
    expect(Math.min(...lengths)).toBe(2); // PINGREQ, DISCONNECT: zero Remaining Length
    expect(largestInSession).toBe(1 + 3 + 2 + TOPIC.length + 2 + 20_000);
  });

  it('accepts a whole session of real packets in one chunk', () => {
    expect(createPacketScanner(largestInSession).scan(sessionBytes)).toBeUndefined();
  });

  it('accepts the session fed one byte at a time', () => {
    const scanner = createPacketScanner(largestInSession);
    for (let i = 0; i < sessionBytes.length; i++) {
      expect(scanner.scan(sessionBytes.subarray(i, i + 1)), `byte ${i}`).toBeUndefined();
    }
  });

  it('accepts the session split into two chunks at every byte boundary', () => {
    for (let split = 0; split <= sessionBytes.length; split++) {
      const scanner = createPacketScanner(largestInSession);
      expect(scanner.scan(sessionBytes.subarray(0, split)), `first part, split ${split}`).toBeUndefined();
      expect(scanner.scan(sessionBytes.subarray(split)), `second part, split ${split}`).toBeUndefined();
    }
  });

  it('refuses the largest packet of the session when the limit is one byte less, wherever the stream is split', () => {
    for (let split = 0; split <= sessionBytes.length; split++) {
      const scanner = createPacketScanner(largestInSession - 1);
      // The first refusal ends the connection, so nothing is scanned after it.
      const reason = scanner.scan(sessionBytes.subarray(0, split)) ?? scanner.scan(sessionBytes.subarray(split));
      expect(reason, `split ${split}`).toBe(`packet of ${largestInSession} bytes exceeds the ${largestInSession - 1}-byte limit`);
    }
  });

  describe.each([0, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152])('Remaining Length %i', (remaining) => {
    const packet = remaining === 0 ? generate({ cmd: 'pingreq' }) : publishWithRemainingLength(remaining);
    const size = 1 + lengthBytes(remaining) + remaining;

    it('is encoded as the fixture intends', () => {
      expect(packet.length).toBe(size);
    });

    it('is accepted when the packet is exactly at the limit', () => {
      const scanner = createPacketScanner(size);
      expect(scanner.scan(packet)).toBeUndefined();
      // …and the scanner is back at a packet boundary: the next packet is read correctly.
      expect(scanner.scan(generate({ cmd: 'pingreq' }))).toBeUndefined();
    });

    it('is refused at limit - 1 as soon as its fixed header has arrived, before the body is buffered', () => {
      if (size - 1 < 2) return;
      const scanner = createPacketScanner(size - 1);
      const header = packet.subarray(0, 1 + lengthBytes(remaining));
      expect(scanner.scan(header)).toBe(`packet of ${size} bytes exceeds the ${size - 1}-byte limit`);
    });
  });

  it('refuses a packet one byte over the limit that follows accepted packets', () => {
    const small = generate({ cmd: 'publish', topic: TOPIC, payload: Buffer.from('{"open":false}'), qos: 0, dup: false, retain: false });
    const limit = 1024;
    const tooBig = publishWithRemainingLength(limit + 1 - 3); // 1 + 2 length bytes + remaining = limit + 1
    expect(tooBig.length).toBe(limit + 1);
    const scanner = createPacketScanner(limit);
    expect(scanner.scan(Buffer.concat([small, small]))).toBeUndefined();
    expect(scanner.scan(tooBig)).toBe(`packet of ${limit + 1} bytes exceeds the ${limit}-byte limit`);
  });

  it('refuses an announced 256 MB packet from its 5-byte header alone', () => {
    // 0xff 0xff 0xff 0x7f is the largest Remaining Length, 268,435,455 (§2.2.3).
    const header = Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f]);
    expect(createPacketScanner(16 * 1024).scan(header)).toBe('packet of 268435460 bytes exceeds the 16384-byte limit');
  });

  it('refuses a Remaining Length of five bytes as malformed (§2.2.3 allows four)', () => {
    const header = Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80, 0x01]);
    expect(createPacketScanner(268_435_460).scan(header)).toBe('malformed remaining length');
    const byByte = createPacketScanner(268_435_460);
    const reasons = [...header].map((b) => byByte.scan(Buffer.from([b])));
    expect(reasons.slice(0, 5)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(reasons[5]).toBe('malformed remaining length');
  });

  it('accepts an empty chunk', () => {
    expect(createPacketScanner(256).scan(Buffer.alloc(0))).toBeUndefined();
  });
});

describe('guardPacketSize', () => {
  it('passes chunks through while packets are within the limit', () => {
    const stream = new PassThrough();
    const refused: string[] = [];
    guardPacketSize(stream, largestInSession, (reason) => refused.push(reason));
    stream.write(sessionBytes);
    const chunk = stream.read() as Buffer | null;
    expect(chunk?.equals(sessionBytes)).toBe(true);
    expect(refused).toEqual([]);
    expect(stream.destroyed).toBe(false);
  });

  it('destroys the stream and hands nothing on when a packet is too large', () => {
    const stream = new PassThrough();
    const refused: string[] = [];
    const errors: Error[] = [];
    stream.on('error', (error) => errors.push(error));
    guardPacketSize(stream, 1024, (reason) => refused.push(reason));
    stream.write(publishWithRemainingLength(2000));
    expect(stream.read()).toBeNull();
    expect(refused).toEqual(['packet of 2003 bytes exceeds the 1024-byte limit']);
    expect(stream.destroyed).toBe(true);
  });
});
