import type { DeviceSource } from '../../src/core/device-source.js';
import { decodeNative, nativeTopic } from './decoder.js';
import { nativeSimulator } from './simulator.js';

export const nativeSource: DeviceSource = {
  id: 'native',
  title: 'DIY device (native Homeward format)',
  reach: 'device',
  checkDevice: (device) =>
    device.topic !== undefined ? `native devices publish on ${nativeTopic(device.id, 'door').replace(/door$/, '<kind>')}; remove "topic"` : undefined,
  publishTopics: (subject) => (subject.type === 'device' ? [nativeTopic(subject.device.id, 'door').replace(/door$/, '+')] : []),
  subscribeTopics: (subject) => (subject.type === 'device' ? [nativeTopic(subject.device.id, 'commands/#')] : []),
  decodeMqtt: decodeNative,
  simulator: nativeSimulator,
};
