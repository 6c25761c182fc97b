import { randomBytes } from 'node:crypto';
import mqtt, { type IClientOptions } from 'mqtt';

/**
 * One real MQTT CONNECT (mqtt.js), for the broker check (issue 9, item 5). A CONNACK, accepting or
 * refusing, proves a broker is listening and speaks MQTT; no CONNACK within the time-out does not.
 * The client id is the doctor's own: connecting with the hub's fixed id to an external broker would
 * take over the hub's session and disconnect it.
 */
export type MqttAnswer =
  | { kind: 'accepted' }
  | { kind: 'refused'; returnCode: number; reason: string }
  | { kind: 'unreachable'; reason: string };

export function probeMqtt(target: IClientOptions, options: IClientOptions, timeoutMs: number): Promise<MqttAnswer> {
  return new Promise((resolve) => {
    const settings: IClientOptions = {
      reconnectPeriod: 0,
      connectTimeout: timeoutMs,
      clean: true,
      clientId: `homeward-doctor-${randomBytes(4).toString('hex')}`,
      ...options,
    };
    const client = mqtt.connect({ ...target, ...settings });
    let settled = false;
    const settle = (answer: MqttAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.end(true);
      resolve(answer);
    };
    // mqtt.js has its own connack time-out; this one also bounds a TLS handshake that never finishes.
    const timer = setTimeout(() => settle({ kind: 'unreachable', reason: `no answer within ${timeoutMs / 1000} s` }), timeoutMs + 500);
    client.once('connect', () => settle({ kind: 'accepted' }));
    client.on('error', (error: Error & { code?: string | number }) => {
      if (typeof error.code === 'number') settle({ kind: 'refused', returnCode: error.code, reason: error.message });
      else settle({ kind: 'unreachable', reason: error.message === 'connack timeout' ? `no answer within ${timeoutMs / 1000} s` : error.message });
    });
    client.once('close', () => settle({ kind: 'unreachable', reason: 'the connection closed before the broker answered' }));
  });
}
