import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Serves the dashboard (issue 8): the files Vite built into dashboard/dist, read once at start and
 * kept gzipped in memory (about 100 KB; a Pi's SD card is slow and the first screen must be usable
 * within a second). Hashed assets are cached for a year; the page itself is always revalidated so an
 * updated hub is picked up. Every dashboard path (/incidents/<id>, /digest?date=…) answers with the
 * page, which routes in the browser; /api, /ingest and /metrics keep their JSON 404s.
 */
export interface DashboardOptions {
  /** dashboard/dist; found beside the code when not given. */
  dir?: string;
  /** The map's tile URL template and attribution, written into the page for the map screen. */
  map: { tiles: string; attribution: string };
}

interface StaticFile {
  body: Buffer;
  gzipped: Buffer | undefined;
  type: string;
  immutable: boolean;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.webmanifest': 'application/manifest+json',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

const NOT_THE_DASHBOARD = /^\/(api|ingest|metrics)(\/|$|\?)/;

/** A file under dashboard/, found by walking up from this file (src/http under vitest, dist/src/http when built). */
export function findDashboardFile(relative: string): string | undefined {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'dashboard', relative);
    if (existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  return undefined;
}

/** dashboard/dist, the dashboard as Vite built it. */
function findDashboardDir(): string | undefined {
  const index = findDashboardFile(path.join('dist', 'index.html'));
  return index === undefined ? undefined : path.dirname(index);
}

/** The origin a tile template asks, for the Content-Security-Policy: https://{s}.tile.x/… → https://*.tile.x */
export function tileOrigin(template: string): string | undefined {
  const match = /^https:\/\/([^/]+)/.exec(template);
  return match ? `https://${(match[1] as string).replace(/\{[a-z]+\}/g, '*')}` : undefined;
}

function loadFiles(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const full = path.join(folder, name);
      if (statSync(full).isDirectory()) {
        walk(full);
        continue;
      }
      const url = `/${path.relative(dir, full).split(path.sep).join('/')}`;
      // The service worker is served by push-routes from dashboard/public, with its own headers.
      if (url === '/service-worker.js') continue;
      const body = readFileSync(full);
      const type = TYPES[path.extname(name)] ?? 'application/octet-stream';
      const compressible = !type.startsWith('image/png');
      files.set(url, { body, gzipped: compressible && body.length > 512 ? gzipSync(body, { level: 9 }) : undefined, type, immutable: url.startsWith('/assets/') });
    }
  };
  walk(dir);
  return files;
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The page with the map settings written in: a <meta> the dashboard reads, since the CSP allows no inline script. */
function pageWithSettings(index: StaticFile, map: DashboardOptions['map']): StaticFile {
  const settings = escapeAttribute(JSON.stringify(map));
  const html = index.body.toString('utf8').replace('<meta name="homeward-map-tiles" content="" />', `<meta name="homeward-map-tiles" content="${settings}" />`);
  const body = Buffer.from(html, 'utf8');
  return { body, gzipped: gzipSync(body, { level: 9 }), type: index.type, immutable: false };
}

function send(request: FastifyRequest, reply: FastifyReply, file: StaticFile): FastifyReply {
  const gzip = file.gzipped !== undefined && /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
  reply
    .header('content-type', file.type)
    .header('cache-control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
    .header('vary', 'accept-encoding');
  if (gzip) reply.header('content-encoding', 'gzip');
  return reply.send(gzip ? file.gzipped : file.body);
}

export function installDashboard(app: FastifyInstance, options: DashboardOptions): void {
  const dir = options.dir ?? findDashboardDir();
  const files = dir === undefined ? new Map<string, StaticFile>() : loadFiles(dir);
  const index = files.get('/index.html');
  const page = index === undefined ? undefined : pageWithSettings(index, options.map);

  const servePage = (request: FastifyRequest, reply: FastifyReply) => {
    if (page === undefined) {
      return reply
        .code(503)
        .header('content-type', 'text/plain; charset=utf-8')
        .send('The dashboard has not been built. Run `npm run build` (npm install does it), then restart the hub.\n');
    }
    return send(request, reply, page);
  };

  for (const [url, file] of files) {
    if (url === '/index.html') continue;
    app.get(url, { config: { public: true }, schema: { hide: true } }, async (request, reply) => send(request, reply, file));
  }

  app.setNotFoundHandler(async (request, reply) => {
    const pathname = request.url.split('?')[0] ?? '/';
    const wantsPage = (request.method === 'GET' || request.method === 'HEAD') && !NOT_THE_DASHBOARD.test(pathname) && !/\.[a-z0-9]+$/i.test(pathname);
    if (wantsPage) return servePage(request, reply);
    return reply.code(404).send({ error: 'not_found', detail: `${request.method} ${pathname} is not a route of this hub` });
  });
}
