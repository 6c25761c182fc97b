import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MqttClient } from 'mqtt';
import { connectClient, stillConnected } from '../support/mqtt-clients.js';
import { startTestHub, type TestHub } from '../support/test-hub.js';

/** Connection caps protect the hub from floods without touching clients already connected. */
describe('broker connection limits', () => {
  let t: TestHub | undefined;
  const clients: MqttClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await t?.stop();
  });

  it('refuses connections beyond maxConnections and keeps the connected ones', async () => {
    t = await startTestHub({ config: (c) => void (c.mqtt.maxConnections = 2) });
    for (const id of ['front-door', 'back-door']) {
      const { username, password } = t.credential(id);
      clients.push(await connectClient(t.mqttUrl, { username, password, clientId: id }));
    }
    const { username, password } = t.credential('mum-phone');
    await expect(connectClient(t.mqttUrl, { username, password, clientId: 'third' })).rejects.toThrow();
    for (const client of clients) expect(await stillConnected(client)).toBe(true);
  });

  it('when every connection is taken by sockets that never logged in, the oldest makes way for a device; logged-in ones never do (issue 10)', async () => {
    t = await startTestHub({ config: (c) => void (c.mqtt.maxConnections = 3) });
    const { username, password } = t.credential('front-door');
    clients.push(await connectClient(t.mqttUrl, { username, password, clientId: 'front-door' }));
    const idle: Array<{ socket: net.Socket; closed: Promise<void> }> = [];
    for (const from of ['127.0.7.1', '127.0.7.2']) {
      const socket = net.connect({ port: t.mqttPort, host: '127.0.0.1', localAddress: from });
      socket.on('error', () => undefined);
      socket.resume(); // reading, so the broker's FIN is seen and the socket closes
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      idle.push({ socket, closed });
    }
    // Full (the door and two idle sockets): the phone gets in, and the idle socket that came first is closed for it.
    await vi.waitFor(() => expect(t?.hub.broker.clientCount()).toBe(1));
    const phone = t.credential('mum-phone');
    clients.push(await connectClient(t.mqttUrl, { username: phone.username, password: phone.password, clientId: 'mum-phone' }));
    await idle[0]!.closed;
    expect(idle[1]!.socket.destroyed).toBe(false);
    // The pill box takes the last idle socket's place; then all three are logged in, and a fourth is refused.
    const pillbox = t.credential('pillbox');
    clients.push(await connectClient(t.mqttUrl, { username: pillbox.username, password: pillbox.password, clientId: 'pillbox' }));
    await idle[1]!.closed;
    const back = t.credential('back-door');
    await expect(connectClient(t.mqttUrl, { username: back.username, password: back.password, clientId: 'back-door' })).rejects.toThrow();
    for (const client of clients) expect(await stillConnected(client)).toBe(true);
  });

  it('refuses an address that keeps reconnecting, beyond its attempts per minute', async () => {
    t = await startTestHub({ config: (c) => void (c.mqtt.connectAttemptsPerMinute = 3) });
    const results: boolean[] = [];
    for (let i = 0; i < 5; i++) {
      const { username, password } = t.credential('front-door');
      const client = await connectClient(t.mqttUrl, { username, password, clientId: `flap-${i}` }).catch(() => undefined);
      results.push(client !== undefined);
      await client?.endAsync(true);
    }
    expect(results).toEqual([true, true, true, false, false]);
  });

  it('closes a connection that never sends CONNECT within the connect timeout', async () => {
    t = await startTestHub({ config: (c) => void (c.mqtt.connectTimeoutMs = 200) });
    const socket = net.connect(t.mqttPort, '127.0.0.1');
    // Waiting for the broker's own timer to close the socket; the test bounds it.
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    expect(socket.destroyed).toBe(true);
  });
});
