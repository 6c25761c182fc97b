import { describe, expect, it } from 'vitest';
import { freePort, spawnHub, waitForPort } from './support/hub-process.js';
import { testDataDir } from './support/test-hub.js';

/** `npm start` as a process: embedded defaults, no config file, clean stop on a signal. */
describe('the hub process', () => {
  it('starts with no config file, serves health, and exits 0 on SIGTERM', async () => {
    const mqttPort = await freePort();
    const httpPort = await freePort();
    const hub = spawnHub({ HOMEWARD_DATA_DIR: testDataDir(), HOMEWARD_MQTT_PORT: String(mqttPort), HOMEWARD_HTTP_PORT: String(httpPort) });
    await waitForPort(httpPort, undefined, hub);
    await waitForPort(mqttPort, undefined, hub);
    const health = await fetch(`http://127.0.0.1:${httpPort}/api/health`);
    expect(health.status).toBe(200);
    hub.child.kill('SIGTERM');
    expect(await hub.exited).toEqual({ code: 0, signal: null });
  });

  it('exits 0 on SIGINT too', async () => {
    const mqttPort = await freePort();
    const hub = spawnHub({ HOMEWARD_DATA_DIR: testDataDir(), HOMEWARD_MQTT_PORT: String(mqttPort), HOMEWARD_HTTP_PORT: String(await freePort()) });
    await waitForPort(mqttPort, undefined, hub);
    hub.child.kill('SIGINT');
    expect((await hub.exited).code).toBe(0);
  });

  it('exits at once, with 1, on a second signal while stopping', async () => {
    const mqttPort = await freePort();
    const hub = spawnHub({ HOMEWARD_DATA_DIR: testDataDir(), HOMEWARD_MQTT_PORT: String(mqttPort), HOMEWARD_HTTP_PORT: String(await freePort()) });
    await waitForPort(mqttPort, undefined, hub);
    // Two different signals, sent together: the same signal twice may be delivered once (POSIX).
    hub.child.kill('SIGTERM');
    hub.child.kill('SIGINT');
    expect((await hub.exited).code).toBe(1);
    expect(hub.output()).toContain('second signal: exiting at once');
  });

  it('refuses a bad configuration at start with exit 2, naming the variable and value', async () => {
    const hub = spawnHub({ HOMEWARD_DATA_DIR: testDataDir(), HOMEWARD_HTTP_PORT: 'eighty' });
    expect((await hub.exited).code).toBe(2);
    expect(hub.output()).toContain('HOMEWARD_HTTP_PORT="eighty"');
  });

  it('runs a demo home whose devices publish over the real broker', async () => {
    const mqttPort = await freePort();
    const httpPort = await freePort();
    const hub = spawnHub({ HOMEWARD_MQTT_PORT: String(mqttPort), HOMEWARD_HTTP_PORT: String(httpPort) }, ['--demo']);
    await waitForPort(httpPort, undefined, hub);
    // The demo publishes a fix every 2 s; wait (bounded) until readings are counted.
    const deadline = Date.now() + 10_000;
    let accepted = 0;
    while (accepted === 0 && Date.now() < deadline) {
      const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
      accepted = Number(/homeward_readings_total\{result="accepted"\} (\d+)/.exec(metrics)?.[1] ?? 0);
      if (accepted === 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(accepted).toBeGreaterThan(0);
    hub.child.kill('SIGTERM');
    expect((await hub.exited).code).toBe(0);
  });
});
