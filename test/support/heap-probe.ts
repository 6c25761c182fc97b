import type { ChildProcess } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';

/**
 * The memory of a hub running as its own process, for the fault suite (issue 10: "memory stays
 * flat"). RSS alone moves with the garbage collector's mood; the live heap after a full collection
 * does not, so a hub started with `heapProbeNodeArgs` (spawnHub(env, [], { nodeArgs, ipc: true }))
 * answers an IPC message by collecting garbage and reporting process.memoryUsage(). Nothing of the
 * hub is changed: the probe is preloaded with --import and its channel is unref'd, so it keeps no
 * hub alive that would otherwise exit.
 */
const probe = `
process.channel?.unref();
process.on('message', (message) => {
  if (message?.probe !== 'memory') return;
  globalThis.gc();
  const usage = process.memoryUsage();
  process.send({ probe: 'memory', heapUsed: usage.heapUsed, rss: usage.rss });
});
`;

export const heapProbeNodeArgs = ['--expose-gc', '--import', `data:text/javascript,${encodeURIComponent(probe)}`];

export interface HubMemory {
  /** Live JavaScript heap after a full garbage collection, in bytes. */
  heapUsed: number;
  rss: number;
}

/** Asks a probed hub for its memory after a full garbage collection. */
export function hubMemory(child: ChildProcess): Promise<HubMemory> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the hub did not answer the memory probe within 10 s')), 10_000);
    const listener = (message: unknown) => {
      const answer = message as Partial<HubMemory> & { probe?: string };
      if (answer.probe !== 'memory') return;
      clearTimeout(timer);
      child.off('message', listener);
      resolve({ heapUsed: answer.heapUsed ?? NaN, rss: answer.rss ?? NaN });
    };
    child.on('message', listener);
    child.send({ probe: 'memory' });
  });
}

/** The file descriptors a process holds open now (sockets included), from /proc (Linux, as on the Pi). */
export function openDescriptors(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Of those, the sockets (listeners, connections, the IPC channel): the database's files come and go, these should not. */
export function openSockets(pid: number): number {
  let sockets = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) sockets++;
    } catch {
      // Closed between the listing and the look: not open.
    }
  }
  return sockets;
}
