import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

/** Connects a real mqtt.js client; resolves on CONNACK, rejects with the broker's refusal. */
export function connectClient(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
    client.once('connect', () => resolve(client));
    client.once('error', (error) => {
      client.end(true);
      reject(error);
    });
    client.once('close', () => reject(new Error('connection closed before CONNACK')));
  });
}

/** Waits for a client's connection to close (the broker hung up). */
export function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => {
    if (client.disconnected) return resolve();
    client.once('close', () => resolve());
  });
}

/** A round trip through the broker proves the client's connection is still up and served. */
export async function stillConnected(client: MqttClient): Promise<boolean> {
  if (!client.connected) return false;
  // PINGREQ has no callback in mqtt.js; a QoS 0 subscribe to an allowed-or-refused filter always gets a SUBACK.
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), 3000);
    client.subscribe('homeward/devices/__probe__/commands/x', { qos: 0 }, () => {
      clearTimeout(timer);
      resolve(client.connected);
    });
  });
}
