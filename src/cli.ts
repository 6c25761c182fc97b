#!/usr/bin/env node
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig, type HubConfig } from './config.js';
import { systemClock } from './core/clock.js';
import { HomewardError, isHomewardError } from './core/errors.js';
import { readPassword } from './accounts/password-prompt.js';
import { isRole } from './accounts/roles.js';
import { parseDuration } from './core/duration.js';
import { openHome, type Home } from './home.js';
import { unclaimedDevices } from './installer/discover.js';
import { createWalkTest, describeWalkEvent } from './installer/walk-test.js';
import { circleCommands, circleSummary, runCircleCommand } from './cli/circle-commands.js';
import { runDoctorCommand } from './cli/doctor-command.js';
import { brokerSummary, runBrokerCommand } from './cli/broker-commands.js';
import { backupSummary, backupUsage, runBackupCommand } from './cli/backup-commands.js';
import { preferenceSummary, runPreferenceCommand } from './cli/preference-commands.js';

/**
 * The `homeward` command (`npm run homeward -- <command>`). Commands that print data take --json.
 * Exit codes scripts can rely on:
 *   0 done · 1 unexpected failure · 2 bad usage or invalid input (nothing changed) · 3 not found
 */
const EXIT = { ok: 0, failure: 1, invalid: 2, notFound: 3 } as const;

interface Output {
  out(text: string): void;
  err(text: string): void;
}

const usage = `Usage: homeward <command> [options]

Commands:
  start                         run the hub (see homeward start --help)
  setup import FILE             validate a household document and make it the care plan
  setup export [--output FILE]  print the household document
  status [--json]               devices (online, last seen, battery, state) and open alerts
  device credentials ID         print a device's, bridge's or integration's MQTT credential
         [--rotate] [--json]    (--rotate issues a new password; the old one stops working)
  devices discover [--json]     devices seen on the wire that no household entry claims
  devices walk-test             show each door opening and tracker fix as it arrives
  simulate SCENARIO             play a scenario (night-exit-leaves-zone, double-dose, …) against the running hub
  user add EMAIL --role ROLE    add a dashboard account; the password is read from standard input
  user token EMAIL              make an API token for a script (shown once)
  user list [--json]            the accounts, with their roles
  user role EMAIL ROLE          change an account's role (ends its sessions)
  doctor [--json]               check what would stop an alert reaching a phone (clock, disk, database,
                                broker, devices, push, public URL, backups, supervision), each with a fix
${backupSummary}
${brokerSummary}
${circleSummary}
${preferenceSummary}

Every command takes --help. Options common to all: --data-dir DIR, --config FILE.
Exit codes: 0 done, 1 unexpected failure, 2 bad usage or invalid input (nothing changed), 3 not found.`;

const commandUsage: Record<string, string> = {
  'setup import': `Usage: homeward setup import FILE [--json]

Validates FILE (a household document, JSON) and stores it. Errors name the JSON path and what was
expected; an invalid document changes nothing (exit 2). Importing the same document again changes
nothing; devices that stay keep their history. A running hub picks the change up within a second.`,
  'setup export': `Usage: homeward setup export [--output FILE]

Prints the household document as JSON (or writes it to FILE).`,
  status: `Usage: homeward status [--json]

Shows each device (online, last seen, battery, state) and open alerts.
--json prints {"devices":[{"id","online","lastSeen","battery","state",...}],"alerts":[...]}.`,
  'device credentials': `Usage: homeward device credentials ID [--rotate] [--json]

Prints the MQTT (and HTTP ingest) username and password of a device, bridge or integration.
Devices reached through a bridge use the bridge's credential. --rotate issues a new password; the old
one stops working at once. --json prints {"username","password"}.`,
};

const installerUsage: Record<string, string> = {
  'devices discover': `Usage: homeward devices discover [--json]

Lists devices the hub has seen that no household entry claims — Zigbee2MQTT's device list, and
devices a bridge reports for which there is no entry — each with a suggested household entry.`,
  'devices walk-test': `Usage: homeward devices walk-test [--for DURATION] [--show-location] [--json]

Shows each door opening and closing, pill-box lid and tracker fix as it reaches the hub, so an
installer can check every sensor in one tour. Stops on Ctrl-C, or after --for (e.g. "10m").
Tracker fixes show their accuracy, not where they are, unless --show-location is given.
--json prints one JSON object per line.`,
};
Object.assign(commandUsage, installerUsage);

const common = {
  'data-dir': { type: 'string' },
  config: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

function configFrom(values: { 'data-dir'?: string | undefined; config?: string | undefined }, env: NodeJS.ProcessEnv): HubConfig {
  return loadConfig({
    env,
    ...(values.config !== undefined ? { file: values.config } : {}),
    ...(values['data-dir'] !== undefined ? { overrides: { dataDir: values['data-dir'] } } : {}),
  });
}

function withHome<T>(config: HubConfig, work: (home: Home) => T): T {
  const home = openHome(config);
  try {
    return work(home);
  } finally {
    home.close();
  }
}

// ── `homeward user …`: dashboard accounts for installers working over SSH (issue 5) ──────────────────
const userUsage: Record<string, string> = {
  add: `Usage: homeward user add EMAIL --role ROLE [--name NAME] [--json]

Adds a dashboard account. ROLE is owner, family, carer, installer or viewer. The password is read from
standard input (prompted for, unechoed, at a terminal; the first line of a pipe), never from the
command line. It must be at least 12 characters and not a common password (exit 2 otherwise).
--json prints {"id","email","name","role"}.`,
  token: `Usage: homeward user token EMAIL [--name NAME] [--json]

Makes an API token for a script or integration. It acts with the account's role, needs no CSRF token,
and is shown this once only (the hub keeps a hash): send it as "Authorization: Bearer TOKEN".
The account can list and revoke its tokens in the dashboard (GET/DELETE /api/me/tokens).
--json prints {"token","id","name"}. Exit 3 if there is no account for EMAIL.`,
  list: `Usage: homeward user list [--json]

Lists the accounts: email, name, role, and whether disabled.
--json prints {"users":[{"id","email","name","role","createdAt","disabled"}]}.`,
  role: `Usage: homeward user role EMAIL ROLE [--json]

Changes an account's role and ends all its sessions, so a browser signed in under the old role must
sign in again. Its API tokens act with the new role from their next request. The last owner cannot
be given another role (exit 2). Exit 3 if there is no account for EMAIL.`,
};

async function runUserCommand(argv: string[], env: NodeJS.ProcessEnv, io: Output): Promise<number> {
  const [sub] = argv;
  const help = userUsage[sub ?? ''];
  if (help === undefined) {
    const summary = Object.values(userUsage).map((text) => text.split('\n')[0]).join('\n');
    if (sub === '--help' || sub === '-h') {
      io.out(summary);
      return EXIT.ok;
    }
    io.err(`homeward: unknown command "user${sub === undefined ? '' : ` ${sub}`}"\n\n${summary}`);
    return EXIT.invalid;
  }
  const { values, positionals } = parseArgs({
    args: argv.slice(1),
    options: { ...common, role: { type: 'string' }, name: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    io.out(help);
    return EXIT.ok;
  }
  const config = configFrom(values, env);
  const email = positionals[0];
  if (sub !== 'list' && email === undefined) throw new HomewardError('HW_USAGE', `user ${sub} needs an EMAIL`);
  const accountOf = (home: Home) => {
    const user = home.accounts.byEmail(email as string);
    if (user === undefined) throw new HomewardError('HW_NOT_FOUND', `no account for ${email}`);
    return user;
  };

  switch (sub) {
    case 'add': {
      const role = values.role;
      if (!isRole(role)) throw new HomewardError('HW_USAGE', `--role must be owner, family, carer, installer or viewer${role === undefined ? '' : `, not "${role}"`}`);
      const password = await readPassword(process.stdin, process.stderr);
      const home = openHome(config);
      try {
        const user = await home.accounts.create({ email: email as string, name: values.name, role, password });
        io.out(values.json ? JSON.stringify(user) : `Added ${user.name} <${user.email}> as ${user.role}.`);
      } finally {
        home.close();
      }
      return EXIT.ok;
    }
    case 'token': {
      const issued = withHome(config, (home) => home.apiTokens.issue(accountOf(home).id, values.name ?? 'command line', null));
      if (values.json) io.out(JSON.stringify({ token: issued.token, id: issued.apiToken.id, name: issued.apiToken.name }));
      else {
        io.out(issued.token);
        io.err(`API token ${issued.apiToken.id} ("${issued.apiToken.name}") for ${email}: shown this once; send it as "Authorization: Bearer <token>".`);
      }
      return EXIT.ok;
    }
    case 'list': {
      const users = withHome(config, (home) =>
        home.accounts.list().map((u) => ({ id: u.id, email: u.email, name: u.name, role: u.role, createdAt: new Date(u.createdAt).toISOString(), disabled: u.disabledAt !== null })),
      );
      if (values.json) io.out(JSON.stringify({ users }));
      else if (users.length === 0) io.out('No accounts yet: start the hub for a setup link, or use `homeward user add EMAIL --role owner`.');
      else for (const u of users) io.out(`${u.role.padEnd(9)} ${u.email}  (${u.name})${u.disabled ? '  DISABLED' : ''}`);
      return EXIT.ok;
    }
    case 'role': {
      const role = positionals[1];
      if (!isRole(role)) throw new HomewardError('HW_USAGE', `ROLE must be owner, family, carer, installer or viewer${role === undefined ? '' : `, not "${role}"`}`);
      const user = withHome(config, (home) => home.accounts.changeRole(accountOf(home).id, role, null));
      io.out(values.json ? JSON.stringify({ id: user.id, email: user.email, name: user.name, role: user.role }) : `${user.email} is now ${user.role}; their sessions have ended.`);
      return EXIT.ok;
    }
  }
  return EXIT.invalid;
}
// ── end of `homeward user …` ─────────────────────────────────────────────────────────────────────────

export async function runCli(argv: string[], env: NodeJS.ProcessEnv, io: Output): Promise<number> {
  const [command, sub] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.out(usage);
    return command === undefined ? EXIT.invalid : EXIT.ok;
  }
  if (command === 'start') {
    // Loaded only for `start`: the broker, HTTP server and Web Push would slow every other command.
    const { runHub, startUsage } = await import('./main.js');
    if (argv.includes('--help') || argv.includes('-h')) {
      io.out(startUsage);
      return EXIT.ok;
    }
    await runHub(argv.slice(1));
    return -1; // keeps running; main handles exit
  }
  // `simulate` lives in src/simulate/simulate-command.ts, with its own options (--speed, --mqtt, --http) and help.
  if (command === 'simulate') {
    const { runSimulateCommand } = await import('./simulate/simulate-command.js');
    return runSimulateCommand(argv.slice(1), env, io);
  }
  if (command === 'user') return runUserCommand(argv.slice(1), env, io);
  if (command === 'doctor') return runDoctorCommand(argv.slice(1), env, io);
  // An external broker's ACL and password file (issue 9, item 6): src/cli/broker-commands.ts.
  if (command === 'broker') return runBrokerCommand(argv.slice(1), env, io);
  // Backups (issue 9, item 4): src/cli/backup-commands.ts.
  if (Object.hasOwn(backupUsage, command)) return runBackupCommand(argv, env, io);
  // The care circle (issue 6, item 10): alerts, ack, resolve, note add, notes, rota, rota add, away.
  if (circleCommands.has(command)) return runCircleCommand(argv, env, io);
  if (command === 'preferences') return runPreferenceCommand(argv.slice(1), env, io);

  const key = command === 'setup' || command === 'device' || command === 'devices' ? `${command} ${sub ?? ''}` : command;
  const known = commandUsage[key];
  if (known === undefined) {
    io.err(`homeward: unknown command "${argv.slice(0, 2).join(' ')}"\n\n${usage}`);
    return EXIT.invalid;
  }
  const rest = argv.slice(key.split(' ').length);
  const { values, positionals } = parseArgs({
    args: rest,
    options: {
      ...common,
      rotate: { type: 'boolean', default: false },
      output: { type: 'string' },
      for: { type: 'string' },
      'show-location': { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    io.out(known);
    return EXIT.ok;
  }
  const config = configFrom(values, env);

  switch (key) {
    case 'setup import': {
      const file = positionals[0];
      if (file === undefined) throw new HomewardError('HW_USAGE', 'setup import needs a FILE');
      let document: unknown;
      try {
        document = JSON.parse(readFileSync(file, 'utf8'));
      } catch (error) {
        throw new HomewardError('HW_HOUSEHOLD_INVALID', `cannot read ${file} as JSON: ${(error as Error).message}`);
      }
      const revision = withHome(config, (home) => home.household.import(document));
      const household = document as { devices?: unknown[]; bridges?: unknown[] };
      if (values.json) io.out(JSON.stringify({ revision, devices: household.devices?.length ?? 0, bridges: household.bridges?.length ?? 0 }));
      else io.out(`Imported household (revision ${revision}): ${household.devices?.length ?? 0} devices, ${household.bridges?.length ?? 0} bridges.`);
      return EXIT.ok;
    }
    case 'setup export': {
      const text = JSON.stringify(withHome(config, (home) => home.household.export()), null, 2) + '\n';
      if (values.output !== undefined) writeFileSync(values.output, text);
      else io.out(text.trimEnd());
      return EXIT.ok;
    }
    case 'status': {
      const report = withHome(config, (home) => ({
        devices: home.deviceStatuses(home.store.deviceState.loadAll(), systemClock.now()),
        bridges: home.store.bridges
          .all()
          .filter((b) => b.retiredAt === null)
          .map((b) => ({ id: b.id, source: b.source, online: b.online === true, lastSeen: b.lastSeenAt === null ? null : new Date(b.lastSeenAt).toISOString() })),
        alerts: home.store.alerts.open().map((a) => ({
          id: a.id,
          type: a.type,
          severity: a.severity,
          status: a.status,
          deviceId: a.deviceId,
          incidentId: a.incidentId,
          title: a.title,
          raisedAt: new Date(a.raisedAt).toISOString(),
        })),
      }));
      if (values.json) {
        io.out(JSON.stringify(report));
        return EXIT.ok;
      }
      for (const b of report.bridges) io.out(`${b.online ? 'online ' : 'OFFLINE'}  ${b.id.padEnd(20)} bridge   ${b.source.padEnd(9)} last seen ${b.lastSeen ?? 'never'}`);
      if (report.devices.length === 0) io.out('No devices yet: import a household document with `homeward setup import FILE`.');
      for (const d of report.devices) {
        const battery = d.battery === null ? '' : `  battery ${d.battery}%`;
        io.out(`${d.online ? 'online ' : 'OFFLINE'}  ${d.id.padEnd(20)} ${d.kind.padEnd(8)} ${d.state.padEnd(9)} last seen ${d.lastSeen ?? 'never'}${battery}`);
      }
      if (report.alerts.length === 0) io.out('No open alerts.');
      for (const a of report.alerts) io.out(`ALERT  ${a.raisedAt}  ${a.type.padEnd(19)} ${a.title}`);
      return EXIT.ok;
    }
    case 'device credentials': {
      const id = positionals[0];
      if (id === undefined) throw new HomewardError('HW_USAGE', 'device credentials needs an ID');
      const credential = withHome(config, (home) => {
        const view = home.household.view();
        const device = view.devicesById.get(id);
        if (device?.bridge !== undefined) {
          throw new HomewardError('HW_DEVICE_NO_CREDENTIAL', `${id} is reached through bridge "${device.bridge}": use \`homeward device credentials ${device.bridge}\``);
        }
        if (!view.subjects.has(id)) throw new HomewardError('HW_DEVICE_UNKNOWN', `no device, bridge or integration "${id}" in the household`);
        return values.rotate ? home.credentials.rotate(id) : home.credentials.reveal(id);
      });
      if (credential === undefined) throw new HomewardError('HW_DEVICE_NO_CREDENTIAL', `${id} has no credential yet: import the household again`);
      if (values.json) io.out(JSON.stringify(credential));
      else io.out(`username: ${credential.username}\npassword: ${credential.password}${values.rotate ? '\n(rotated: the old password no longer works; reconnect the device with this one)' : ''}`);
      return EXIT.ok;
    }
    case 'devices discover': {
      const found = withHome(config, (home) => unclaimedDevices(home.store.discovery.all(), home.household.view().household.devices ?? []));
      if (values.json) {
        io.out(JSON.stringify({ devices: found }));
        return EXIT.ok;
      }
      if (found.length === 0) io.out('No unclaimed devices seen. Pair a sensor (or restart the bridge) and try again.');
      for (const d of found) {
        io.out(`${d.topic}  (${d.source}${d.bridge ? ` via ${d.bridge}` : ''}${d.description ? `: ${d.description}` : ''}; last seen ${d.lastSeen})`);
        io.out(`  suggested entry: ${JSON.stringify(d.suggested)}`);
      }
      return EXIT.ok;
    }
    case 'devices walk-test': {
      const forMs = values.for === undefined ? undefined : parseDuration(values.for);
      if (values.for !== undefined && forMs === undefined) throw new HomewardError('HW_USAGE', `--for ${values.for}: expected a duration such as "90s" or "10m"`);
      const home = openHome(config);
      const walk = createWalkTest(home.store.db, { since: systemClock.now(), showLocation: values['show-location'] === true });
      // On stderr, so --json output stays one event per line (and a script knows when watching began).
      io.err('Walk-test: open each door and carry each tracker; events appear as they arrive. Ctrl-C to stop.');
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          for (const event of walk.poll()) io.out(values.json ? JSON.stringify(event) : describeWalkEvent(event));
        }, 250);
        const stop = () => {
          clearInterval(timer);
          resolve();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        if (forMs !== undefined) setTimeout(stop, forMs);
      });
      home.close();
      return EXIT.ok;
    }
  }
  return EXIT.invalid;
}

function exitCodeFor(error: unknown): number {
  if (isHomewardError(error, 'HW_DEVICE_UNKNOWN') || isHomewardError(error, 'HW_NOT_FOUND') || isHomewardError(error, 'HW_DEVICE_NO_CREDENTIAL')) return EXIT.notFound;
  if (isHomewardError(error)) return error.code === 'HW_STORE' ? EXIT.failure : EXIT.invalid;
  if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) return EXIT.invalid;
  return EXIT.failure;
}

const io: Output = { out: (text) => process.stdout.write(text + '\n'), err: (text) => process.stderr.write(text + '\n') };
if (process.argv[1] !== undefined && /cli\.(js|ts)$/.test(process.argv[1])) void runCli(process.argv.slice(2), process.env, io).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    io.err(`homeward: ${isHomewardError(error) || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? (error as Error).message : ((error as Error).stack ?? String(error))}`);
    process.exitCode = exitCodeFor(error);
  },
).then(() => undefined);
