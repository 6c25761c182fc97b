import type { Duplex } from 'node:stream';

/**
 * Refuses MQTT packets larger than `limitBytes` before they are buffered. aedes has no packet size
 * limit of its own and its parser waits for the whole packet, so a client announcing a 256 MB packet
 * would make the hub hold it all in memory. This reads each fixed header's Remaining Length
 * (MQTT 3.1.1 §2.2.3) as aedes pulls bytes from the stream, without copying them.
 */
export function createPacketScanner(limitBytes: number) {
  let state: 'header' | 'length' | 'body' = 'header';
  let length = 0;
  let multiplier = 1;
  let lengthBytes = 0;
  let remaining = 0;

  return {
    /** Returns a reason to refuse the connection, or undefined while the stream is within limits. */
    scan(chunk: Buffer): string | undefined {
      let i = 0;
      while (i < chunk.length) {
        if (state === 'header') {
          state = 'length';
          length = 0;
          multiplier = 1;
          lengthBytes = 0;
          i++;
        } else if (state === 'length') {
          const byte = chunk[i] as number;
          length += (byte & 0x7f) * multiplier;
          multiplier *= 128;
          lengthBytes++;
          i++;
          if (lengthBytes > 4) return 'malformed remaining length';
          if ((byte & 0x80) === 0) {
            if (length + 1 + lengthBytes > limitBytes) return `packet of ${length + 1 + lengthBytes} bytes exceeds the ${limitBytes}-byte limit`;
            remaining = length;
            state = remaining > 0 ? 'body' : 'header';
          }
        } else {
          const skip = Math.min(remaining, chunk.length - i);
          i += skip;
          remaining -= skip;
          if (remaining === 0) state = 'header';
        }
      }
      return undefined;
    },
  };
}

/** Wraps `stream.read` so every chunk aedes consumes is scanned; an oversized packet destroys the stream. */
export function guardPacketSize(stream: Duplex, limitBytes: number, onRefused: (reason: string) => void): void {
  const scanner = createPacketScanner(limitBytes);
  const read = stream.read.bind(stream);
  stream.read = (size?: number) => {
    const chunk = read(size) as Buffer | string | null;
    if (chunk === null || typeof chunk === 'string') return chunk;
    const reason = scanner.scan(chunk);
    if (reason === undefined) return chunk;
    onRefused(reason);
    stream.destroy(new Error(reason));
    return null;
  };
}
