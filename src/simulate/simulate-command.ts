import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { HomewardError, isHomewardError } from '../core/errors.js';
import type { Household } from '../core/household.js';
import type { DeviceCredential } from '../household/credentials.js';
import { openHome } from '../home.js';
import { runScenario, type ScenarioSummary, type StepRecord } from './run-scenario.js';
import { findScenario, scenarios, type Role } from './scenarios.js';

/**
 * `homeward simulate SCENARIO`: plays a scenario against a RUNNING hub, as its real devices would.
 * The household and the device credentials come from the data directory (the hub need not be asked);
 * the messages go to the hub's MQTT and HTTP ports like any device's.
 */

interface Output {
  out(text: string): void;
  err(text: string): void;
}

const width = Math.max(...scenarios.map((s) => s.name.length));
const scenarioList = scenarios.map((s) => `  ${s.name.padEnd(width)}  from ${s.startAt}  ${s.summary}`).join('\n');

export const simulateUsage = `Usage: homeward simulate SCENARIO [--speed N] [--mqtt URL] [--http URL] [--json] [--data-dir DIR]
                         [--door ID] [--tracker ID] [--pillbox ID]

Plays SCENARIO against the running hub: the household's first exit door, first tracker and first pill
box send what they would, in their real formats (MQTT, or HTTP for OwnTracks HTTP mode and Traccar
Client), each with its own credential (a bridged device with its bridge's).

Scenarios:
${scenarioList}

Options:
  --speed N      simulated seconds per real second (default 60: a minute a second); 0 = as fast as possible
  --mqtt URL     the hub's MQTT (default mqtt://127.0.0.1:<mqtt port of the config>)
  --http URL     the hub's HTTP (default http://127.0.0.1:<http port of the config>)
  --door ID, --tracker ID, --pillbox ID   play a role with this device instead of the first that fits
  --json         print a summary of what was sent as JSON when done
  --data-dir DIR, --config FILE           where the household and credentials are (as for the hub)

Time: a scenario cannot set the hub's clock. Messages carry the real time they are sent, and the rules
judge time of day and deadlines on the hub's clock. Each scenario is written to start at the time of
day shown above: to see its rule fire, run the hub under faketime from that time at the same rate,
e.g. FAKETIME="@2026-03-02 01:55:00 x60" for night-exit-leaves-zone with --speed 60. With --speed 0
the scenario's timeline is laid out to end as the run starts, spaced as simulated, never in the future.
Paced without faketime, a walk reaches the hub at N× walking pace: up to about 80× its 300 km/h
plausibility check keeps every fix; faster, it drops some as implausible.
Exit codes: 0 sent, 1 the hub could not be reached or refused a message, 2 bad usage or unknown
scenario, 3 the household lacks a device the scenario needs.`;

function parseSpeed(text: string | undefined): number {
  if (text === undefined) return 60;
  if (/^(max|fastest|inf(inity)?)$/i.test(text)) return 0;
  const speed = Number(text);
  if (text.trim() === '' || Number.isNaN(speed) || speed < 0 || (speed > 0 && speed < 1)) {
    throw new HomewardError('HW_USAGE', `--speed must be a number of at least 1, or 0 for as fast as possible; got "${text}"`);
  }
  return speed;
}

function clockTime(startAt: string, atS: number): string {
  const [h = 0, m = 0] = startAt.split(':').map(Number);
  const total = (h * 3600 + m * 60 + atS) % 86_400;
  const pad = (n: number) => String(Math.floor(n)).padStart(2, '0');
  return `${pad(total / 3600)}:${pad((total % 3600) / 60)}:${pad(total % 60)}`;
}

function stepLine(startAt: string, step: StepRecord): string {
  const targets = step.messages.map((m) => m.target).join(', ');
  const sent = step.messages.length === 0 ? `(nothing sent: ${step.note ?? 'no message'})` : `→ ${targets}`;
  return `${clockTime(startAt, step.atS)}  ${step.role.padEnd(8)} ${step.deviceId.padEnd(16)} ${step.action}  ${sent}`;
}

export async function runSimulateCommand(argv: string[], env: NodeJS.ProcessEnv, io: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      speed: { type: 'string' },
      mqtt: { type: 'string' },
      http: { type: 'string' },
      door: { type: 'string' },
      tracker: { type: 'string' },
      pillbox: { type: 'string' },
      json: { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    io.out(simulateUsage);
    return 0;
  }
  const name = positionals[0];
  const scenario = name === undefined ? undefined : findScenario(name);
  if (scenario === undefined || positionals.length > 1) {
    const problem = name === undefined ? 'simulate needs a SCENARIO' : scenario === undefined ? `unknown scenario "${name}"` : `one SCENARIO at a time, not "${positionals.join(' ')}"`;
    io.err(`homeward: ${problem}. Scenarios:\n${scenarioList}`);
    return 2;
  }
  const speed = parseSpeed(values.speed);
  const config = loadConfig({
    env,
    ...(values.config !== undefined ? { file: values.config } : {}),
    ...(values['data-dir'] !== undefined ? { overrides: { dataDir: values['data-dir'] } } : {}),
  });

  // Read what the run needs and close the database at once: the run may last minutes, the hub owns the file.
  const home = openHome(config);
  let household: Household;
  const credentials = new Map<string, DeviceCredential>();
  try {
    household = home.household.export();
    for (const id of [...(household.devices ?? []).map((d) => d.id), ...(household.bridges ?? []).map((b) => b.id)]) {
      const credential = home.credentials.reveal(id);
      if (credential !== undefined) credentials.set(id, credential);
    }
  } finally {
    home.close();
  }
  if ((household.devices ?? []).length === 0) {
    throw new HomewardError('HW_NOT_FOUND', `the household in ${config.dataDir} has no devices: import one with \`homeward setup import FILE\``);
  }

  const mqttUrl = values.mqtt ?? config.mqtt.url ?? `mqtt://127.0.0.1:${config.mqtt.port}`;
  const httpUrl = values.http ?? `http://127.0.0.1:${config.http.port}`;
  const devices: Partial<Record<Role, string>> = {};
  if (values.door !== undefined) devices.exitDoor = values.door;
  if (values.tracker !== undefined) devices.tracker = values.tracker;
  if (values.pillbox !== undefined) devices.pillbox = values.pillbox;

  if (!values.json) {
    const pace = speed === 0 ? 'as fast as possible' : `at ${speed}×`;
    io.out(`Simulating ${scenario.name} ${pace} (written for ${scenario.startAt}; expect: ${scenario.expect}) → ${mqttUrl}, ${httpUrl}`);
  }
  let summary: ScenarioSummary;
  try {
    summary = await runScenario({
      household,
      credentialOf: (id) => {
        const credential = credentials.get(id);
        if (credential === undefined) throw new HomewardError('HW_DEVICE_NO_CREDENTIAL', `${id} has no credential yet: import the household again`);
        return credential;
      },
      scenario,
      mqttUrl,
      httpUrl,
      speed,
      devices,
      ...(values.json ? {} : { onStep: (step: StepRecord) => io.out(stepLine(scenario.startAt, step)) }),
    });
  } catch (error) {
    if (isHomewardError(error)) throw error;
    // A hub that is down or refuses a credential is an expected failure: say what happened, without a stack.
    io.err(`homeward: simulate ${scenario.name} stopped: ${(error as Error).message}`);
    return 1;
  }
  if (values.json) io.out(JSON.stringify({ ...summary, startAt: scenario.startAt, expect: scenario.expect }));
  else io.out(`Sent ${summary.sent.mqtt} MQTT and ${summary.sent.http} HTTP messages for ${summary.steps.length} steps.`);
  return 0;
}
