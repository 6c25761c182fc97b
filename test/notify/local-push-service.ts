import { execFileSync } from 'node:child_process';
import { createECDH, createPublicKey, randomBytes, verify, type ECDH } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import ece from 'http_ece';

/**
 * A push service on 127.0.0.1 over real HTTPS, for issue 7's tests: it does what FCM, Mozilla's
 * autopush and Apple's service do with a request, as RFC 8030/8291/8292 describe, and no more. Each
 * request is recorded with its headers, its VAPID JWT verified against the key in `k=` (signature,
 * audience, expiry, subject), and its body decrypted with http_ece using the private key of the
 * "browser" that subscribed (a real P-256 key pair and auth secret made here, as a browser makes
 * them). What it answers is up to the test: 201, or any status and headers, or nothing at all.
 *
 * The certificate is self-signed, made with openssl for 127.0.0.1; `agent` trusts exactly it, and
 * is what the tests hand to the sender (verification is never turned off).
 */
export interface BrowserSubscriptionJson {
  endpoint: string;
  expirationTime: null;
  keys: { p256dh: string; auth: string };
}

export interface TestBrowser {
  id: string;
  subscription: BrowserSubscriptionJson;
}

export interface Vapid {
  header: Record<string, unknown>;
  claims: { aud?: unknown; exp?: unknown; sub?: unknown };
  /** The `k=` public key, base64url. */
  key: string;
  signatureValid: boolean;
}

export interface PushRequest {
  browser: string | undefined;
  method: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  vapid: Vapid | undefined;
  /** The decrypted message, when the request was for a known browser and decrypted. */
  plaintext: Buffer | undefined;
  decryptError?: string;
  /** Date.now() when the whole request had arrived. */
  receivedAt: number;
}

export type Answer = { status: number; headers?: Record<string, string> } | 'no-answer';

export interface LocalPushService {
  origin: string;
  agent: https.Agent;
  /** The service's certificate (PEM), for a hub in another process to trust (NODE_EXTRA_CA_CERTS). */
  cert: string;
  requests: PushRequest[];
  /** A new subscribing browser: its own endpoint, key pair and auth secret. */
  browser(): TestBrowser;
  /** How to answer the n-th request (0-based) from now on; 201 Created by default. */
  answer(answering: (request: PushRequest, n: number) => Answer): void;
  /** Resolves once `count` requests have arrived. */
  waitForRequests(count: number): Promise<PushRequest[]>;
  close(): Promise<void>;
}

function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'homeward-push-cert-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', 'key.pem', '-out', 'cert.pem'],
      { cwd: dir, stdio: 'ignore' },
    );
    return { key: readFileSync(path.join(dir, 'key.pem'), 'utf8'), cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function readVapid(authorization: string | undefined): Vapid | undefined {
  const match = /^vapid t=([\w-]+)\.([\w-]+)\.([\w-]+), k=([\w-]+)$/.exec(authorization ?? '');
  if (match === null) return undefined;
  const [, header, claims, signature, key] = match as unknown as [string, string, string, string, string];
  const point = Buffer.from(key, 'base64url');
  let signatureValid = false;
  try {
    const publicKey = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33, 65).toString('base64url') }, format: 'jwk' });
    signatureValid = verify('sha256', Buffer.from(`${header}.${claims}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
  } catch {
    signatureValid = false;
  }
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<string, unknown>,
    claims: JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as Vapid['claims'],
    key,
    signatureValid,
  };
}

export async function startLocalPushService(): Promise<LocalPushService> {
  const { key, cert } = selfSignedCertificate();
  const browsers = new Map<string, { ecdh: ECDH; auth: Buffer }>();
  const requests: PushRequest[] = [];
  const waiters: Array<{ count: number; resolve: (requests: PushRequest[]) => void }> = [];
  let answering: (request: PushRequest, n: number) => Answer = () => ({ status: 201 });
  let answeredFrom = 0;
  const silent: ServerResponse[] = [];

  const server = https.createServer({ key, cert }, (incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      const id = /^\/push\/([\w-]+)$/.exec(incoming.url ?? '')?.[1];
      const browser = id === undefined ? undefined : browsers.get(id);
      const request: PushRequest = { browser: id, method: incoming.method ?? '', headers: incoming.headers, body, vapid: readVapid(incoming.headers.authorization), plaintext: undefined, receivedAt: Date.now() };
      if (browser !== undefined) {
        try {
          request.plaintext = ece.decrypt(body, { version: 'aes128gcm', privateKey: browser.ecdh, authSecret: browser.auth.toString('base64url') });
        } catch (error) {
          request.decryptError = (error as Error).message;
        }
      }
      requests.push(request);
      const answer = answering(request, requests.length - 1 - answeredFrom);
      if (answer === 'no-answer') silent.push(response);
      else response.writeHead(answer.status, answer.headers ?? {}).end();
      for (const waiter of [...waiters]) {
        if (requests.length >= waiter.count) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(requests.slice());
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const origin = `https://127.0.0.1:${port}`;
  const agent = new https.Agent({ ca: cert, keepAlive: false });

  return {
    origin,
    agent,
    cert,
    requests,
    browser() {
      const id = randomBytes(8).toString('hex');
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16);
      browsers.set(id, { ecdh, auth });
      return { id, subscription: { endpoint: `${origin}/push/${id}`, expirationTime: null, keys: { p256dh: ecdh.getPublicKey('base64url'), auth: auth.toString('base64url') } } };
    },
    answer(next) {
      answering = next;
      answeredFrom = requests.length;
    },
    waitForRequests(count) {
      if (requests.length >= count) return Promise.resolve(requests.slice());
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    async close() {
      agent.destroy();
      for (const response of silent) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
