import type { AlertJson } from './alerts.js';
import type { Reading } from './readings.js';
import type { Household } from './household.js';

/**
 * The typed event bus modules talk through (after Zigbee2MQTT's lib/eventBus.ts). Each listener is
 * registered with its owner and wrapped, so one failing module cannot stop the others from hearing
 * an event — an exception in, say, a notifier must never stop a rule from seeing a door open.
 */
export interface HubEvents {
  /** Readings committed to the database (after the transaction, before or after PUBACK). */
  readingsCommitted: { readings: readonly Reading[] };
  /** A reading was refused at ingest. */
  readingRefused: { deviceId?: string; topic: string; reason: string; detail: string };
  /** The household document changed (import, dashboard edit, or another process). */
  householdChanged: { household: Household; revision: number };
  /** An alert was raised or resolved (its JSON as published on homeward/alerts/<id>). */
  alertChanged: { alert: AlertJson };
  /** A device went online or offline (availability, last will). */
  deviceAvailability: { deviceId: string; online: boolean; at: number };
  /** An incident was opened, acknowledged, resolved or closed. */
  incidentChanged: { incidentId: string };
  /** A care-log note was added, edited, reacted to or removed. */
  careLogChanged: { noteId: number; change: 'added' | 'edited' | 'reacted' | 'removed' };
  /** The circle changed: members and roles, invitations, the rota, someone's away or preferences. */
  circleChanged: { what: 'members' | 'invitations' | 'rota' | 'preferences' };
}

export type HubEventName = keyof HubEvents;
type Listener<E extends HubEventName> = (payload: HubEvents[E]) => void;

export interface EventBus {
  on<E extends HubEventName>(event: E, owner: string, listener: Listener<E>): void;
  emit<E extends HubEventName>(event: E, payload: HubEvents[E]): void;
  removeOwner(owner: string): void;
}

export function createEventBus(onListenerError: (owner: string, event: string, error: unknown) => void): EventBus {
  const listeners = new Map<HubEventName, Array<{ owner: string; listener: Listener<never> }>>();
  return {
    on(event, owner, listener) {
      const list = listeners.get(event) ?? [];
      list.push({ owner, listener: listener as Listener<never> });
      listeners.set(event, list);
    },
    emit(event, payload) {
      for (const { owner, listener } of listeners.get(event) ?? []) {
        try {
          (listener as Listener<typeof event>)(payload);
        } catch (error) {
          onListenerError(owner, event, error);
        }
      }
    },
    removeOwner(owner) {
      for (const [event, list] of listeners) {
        listeners.set(event, list.filter((entry) => entry.owner !== owner));
      }
    },
  };
}
