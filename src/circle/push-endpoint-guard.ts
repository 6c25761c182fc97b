import { BlockList, isIP } from 'node:net';

/**
 * A push endpoint is a push service on the internet (FCM, Mozilla autopush, Apple, Windows). The hub
 * POSTs to whatever endpoint a member registers, so an address inside the home's network (the
 * router's admin page, another Pi) must not be accepted: that would let any member, a viewer
 * included, make the hub send requests into the LAN (server-side request forgery).
 *
 * This judges the endpoint's host as written: loopback, private, link-local, carrier-grade NAT
 * (Tailscale's 100.64/10) and unique-local addresses, and names that only mean something locally.
 * A public name that resolves to a private address is not caught here (that needs the resolved
 * address at send time). Tests and self-hosted push services inside a network can allow them
 * (`push.allowPrivateEndpoints`).
 */
const internal = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const) {
  internal.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const) {
  internal.addSubnet(network, prefix, 'ipv6');
}

const LOCAL_NAMES = /(^|\.)(localhost|local|lan|home|internal|home\.arpa)$/i;

/** Whether a URL host (as `new URL().hostname` gives it) names something inside a network. */
export function isInternalHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  const version = isIP(host);
  if (version === 4) return internal.check(host, 'ipv4');
  if (version === 6) {
    // An IPv4-mapped IPv6 address (::ffff:10.0.0.1) is judged as the IPv4 address it carries.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
    return mapped ? internal.check(mapped[1] as string, 'ipv4') : internal.check(host, 'ipv6');
  }
  // A single label ("router") resolves only inside a network.
  return LOCAL_NAMES.test(host) || !host.includes('.');
}
