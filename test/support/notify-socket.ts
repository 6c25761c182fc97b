import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A stand-in for systemd's notification socket (sd_notify(3)), so tests hear what the REAL
 * /usr/bin/systemd-notify sends. Node cannot bind an AF_UNIX datagram socket, so python3 does: it
 * prints each datagram as one JSON string per line, then closes every descriptor passed with
 * SCM_RIGHTS — systemd-notify's barrier (BARRIER=1 with a pipe) waits until the receiver closes it,
 * exactly as systemd does once it has processed the messages before it.
 */
const RECEIVER = String.raw`
import array, json, os, socket, sys
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(sys.argv[1])
print(json.dumps("LISTENING"), flush=True)
while True:
    data, ancillary, _flags, _address = sock.recvmsg(65536, socket.CMSG_SPACE(16 * 4))
    print(json.dumps(data.decode("utf-8", "replace")), flush=True)
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i")
            fds.frombytes(payload[: len(payload) - (len(payload) % fds.itemsize)])
            for fd in fds:
                os.close(fd)
`;

export interface NotifySocket {
  /** The socket's path: what systemd would put in NOTIFY_SOCKET. */
  path: string;
  /** Every datagram received so far, in order (a datagram may hold several NAME=value lines). */
  datagrams(): string[];
  /** Resolves with the `nth` (1 by default) datagram holding `line` (e.g. "READY=1"); bounded by `withinMs`. */
  waitFor(line: string, options?: { nth?: number; withinMs?: number }): Promise<string>;
  close(): Promise<void>;
}

export async function openNotifySocket(): Promise<NotifySocket> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'homeward-notify-'));
  const socketPath = path.join(dir, 'notify.sock');
  const child: ChildProcess = spawn('python3', ['-c', RECEIVER, socketPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  const received: string[] = [];
  let errors = '';
  let pending = '';
  let listening: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (listening = resolve));
  child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  child.stdout?.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const datagram = JSON.parse(line) as string;
      if (datagram === 'LISTENING') listening();
      else received.push(datagram);
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await Promise.race([
    ready,
    exited.then(() => {
      throw new Error(`the notify socket receiver exited: ${errors}`);
    }),
  ]);

  const hasLine = (datagram: string, line: string) => datagram.split('\n').includes(line);
  return {
    path: socketPath,
    datagrams: () => [...received],
    async waitFor(line, { nth = 1, withinMs = 10_000 } = {}) {
      const deadline = Date.now() + withinMs;
      for (;;) {
        const found = received.filter((datagram) => hasLine(datagram, line))[nth - 1];
        if (found !== undefined) return found;
        if (Date.now() > deadline) throw new Error(`no "${line}" (#${nth}) on the notify socket within ${withinMs} ms; got ${JSON.stringify(received)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
