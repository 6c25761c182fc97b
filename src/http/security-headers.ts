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
export function contentSecurityPolicy(imageOrigins: readonly string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    // Leaflet, uPlot and Preact style through the CSSOM (element.style), which style-src does not govern.
    "style-src 'self'",
    // Map tiles come from the configured tile server (config map.tiles), and from nowhere else.
    ['img-src', "'self'", 'data:', ...imageOrigins].join(' '),
    "font-src 'self'",
    "connect-src 'self'",
    "manifest-src 'self'",
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export const CONTENT_SECURITY_POLICY = contentSecurityPolicy();

const ALWAYS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
};

export const HSTS = 'max-age=31536000';

/** Adds the headers on the root instance, so every route, plugin, 404 and error reply carries them. */
export function installSecurityHeaders(app: FastifyInstance, options: { imageOrigins?: readonly string[] } = {}): void {
  const policy = contentSecurityPolicy(options.imageOrigins);
  app.addHook('onSend', async (request, reply, payload) => {
    if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', policy);
    for (const [name, value] of Object.entries(ALWAYS)) if (!reply.hasHeader(name)) reply.header(name, value);
    if (request.protocol === 'https') reply.header('strict-transport-security', HSTS);
    // Answers about people and sessions must not sit in a browser's or a proxy's cache.
    if (request.url.startsWith('/api/') && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });
}
