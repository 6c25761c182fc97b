import net from 'node:net';

/**
 * A TCP relay that can hold back one direction and lose what it held when the connection is cut: an
 * acknowledgement that was on the wire when the power went. Issue 10's "none stored twice" needs that
 * moment, a few microseconds wide between a commit and its PUBACK, which a kill at a random moment
 * almost never finds.
 */
export interface LossyRelay {
  port: number;
  /** From now on, what flows towards `side` (the relay's clients, or the server it connects to) is held back. */
  hold(side: 'clients' | 'server'): void;
  /** Lets everything through again (call once the held connections are gone). */
  release(): void;
  /** Cuts every connection; what was held is lost with it. */
  cut(): void;
  close(): Promise<void>;
}

export async function startLossyRelay(serverPort: number): Promise<LossyRelay> {
  let holding: 'clients' | 'server' | undefined;
  const links = new Set<() => void>();
  const server = net.createServer((client) => {
    client.setNoDelay(true);
    const upstream = net.connect(serverPort, '127.0.0.1');
    upstream.setNoDelay(true);
    // What is held is simply never written: it dies with the connection.
    upstream.on('data', (chunk: Buffer) => holding !== 'clients' && client.write(chunk));
    client.on('data', (chunk: Buffer) => holding !== 'server' && upstream.write(chunk));
    const cut = () => {
      links.delete(cut);
      client.destroy();
      upstream.destroy();
    };
    links.add(cut);
    upstream.on('close', cut).on('error', cut);
    client.on('close', cut).on('error', cut);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    hold(side) {
      holding = side;
    },
    release() {
      holding = undefined;
    },
    cut() {
      for (const cut of [...links]) cut();
    },
    async close() {
      for (const cut of [...links]) cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
