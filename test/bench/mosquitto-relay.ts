import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { MqttClient } from 'mqtt';
import { waitForExit, type Cleanup } from './cleanup.js';
import { burst, closeAll, connectAll, connectClient, type BurstResult } from './mqtt-load.js';
import { acceptsTcp, freePort, sleep } from './net-util.js';
import { cpuMeter, startRssSampler, type PhaseCpu } from './process-stats.js';

/**
 * The yardstick (DESIGN.md, "Budgets"): Debian's Mosquitto relaying the same QoS 1 load from the same
 * publishers to one subscriber, measured in the same run as the hub so both see the same machine.
 */
export const MOSQUITTO = '/usr/sbin/mosquitto';

export interface RelayResult {
  messages: number;
  received: number;
  complete: boolean;
  /** Messages received by the subscriber / seconds from the first PUBLISH to the last receipt. */
  relayPerSecond: number;
  seconds: number;
  /** PUBACKs from Mosquitto to the publishers (sent on receipt, before delivery). */
  publisherAcks: BurstResult;
  cpu: PhaseCpu;
  mosquittoPeakRssBytes: number | undefined;
}

export interface Relay {
  /** One burst of `messages` through Mosquitto to the subscriber. */
  measure(messages: number, window: number, deadlineMs: number): Promise<RelayResult>;
  close(): Promise<void>;
}

async function startMosquitto(workDir: string, cleanup: Cleanup): Promise<{ child: ChildProcess; port: number }> {
  if (!existsSync(MOSQUITTO)) throw new Error(`${MOSQUITTO} not found: apt-get install mosquitto`);
  const port = await freePort();
  const configFile = path.join(workDir, 'mosquitto.conf');
  writeFileSync(
    configFile,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      // The defaults (20 in flight, 1000 queued) would make Mosquitto drop QoS 1 messages for a
      // subscriber that falls behind a 50-publisher burst, and a dropped message is not a relayed one.
      'max_inflight_messages 1000',
      'max_queued_messages 1000000',
      'max_queued_bytes 0',
      // The hub sets noDelay on its sockets (DESIGN.md, "Pitfalls"); give Mosquitto the same.
      'set_tcp_nodelay true',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      '',
    ].join('\n'),
  );
  const logFile = path.join(workDir, 'mosquitto.log');
  const logFd = openSync(logFile, 'a');
  const child = spawn(MOSQUITTO, ['-c', configFile], { stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  cleanup.child('mosquitto', child);

  const deadline = performance.now() + 10_000;
  for (let attempt = 0; attempt < 500 && performance.now() < deadline; attempt++) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited with code ${child.exitCode}; see ${logFile}`);
    if (await acceptsTcp(port)) return { child, port };
    await sleep(10);
  }
  throw new Error(`mosquitto did not accept connections on ${port} within 10 s`);
}

/** Starts Mosquitto on a free port, subscribes one client to every tracker topic and connects one publisher per device. */
export async function startRelay(options: { workDir: string; cleanup: Cleanup; deviceIds: readonly string[] }): Promise<Relay> {
  const { child, port } = await startMosquitto(options.workDir, options.cleanup);
  const pid = child.pid as number;
  const stopMosquitto = async () => {
    child.kill('SIGTERM');
    if (!(await waitForExit(child, 5000))) child.kill('SIGKILL');
  };
  let subscriber: MqttClient | undefined;
  let publishers: MqttClient[] = [];
  try {
    subscriber = await connectClient(port, { clientId: 'bench-subscriber' });
    publishers = await connectAll(
      port,
      options.deviceIds.map((id) => ({ clientId: `bench-${id}` })),
    );
    const sub = subscriber;
    await new Promise<void>((resolve, reject) =>
      sub.subscribe('homeward/devices/+/tracker', { qos: 1 }, (error, granted) =>
        error ? reject(error) : granted?.[0]?.qos === 1 ? resolve() : reject(new Error(`subscription granted ${JSON.stringify(granted)}`)),
      ),
    );
  } catch (error) {
    await closeAll(subscriber === undefined ? publishers : [...publishers, subscriber]);
    await stopMosquitto();
    throw error;
  }
  const sub = subscriber;
  const targets = options.deviceIds.map((id, index) => ({ client: publishers[index] as MqttClient, topic: `homeward/devices/${id}/tracker` }));

  return {
    async measure(messages, window, deadlineMs) {
      const rss = startRssSampler(pid);
      let received = 0;
      let lastReceivedAt = 0;
      let resolveAll: () => void = () => undefined;
      const allReceived = new Promise<void>((resolve) => (resolveAll = resolve));
      const onMessage = () => {
        received++;
        lastReceivedAt = performance.now();
        if (received === messages) resolveAll();
      };
      sub.on('message', onMessage);
      try {
        const cpu = cpuMeter(pid);
        const startedAt = performance.now();
        const acks = await burst(targets, messages, window, deadlineMs);
        // Delivery may trail the publishers' PUBACKs; wait for it within what is left of the deadline.
        const left = Math.max(1000, deadlineMs - (performance.now() - startedAt));
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([allReceived, new Promise<void>((resolve) => (timer = setTimeout(resolve, left)))]);
        clearTimeout(timer);
        const seconds = (lastReceivedAt - acks.firstPublishAt) / 1000;
        return {
          messages,
          received,
          complete: received === messages,
          relayPerSecond: seconds > 0 ? received / seconds : 0,
          seconds,
          publisherAcks: acks,
          cpu: cpu.read(),
          mosquittoPeakRssBytes: rss.peakBetween(0, performance.now()),
        };
      } finally {
        sub.off('message', onMessage);
        rss.stop();
      }
    },
    async close() {
      await closeAll([...publishers, sub]);
      await stopMosquitto();
    },
  };
}
