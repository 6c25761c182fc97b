import { isHomewardError } from '../../core/errors.js';
import { vapidSubject } from '../../notify/web-push/vapid-keys.js';
import type { DoctorContext } from './context.js';
import { okPart, problemPart, warningPart, type DoctorCheck, type FindingPart } from './finding.js';
import { reachHost } from './reach-host.js';

/**
 * Web Push can reach the phones (issue 9, item 5): the hub has a VAPID subject (issue 7), somebody has
 * turned notifications on, and the push services their browsers chose (FCM for Chrome, Mozilla's,
 * Apple's) answer a TCP connection from the hub — a DNS look-up and a connect per service, not a push,
 * so nobody's phone buzzes. Only the service's host is named: an endpoint's path identifies a phone.
 */
const VAPID_FIX = 'set HOMEWARD_PUBLIC_URL to the https address people reach the hub at from their phones';

function vapidPart({ config }: DoctorContext): FindingPart {
  try {
    const subject = vapidSubject({ publicUrl: config.publicUrl, contact: config.push?.contact });
    if (subject.subject === undefined) return problemPart('Web Push is off: no VAPID subject', subject.why);
    return okPart(`VAPID subject ${subject.subject}`);
  } catch (error) {
    if (!isHomewardError(error)) throw error;
    return problemPart(error.message, VAPID_FIX);
  }
}

interface PushService {
  /** host, or host:port when the port is not the scheme's own. */
  name: string;
  host: string;
  port: number;
  subscriptions: number;
}

function pushServices(endpoints: readonly string[]): PushService[] {
  const services = new Map<string, PushService>();
  for (const endpoint of endpoints) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      continue;
    }
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = url.port === '' ? (url.protocol === 'http:' ? 80 : 443) : Number(url.port);
    const name = url.host;
    const known = services.get(name);
    if (known === undefined) services.set(name, { name, host, port, subscriptions: 1 });
    else known.subscriptions++;
  }
  return [...services.values()];
}

async function subscriptionParts(context: DoctorContext): Promise<FindingPart> {
  const db = context.database();
  // Read here rather than through the repository: the doctor needs every endpoint and nothing else.
  const endpoints = db === undefined ? [] : db.prepare<[], { endpoint: string }>('SELECT endpoint FROM push_subscriptions').all().map((row) => row.endpoint);
  if (endpoints.length === 0) {
    return warningPart('no phone or browser has turned on notifications: nobody will be notified', 'open the dashboard on each phone (over https) and turn on notifications');
  }
  const services = pushServices(endpoints);
  const reached = await Promise.all(services.map(async (service) => ({ service, reach: await reachHost(service.host, service.port, context.timeoutMs) })));
  const good = reached.filter((r) => r.reach.reached).map((r) => r.service.name);
  const bad = reached.flatMap((r) => (r.reach.reached ? [] : [`${r.service.name} (${r.reach.reason})`]));
  const counted = `${endpoints.length} subscription${endpoints.length === 1 ? '' : 's'}`;
  const fix = 'check the hub\'s internet connection: its network cable or Wi-Fi, the router, and DNS (`getent hosts fcm.googleapis.com` should print an address)';
  if (good.length === 0) return problemPart(`${counted}, but the hub cannot reach ${bad.join(', ')}: no notification gets out`, fix);
  if (bad.length > 0) return warningPart(`${counted}; the hub cannot reach ${bad.join(', ')}, so phones using it get no notifications; reaches ${good.join(', ')}`, fix);
  return okPart(`${counted}; push services reachable: ${good.join(', ')}`);
}

export const pushCheck: DoctorCheck = {
  name: 'push',
  async run(context) {
    const subscriptions = await subscriptionParts(context).catch((error: Error) =>
      problemPart(`cannot read the push subscriptions: ${error.message}`, 'see the database check above'),
    );
    return [vapidPart(context), subscriptions];
  },
};
