import net from 'node:net';

/** Whether a TCP connection to host:port (DNS look-up included) opens within the time-out. */
export type Reach = { reached: true } | { reached: false; reason: string };

export function reachHost(host: string, port: number, timeoutMs: number): Promise<Reach> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const settle = (reach: Reach) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(reach);
    };
    const timer = setTimeout(() => settle({ reached: false, reason: `no answer within ${timeoutMs / 1000} s` }), timeoutMs);
    socket.once('connect', () => settle({ reached: true }));
    socket.once('error', (error: NodeJS.ErrnoException) => settle({ reached: false, reason: error.code ?? error.message }));
  });
}
