import http from 'node:http';
import net from 'node:net';

// One way to find a free port, shared with the tests.
export { freePort } from '../support/hub-process.js';

/** Whether 127.0.0.1:`port` accepts a TCP connection now. */
export function acceptsTcp(port: number, withinMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(withinMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Whether GET http://127.0.0.1:`port``path` answers 200 now. */
export function answers200(port: number, path: string, withinMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: withinMs }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.once('timeout', () => request.destroy());
    request.once('error', () => resolve(false));
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** GET http://127.0.0.1:`port``path` as text (status 200 only), bounded by `withinMs`. */
export function getText(port: number, path: string, withinMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: withinMs }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => (response.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${path}: ${response.statusCode}`))));
    });
    request.once('timeout', () => request.destroy(new Error(`GET ${path}: no answer within ${withinMs} ms`)));
    request.once('error', reject);
  });
}

/** POST a JSON body to http://127.0.0.1:`port``path`; resolves with any status and the body as text. */
export function postJson(port: number, path: string, body: unknown, headers: Record<string, string> = {}, withinMs = 5000): Promise<{ status: number; body: string }> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: '127.0.0.1', port, path, method: 'POST', agent: false, timeout: withinMs, headers: { ...headers, 'content-type': 'application/json', 'content-length': payload.length } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      },
    );
    request.once('timeout', () => request.destroy(new Error(`POST ${path}: no answer within ${withinMs} ms`)));
    request.once('error', reject);
    request.end(payload);
  });
}
