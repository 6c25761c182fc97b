import { pbkdf2Sync, randomBytes } from 'node:crypto';
import type { CredentialSubject, DeviceSource } from '../core/device-source.js';
import type { SourceId } from '../core/household.js';
import { permissionsFor } from './access-policy.js';
import { BROKER_CLIENTS_TOPIC, COMMANDS_FILTER } from './external-broker.js';

/**
 * An external broker's ACL and password file for the household (issue 9, item 6), from the same
 * permissionsFor the embedded broker enforces, so the two never disagree: each device and bridge writes
 * only its own topics and reads only its own command topics; an integration reads homeward/# and
 * homeassistant/# and writes homeward/commands/#; the hub reads what devices publish and the commands,
 * and writes homeward/# and homeassistant/#.
 */
export interface BrokerUser {
  username: string;
  /** What the user is, for the comment above its lines. */
  describe: string;
  read: string[];
  write: string[];
  /** Topics never delivered to (nor written by) this user, although `read` covers them (Mosquitto's `topic deny`). */
  deny: string[];
}

/** The hub's user first, then each credential of the household that has MQTT rights. */
export function brokerUsers(subjects: ReadonlyMap<string, CredentialSubject>, sources: ReadonlyMap<SourceId, DeviceSource>, hubUser: string): BrokerUser[] {
  const users: BrokerUser[] = [];
  const deviceTopics = new Set<string>();
  for (const [username, subject] of subjects) {
    const permissions = permissionsFor(subject, sources);
    if (permissions.publish.length === 0 && permissions.subscribe.length === 0) continue;
    if (subject.type !== 'integration') for (const filter of permissions.publish) deviceTopics.add(filter);
    const describe =
      subject.type === 'device'
        ? `device ${subject.device.id} (${subject.device.source})`
        : subject.type === 'bridge'
          ? `bridge ${subject.bridge.id} (${subject.bridge.source}, for ${subject.devices.map((device) => device.id).join(', ') || 'no devices yet'})`
          : `integration ${subject.id}`;
    users.push({ username, describe, read: [...permissions.subscribe], write: [...permissions.publish], deny: [...(permissions.receiveExcept ?? [])] });
  }
  const hub: BrokerUser = {
    username: hubUser,
    describe: 'the Homeward hub (the user in HOMEWARD_MQTT_URL)',
    read: [...deviceTopics, COMMANDS_FILTER, BROKER_CLIENTS_TOPIC],
    write: ['homeward/#', 'homeassistant/#'],
    deny: [],
  };
  return [hub, ...users];
}

/** Mosquitto's acl_file format (mosquitto.conf(5)); the access type is always given, so topics may hold spaces. */
export function mosquittoAclText(users: readonly BrokerUser[], header: readonly string[]): string {
  const lines = header.map((line) => `# ${line}`);
  for (const user of users) {
    lines.push('', `# ${user.describe}`, `user ${user.username}`);
    // Mosquitto takes the first line whose topic matches: a deny must come before the read it narrows.
    for (const filter of user.deny) lines.push(`topic deny ${filter}`);
    for (const filter of user.read) lines.push(`topic read ${filter}`);
    for (const filter of user.write) lines.push(`topic write ${filter}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * One line of a Mosquitto 2 password file: PBKDF2-SHA512 with 101 iterations and a 12-byte salt, as
 * `mosquitto_passwd` writes it ($7$). Only the hash leaves the hub, never the password.
 */
export function mosquittoPasswordLine(username: string, password: string, salt: Buffer = randomBytes(12)): string {
  const iterations = 101;
  const hash = pbkdf2Sync(password, salt, iterations, 64, 'sha512');
  return `${username}:$7$${iterations}$${salt.toString('base64')}$${hash.toString('base64')}`;
}
