import type { MqttClient } from 'mqtt';
import { defaultConfig } from '../../src/config.js';
import type { Household } from '../../src/core/household.js';
import { openHome } from '../../src/hub.js';
import { freePort, spawnHub, waitForPort, type HubProcess } from './hub-process.js';
import { connectClient } from './mqtt-clients.js';
import { testDataDir } from './test-hub.js';

/**
 * The built hub as a process on free ports, for the fault suite's clock and restart tests (issue 10):
 * a data directory with a household in it, the hub started over it (with libfaketime's variables from
 * fake-clock-process.ts, when given), and a device of that household connected over MQTT.
 */
export interface RunningHub {
  process: HubProcess;
  mqttPort: number;
  httpPort: number;
}

/** A new data directory holding `household`. */
export function homeWith(household: Household): string {
  const dataDir = testDataDir();
  const home = openHome({ ...defaultConfig(), dataDir });
  try {
    home.household.import(household);
  } finally {
    home.close();
  }
  return dataDir;
}

/** Starts the hub (env must name HOMEWARD_DATA_DIR) and resolves once MQTT and HTTP both accept connections. */
export async function startHubProcess(env: Record<string, string>): Promise<RunningHub> {
  const [mqttPort, httpPort] = [await freePort(), await freePort()];
  const hub = spawnHub({ ...env, HOMEWARD_MQTT_PORT: String(mqttPort), HOMEWARD_HTTP_PORT: String(httpPort) });
  try {
    await waitForPort(mqttPort, undefined, hub);
    await waitForPort(httpPort, undefined, hub);
  } catch (error) {
    hub.child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}; the hub said: ${hub.output()}`);
  }
  return { process: hub, mqttPort, httpPort };
}

/** A household device connected with its own credential. */
export async function connectDevice(dataDir: string, mqttPort: number, deviceId: string): Promise<MqttClient> {
  const home = openHome({ ...defaultConfig(), dataDir });
  const credential = home.credentials.reveal(deviceId);
  home.close();
  if (credential === undefined) throw new Error(`no credential for ${deviceId}`);
  return connectClient(`mqtt://127.0.0.1:${mqttPort}`, { ...credential, clientId: deviceId });
}
