import { setTimeout as delay } from 'node:timers/promises';
import { deviceSources } from '../../devices/registry.js';
import { OSMAND_HTTP_PATH } from '../../devices/traccar/source.js';
import { systemClock, type Clock } from '../core/clock.js';
import type { DeviceHealthInput, SimulatedMessage, SourceSimulator } from '../core/device-source.js';
import { HomewardError } from '../core/errors.js';
import type { Household, HouseholdBridge, HouseholdDevice } from '../core/household.js';
import type { DeviceCredential } from '../household/credentials.js';
import { outsideZonesByM, placeFix, positionFrame, type LatLon, type PositionFrame } from './positions.js';
import { durationS, findScenario, rolesOf, scenarioNames, type Dose, type FixSpec, type Role, type Scenario, type ScenarioStep } from './scenarios.js';
import { createSenders } from './senders.js';

/**
 * Plays a scenario (scenarios.ts) against a running hub: each step becomes the real messages of the
 * household device playing its role, built by that device's source simulator (devices/registry.ts) and
 * sent over MQTT or HTTP with the credential the real device would use (a bridged device's bridge's).
 *
 * Time: steps are paced at `speed` simulated seconds per real second, and each message is stamped with
 * the real time it is sent (the injected clock) — the hub drops fixes more than 5 minutes in its future,
 * and judges time of day on its own clock, which a scenario cannot set (see scenarios.ts).
 * As fast as possible (speed 0 or Infinity) there is no real time to pace by, so the scenario's timeline
 * is laid out to end at the moment the run starts: the stamps keep the simulated spacing (the hub's GPS
 * checks see a walk, not a teleport, and no two readings of a device share a key) and none is in the future.
 */

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface RunScenarioOptions {
  household: Household;
  /** The MQTT / HTTP credential of a device or bridge, by id. */
  credentialOf(id: string): DeviceCredential;
  scenario: string | Scenario;
  mqttUrl?: string;
  httpUrl?: string;
  /** Simulated seconds per real second; default 60. 0 or Infinity: as fast as possible. */
  speed?: number;
  clock?: Clock;
  sleep?: Sleep;
  signal?: AbortSignal;
  /** Play a role with this device id instead of the household's first fitting device. */
  devices?: Partial<Record<Role, string>>;
  /** Bound on connecting, on each acknowledgement and each HTTP answer; default 10 s. */
  timeoutMs?: number;
  /** Called after each step's messages have been acknowledged. */
  onStep?(step: StepRecord): void;
}

export interface SentMessage {
  transport: 'mqtt' | 'http';
  /** MQTT topic, or HTTP method and path. */
  target: string;
}

export interface StepRecord {
  index: number;
  atS: number;
  role: Role;
  deviceId: string;
  /** What happened, in words ("door open", "fix 50 m beyond the home zone (±10 m)"). */
  action: string;
  /** The time the messages carry (Unix ms). */
  at: number;
  messages: SentMessage[];
  /** For fixes: metres outside every zone (negative: inside one), when the household has zones. */
  outsideZonesByM?: number;
  /** Why a step sent nothing, e.g. a source with no offline message. */
  note?: string;
}

export interface ScenarioSummary {
  scenario: string;
  speed: number;
  startedAt: string;
  finishedAt: string;
  devices: Partial<Record<Role, string>>;
  steps: StepRecord[];
  sent: { mqtt: number; http: number };
}

const DEFAULT_SPEED = 60;
const roleWords: Record<Role, string> = { exitDoor: 'an exit door ("kind": "door", "exit": true)', tracker: 'a tracker ("kind": "tracker")', pillbox: 'a pill box ("kind": "pillbox")' };

const defaultSleep: Sleep = (ms, signal) => delay(ms, undefined, signal ? { signal } : {});

function fits(role: Role, device: HouseholdDevice): boolean {
  if (role === 'exitDoor') return device.kind === 'door' && device.exit === true;
  return device.kind === role;
}

interface Player {
  role: Role;
  device: HouseholdDevice;
  bridge: HouseholdBridge | undefined;
  credential: DeviceCredential;
  simulator: SourceSimulator;
  battery?: number;
  doorOpen?: boolean;
  lastFix?: LatLon & { accuracyM: number };
  lastCompartment?: number;
}

function requiredMethod(role: Role): keyof SourceSimulator {
  return role === 'exitDoor' ? 'door' : role === 'tracker' ? 'position' : 'pillbox';
}

function castPlayers(options: RunScenarioOptions, scenario: Scenario): Map<Role, Player> {
  const devices = options.household.devices ?? [];
  const players = new Map<Role, Player>();
  for (const role of rolesOf(scenario)) {
    const chosen = options.devices?.[role];
    const device = chosen === undefined ? devices.find((d) => fits(role, d)) : devices.find((d) => d.id === chosen);
    if (device === undefined) {
      throw new HomewardError(
        'HW_NOT_FOUND',
        chosen === undefined
          ? `scenario "${scenario.name}" needs ${roleWords[role]}, and the household has none`
          : `scenario "${scenario.name}": no device "${chosen}" in the household`,
      );
    }
    if (!fits(role, device)) throw new HomewardError('HW_USAGE', `device "${device.id}" cannot play ${roleWords[role]}`);
    const simulator = deviceSources.get(device.source)?.simulator;
    if (simulator?.[requiredMethod(role)] === undefined) {
      throw new HomewardError('HW_USAGE', `device "${device.id}": the ${device.source} source has no simulator for a ${device.kind}`);
    }
    const bridge = device.bridge === undefined ? undefined : options.household.bridges?.find((b) => b.id === device.bridge);
    if (device.bridge !== undefined && bridge === undefined) throw new HomewardError('HW_NOT_FOUND', `device "${device.id}": no bridge "${device.bridge}" in the household`);
    const credential = options.credentialOf(bridge?.id ?? device.id);
    players.set(role, { role, device, bridge, credential, simulator });
  }
  return players;
}

/** The compartment of the morning (earliest) or evening (latest) dose in the household's medication list. */
export function doseCompartment(household: Household, pillbox: HouseholdDevice, dose: Dose): number {
  const medication = [...(household.rules?.medication ?? [])].sort((a, b) => a.at.localeCompare(b.at));
  const chosen = dose === 'morning' ? medication[0] : medication.length > 1 ? medication[medication.length - 1] : undefined;
  if (chosen !== undefined) return chosen.compartment ?? 0;
  const compartments = pillbox.compartments ?? 1;
  if (compartments < 2) return 0;
  if (dose === 'morning') return 1;
  // Any compartment other than the morning dose's, so an evening opening never counts as a second morning one.
  const morning = medication[0]?.compartment ?? 1;
  return morning === 1 ? 2 : 1;
}

/** OsmAnd trackers that can send only an identifier send their secret: the simulated one does the same. */
function withOsmAndSecret(message: SimulatedMessage, device: HouseholdDevice, secret: string): SimulatedMessage {
  if (message.transport !== 'http' || message.path !== OSMAND_HTTP_PATH) return message;
  const result = { ...message };
  if (result.query !== undefined) {
    result.query = { ...result.query };
    for (const name of ['id', 'deviceid']) if (name in result.query) result.query[name] = secret;
  }
  if (typeof result.body === 'object' && result.body !== null && !Array.isArray(result.body)) {
    const body: Record<string, unknown> = { ...(result.body as Record<string, unknown>) };
    if ('device_id' in body) body.device_id = secret;
    const location = body.location as Record<string, unknown> | undefined;
    // Traccar Client's `_` is a copy of its request in query form; keep it telling the same story.
    if (typeof location?._ === 'string') body.location = { ...location, _: location._.replace(`&id=${device.id}&`, `&id=${secret}&`) };
    result.body = body;
  }
  return result;
}

function describeFix(frame: PositionFrame, fix: FixSpec): string {
  const accuracyM = fix.accuracyM;
  if ('northM' in fix) return `fix ${Math.round(Math.hypot(fix.northM, fix.eastM))} m from home (±${accuracyM} m)`;
  return `fix ${fix.beyondZoneM} m beyond the ${frame.homeZone?.name ?? 'home'} zone (±${accuracyM} m)`;
}

/** The messages for one step, with what it did in words; updates the player's remembered state. */
function stepMessages(
  step: ScenarioStep,
  player: Player,
  household: Household,
  frame: () => PositionFrame,
  at: number,
): { messages: SimulatedMessage[]; action: string; point?: LatLon; note?: string } {
  const { device, bridge, simulator } = player;
  if (step.battery !== undefined) player.battery = step.battery;
  const action = step.action;
  if ('battery' in action) player.battery = action.battery;
  const health: DeviceHealthInput | undefined = player.battery === undefined ? undefined : { battery: player.battery };
  const batteryWords = player.battery === undefined ? '' : `, battery ${player.battery} %`;

  if ('offline' in action) {
    const messages = simulator.availability?.(device, bridge, false, at) ?? [];
    return {
      messages,
      action: 'goes offline',
      ...(messages.length === 0 ? { note: `the ${device.source} source sends nothing when it goes offline here; the hub notices only when its heartbeat passes` } : {}),
    };
  }

  // A battery report rides on the device's usual state message, as real sensors send it.
  if ('door' in action || (player.role === 'exitDoor' && 'battery' in action)) {
    const open = 'door' in action ? action.door === 'open' : (player.doorOpen ?? false);
    player.doorOpen = open;
    return { messages: simulator.door!(device, bridge, open, at, health), action: `${'door' in action ? `door ${action.door}` : `battery report (door ${open ? 'open' : 'closed'})`}${batteryWords}` };
  }
  if ('fix' in action || (player.role === 'tracker' && 'battery' in action)) {
    let point: LatLon & { accuracyM: number };
    if ('fix' in action) point = { ...placeFix(frame(), action.fix), accuracyM: action.fix.accuracyM };
    else point = player.lastFix ?? { ...frame().home, accuracyM: 20 };
    player.lastFix = point;
    const words = 'fix' in action ? describeFix(frame(), action.fix) : 'battery report at the last position';
    return { messages: simulator.position!(device, bridge, point, at, health), action: `${words}${batteryWords}`, point };
  }
  if ('pillbox' in action) {
    const compartment = doseCompartment(household, device, action.pillbox.dose);
    player.lastCompartment = compartment;
    return {
      messages: simulator.pillbox!(device, bridge, compartment, action.pillbox.open, at, health),
      action: `${action.pillbox.dose} dose (compartment ${compartment}) ${action.pillbox.open ? 'opened' : 'closed'}${batteryWords}`,
    };
  }
  // A pill box's battery report: its lids, all closed.
  return { messages: simulator.pillbox!(device, bridge, player.lastCompartment ?? 0, false, at, health), action: `battery report (lid closed)${batteryWords}` };
}

export async function runScenario(options: RunScenarioOptions): Promise<ScenarioSummary> {
  const scenario = typeof options.scenario === 'string' ? findScenario(options.scenario) : options.scenario;
  if (scenario === undefined) {
    throw new HomewardError('HW_USAGE', `unknown scenario "${String(options.scenario)}"; known: ${scenarioNames.join(', ')}`);
  }
  const speed = options.speed ?? DEFAULT_SPEED;
  if (Number.isNaN(speed) || speed < 0 || (speed > 0 && speed < 1)) {
    throw new HomewardError('HW_USAGE', `speed must be at least 1 (simulated seconds per real second), or 0 for as fast as possible; got ${speed}`);
  }
  const fastest = speed === 0 || speed === Infinity;
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? defaultSleep;
  const timeoutMs = options.timeoutMs ?? 10_000;

  const players = castPlayers(options, scenario);
  let frameCache: PositionFrame | undefined;
  // Only scenarios with fixes need the home's position.
  const frame = () => (frameCache ??= positionFrame(options.household));
  if (players.has('tracker')) frame();

  const senders = createSenders({ timeoutMs, ...(options.mqttUrl !== undefined ? { mqttUrl: options.mqttUrl } : {}), ...(options.httpUrl !== undefined ? { httpUrl: options.httpUrl } : {}) });
  const steps = [...scenario.steps].sort((a, b) => a.atS - b.atS);
  const lastS = durationS(scenario);
  const start = clock.now();
  const records: StepRecord[] = [];
  let failed = true;
  try {
    for (const [index, step] of steps.entries()) {
      options.signal?.throwIfAborted();
      let at: number;
      if (fastest) at = start - (lastS - step.atS) * 1000;
      else {
        const wait = start + (step.atS * 1000) / speed - clock.now();
        if (wait > 0) await sleep(wait, options.signal);
        options.signal?.throwIfAborted();
        at = clock.now();
      }
      const player = players.get(step.role)!;
      const built = stepMessages(step, player, options.household, frame, at);
      const sent: SentMessage[] = [];
      for (const raw of built.messages) {
        const message = withOsmAndSecret(raw, player.device, player.credential.password);
        await senders.send(player.credential, message);
        sent.push({ transport: message.transport, target: message.transport === 'mqtt' ? message.topic : `${message.method} ${message.path}` });
      }
      const outside = built.point === undefined ? undefined : outsideZonesByM(frame(), built.point);
      const record: StepRecord = {
        index,
        atS: step.atS,
        role: step.role,
        deviceId: player.device.id,
        action: built.action,
        at,
        messages: sent,
        ...(outside !== undefined ? { outsideZonesByM: Math.round(outside) } : {}),
        ...(built.note !== undefined ? { note: built.note } : {}),
      };
      records.push(record);
      options.onStep?.(record);
    }
    failed = false;
  } finally {
    // After an abort between steps nothing is in flight: say goodbye properly. After a failure, do not wait.
    await senders.close({ force: failed && options.signal?.aborted !== true });
  }
  return {
    scenario: scenario.name,
    speed: fastest ? 0 : speed,
    startedAt: new Date(start).toISOString(),
    finishedAt: new Date(clock.now()).toISOString(),
    devices: Object.fromEntries([...players].map(([role, player]) => [role, player.device.id])),
    steps: records,
    sent: { ...senders.sent },
  };
}
