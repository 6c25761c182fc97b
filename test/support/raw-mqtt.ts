import net from 'node:net';

/**
 * MQTT 3.1.1 bytes built by hand, for the fault suite (issue 10): a library client cannot send what
 * the spec forbids, so these encoders write each field as the OASIS standard lays it out, and a
 * test can then break exactly one rule. Section numbers are those of MQTT Version 3.1.1 (OASIS
 * Standard, 29 October 2014).
 */

/** Packet types, the high nibble of the first byte (§2.2.1). */
export const CONNECT = 1;
export const PUBLISH = 3;

/** The Remaining Length, 7 bits a byte, least significant first, at most four bytes (§2.2.3). */
export function remainingLength(length: number): Buffer {
  const bytes: number[] = [];
  let left = length;
  do {
    let byte = left % 128;
    left = Math.floor(left / 128);
    if (left > 0) byte |= 0x80;
    bytes.push(byte);
  } while (left > 0);
  return Buffer.from(bytes);
}

/** A UTF-8 encoded string: a two-byte big-endian length, then the bytes (§1.5.3). */
export function utf8(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const length = Buffer.alloc(2);
  length.writeUInt16BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** A fixed header (§2.2) — type, flags, Remaining Length of `body` — followed by `body`. */
export function packet(type: number, flags: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([(type << 4) | (flags & 0x0f)]), remainingLength(body.length), body]);
}

export interface ConnectFields {
  clientId: string;
  username: string;
  password: string;
  /** Seconds (§3.1.2.10); 0 turns keep-alive off. */
  keepAliveS?: number;
}

/**
 * CONNECT (§3.1): protocol name "MQTT", level 4, flags with User Name and Password set and Clean
 * Session (§3.1.2.3–§3.1.2.9), Keep Alive, then Client Identifier, User Name, Password (§3.1.3).
 */
export function connectPacket(fields: ConnectFields): Buffer {
  const keepAlive = Buffer.alloc(2);
  keepAlive.writeUInt16BE(fields.keepAliveS ?? 30);
  const cleanSession = 0x02;
  const userName = 0x80;
  const password = 0x40;
  const variableHeader = Buffer.concat([utf8('MQTT'), Buffer.from([4, userName | password | cleanSession]), keepAlive]);
  return packet(CONNECT, 0, Buffer.concat([variableHeader, utf8(fields.clientId), utf8(fields.username), utf8(fields.password)]));
}

/**
 * PUBLISH (§3.3): flags DUP, QoS (two bits), RETAIN (§3.3.1); Topic Name, Packet Identifier when
 * QoS > 0 (§3.3.2); the payload. `qos` is written as given, so a test can set both bits (§3.3.1.2).
 */
export function publishPacket(fields: { topic: string; payload: string; qos: 0 | 1 | 2 | 3; messageId?: number }): Buffer {
  const id = Buffer.alloc(fields.qos > 0 ? 2 : 0);
  if (fields.qos > 0) id.writeUInt16BE(fields.messageId ?? 1);
  return packet(PUBLISH, fields.qos << 1, Buffer.concat([utf8(fields.topic), id, Buffer.from(fields.payload, 'utf8')]));
}

/** CONNACK (§3.2) is always 0x20 0x02, flags, return code; undefined until all four bytes are in. */
export function connackReturnCode(received: Buffer): number | undefined {
  if (received.length < 4 || received[0] !== 0x20 || received[1] !== 0x02) return undefined;
  return received[3];
}

/** A raw TCP connection to the broker, recording what it sends back and when it hangs up. */
export interface RawConnection {
  socket: net.Socket;
  /** Every byte the broker has sent so far. */
  received(): Buffer;
  /** Resolves once the broker has closed the connection (FIN or RST). */
  closed: Promise<void>;
  isClosed(): boolean;
  /** Resolves with the CONNACK return code (§3.2.2.3), or rejects if the connection closes first. */
  connack(): Promise<number>;
  /** Writes `bytes` one at a time, each its own TCP segment, `gapMs` apart (a slow or hostile sender). */
  trickle(bytes: Buffer, gapMs: number): Promise<void>;
  destroy(): void;
}

/**
 * Opens a TCP connection to 127.0.0.1:`port`, from `localAddress` when given (any 127.x.y.z is
 * this machine on Linux: the hub sees a different remote address per "device" or "attacker").
 */
export function openRaw(port: number, localAddress?: string): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', ...(localAddress === undefined ? {} : { localAddress }) });
    socket.setNoDelay(true);
    const chunks: Buffer[] = [];
    let closedFlag = false;
    const listeners = new Set<() => void>();
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      for (const listener of [...listeners]) listener();
    });
    // A broker that resets the connection is as closed as one that ends it.
    socket.on('error', () => undefined);
    const closed = new Promise<void>((done) =>
      socket.once('close', () => {
        closedFlag = true;
        for (const listener of [...listeners]) listener();
        done();
      }),
    );
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve({
        socket,
        received: () => Buffer.concat(chunks),
        closed,
        isClosed: () => closedFlag,
        connack: () =>
          new Promise<number>((answer, refuse) => {
            const check = () => {
              const code = connackReturnCode(Buffer.concat(chunks));
              if (code !== undefined) {
                listeners.delete(check);
                answer(code);
              } else if (closedFlag) {
                listeners.delete(check);
                refuse(new Error('connection closed before CONNACK'));
              }
            };
            listeners.add(check);
            check();
          }),
        async trickle(bytes, gapMs) {
          for (const byte of bytes) {
            if (closedFlag) return;
            await new Promise<void>((written) => socket.write(Buffer.from([byte]), () => written()));
            await new Promise((pause) => setTimeout(pause, gapMs));
          }
        },
        destroy: () => socket.destroy(),
      });
    });
    socket.once('error', reject);
  });
}
