import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installDashboard, tileOrigin } from '../../src/http/dashboard-routes.js';
import { startAccountsHub, type AccountsHub } from '../accounts/accounts-hub.js';

/** The hub serving the built dashboard (issue 8): the page on every dashboard path, assets cached, the API's 404s kept. */
describe('serving the dashboard', () => {
  let t: AccountsHub;
  beforeAll(async () => {
    t = await startAccountsHub({ config: (config) => (config.map = { tiles: 'https://tiles.example.net/{z}/{x}/{y}.png', attribution: '© "Example" <maps>' }) });
  });
  afterAll(() => t.stop());

  it('answers every dashboard path with the page, never cached, with the map settings written in', async () => {
    for (const url of ['/', '/incidents/inc-1', '/digest?date=2026-01-05', '/invite?token=abc', '/circle']) {
      const page = await t.hub.http.inject({ method: 'GET', url });
      expect(page.statusCode, url).toBe(200);
      expect(page.headers['content-type'], url).toBe('text/html; charset=utf-8');
      expect(page.headers['cache-control'], url).toBe('no-cache');
      expect(page.body, url).toContain('<div id="app"></div>');
    }
    const page = await t.hub.http.inject({ method: 'GET', url: '/' });
    const content = /<meta name="homeward-map-tiles" content="([^"]*)"/.exec(page.body)?.[1] ?? '';
    // Escaped for an attribute: the attribution's quotes and angle brackets cannot end it.
    expect(content).not.toMatch(/[<>"]/);
    const unescaped = content.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    expect(JSON.parse(unescaped)).toEqual({ tiles: 'https://tiles.example.net/{z}/{x}/{y}.png', attribution: '© "Example" <maps>' });
  });

  it('sends hashed assets gzipped to browsers that take it, cached for a year', async () => {
    const page = await t.hub.http.inject({ method: 'GET', url: '/' });
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(page.body)?.[1];
    expect(script).toBeDefined();
    const plain = await t.hub.http.inject({ method: 'GET', url: script as string });
    const gzipped = await t.hub.http.inject({ method: 'GET', url: script as string, headers: { 'accept-encoding': 'gzip, br' } });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gzipped.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(gzipped.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(gunzipSync(gzipped.rawPayload).toString('utf8')).toBe(plain.body);
    expect(gzipped.rawPayload.length).toBeLessThan(plain.rawPayload.length / 2);
    const manifest = await t.hub.http.inject({ method: 'GET', url: '/manifest.webmanifest' });
    expect(manifest.headers['content-type']).toBe('application/manifest+json');
  });

  it('keeps JSON 404s for the API, ingest and missing files, and serves the page without signing in', async () => {
    for (const url of ['/api/nothing-here', '/ingest/nothing', '/assets/missing.js', '/favicon.ico']) {
      const missing = await t.hub.http.inject({ method: 'GET', url });
      expect(missing.statusCode, url).toBe(404);
      expect(missing.json(), url).toMatchObject({ error: 'not_found' });
    }
    expect((await t.hub.http.inject({ method: 'POST', url: '/circle' })).statusCode).toBe(404);
    // OsmAnd trackers still report on the root path: a query there is a position, not a visit.
    const osmand = await t.hub.http.inject({ method: 'GET', url: '/?id=unknown&lat=51.5&lon=-0.12' });
    expect(osmand.headers['content-type']).not.toContain('text/html');
  });

  it('says how to build the dashboard when it has not been built', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'homeward-no-dashboard-'));
    const app = Fastify();
    installDashboard(app, { dir: empty, map: { tiles: '', attribution: '' } });
    try {
      const page = await app.inject({ method: 'GET', url: '/' });
      expect(page.statusCode).toBe(503);
      expect(page.body).toContain('npm run build');
    } finally {
      await app.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('serves files added to a build directory, and nothing outside it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'homeward-dashboard-'));
    mkdirSync(path.join(dir, 'assets'));
    writeFileSync(path.join(dir, 'index.html'), '<html><head><meta name="homeward-map-tiles" content="" /></head><body><div id="app"></div></body></html>');
    writeFileSync(path.join(dir, 'assets', 'app-1.js'), 'console.log(1)');
    const app = Fastify();
    installDashboard(app, { dir, map: { tiles: '', attribution: '' } });
    try {
      expect((await app.inject({ method: 'GET', url: '/assets/app-1.js' })).body).toBe('console.log(1)');
      // Only the files read at start are routes: a path climbing out gets the page (or a 404), never a file.
      for (const url of ['/assets/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/assets/..%2f..%2fetc%2fhostname']) {
        const answer = await app.inject({ method: 'GET', url });
        expect(answer.body, url).not.toMatch(/root:|localhost/);
        expect([200, 404], url).toContain(answer.statusCode);
        if (answer.statusCode === 200) expect(answer.body, url).toContain('<div id="app"></div>');
      }
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the tile server for the Content-Security-Policy, subdomain templates included', () => {
    expect(tileOrigin('https://tile.openstreetmap.org/{z}/{x}/{y}.png')).toBe('https://tile.openstreetmap.org');
    expect(tileOrigin('https://{s}.tile.example.net/{z}/{x}/{y}.png')).toBe('https://*.tile.example.net');
    expect(tileOrigin('')).toBeUndefined();
  });
});
