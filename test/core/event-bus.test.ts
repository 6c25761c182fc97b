import { describe, expect, it } from 'vitest';
import { createEventBus, type HubEvents } from '../../src/core/event-bus.js';

const refusal: HubEvents['readingRefused'] = { deviceId: 'front-door', topic: 'homeward/devices/front-door/door', reason: 'invalid', detail: 'open must be boolean' };
const availability: HubEvents['deviceAvailability'] = { deviceId: 'front-door', online: false, at: 1_700_000_000_000 };

function recordingBus() {
  const errors: Array<{ owner: string; event: string; error: unknown }> = [];
  const bus = createEventBus((owner, event, error) => errors.push({ owner, event, error }));
  return { bus, errors };
}

describe('event bus', () => {
  it('delivers the payload to every listener of the event, in registration order', () => {
    const { bus, errors } = recordingBus();
    const heard: string[] = [];
    bus.on('readingRefused', 'rules', (p) => heard.push(`rules:${p.reason}`));
    bus.on('readingRefused', 'notify', (p) => heard.push(`notify:${p.deviceId}`));
    bus.on('deviceAvailability', 'status', () => heard.push('status'));
    bus.emit('readingRefused', refusal);
    expect(heard).toEqual(['rules:invalid', 'notify:front-door']);
    expect(errors).toEqual([]);
  });

  it('emitting an event nobody listens to does nothing', () => {
    const { bus, errors } = recordingBus();
    expect(() => bus.emit('deviceAvailability', availability)).not.toThrow();
    expect(errors).toEqual([]);
  });

  it('a throwing listener does not stop the others, and the error callback gets its owner and event', () => {
    const { bus, errors } = recordingBus();
    const heard: string[] = [];
    const failure = new Error('push endpoint exploded');
    bus.on('deviceAvailability', 'first', () => heard.push('first'));
    bus.on('deviceAvailability', 'notifier', () => {
      throw failure;
    });
    bus.on('deviceAvailability', 'rules', (p) => heard.push(`rules:${p.online}`));
    expect(() => bus.emit('deviceAvailability', availability)).not.toThrow();
    expect(heard).toEqual(['first', 'rules:false']);
    expect(errors).toEqual([{ owner: 'notifier', event: 'deviceAvailability', error: failure }]);
  });

  it('reports each failing listener separately, on every emit', () => {
    const { bus, errors } = recordingBus();
    bus.on('deviceAvailability', 'a', () => {
      throw new Error('a');
    });
    bus.on('deviceAvailability', 'b', () => {
      throw 'not even an Error';
    });
    bus.emit('deviceAvailability', availability);
    bus.emit('deviceAvailability', availability);
    expect(errors.map((e) => e.owner)).toEqual(['a', 'b', 'a', 'b']);
    expect(errors[1]?.error).toBe('not even an Error');
  });

  it('removeOwner removes every listener of that owner and only those', () => {
    const { bus } = recordingBus();
    const heard: string[] = [];
    bus.on('deviceAvailability', 'broker', () => heard.push('broker:availability'));
    bus.on('readingRefused', 'broker', () => heard.push('broker:refused'));
    bus.on('deviceAvailability', 'rules', () => heard.push('rules:availability'));
    bus.removeOwner('broker');
    bus.emit('deviceAvailability', availability);
    bus.emit('readingRefused', refusal);
    expect(heard).toEqual(['rules:availability']);
  });

  it('removeOwner of an unknown owner changes nothing', () => {
    const { bus } = recordingBus();
    const heard: string[] = [];
    bus.on('deviceAvailability', 'rules', () => heard.push('rules'));
    bus.removeOwner('nobody');
    bus.emit('deviceAvailability', availability);
    expect(heard).toEqual(['rules']);
  });

  it('an owner can register again after being removed', () => {
    const { bus } = recordingBus();
    let count = 0;
    bus.on('deviceAvailability', 'rules', () => count++);
    bus.removeOwner('rules');
    bus.on('deviceAvailability', 'rules', () => count++);
    bus.emit('deviceAvailability', availability);
    expect(count).toBe(1);
  });
});
