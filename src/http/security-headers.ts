import type { FastifyInstance } from 'fastify';

/**
 * Security headers on every response (issue 5, item 6), the 404s and errors included.
 *
 * The Content-Security-Policy fits a same-origin PWA: scripts, styles, images, the manifest and the
 * service worker from this origin only; fetch, server-sent events and MQTT over WebSocket to this
 * origin only ('self' covers ws: and wss: of the same host in CSP Level 3); no plugins, no framing,
 * no <base> games, forms post only here. HSTS is sent only on a request that arrived over HTTPS
 * (directly, or via a trusted proxy's X-Forwarded-Proto): sent over plain HTTP it would be ignored,
 * and a hub reached by LAN address must not promise HTTPS it cannot keep.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const ALWAYS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
};

export const HSTS = 'max-age=31536000';

/** Adds the headers on the root instance, so every route, plugin, 404 and error reply carries them. */
export function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    for (const [name, value] of Object.entries(ALWAYS)) if (!reply.hasHeader(name)) reply.header(name, value);
    if (request.protocol === 'https') reply.header('strict-transport-security', HSTS);
    // Answers about people and sessions must not sit in a browser's or a proxy's cache.
    if (request.url.startsWith('/api/') && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });
}
