import type { FastifyInstance } from 'fastify';
import type { Logger } from '../core/logger.js';

/**
 * A hub behind Caddy or Tailscale Serve on the same machine without HOMEWARD_TRUSTED_PROXIES sees
 * every visitor as 127.0.0.1 (issue 9, item 3): the log-in throttle then counts the whole internet as
 * one address, and the audit log records the proxy instead of the person. The first request that
 * arrives from loopback carrying X-Forwarded-For says so, once; with trusted proxies set, nothing is
 * installed.
 */
const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;

export function installForwardedForHint(app: FastifyInstance, options: { trustedProxies: readonly string[]; log: Logger }): void {
  if (options.trustedProxies.length > 0) return;
  let hinted = false;
  app.addHook('onRequest', (request, _reply, done) => {
    if (!hinted && request.headers['x-forwarded-for'] !== undefined && LOOPBACK.test(request.socket.remoteAddress ?? '')) {
      hinted = true;
      options.log.warn(
        { remoteAddress: request.socket.remoteAddress, forwardedFor: request.headers['x-forwarded-for'] },
        'Requests arrive through a proxy on this machine (X-Forwarded-For from loopback) but HOMEWARD_TRUSTED_PROXIES is empty, ' +
          'so every visitor looks like the proxy to the log-in throttle and the audit log. Set HOMEWARD_TRUSTED_PROXIES=127.0.0.1: see deploy/remote-access.md',
      );
    }
    done();
  });
}
