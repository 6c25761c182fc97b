import { X509Certificate } from 'node:crypto';
import type { IClientOptions } from 'mqtt';
import { redactedBrokerUrl } from '../../broker/external-broker.js';
import { loadCaCertificate, loadServerCertificate } from '../../broker/tls-files.js';
import type { HubConfig } from '../../config.js';
import type { DoctorContext } from './context.js';
import { formatAge, okPart, problemPart, warningPart, type DoctorCheck, type FindingPart } from './finding.js';
import { probeMqtt, type MqttAnswer } from './mqtt-probe.js';

/**
 * Devices can reach the broker (issue 9, item 5). Embedded: the hub's MQTT port, and its TLS port when
 * a certificate is configured (item 7), each answer a real CONNECT. The embedded broker refuses a
 * connection without a password, so that refusal is the healthy answer, and a broker there that
 * accepts one is some other program holding the port. External (HOMEWARD_MQTT_URL, item 6): the
 * hub's broker must accept the hub's own credentials, or no reading reaches it.
 */
const BAD_CREDENTIALS = new Set([4, 5]);
const RENEW_WITHIN_MS = 14 * 86_400_000;

/** Where the doctor reaches a broker bound to every address: this machine. */
function localAddress(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
}

function embeddedAnswer(label: string, where: string, port: number, answer: MqttAnswer): FindingPart {
  switch (answer.kind) {
    case 'accepted':
      return problemPart(
        `${where} accepts a connection without a password: that is not Homeward's broker (it refuses anonymous devices), so devices there reach another program`,
        `find and stop it (\`sudo ss -ltnp 'sport = :${port}'\`; often a system Mosquitto: \`sudo systemctl disable --now mosquitto\`), or use it as the hub's broker with HOMEWARD_MQTT_URL`,
      );
    case 'refused':
      if (BAD_CREDENTIALS.has(answer.returnCode)) return okPart(`${label} answers on ${where} (and refuses a connection without a password, as it should)`);
      return warningPart(`${label} on ${where} answers but refuses connections: ${answer.reason}`, 'look at the hub\'s log: `journalctl -u homeward -n 50`');
    case 'unreachable':
      return problemPart(
        `nothing answers ${label} on ${where} (${answer.reason}): devices cannot deliver readings`,
        `start the hub: \`sudo systemctl start homeward\` (\`journalctl -u homeward -n 50\` says why it stopped); if it is running, check ${label === 'MQTT' ? 'HOMEWARD_MQTT_PORT' : 'HOMEWARD_MQTT_TLS_PORT'} and HOMEWARD_HOST`,
      );
  }
}

async function tlsParts({ config, now, timeoutMs }: DoctorContext, host: string): Promise<FindingPart[]> {
  const { cert, key, port } = config.mqtt.tls;
  const where = `${host}:${port}`;
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(loadServerCertificate(cert, key).cert);
  } catch (error) {
    return [problemPart((error as Error).message, 'point HOMEWARD_MQTT_TLS_CERT and HOMEWARD_MQTT_TLS_KEY at the certificate and its key (PEM files the hub can read), then restart the hub')];
  }
  const parts: FindingPart[] = [];
  const expires = Date.parse(x509.validTo);
  const renew = `renew the certificate ${cert} and restart the hub (\`sudo systemctl restart homeward\`)`;
  if (expires <= now) parts.push(problemPart(`the MQTT TLS certificate expired on ${new Date(expires).toISOString().slice(0, 10)}: devices refuse to connect over TLS`, renew));
  else if (expires - now < RENEW_WITHIN_MS) parts.push(warningPart(`the MQTT TLS certificate expires in ${formatAge(expires - now)} (${new Date(expires).toISOString().slice(0, 10)})`, renew));
  // Whether it listens, not whether its certificate is trusted: devices carry their own CA.
  const answer = await probeMqtt({ host, port, protocol: 'mqtts' }, { rejectUnauthorized: false }, timeoutMs);
  parts.push(embeddedAnswer('MQTT over TLS', where, port, answer));
  return parts;
}

async function externalParts(config: HubConfig, timeoutMs: number, url: string): Promise<FindingPart[]> {
  // Connects as the hub does (src/broker/external-broker.ts): credentials from the URL, MQTT 5, the CA for mqtts://.
  const parsed = new URL(url);
  const shown = redactedBrokerUrl(url);
  const secure = parsed.protocol === 'mqtts:';
  const options: IClientOptions = {
    protocolVersion: 5,
    ...(parsed.username !== '' ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password !== '' ? { password: decodeURIComponent(parsed.password) } : {}),
  };
  if (secure && config.mqtt.external.ca !== '') {
    try {
      options.ca = loadCaCertificate(config.mqtt.external.ca);
    } catch (error) {
      return [problemPart((error as Error).message, 'point HOMEWARD_MQTT_CA at the PEM file of the CA that signed the broker\'s certificate')];
    }
  }
  const target = { protocol: secure ? ('mqtts' as const) : ('mqtt' as const), host: parsed.hostname.replace(/^\[|\]$/g, ''), port: parsed.port === '' ? (secure ? 8883 : 1883) : Number(parsed.port) };
  const answer = await probeMqtt(target, options, timeoutMs);
  switch (answer.kind) {
    case 'accepted':
      return [okPart(`the external broker ${shown} accepts the hub's credentials`)];
    case 'refused':
      return [
        problemPart(
          `the external broker ${shown} refuses the hub's credentials (${answer.reason}): no reading reaches the hub`,
          'check the user name and password in HOMEWARD_MQTT_URL against the broker\'s (`mosquitto_passwd`), and that its ACL lets that user read the device topics (deploy/mosquitto.conf)',
        ),
      ];
    case 'unreachable':
      return [
        problemPart(
          `cannot reach the external broker ${shown} (${answer.reason}): no reading reaches the hub`,
          'check that the broker runs (`systemctl status mosquitto`) and the address in HOMEWARD_MQTT_URL; for mqtts://, HOMEWARD_MQTT_CA names the CA file when its certificate is not a public one',
        ),
      ];
  }
}

export const brokerCheck: DoctorCheck = {
  name: 'broker',
  async run(context) {
    const { config, timeoutMs } = context;
    if (config.mqtt.url !== undefined) return externalParts(config, timeoutMs, config.mqtt.url);
    const host = localAddress(config.host);
    const port = config.mqtt.port;
    const [plain, tls] = await Promise.all([
      probeMqtt({ host, port, protocol: 'mqtt' }, {}, timeoutMs),
      config.mqtt.tls.cert === '' ? Promise.resolve([]) : tlsParts(context, host),
    ]);
    return [embeddedAnswer('MQTT', `${host}:${port}`, port, plain), ...tls];
  },
};
