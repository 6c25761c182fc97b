import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { measureAlertLatency, type AlertLatencyOptions, type AlertLatencyResult } from './alert-latency.js';
import { installCleanup, type Cleanup } from './cleanup.js';
import { measureDashboardBytes, type DashboardBytes } from './dashboard-bytes.js';
import { openHubLoad, type HubLoad } from './hub-ingest.js';
import { assertBuilt, logTail, PI_NODE_FLAGS, prepareHubTemplate, startHub, type HubTemplate } from './hub-process.js';
import { MOSQUITTO, startRelay, type Relay } from './mosquitto-relay.js';
import { sleep } from './net-util.js';
import { memoryKinds, rssBytes, type MemoryKinds } from './process-stats.js';
import { startPushEndpoint, type PushEndpoint } from './push-endpoint.js';
import { ingestOtherKinds } from './reading-kinds.js';
import { errorRow, formatMarkdown, formatTable, jsonRows, writeJsonReport, type ReportRow } from './report.js';
import { measureStorage, type StorageResult } from './storage.js';
import { summaryRows, type BenchResults, type HubRun } from './summary.js';
import { measureTrackerYear } from './tracker-year.js';

/**
 * `npm run bench` (issue 2; issue 10 added the push endpoint, storage by kind, a year of one tracker
 * and the dashboard's bytes): Mosquitto and the hub side by side in one run, on 127.0.0.1 only,
 * against the budgets in DESIGN.md. Not a test: a budget missed is reported ('NOT MET'), not asserted.
 * The exit code is non-zero only when the run itself broke, an acknowledged reading is not in its
 * table, or a night door-opening did not reach the push endpoint exactly once.
 *
 * Mosquitto and hub bursts alternate round by round, so a neighbour's job slowing the machine for a
 * few seconds hits both sides rather than one; the table gives medians and every round.
 */
const usage = `Usage: npm run bench -- [--messages N] [--rounds N] [--publishers N] [--window N] [--out FILE] [--markdown FILE] [--skip-unflagged]
  --messages N     QoS 1 messages per burst (default 100000)
  --rounds N       Mosquitto/hub burst pairs per hub configuration (default 3)
  --publishers N   publishing clients, one device each (default 50)
  --window N       unacknowledged publishes per client (default 20)
  --out FILE       also write the table and raw figures as JSON (each row with its target and "met")
  --markdown FILE  also write the table as Markdown, with the machine, for the README
  --skip-unflagged do not repeat the bursts on a hub without the Pi memory flags`;

const progress = (line: string) => process.stderr.write(`· ${line}\n`);

function positiveInteger(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return value;
}

function mosquittoVersion(): string {
  const result = spawnSync(MOSQUITTO, ['-h'], { encoding: 'utf8', timeout: 5000 });
  return /mosquitto version (\S+)/.exec(`${result.stdout}${result.stderr}`)?.[1] ?? 'unknown';
}

interface Settings {
  messages: number;
  rounds: number;
  window: number;
  deadlineMs: number;
}

/**
 * One hub configuration: start, settle, idle RSS, optionally the steady 1,000/s phase, then rounds of
 * (Mosquitto burst, hub burst), then the row count. Storage is measured after the hub has stopped.
 */
async function runHub(options: {
  label: string;
  name: string;
  nodeFlags: readonly string[];
  withSteady: boolean;
  /** Also publish door and pill-box readings and weigh every kind's table (issue 10, storage by kind). */
  withStorage: boolean;
  root: string;
  template: HubTemplate;
  relay: Relay | undefined;
  cleanup: Cleanup;
  settings: Settings;
}): Promise<{ run: HubRun; storage: StorageResult | undefined }> {
  const { settings } = options;
  const run: HubRun = { label: options.label, idleRssBytes: undefined, idleMemory: undefined, steady: undefined, bursts: [], relays: [], verification: undefined, kinds: [] };
  const hub = await startHub({ name: options.name, root: options.root, template: options.template, nodeFlags: options.nodeFlags, cleanup: options.cleanup });
  let load: HubLoad | undefined;
  try {
    await sleep(3000);
    run.idleRssBytes = rssBytes(hub.pid);
    run.idleMemory = memoryKinds(hub.pid);
    load = await openHubLoad(hub, options.template);
    if (options.withSteady) {
      progress(`  [${options.label}] 1,000 readings/s for 10 s`);
      run.steady = await load.steady(1000, 10_000);
    }
    // An untimed warm-up on both sides, so no round measures the JIT compiling the publish path.
    const warmUp = Math.min(settings.messages, 5000);
    if (options.relay !== undefined) await options.relay.measure(warmUp, settings.window, settings.deadlineMs);
    await load.burst(warmUp, settings.window, settings.deadlineMs);
    for (let round = 1; round <= settings.rounds; round++) {
      if (options.relay !== undefined) {
        const relay = await options.relay.measure(settings.messages, settings.window, settings.deadlineMs);
        run.relays.push(relay);
        progress(`  round ${round}: Mosquitto ${Math.round(relay.relayPerSecond)}/s`);
      }
      const burst = await load.burst(settings.messages, settings.window, settings.deadlineMs);
      run.bursts.push(burst);
      progress(`  round ${round}: hub [${options.label}] ${Math.round(burst.ackedPerSecond)}/s`);
    }
    if (options.withStorage) {
      progress(`  [${options.label}] ${KIND_MESSAGES.toLocaleString('en-GB')} door readings, then as many pill-box readings`);
      try {
        run.kinds = await ingestOtherKinds(hub, options.template, KIND_MESSAGES, settings.window, settings.deadlineMs);
      } catch (error) {
        run.kindsError = (error as Error).message;
      }
    }
    // Counted while the hub still runs: every acknowledged reading must already be visible.
    run.verification = await load.verify();
  } finally {
    await load?.close();
    const stopped = await hub.stop();
    if (!stopped.cleanly) process.stderr.write(`!! hub [${options.label}] did not stop cleanly (${stopped.code ?? stopped.signal}):\n${logTail(hub.logFile)}\n`);
  }
  // After the hub has stopped, so the benchmark's TRUNCATE checkpoint covers the whole WAL.
  return { run, storage: options.withStorage ? measureStorage(hub.dbFile) : undefined };
}

/** What node itself holds, with the same flags and nothing loaded: the floor under the idle budget. */
async function bareNode(cleanup: Cleanup): Promise<{ rssBytes: number | undefined; kinds: MemoryKinds | undefined }> {
  const child = spawn(process.execPath, [...PI_NODE_FLAGS, '-e', 'setInterval(() => {}, 60_000)'], { stdio: 'ignore' });
  cleanup.child('bare node', child);
  try {
    await sleep(3000);
    const pid = child.pid ?? -1;
    return { rssBytes: rssBytes(pid), kinds: memoryKinds(pid) };
  } finally {
    child.kill('SIGKILL');
  }
}

/** 400 night door-openings over 20 s on 10 doors (one per door every 500 ms) beside 500 readings/s. */
const ALERT_PHASE: AlertLatencyOptions = { openings: 400, spanMs: 20_000, backgroundRate: 500 };

/** Door readings, then pill-box readings, published into the Pi-flags hub for storage by kind. */
const KIND_MESSAGES = 10_000;

/**
 * The alert-latency phase on a hub of its own (Pi flags): a fresh database, no door state or alert
 * from another phase; the owner has subscribed a local push endpoint (push-endpoint.ts). The same hub
 * then serves the dashboard for its first-load bytes.
 */
async function runAlertHub(root: string, template: HubTemplate, cleanup: Cleanup): Promise<{ alerts: AlertLatencyResult; dashboard: DashboardBytes | Error }> {
  let endpoint: PushEndpoint | undefined;
  let hub: Awaited<ReturnType<typeof startHub>> | undefined;
  let load: HubLoad | undefined;
  try {
    endpoint = await startPushEndpoint(root);
    hub = await startHub({ name: 'alert-latency', root, template, nodeFlags: PI_NODE_FLAGS, cleanup, config: endpoint.hubConfig, env: endpoint.hubEnv });
    await endpoint.subscribe(hub, template.owner.token);
    await sleep(1000);
    load = await openHubLoad(hub, template);
    const alerts = await measureAlertLatency(hub, template, load, ALERT_PHASE, endpoint);
    const dashboard = await measureDashboardBytes(hub.httpPort).catch((error: unknown) => error as Error);
    return { alerts, dashboard };
  } finally {
    await load?.close();
    if (hub !== undefined) {
      const stopped = await hub.stop();
      if (!stopped.cleanly) process.stderr.write(`!! hub [alert latency] did not stop cleanly (${stopped.code ?? stopped.signal}):\n${logTail(hub.logFile)}\n`);
    }
    await endpoint?.close();
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      messages: { type: 'string' },
      rounds: { type: 'string' },
      publishers: { type: 'string' },
      window: { type: 'string' },
      out: { type: 'string' },
      markdown: { type: 'string' },
      'skip-unflagged': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  const messages = positiveInteger('messages', values.messages, 100_000);
  const settings: Settings = {
    messages,
    rounds: positiveInteger('rounds', values.rounds, 3),
    window: positiveInteger('window', values.window, 20),
    // Generous, but finite: even at a tenth of the slowest rate measured here a phase still ends.
    deadlineMs: Math.max(60_000, (messages / 500) * 1000),
  };
  const publishers = positiveInteger('publishers', values.publishers, 50);
  assertBuilt();

  const cleanup = installCleanup(progress);
  const root = mkdtempSync(path.join(os.tmpdir(), 'homeward-bench-'));
  cleanup.dir(root);

  const errors: ReportRow[] = [];
  const raw: Record<string, unknown> = {};
  /** Runs one phase; a failure is reported in the table and the phases that do not depend on it still run. */
  async function phase<T>(name: string, work: () => Promise<T>): Promise<T | undefined> {
    progress(name);
    const startedAt = Date.now();
    try {
      const result = await work();
      progress(`  done in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
      return result;
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      process.stderr.write(`!! ${name} failed: ${message}\n`);
      errors.push(errorRow(name, message));
      raw[`error: ${name}`] = message;
      return undefined;
    }
  }

  let relay: Relay | undefined;
  try {
    progress(`${messages.toLocaleString('en-GB')} QoS 1 messages per burst, ${settings.rounds} rounds, ${publishers} publishers, ${settings.window} in flight each; temp dir ${root}`);
    const template = await phase(`import a household of ${publishers} native trackers, exit and inner doors, pill boxes and an integration, add its owner, read the credentials (CLI)`, () =>
      prepareHubTemplate(root, publishers),
    );
    if (template === undefined) return 1;

    const startups = await phase('start-up time ×3 (Pi flags)', async () => {
      const times: NonNullable<BenchResults['startups']> = [];
      for (let run = 1; run <= 3; run++) {
        const hub = await startHub({ name: `startup-${run}`, root, template, nodeFlags: PI_NODE_FLAGS, cleanup });
        times.push({ readyMs: hub.readyMs, mqttReadyMs: hub.mqttReadyMs, httpReadyMs: hub.httpReadyMs });
        await hub.stop();
      }
      return times;
    });

    relay = await phase('start Mosquitto, 1 subscriber and 50 publishers', () => startRelay({ workDir: root, cleanup, deviceIds: template.deviceIds }));

    const results: BenchResults = { messages, startups, hubs: [], storage: undefined, alerts: undefined, trackerYear: undefined, dashboard: undefined, bareNode: undefined };
    results.bareNode = await phase(`a bare node with ${PI_NODE_FLAGS.join(' ')}, 3 s after start`, () => bareNode(cleanup));
    const pi = await phase(`hub with ${PI_NODE_FLAGS.join(' ')}: idle, 1,000 readings/s, ${settings.rounds} rounds of bursts beside Mosquitto, door and pill-box readings`, () =>
      runHub({ label: 'Pi flags', name: 'pi-flags', nodeFlags: PI_NODE_FLAGS, withSteady: true, withStorage: true, root, template, relay, cleanup, settings }),
    );
    if (pi !== undefined) {
      results.hubs.push(pi.run);
      results.storage = pi.storage;
    }
    const alertHub = await phase(
      `hub with Pi flags: ${ALERT_PHASE.openings} night door-openings over ${ALERT_PHASE.spanMs / 1000} s → alerts on MQTT and Web Push to a local endpoint, ${ALERT_PHASE.backgroundRate} readings/s background; then dashboard bytes`,
      () => runAlertHub(root, template, cleanup),
    );
    results.alerts = alertHub?.alerts;
    if (alertHub?.dashboard instanceof Error) errors.push(errorRow('dashboard first-load bytes', alertHub.dashboard.message));
    else results.dashboard = alertHub?.dashboard;
    if (!values['skip-unflagged']) {
      const plain = await phase(`hub without memory flags: idle, ${settings.rounds} rounds of bursts beside Mosquitto`, () =>
        runHub({ label: 'no flags', name: 'no-flags', nodeFlags: [], withSteady: false, withStorage: false, root, template, relay, cleanup, settings }),
      );
      if (plain !== undefined) results.hubs.push(plain.run);
    }
    // Last, with every hub stopped: a million inserts must not share the machine with a measured phase.
    results.trackerYear = await phase('a year of one tracker: 1,051,200 fixes into SQLite through the readings repository, then the year query', async () =>
      measureTrackerYear(root, template),
    );
    raw.results = results;

    const { rows, mismatch, alertsMissing } = summaryRows(results);
    rows.push(...errors);
    const version = mosquittoVersion();
    const machine = { cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown CPU', node: process.version, mosquitto: version };
    const heading = `Homeward benchmark — ${new Date().toISOString()}, ${machine.cores} cores (${machine.cpu}), Node ${machine.node}, mosquitto ${machine.mosquitto}`;
    process.stdout.write(`\n${heading}\n`);
    process.stdout.write(`${messages.toLocaleString('en-GB')} QoS 1 messages per burst × ${settings.rounds} rounds, ${publishers} publishers × ${settings.window} in flight, 127.0.0.1 only\n\n`);
    process.stdout.write(`${formatTable(rows)}\n\n`);
    process.stdout.write(
      "The PUBACK gap is measured by the benchmark process, not inside the hub: it includes the benchmark's own pauses\n" +
        "and is only a proxy; the hub's own event-loop maximum (homeward_event_loop_delay_max_seconds) is the figure to trust.\n",
    );
    if (mismatch) {
      process.stdout.write(
        '\n!!!!!!!! MISMATCH: a readings table does not hold exactly the acknowledged readings (see the table).\n' +
          '!!!!!!!! A refused reading is acknowledged and dropped by design; anything else is data loss. !!!!!!!!\n',
      );
    }
    if (alertsMissing) {
      process.stdout.write(
        '\n!!!!!!!! MISMATCH: not every night door-opening got exactly one alert on MQTT and one push request (see the table).\n' +
          '!!!!!!!! An alert that never reaches a phone is a night exit nobody hears about. !!!!!!!!\n',
      );
    }
    if (values.out !== undefined) {
      writeJsonReport(values.out, {
        at: new Date().toISOString(),
        machine,
        options: { ...settings, publishers },
        rows: jsonRows(rows),
        raw,
      });
      process.stdout.write(`\nJSON written to ${values.out}\n`);
    }
    if (values.markdown !== undefined) {
      writeFileSync(values.markdown, `${heading}\n\n${formatMarkdown(rows)}\n`);
      process.stdout.write(`Markdown written to ${values.markdown}\n`);
    }
    return mismatch || alertsMissing || errors.length > 0 ? 1 : 0;
  } finally {
    await relay?.close();
    await cleanup.run();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
