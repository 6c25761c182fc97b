import mqtt from 'mqtt';
import type { Logger } from '../core/logger.js';
import type { DeviceCredential } from '../household/credentials.js';

/**
 * A simulated home for `npm start -- --demo`: each device is its own MQTT client, with its own
 * credential, publishing the native format over the real broker — so a newcomer watches real
 * readings flow. Full scenarios in every source's format come with `homeward simulate`.
 */
export interface DemoHome {
  stop(): Promise<void>;
}

export function startDemoHome(options: {
  mqttUrl: string;
  credentialOf: (deviceId: string) => DeviceCredential;
  log: Logger;
  everyMs?: number;
}): DemoHome {
  const every = options.everyMs ?? 2000;
  const connect = (id: string) => {
    const { username, password } = options.credentialOf(id);
    return mqtt.connect(options.mqttUrl, { clientId: `demo-${id}`, username, password, reconnectPeriod: 1000 });
  };
  const door = connect('front-door');
  const phone = connect('mum-phone');
  const pillbox = connect('pillbox');
  let tick = 0;
  let doorOpen = false;
  let battery = 96;

  const timer = setInterval(() => {
    tick++;
    // Wander gently around the home zone (about 40 m), as a phone in a pocket does.
    const angle = tick / 6;
    phone.publish(
      'homeward/devices/mum-phone/tracker',
      JSON.stringify({ lat: 51.5072 + 0.0003 * Math.sin(angle), lon: -0.1276 + 0.0004 * Math.cos(angle), acc: 12, battery }),
      { qos: 1 },
    );
    if (tick % 3 === 1) {
      doorOpen = !doorOpen;
      door.publish('homeward/devices/front-door/door', JSON.stringify({ open: doorOpen, battery: 87 }), { qos: 1 });
    }
    if (tick % 7 === 0) {
      const compartment = 1 + ((tick / 7) % 2);
      pillbox.publish('homeward/devices/pillbox/pillbox', JSON.stringify({ compartment, open: true }), { qos: 1 });
      setTimeout(() => pillbox.publish('homeward/devices/pillbox/pillbox', JSON.stringify({ compartment, open: false }), { qos: 1 }), 1500);
    }
    if (tick % 20 === 0) battery = Math.max(5, battery - 1);
  }, every);
  options.log.info({ devices: 3, everyMs: every }, 'demo home started: a door, a phone and a pill box are publishing');

  return {
    async stop() {
      clearInterval(timer);
      await Promise.all([door, phone, pillbox].map((client) => client.endAsync()));
    },
  };
}
