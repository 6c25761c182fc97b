import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { roles, type Role } from '../../src/accounts/roles.js';
import type { AlertDraft, AlertType, Severity } from '../../src/core/alerts.js';
import type { Household } from '../../src/core/household.js';
import type { Reading } from '../../src/core/readings.js';
import type { AlertRow } from '../../src/store/alerts-repo.js';
import { GOOD_PASSWORD, startAccountsHub, type AccountsHub } from '../accounts/accounts-hub.js';
import { testHousehold } from '../support/households.js';

/**
 * A whole hub for the care routes' tests (alerts, incidents, the care log, live events): the test
 * household, one signed-in member of each role, and alerts raised the way the rule engine raises them.
 */
export interface Member {
  id: number;
  name: string;
  email: string;
  cookie: string;
  csrfToken: string;
}

export interface CareHub extends AccountsHub {
  members: Record<Role, Member>;
  /** A request as this member, with the session cookie (and the CSRF token on state-changing methods). */
  as(role: Role, options: InjectOptions): Promise<LightMyRequestResponse>;
  /** Raises one alert through the alert service, as a rule's outcome; returns its stored row. */
  raise(type: AlertType, options?: { key?: string; at?: number; severity?: Severity; deviceId?: string; details?: Record<string, unknown>; title?: string }): AlertRow;
  /** Clears an alert's condition, as a rule does (door closed, back in the zone). */
  clear(key: string, reason: string, at?: number): void;
  /** Commits readings through the hub's group commit, as ingest does; rules and live events see them. */
  commit(readings: Reading[]): Promise<void>;
}

export const NAMES: Record<Role, string> = { owner: 'Olive Owner', family: 'Anna', carer: 'Carol Carer', installer: 'Ian Installer', viewer: 'Vera Viewer' };

let keys = 0;

export async function startCareHub(options: { household?: Household } = {}): Promise<CareHub> {
  const t = await startAccountsHub();
  t.hub.household.import(options.household ?? careHousehold());
  const members = {} as Record<Role, Member>;
  for (const role of roles) {
    const email = `${role}@example.org`;
    const user = await t.hub.home.accounts.create({ email, role, password: GOOD_PASSWORD, name: NAMES[role] });
    const { cookie, csrfToken } = await t.signIn(email, GOOD_PASSWORD);
    members[role] = { id: user.id, name: NAMES[role], email, cookie, csrfToken };
  }
  return {
    ...t,
    members,
    as(role, request) {
      const member = members[role];
      const method = (request.method ?? 'GET').toUpperCase();
      const headers: Record<string, string> = { cookie: member.cookie, ...(request.headers as Record<string, string> | undefined) };
      if (method !== 'GET' && method !== 'HEAD') headers['x-csrf-token'] = member.csrfToken;
      return t.hub.http.inject({ ...request, headers });
    },
    raise(type, raiseOptions = {}) {
      const key = raiseOptions.key ?? `${type}:test:${++keys}`;
      const draft: AlertDraft = {
        type,
        key,
        severity: raiseOptions.severity ?? (type === 'sensor-silent' || type === 'low-battery' ? 'fault' : 'urgent'),
        at: raiseOptions.at ?? t.clock.now(),
        title: raiseOptions.title ?? `${type} for the test`,
        details: raiseOptions.details ?? {},
        ...(raiseOptions.deviceId === undefined ? {} : { deviceId: raiseOptions.deviceId }),
      };
      t.hub.alerts.commit({ raise: [draft], clear: [], doses: [] });
      const row = t.hub.store.alerts.byKey(key);
      if (row === undefined) throw new Error(`alert ${key} was not raised`);
      return row;
    },
    clear(key, reason, at = t.clock.now()) {
      t.hub.alerts.commit({ raise: [], clear: [{ key, at, reason }], doses: [] });
    },
    commit(readings) {
      return new Promise((resolve, reject) => {
        t.hub.commit.enqueue({ readings, receivedAt: t.clock.now(), done: (error) => (error ? reject(error) : resolve()) });
        t.hub.commit.flush();
      });
    },
  };
}

/** The test household with a garden door that is not an exit (its events are not an incident's). */
export function careHousehold(): Household {
  const household = testHousehold();
  household.person = {
    name: 'Margaret',
    description: "5'4\", grey coat, walks with a stick",
    likelyPlaces: ["St Mary's church", 'the bus stop on Mill Lane'],
    calming: ['Talk about her garden'],
    triggers: ['Loud noises'],
  };
  household.devices = [...(household.devices ?? []), { id: 'garden-door', name: 'Garden door', kind: 'door', source: 'native' }];
  return household;
}

export function door(deviceId: string, at: number, open: boolean): Reading {
  return { kind: 'door', deviceId, at, atFromDevice: false, open };
}

export function fix(deviceId: string, at: number, lat: number, lon: number): Reading {
  return { kind: 'position', deviceId, at, atFromDevice: false, lat, lon, accuracyM: 10 };
}
