import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import type { AlertDraft } from '../../src/core/alerts.js';
import type { AlertRow } from '../../src/store/alerts-repo.js';
import { COMMAND_RESULT_TOPIC } from '../../src/integrations/home-assistant.js';
import type { CommandResult } from '../../src/integrations/mqtt-commands.js';
import { connectClient, stillConnected } from '../support/mqtt-clients.js';
import { recordingLogger } from '../support/recording-logger.js';
import { startTestHub, type TestHub } from '../support/test-hub.js';
import { watch, type Watcher } from './mqtt-watch.js';

const run = promisify(execFile);

/**
 * Commands from integrations (issue 6, item 9) through the real broker: a real mqtt.js client and
 * Debian's mosquitto_pub, logged in with the household's integration credential, acknowledge and
 * resolve alerts and incidents; bad commands are refused with a coded answer on homeward/commands/result.
 *
 * A command makes the hub publish the changed alert (retained) and then its answer (not retained) in
 * one turn: the very pattern aedes drops a message on (DESIGN.md "Pitfalls", upstream #994, #955;
 * see broker.ts, neverDuplicate). The first test fails if the changed alert does not arrive.
 */
type LoggedHub = TestHub & { lines: Array<{ level: string; msg: string }> };

/** The test hub, with every log line kept (to see that refusals are logged once, not once each). */
async function startLoggedHub(): Promise<LoggedHub> {
  const lines: LoggedHub['lines'] = [];
  const t = await startTestHub({ config: (config) => (config.log.level = 'debug'), log: recordingLogger((level, msg) => lines.push({ level, msg: msg ?? '' })) });
  return Object.assign(t, { lines });
}

let raised = 0;
function raise(t: LoggedHub, type: AlertDraft['type'] = 'night-exit', at = Date.now()): AlertRow {
  const key = `${type}:commands:${++raised}`;
  t.hub.alerts.commit({ raise: [{ type, key, severity: 'urgent', deviceId: 'front-door', at, title: `${type} ${raised}`, details: {} }], clear: [], doses: [] });
  return t.hub.store.alerts.byKey(key)!;
}

describe('commands from integrations over MQTT', () => {
  let t: LoggedHub;
  let ha: MqttClient;
  let results: Watcher;

  beforeAll(async () => {
    t = await startLoggedHub();
    ha = await connectClient(t.mqttUrl, { ...t.credential('home-assistant'), clientId: 'home-assistant' });
    results = await watch(t, [COMMAND_RESULT_TOPIC, 'homeward/alerts/#'], { clientId: 'node-red' });
  });
  afterAll(async () => {
    await ha.endAsync();
    await results.end();
    await t.stop();
  });
  beforeEach(() => {
    // Each test starts with nothing open: earlier tests' alerts are resolved by the hub itself.
    for (const alert of t.hub.alerts.openAlerts()) t.hub.alerts.commit({ raise: [], clear: [{ key: alert.key, at: Date.now(), reason: 'test over' }], doses: [] });
  });

  /** Publishes a command (QoS 1: resolves on the PUBACK) and waits for the hub's answer to it. */
  async function command(topic: string, payload: string, client: MqttClient = ha): Promise<CommandResult> {
    const before = results.messages.filter((m) => m.topic === COMMAND_RESULT_TOPIC).length;
    await client.publishAsync(topic, payload, { qos: 1 });
    const answers = () => results.messages.filter((m) => m.topic === COMMAND_RESULT_TOPIC);
    expect(await results.until(() => answers().length > before)).toBe(true);
    return JSON.parse(answers()[before]!.payload) as CommandResult;
  }

  function counted(command: string, result: string, reason?: string): number {
    const labels = reason === undefined ? `command="${command}",result="${result}"` : `command="${command}",reason="${reason}",result="${result}"`;
    const match = t.hub.metrics.render().match(new RegExp(`homeward_commands_total\\{${labels}\\} (\\d+)`));
    return match ? Number(match[1]) : 0;
  }

  it('acknowledges an alert before the PUBACK, recorded as the integration, and answers on homeward/commands/result', async () => {
    const alert = raise(t);
    const okBefore = counted('acknowledge', 'ok');
    await ha.publishAsync('homeward/commands/acknowledge', JSON.stringify({ alert: alert.id }), { qos: 1 });
    // The PUBACK has arrived: the acknowledgement is already committed.
    expect(t.hub.store.alerts.byId(alert.id)).toMatchObject({ acknowledgedBy: null, acknowledgedAt: expect.any(Number) });
    const event = t.hub.store.alertEvents.firstOf(alert.id, 'acknowledged');
    expect(event?.details).toMatchObject({ integration: 'home-assistant', first: true });
    expect(t.hub.store.audit.recent(5).find((e) => e.action === 'alert.acknowledged' && e.target === `alert:${alert.id}`)).toBeDefined();

    const answer = () => results.messages.find((m) => m.topic === COMMAND_RESULT_TOPIC && m.payload.includes(alert.id));
    expect(await results.until(() => answer() !== undefined)).toBe(true);
    expect(JSON.parse(answer()!.payload)).toEqual({ command: 'acknowledge', ok: true, alert: alert.id, first: true });
    expect(answer()!.retain).toBe(false);
    // Everyone sees who is on it: the alert as published names the integration.
    const published = () => results.json<{ acknowledgedBy: unknown }>(`homeward/alerts/${alert.id}`);
    expect(await results.until(() => published()?.acknowledgedBy !== null)).toBe(true);
    expect(published()?.acknowledgedBy).toEqual({ id: null, name: 'home-assistant' });
    expect(counted('acknowledge', 'ok')).toBe(okBefore + 1);
  });

  it("the Home Assistant button (its discovered command) acknowledges every open alert nobody has taken", async () => {
    const discovery = await watch(t, ['homeassistant/button/#']);
    expect(await discovery.until(() => discovery.messages.length > 0)).toBe(true);
    const button = JSON.parse(discovery.messages[0]!.payload) as { command_topic: string; payload_press: string };
    await discovery.end();

    const anna = await t.hub.home.accounts.create({ email: 'anna@example.org', name: 'Anna', role: 'family', password: 'kettle on the windowsill 7' });
    const [first, second, third] = [raise(t), raise(t, 'missed-dose'), raise(t, 'low-battery')];
    t.hub.api.care.actions.acknowledge(first!.id, { userId: anna.id });

    const result = await command(button.command_topic, button.payload_press);
    expect(result).toMatchObject({ command: 'acknowledge', ok: true });
    expect(new Set(result.alerts)).toEqual(new Set([second!.id, third!.id]));
    expect(t.hub.alerts.json(t.hub.store.alerts.byId(first!.id)!).acknowledgedBy).toEqual({ id: anna.id, name: 'Anna' });
    // Anna's alert got no second acknowledgement from a button that cannot say who pressed it.
    expect(t.hub.store.alertEvents.forAlert(first!.id).filter((e) => e.kind === 'acknowledged')).toHaveLength(1);
    for (const alert of [second!, third!]) expect(t.hub.alerts.json(t.hub.store.alerts.byId(alert.id)!).acknowledgedBy).toEqual({ id: null, name: 'home-assistant' });
    // Pressed again with everything taken: nothing to do, and that is no error.
    expect(await command(button.command_topic, button.payload_press)).toEqual({ command: 'acknowledge', ok: true, alerts: [] });
  });

  it('acknowledges an incident, resolves an alert and an incident with a note', async () => {
    const base = Date.now();
    const door = raise(t, 'night-exit', base);
    const zone = raise(t, 'left-safe-zone', base + 1000);
    const incidentId = door.incidentId!;
    expect(zone.incidentId).toBe(incidentId);

    expect(await command('homeward/commands/acknowledge', JSON.stringify({ incident: incidentId }))).toEqual({ command: 'acknowledge', ok: true, incident: incidentId });
    expect(t.hub.store.incidents.byId(incidentId)?.acknowledgedAt).not.toBeNull();
    expect(t.hub.store.alerts.inIncident(incidentId).every((a) => a.acknowledgedAt !== null)).toBe(true);

    expect(await command('homeward/commands/resolve', JSON.stringify({ alert: door.id, note: 'door closed, she is in bed' }))).toEqual({ command: 'resolve', ok: true, alert: door.id });
    expect(t.hub.store.alerts.byId(door.id)).toMatchObject({ status: 'resolved', resolution: 'door closed, she is in bed', resolvedBy: null });
    expect(t.hub.store.alertEvents.firstOf(door.id, 'resolved')?.details).toMatchObject({ integration: 'home-assistant', note: 'door closed, she is in bed' });

    expect(await command('homeward/commands/resolve', JSON.stringify({ incident: incidentId, note: 'found her at the church, home safe' }))).toEqual({ command: 'resolve', ok: true, incident: incidentId });
    expect(t.hub.store.incidents.byId(incidentId)).toMatchObject({ status: 'closed', resolution: 'found her at the church, home safe' });
    expect(t.hub.store.alerts.byId(zone.id)?.status).toBe('resolved');
  });

  it('refuses each bad command with a coded answer, changes nothing, counts it, logs it once a minute, and keeps the client connected', async () => {
    const alert = raise(t);
    const over = raise(t);
    t.hub.api.care.actions.resolve(over.id, { integration: 'home-assistant' }, 'done');
    const closed = raise(t, 'night-exit', Date.now() + 2 * 3_600_000);
    t.hub.api.care.actions.resolveIncident(closed.incidentId!, { integration: 'home-assistant' }, 'done');

    const cases: Array<[string, string, string, string]> = [
      ['acknowledge', 'not json', 'malformed', 'acknowledge'],
      ['acknowledge', JSON.stringify({ alert: 5 }), 'invalid', 'acknowledge'],
      ['acknowledge', JSON.stringify({ alert: alert.id, incident: alert.incidentId }), 'invalid', 'acknowledge'],
      ['acknowledge', JSON.stringify({ alerts: 'all' }), 'invalid', 'acknowledge'],
      ['acknowledge', JSON.stringify({ alert: 'no-such-alert' }), 'not_found', 'acknowledge'],
      ['acknowledge', JSON.stringify({ incident: 'no-such-incident' }), 'not_found', 'acknowledge'],
      ['acknowledge', JSON.stringify({ alert: over.id }), 'alert_resolved', 'acknowledge'],
      ['acknowledge', JSON.stringify({ incident: closed.incidentId }), 'incident_closed', 'acknowledge'],
      ['resolve', JSON.stringify({ alert: alert.id }), 'note_required', 'resolve'],
      ['resolve', JSON.stringify({ alert: alert.id, note: '   ' }), 'note_required', 'resolve'],
      ['resolve', JSON.stringify({ alert: alert.id, note: 'x'.repeat(501) }), 'note_required', 'resolve'],
      ['resolve', JSON.stringify({ alerts: 'open', note: 'all fine' }), 'invalid', 'resolve'],
      ['resolve', JSON.stringify([alert.id]), 'invalid', 'resolve'],
      ['resolve', JSON.stringify({ alert: over.id, note: 'again' }), 'alert_resolved', 'resolve'],
      ['silence', '{}', 'unknown_command', 'unknown'],
      ['acknowledge/now', '{}', 'unknown_command', 'unknown'],
    ];
    for (const [name, payload, error, label] of cases) {
      const before = counted(label, 'refused', error);
      const result = await command(`homeward/commands/${name}`, payload);
      expect(result, `${name} ${payload}`).toMatchObject({ command: name, ok: false, error });
      expect(result.detail, `${name} ${payload}`).toEqual(expect.any(String));
      expect(counted(label, 'refused', error), `${name} ${payload}`).toBe(before + 1);
    }
    expect(t.hub.store.alerts.byId(alert.id)).toMatchObject({ status: 'open', acknowledgedAt: null });
    expect(t.hub.store.alertEvents.forAlert(alert.id).filter((e) => e.kind === 'acknowledged' || e.kind === 'resolved')).toEqual([]);
    expect(await stillConnected(ha)).toBe(true);

    // Five more of one kind in the same minute: counted each, logged once.
    const logged = () => t.lines.filter((l) => l.level === 'warn' && l.msg.includes('refused acknowledge command') && l.msg.includes('not JSON')).length;
    expect(logged()).toBe(1);
    for (let i = 0; i < 5; i++) await command('homeward/commands/acknowledge', '{');
    expect(logged()).toBe(1);
    expect(counted('acknowledge', 'refused', 'malformed')).toBe(6);
    expect(await stillConnected(ha)).toBe(true);
  });

  it('a device may not publish commands: refused, not carried out, not relayed, and the device stays connected', async () => {
    const alert = raise(t);
    const door = await connectClient(t.mqttUrl, { ...t.credential('front-door'), clientId: 'front-door-commands' });
    const refusedBefore = Number(t.hub.metrics.render().match(/homeward_readings_total\{reason="not_allowed",result="refused"\} (\d+)/)?.[1] ?? 0);
    const seen = results.messages.length;
    await door.publishAsync('homeward/commands/acknowledge', JSON.stringify({ alert: alert.id }), { qos: 1 });
    expect(t.hub.store.alerts.byId(alert.id)?.acknowledgedAt).toBeNull();
    expect(t.hub.metrics.render()).toContain(`homeward_readings_total{reason="not_allowed",result="refused"} ${refusedBefore + 1}`);
    // The next answer is to the integration's own command: the device's got none.
    await command('homeward/commands/silence', '{}');
    expect(results.messages.slice(seen).filter((m) => m.topic === COMMAND_RESULT_TOPIC).map((m) => JSON.parse(m.payload) as CommandResult)).toEqual([
      expect.objectContaining({ command: 'silence', error: 'unknown_command' }),
    ]);
    expect(await stillConnected(door)).toBe(true);
    await door.endAsync();
  });

  it('an integration may not answer for the hub on homeward/commands/result', async () => {
    const seen = results.messages.length;
    await ha.publishAsync(COMMAND_RESULT_TOPIC, JSON.stringify({ command: 'acknowledge', ok: true, alert: 'forged' }), { qos: 1 });
    await command('homeward/commands/silence', '{}');
    const answers = results.messages.slice(seen).filter((m) => m.topic === COMMAND_RESULT_TOPIC);
    expect(answers.map((m) => m.payload)).not.toContainEqual(expect.stringContaining('forged'));
    expect(answers).toHaveLength(1);
    expect(await stillConnected(ha)).toBe(true);
  });

  it("Debian's mosquitto_pub acknowledges with the integration's credential; mosquitto_sub reads the alert as published", async () => {
    const alert = raise(t);
    const { username, password } = t.credential('home-assistant');
    const broker = ['-h', '127.0.0.1', '-p', String(t.mqttPort), '-u', username, '-P', password];
    await run('mosquitto_pub', [...broker, '-i', 'mosquitto-pub-ha', '-q', '1', '-t', 'homeward/commands/acknowledge', '-m', JSON.stringify({ alert: alert.id })]);
    // mosquitto_pub has exited after its PUBACK: the acknowledgement is committed.
    expect(t.hub.store.alerts.byId(alert.id)?.acknowledgedAt).not.toBeNull();
    // A later subscriber gets the retained alert, acknowledged by the integration.
    const { stdout } = await run('mosquitto_sub', [...broker, '-i', 'mosquitto-sub-ha', '-q', '1', '-C', '1', '-W', '10', '-t', `homeward/alerts/${alert.id}`]);
    expect(JSON.parse(stdout)).toMatchObject({ id: alert.id, acknowledgedBy: { id: null, name: 'home-assistant' } });
    const answer = () => results.messages.find((m) => m.topic === COMMAND_RESULT_TOPIC && m.payload.includes(alert.id));
    expect(await results.until(() => answer() !== undefined)).toBe(true);
    expect(JSON.parse(answer()!.payload)).toMatchObject({ command: 'acknowledge', ok: true });

    const bad = await run('mosquitto_pub', [...broker, '-i', 'mosquitto-pub-bad', '-q', '1', '-t', 'homeward/commands/resolve', '-m', JSON.stringify({ alert: alert.id })]).then(
      () => 0,
      (error: { code: number }) => error.code,
    );
    expect(bad).toBe(0); // a refused command is still acknowledged at the MQTT level: the refusal is in the answer
    expect(t.hub.store.alerts.byId(alert.id)?.status).toBe('open');
  });
});
