import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { defaultConfig, type HubConfig } from '../../src/config.js';
import type { Household } from '../../src/core/household.js';
import type { Logger } from '../../src/core/logger.js';
import { createHub, type Hub } from '../../src/hub.js';
import type { DeviceCredential } from '../../src/household/credentials.js';
import { testHousehold } from './households.js';

/** A real hub in this process: real broker on a free TCP port, real SQLite file, real HTTP server. */
export interface TestHub {
  hub: Hub;
  dataDir: string;
  mqttPort: number;
  httpPort: number;
  mqttUrl: string;
  credential(id: string): DeviceCredential;
  stop(): Promise<void>;
}

export function testDataDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'homeward-test-'));
}

/** A hub config for tests: loopback only, ports chosen by the OS, data in `dataDir`. */
export function testHubConfig(dataDir: string, logLevel: HubConfig['log']['level']): HubConfig {
  const config = defaultConfig();
  config.dataDir = dataDir;
  config.host = '127.0.0.1';
  config.mqtt.port = 0;
  config.http.port = 0;
  config.log.level = logLevel;
  // The local push service the Web Push tests decrypt with listens on 127.0.0.1.
  config.push = { allowPrivateEndpoints: true };
  return config;
}

export async function startTestHub(
  options: { household?: Household; config?: (config: HubConfig) => void; dataDir?: string; log?: Logger } = {},
): Promise<TestHub> {
  const dataDir = options.dataDir ?? testDataDir();
  const config = testHubConfig(dataDir, 'silent');
  options.config?.(config);
  const hub = await createHub({ config, log: options.log ?? pino({ level: config.log.level }) });
  hub.household.import(options.household ?? testHousehold());
  const { mqttPort } = await hub.start();
  await hub.http.listen({ port: 0, host: '127.0.0.1' });
  const address = hub.http.server.address();
  const httpPort = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    hub,
    dataDir,
    mqttPort,
    httpPort,
    mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
    credential(id) {
      const credential = hub.credentials.reveal(id);
      if (credential === undefined) throw new Error(`no credential for ${id}`);
      return credential;
    },
    async stop() {
      await hub.stop();
      if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
