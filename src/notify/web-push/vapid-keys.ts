import { createECDH, generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import { HomewardError } from '../../core/errors.js';
import { loadOrCreateSecretFile } from './secret-file.js';

/**
 * The hub's VAPID identity (RFC 8292; issue 7, item 1): a P-256 key pair generated at first start and
 * kept in the data directory, so every browser's subscription (made against the public key) keeps
 * working across restarts and upgrades. Losing the file means every member subscribing again; a
 * backup of the data directory keeps it.
 */
export interface VapidKeys {
  /** base64url of the 65-byte uncompressed public point: the browser's applicationServerKey. */
  publicKey: string;
  /** base64url of the 32-byte private scalar. */
  privateKey: string;
}

export function vapidKeyPath(dataDir: string): string {
  return path.join(dataDir, 'secrets', 'vapid.json');
}

function generateVapidKeys(): VapidKeys {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' });
  const x = Buffer.from(jwk.x as string, 'base64url');
  const y = Buffer.from(jwk.y as string, 'base64url');
  return { publicKey: Buffer.concat([Buffer.from([0x04]), x, y]).toString('base64url'), privateKey: jwk.d as string };
}

/** Whether the pair is usable: the private scalar is on P-256 and its public point is the one stored. */
function consistent(keys: VapidKeys): boolean {
  try {
    const privateKey = Buffer.from(keys.privateKey, 'base64url');
    if (privateKey.length !== 32) return false;
    const curve = createECDH('prime256v1');
    curve.setPrivateKey(privateKey);
    return curve.getPublicKey('base64url') === keys.publicKey;
  } catch {
    return false;
  }
}

/** Reads the hub's VAPID keys, generating them on first start; refuses a damaged file with what to do. */
export function loadOrCreateVapidKeys(file: string): VapidKeys {
  const text = loadOrCreateSecretFile(file, () => Buffer.from(JSON.stringify(generateVapidKeys()) + '\n')).toString('utf8');
  let keys: Partial<VapidKeys> | undefined;
  try {
    keys = JSON.parse(text) as Partial<VapidKeys>;
  } catch {
    keys = undefined;
  }
  if (typeof keys?.publicKey !== 'string' || typeof keys.privateKey !== 'string' || !consistent(keys as VapidKeys)) {
    throw new HomewardError(
      'HW_STORE',
      `VAPID keys ${file} are damaged: restore the file from a backup, or delete it (a new pair is made at the next start, and every member must allow notifications again)`,
    );
  }
  return { publicKey: keys.publicKey, privateKey: keys.privateKey };
}

/**
 * Who the push services may contact about this hub (RFC 8292, section 2.1): a configured mailto:
 * address, else the hub's public https URL. Without either, Web Push is off (`why` says how to turn it
 * on). Apple's push service rejects a localhost subject (BadJwtToken), so such a URL is refused at
 * start rather than failing every notification to an iPhone at 2 a.m.
 */
export type VapidSubject = { subject: string } | { subject: undefined; why: string };

const LOOPBACK = /^(localhost|.*\.localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

export function vapidSubject(options: { publicUrl?: string | undefined; contact?: string | undefined }): VapidSubject {
  const { publicUrl, contact } = options;
  if (contact !== undefined) {
    if (!/^mailto:[^@\s/]+@[^@\s/]+\.[^@\s/]+$/.test(contact)) {
      throw new HomewardError('HW_CONFIG_INVALID', `the Web Push contact ${JSON.stringify(contact)} must be a mailto: address, such as mailto:anna@example.org`);
    }
    return { subject: contact };
  }
  if (publicUrl === undefined) {
    return { subject: undefined, why: 'set HOMEWARD_PUBLIC_URL to the https address people reach the hub at (or configure a mailto: contact)' };
  }
  let url: URL;
  try {
    url = new URL(publicUrl);
  } catch {
    throw new HomewardError('HW_CONFIG_INVALID', `HOMEWARD_PUBLIC_URL ${JSON.stringify(publicUrl)} is not a URL`);
  }
  if (url.protocol !== 'https:') {
    return { subject: undefined, why: `HOMEWARD_PUBLIC_URL is ${url.protocol}//: browsers allow notifications only from an https address, so set it to the https address people reach the hub at` };
  }
  if (LOOPBACK.test(url.hostname)) {
    throw new HomewardError(
      'HW_CONFIG_INVALID',
      `HOMEWARD_PUBLIC_URL ${url.origin} cannot be the Web Push (VAPID) subject: Safari and iPhones reject https://localhost, so no notification would reach them. ` +
        'Set HOMEWARD_PUBLIC_URL to the address people reach the hub at from their phones, or configure a mailto: contact.',
    );
  }
  return { subject: url.origin };
}
