import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import type { AlertActions, Responder } from '../alerts/alert-actions.js';
import type { Clock } from '../core/clock.js';
import { isHomewardError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Counter } from '../core/metrics.js';
import type { AlertRow } from '../store/alerts-repo.js';
import { ACKNOWLEDGE_TOPIC, COMMAND_RESULT_TOPIC, RESOLVE_TOPIC } from './home-assistant.js';

/**
 * Commands from integrations (DESIGN.md, "MQTT out"; issue 6, item 9): Home Assistant's "I'm on it"
 * button, a Node-RED flow or a script acknowledges or resolves alerts and incidents over MQTT.
 *
 *   homeward/commands/acknowledge  {"alert": ID} | {"alerts": "open"} | {"incident": ID}
 *   homeward/commands/resolve      {"alert": ID, "note": TEXT} | {"incident": ID, "note": TEXT}
 *
 * Each is recorded as made by the integration whose credential published it (the responder
 * `{ integration: id }`: the timeline and every member's view say "home-assistant is on it"), through
 * the same alert actions as the dashboard, so it is audited and announced like any acknowledgement.
 * The broker hands us the publish inside authorizePublish: a command is carried out (committed) before
 * its PUBACK. The hub answers every command on homeward/commands/result, not retained, with
 * `{command, ok, error?, detail?, ...what it acted on}` so a flow can see what happened.
 *
 * A bad command (not JSON, the wrong shape, an unknown id, a resolution without a note, an alert
 * already resolved) is refused with a coded answer, counted in homeward_commands_total{command,result,
 * reason} and logged once a minute per integration and reason; the client stays connected. Only
 * integrations reach this far: the broker's access policy keeps devices off homeward/commands/#.
 *
 * A QoS 1 command redelivered after a lost PUBACK is carried out again: a second acknowledgement is
 * recorded in the timeline only (alert-actions.ts), a second resolution is answered alert_resolved.
 */
export const COMMANDS_PREFIX = 'homeward/commands/';

const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9-]+$' });
const Note = Type.String({ maxLength: 2000 });

const AcknowledgeCommand = Type.Union([
  Type.Object({ alert: Id }, { additionalProperties: false }),
  Type.Object({ alerts: Type.Literal('open') }, { additionalProperties: false }),
  Type.Object({ incident: Id }, { additionalProperties: false }),
]);
const ResolveCommand = Type.Union([
  Type.Object({ alert: Id, note: Note }, { additionalProperties: false }),
  Type.Object({ incident: Id, note: Note }, { additionalProperties: false }),
]);

type Acknowledge = Static<typeof AcknowledgeCommand>;
type Resolve = Static<typeof ResolveCommand>;

/** What the hub answers on homeward/commands/result. */
export interface CommandResult {
  command: string;
  ok: boolean;
  /** A snake_case reason when refused: malformed, invalid, note_required, not_found, alert_resolved, incident_closed, unknown_command, failed. */
  error?: string;
  detail?: string;
  alert?: string;
  incident?: string;
  /** The alerts an "all open" acknowledgement acknowledged. */
  alerts?: string[];
  /** False when someone had acknowledged the alert first (this one is in its timeline). */
  first?: boolean;
}

export interface MqttCommandsDeps {
  actions: Pick<AlertActions, 'acknowledge' | 'resolve' | 'acknowledgeIncident' | 'resolveIncident'>;
  /** The open alerts (the hub's in-memory index). */
  openAlerts: () => AlertRow[];
  /** Publishes as the hub (broker.publish). */
  publish: (topic: string, payload: string, options: { retain: boolean }) => Promise<void>;
  commandsTotal: Counter;
  clock: Clock;
  log: Logger;
}

const LOG_EVERY_MS = 60_000;

class Refused extends Error {
  constructor(
    readonly reason: string,
    detail: string,
  ) {
    super(detail);
  }
}

export function createMqttCommands(deps: MqttCommandsDeps) {
  const { actions, commandsTotal, clock, log } = deps;
  const lastLogged = new Map<string, { at: number; suppressed: number }>();

  function parse(payload: Buffer): unknown {
    try {
      return JSON.parse(payload.toString('utf8')) as unknown;
    } catch {
      throw new Refused('malformed', 'the payload is not JSON');
    }
  }

  function acknowledge(command: Acknowledge, responder: Responder): Omit<CommandResult, 'command' | 'ok'> {
    if ('alert' in command) {
      const { first } = actions.acknowledge(command.alert, responder);
      return { alert: command.alert, first };
    }
    if ('incident' in command) {
      actions.acknowledgeIncident(command.incident, responder);
      return { incident: command.incident };
    }
    // Home Assistant's button: "I'm on it" for whatever is open and nobody has taken yet. Alerts someone
    // already took are left alone (a button cannot say who pressed it, so it adds nothing to their timeline).
    const acknowledged: string[] = [];
    for (const alert of deps.openAlerts()) {
      if (alert.acknowledgedAt !== null) continue;
      try {
        actions.acknowledge(alert.id, responder);
        acknowledged.push(alert.id);
      } catch (error) {
        // Resolved a moment ago by someone else: nothing to take on.
        if (!isHomewardError(error, 'HW_CONFLICT')) throw error;
      }
    }
    return { alerts: acknowledged };
  }

  function resolve(command: Resolve, responder: Responder): Omit<CommandResult, 'command' | 'ok'> {
    if ('alert' in command) {
      actions.resolve(command.alert, responder, command.note);
      return { alert: command.alert };
    }
    actions.resolveIncident(command.incident, responder, command.note);
    return { incident: command.incident };
  }

  function carryOut(command: 'acknowledge' | 'resolve', body: unknown, responder: Responder): Omit<CommandResult, 'command' | 'ok'> {
    if (command === 'acknowledge') {
      if (!Value.Check(AcknowledgeCommand, body)) throw new Refused('invalid', 'expected {"alert": ID}, {"alerts": "open"} or {"incident": ID}');
      return acknowledge(body, responder);
    }
    const target = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    if (('alert' in target || 'incident' in target) && typeof target.note !== 'string') throw new Refused('note_required', 'a resolution needs a short note');
    if (!Value.Check(ResolveCommand, body)) throw new Refused('invalid', 'expected {"alert": ID, "note": TEXT} or {"incident": ID, "note": TEXT}');
    return resolve(body, responder);
  }

  /** What was asked about, echoed in a refusal so a flow can match the answer to its command. */
  function targetOf(body: unknown): Pick<CommandResult, 'alert' | 'incident'> {
    if (typeof body !== 'object' || body === null) return {};
    const { alert, incident } = body as Record<string, unknown>;
    return { ...(typeof alert === 'string' && alert.length <= 64 ? { alert } : {}), ...(typeof incident === 'string' && incident.length <= 64 ? { incident } : {}) };
  }

  function refuse(integration: string, command: string, reason: string, detail: string): void {
    commandsTotal.inc({ command, result: 'refused', reason });
    const key = `${integration}\u0000${reason}`;
    const now = clock.now();
    const previous = lastLogged.get(key);
    if (previous === undefined || now - previous.at >= LOG_EVERY_MS) {
      log.warn({ integration, command, reason, detail, suppressed: previous?.suppressed ?? 0 }, `refused ${command} command from ${integration}: ${detail}`);
      lastLogged.set(key, { at: now, suppressed: 0 });
    } else {
      previous.suppressed++;
    }
  }

  function answer(result: CommandResult): void {
    deps.publish(COMMAND_RESULT_TOPIC, JSON.stringify(result), { retain: false }).catch((error: unknown) => log.error({ err: error }, 'could not publish a command result'));
  }

  return {
    /** The broker's integration-publish handler: never throws; every command gets one answer. */
    handle(integration: string, topic: string, payload: Buffer): void {
      const command = topic === ACKNOWLEDGE_TOPIC ? 'acknowledge' : topic === RESOLVE_TOPIC ? 'resolve' : undefined;
      // An unknown command is named "unknown" in the metric: topic names must not grow its label set.
      const label = command ?? 'unknown';
      const name = (topic.startsWith(COMMANDS_PREFIX) ? topic.slice(COMMANDS_PREFIX.length) : topic).slice(0, 64);
      let body: unknown;
      try {
        if (command === undefined) throw new Refused('unknown_command', `no command "${name}": use acknowledge or resolve`);
        body = parse(payload);
        const done = carryOut(command, body, { integration });
        commandsTotal.inc({ command: label, result: 'ok' });
        log.info({ integration, command, ...done }, `${command} by ${integration}`);
        answer({ command: label, ok: true, ...done });
      } catch (error) {
        let reason: string;
        let detail: string;
        if (error instanceof Refused) {
          reason = error.reason;
          detail = error.message;
        } else if (isHomewardError(error) && error.code !== 'HW_STORE') {
          // The alert actions' own refusals: not_found, alert_resolved, incident_closed, note_required.
          const reply = (error.details as { reply?: unknown } | undefined)?.reply;
          reason = typeof reply === 'string' ? reply : 'invalid';
          detail = error.message;
        } else {
          reason = 'failed';
          detail = 'the hub could not carry out the command';
          log.error({ err: error, integration, topic }, 'command failed');
        }
        refuse(integration, label, reason, detail);
        answer({ command: command ?? name, ok: false, error: reason, detail, ...targetOf(body) });
      }
    },
  };
}

export type MqttCommands = ReturnType<typeof createMqttCommands>;
