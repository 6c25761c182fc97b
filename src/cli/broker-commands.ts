import { chmodSync, renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { deviceSources } from '../../devices/registry.js';
import { brokerUsers, mosquittoAclText, mosquittoPasswordLine } from '../broker/mosquitto-acl.js';
import type { HubConfig } from '../config.js';
import { systemClock } from '../core/clock.js';
import { HomewardError } from '../core/errors.js';
import { openHome } from '../home.js';
import { configFrom } from './circle-commands.js';

/**
 * `homeward broker acl` and `homeward broker passwords` (issue 9, item 6): the files an external
 * Mosquitto needs for this household, from the same access policy the embedded broker enforces, so the
 * two cannot disagree. Regenerated after each household change; Mosquitto reloads them on SIGHUP.
 */
interface Output {
  out(text: string): void;
  err(text: string): void;
}

export const brokerSummary = `  broker acl [--output FILE]    the external broker's ACL for this household (Mosquitto acl_file)
  broker passwords [--output FILE]
                                its password file (Mosquitto, hashed) for every device, bridge and integration`;

const common = `  --hub-user NAME  the hub's own user (default: the user in HOMEWARD_MQTT_URL, else homeward-hub)
  --output FILE    write FILE (mode 0640, replaced whole) instead of printing; use it rather than a
                   redirect of \`npm run\`, whose banner would land in the file`;

export const brokerUsage: Record<string, string> = {
  'broker acl': `Usage: homeward broker acl [--hub-user NAME] [--output FILE] [--json]

Prints a Mosquitto acl_file for this household: each device and bridge may write only its own topics
and read only its own command topics; each integration reads homeward/# and homeassistant/# and writes
homeward/commands/#; the hub reads what devices publish and the commands, and writes homeward/# and
homeassistant/#. Regenerate it after every household change, then reload Mosquitto.
${common}
--json prints {"users":[{"username","describe","read":[...],"write":[...]}]}.`,
  'broker passwords': `Usage: homeward broker passwords [--hub-user NAME] [--output FILE] [--json]

Prints a Mosquitto password_file for every device, bridge and integration of this household (hashed as
mosquitto_passwd does, PBKDF2-SHA512), and for the hub's user when HOMEWARD_MQTT_URL carries its
password. Regenerate it after a household change or \`device credentials ID --rotate\`, then reload Mosquitto.
${common}
--json prints {"users":[{"username","hash"}]}.`,
};

const options = {
  'data-dir': { type: 'string' },
  config: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  'hub-user': { type: 'string' },
  output: { type: 'string' },
} as const;

/** The hub's user: --hub-user, else the one in HOMEWARD_MQTT_URL, else homeward-hub. */
function hubUserOf(config: HubConfig, given: string | undefined): { username: string; password?: string } {
  const url = config.mqtt.url === undefined ? undefined : new URL(config.mqtt.url);
  const username = given ?? (url !== undefined && url.username !== '' ? decodeURIComponent(url.username) : 'homeward-hub');
  if (!/^[^\s:#+/]+$/.test(username)) throw new HomewardError('HW_USAGE', `--hub-user ${JSON.stringify(username)}: a broker user name has no spaces, ':', '#', '+' or '/'`);
  const samePassword = url !== undefined && url.password !== '' && decodeURIComponent(url.username) === username;
  return samePassword ? { username, password: decodeURIComponent(url.password) } : { username };
}

function writeOut(file: string, text: string): void {
  const partial = `${file}.partial`;
  writeFileSync(partial, text, { mode: 0o640 });
  chmodSync(partial, 0o640);
  renameSync(partial, file);
}

export async function runBrokerCommand(argv: string[], env: NodeJS.ProcessEnv, io: Output): Promise<number> {
  const key = `broker ${argv[0] ?? ''}`;
  const help = brokerUsage[key];
  if (help === undefined) {
    if (argv[0] === '--help' || argv[0] === '-h') {
      io.out(brokerSummary);
      return 0;
    }
    io.err(`homeward: unknown command "${key.trim()}"\n\n${brokerSummary}`);
    return 2;
  }
  const { values, positionals } = parseArgs({ args: argv.slice(1), options, allowPositionals: true, strict: true });
  if (values.help) {
    io.out(help);
    return 0;
  }
  if (positionals.length > 0) throw new HomewardError('HW_USAGE', `${key} takes no ${JSON.stringify(positionals[0])}`);
  const config = configFrom(values, env);
  const hubUser = hubUserOf(config, values['hub-user']);
  const home = openHome(config);
  let text: string;
  let json: unknown;
  try {
    const view = home.household.view();
    const users = brokerUsers(view.subjects, deviceSources, hubUser.username);
    if (key === 'broker acl') {
      const header = [
        `Mosquitto acl_file for "${view.household.home.name}", household revision ${view.revision}, written by \`homeward broker acl\` on ${new Date(systemClock.now()).toISOString()}.`,
        'Regenerate it after every household change and reload Mosquitto (systemctl reload mosquitto). Anything not granted is denied.',
        'Mosquitto cannot keep homeward/commands/result out of an integration\'s write grant without also hiding',
        'it from the integration; the hub never takes that topic as a command, whoever writes it.',
      ];
      text = mosquittoAclText(users, header);
      json = { users };
    } else {
      const lines: Array<{ username: string; line: string }> = [];
      for (const user of users) {
        const password = user.username === hubUser.username ? hubUser.password : home.credentials.reveal(user.username)?.password;
        if (password === undefined) {
          io.err(user.username === hubUser.username
            ? `homeward: ${user.username} (the hub) is not in the file: HOMEWARD_MQTT_URL carries no password for it; add it with mosquitto_passwd -b FILE ${user.username} PASSWORD`
            : `homeward: ${user.username} has no credential yet: import the household again`);
          continue;
        }
        lines.push({ username: user.username, line: mosquittoPasswordLine(user.username, password) });
      }
      text = lines.map((entry) => entry.line).join('\n') + '\n';
      json = { users: lines.map((entry) => ({ username: entry.username, hash: entry.line.slice(entry.username.length + 1) })) };
    }
  } finally {
    home.close();
  }
  if (values.output !== undefined) {
    writeOut(values.output, values.json ? JSON.stringify(json) + '\n' : text);
    io.err(`Wrote ${values.output}. Reload Mosquitto to apply it: systemctl reload mosquitto`);
  } else io.out(values.json ? JSON.stringify(json) : text.trimEnd());
  return 0;
}
