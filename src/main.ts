import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { backupDir, loadConfig } from './config.js';
import { isHomewardError } from './core/errors.js';
import { createHub, type Hub } from './hub.js';
import { createLogger } from './logging.js';
import { claimDataDir } from './store/database-check.js';
import type { DemoHome } from './simulate/demo-home.js';

/**
 * The only module that touches the process for the running hub: reads argv and env, builds the real
 * adapters, listens, and handles signals. `npm start` and `homeward start` both land here.
 */
export const startUsage = `Usage: homeward start [--demo] [--config FILE] [--data-dir DIR]

Runs the hub: MQTT on 1883 (and over WebSocket at /mqtt on the HTTP port), HTTP on 8080, data in ./data.
  --demo          a simulated home (door, phone, pill box) in a temporary data directory
  --config FILE   a JSON config file (also HOMEWARD_CONFIG)
  --data-dir DIR  where the database and secrets live (also HOMEWARD_DATA_DIR)
  --start-empty   start with an empty database although the data directory had one (see homeward restore)
Environment: HOMEWARD_DATA_DIR HOMEWARD_HTTP_PORT HOMEWARD_MQTT_PORT HOMEWARD_HOST HOMEWARD_MQTT_URL
             HOMEWARD_PUBLIC_URL HOMEWARD_LOG_LEVEL HOMEWARD_TRUSTED_PROXIES
             HOMEWARD_MQTT_TLS_CERT HOMEWARD_MQTT_TLS_KEY HOMEWARD_MQTT_TLS_PORT (MQTT over TLS, 8883)
             HOMEWARD_MQTT_CLIENT_ID HOMEWARD_MQTT_CA (with HOMEWARD_MQTT_URL, an external broker)`;

export async function runHub(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      demo: { type: 'boolean', default: false },
      config: { type: 'string' },
      'data-dir': { type: 'string' },
      'start-empty': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(startUsage + '\n');
    return;
  }
  const demoDir = values.demo ? mkdtempSync(path.join(os.tmpdir(), 'homeward-demo-')) : undefined;
  const dataDir = demoDir ?? values['data-dir'];
  const config = loadConfig({
    env: process.env,
    ...(values.config !== undefined ? { file: values.config } : {}),
    ...(dataDir !== undefined ? { overrides: { dataDir } } : {}),
  });
  const log = createLogger(config.log.level, process.stdout.isTTY === true);

  // Issue 9, item 4: one hub per data directory, and never on a damaged or silently empty database.
  const dataDirLock = claimDataDir({ dataDir: config.dataDir, backupDir: backupDir(config), startEmpty: values['start-empty'], now: Date.now(), log });
  process.once('exit', () => dataDirLock.release());

  // Signals are handled from the first moment, so a stop during start-up is still a clean stop.
  let hub: Hub | undefined = undefined;
  let demo: DemoHome | undefined;
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting at once');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'stopping');
    // A hub that cannot stop cleanly within 5 s exits anyway: committed readings are safe in the WAL.
    const force = setTimeout(() => {
      log.error('did not stop within 5 s; exiting');
      process.exit(1);
    }, 5000);
    force.unref();
    // systemd hears STOPPING=1 at once (issue 9, item 2), while the hub stops in parallel.
    const toldSystemd = hub?.supervision.systemd.stopping();
    void (async () => {
      await demo?.stop();
      await hub?.stop();
      // The demo's home is throwaway: leave nothing behind in /tmp.
      if (demoDir !== undefined) rmSync(demoDir, { recursive: true, force: true });
      await toldSystemd;
      log.info('stopped');
      process.exit(0);
    })().catch((error: unknown) => {
      log.error({ err: error }, 'error while stopping');
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  hub = await createHub({ config, log });
  // The demo (and the MQTT client it needs) is loaded only when asked for: it costs memory on a Pi.
  const demoModule = values.demo ? await import('./simulate/demo-home.js') : undefined;
  if (values.demo) hub.household.import((await import('./simulate/demo-household.js')).demoHousehold);
  // Before start, so there is an owner and no setup link: the demo is for looking around at once.
  const demoSignIn = values.demo ? await (await import('./simulate/demo-circle.js')).seedDemoCircle(hub) : undefined;
  const { mqttPort, mqttTlsPort } = await hub.start();
  const httpAddress = await hub.http.listen({ port: config.http.port, host: config.host });
  // Issue 9, items 6 and 7: readings come through an external broker, or the embedded one (and over TLS).
  // external-broker.js (and the mqtt client library) is loaded by the hub only for an external broker: see hub.ts.
  const mqttWhere = config.mqtt.url !== undefined ? `MQTT through ${(await import('./broker/external-broker.js')).redactedBrokerUrl(config.mqtt.url)}` : `MQTT on port ${mqttPort}${mqttTlsPort === undefined ? '' : ` (TLS on ${mqttTlsPort})`}`;
  log.info({ mqttPort, mqttTlsPort, http: httpAddress, dataDir: config.dataDir }, `Homeward is running: ${mqttWhere}, dashboard at ${httpAddress}`);
  // Type=notify (issue 9, item 2): systemd counts the hub as started only once MQTT and HTTP listen.
  if (!stopping) await hub.supervision.systemd.ready(`Listening: ${mqttWhere}, dashboard at ${httpAddress}`);
  if (demoSignIn !== undefined) {
    log.info({ demoSignIn }, `Demo: open ${httpAddress} and sign in as ${demoSignIn.email} with the password "${demoSignIn.password}"`);
  }

  if (demoModule !== undefined) {
    const running = hub;
    demo = demoModule.startDemoHome({
      mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
      credentialOf: (id) => {
        const credential = running.credentials.reveal(id);
        if (credential === undefined) throw new Error(`demo device ${id} has no credential`);
        return credential;
      },
      log: log.child({ module: 'demo' }),
    });
  }
}

// Run when executed directly (npm start), not when imported by the CLI.
if (process.argv[1] !== undefined && path.resolve(process.argv[1]).replace(/\.ts$/, '.js').endsWith(path.join('src', 'main.js'))) {
  runHub(process.argv.slice(2)).catch((error: unknown) => {
    const message = isHomewardError(error) ? error.message : (error as Error).stack ?? String(error);
    process.stderr.write(`homeward: ${message}\n`);
    process.exit(isHomewardError(error, 'HW_CONFIG_INVALID') ? 2 : 1);
  });
}
