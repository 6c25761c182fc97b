import { readdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Dashboard first-load bytes (issue 10; issue 8's budget: "at most 150 KB of gzipped JavaScript and
 * CSS"), taken from a running hub as a phone's first visit gets them: GET / with Accept-Encoding: gzip,
 * then every same-origin file the page names (scripts, style sheets, manifest, icons) and the service
 * worker the app registers, counting the bytes on the wire. test/dashboard/budget.test.ts holds the
 * build to the budget file by file (every script, lazy ones too); this is the same budget as served.
 */
export interface DashboardBytes {
  /** The scripts and style sheets the page loads: the figure issue 8 budgets. */
  scriptAndStyleBytes: number;
  pageBytes: number;
  /** Everything else a first visit fetches: manifest, icons, the service worker. */
  otherBytes: number;
  files: Array<{ url: string; bytes: number; gzip: boolean }>;
  /** Every script and style sheet in the build (lazy chunks too), as the hub serves them. */
  buildScriptAndStyleBytes: number;
  buildFiles: number;
}

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function getBytes(port: number, url: string): Promise<{ bytes: number; gzip: boolean }> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path: url, agent: false, timeout: 5000, headers: { 'accept-encoding': 'gzip' } }, (response) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => (bytes += chunk.length));
      response.on('end', () => {
        if (response.statusCode !== 200) reject(new Error(`GET ${url}: ${response.statusCode}`));
        else resolve({ bytes, gzip: response.headers['content-encoding'] === 'gzip' });
      });
    });
    request.once('timeout', () => request.destroy(new Error(`GET ${url}: no answer within 5 s`)));
    request.once('error', reject);
  });
}

const isScriptOrStyle = (url: string) => /\.(js|css)$/.test(url) && url !== '/service-worker.js';

export async function measureDashboardBytes(httpPort: number): Promise<DashboardBytes> {
  const page = await new Promise<string>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: httpPort, path: '/', agent: false, timeout: 5000 }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => (response.statusCode === 200 ? resolve(text) : reject(new Error(`GET /: ${response.statusCode} (is the dashboard built?)`))));
      })
      .once('error', reject);
  });
  const named = [...page.matchAll(/\b(?:src|href)="(\/[^"/][^"]*)"/g)].map((match) => match[1] as string);
  const urls = [...new Set([...named, '/service-worker.js'])];
  if (!urls.some(isScriptOrStyle)) throw new Error('the dashboard page names no script or style sheet');
  const pageFile = { url: '/', ...(await getBytes(httpPort, '/')) };
  const files = [pageFile];
  for (const url of urls) files.push({ url, ...(await getBytes(httpPort, url)) });

  const assets = path.join(repo, 'dashboard', 'dist', 'assets');
  const built = readdirSync(assets).filter((name) => /\.(js|css)$/.test(name));
  let buildScriptAndStyleBytes = 0;
  for (const name of built) buildScriptAndStyleBytes += (await getBytes(httpPort, `/assets/${name}`)).bytes;

  const sum = (list: typeof files) => list.reduce((total, file) => total + file.bytes, 0);
  return {
    scriptAndStyleBytes: sum(files.filter((f) => isScriptOrStyle(f.url))),
    pageBytes: pageFile.bytes,
    otherBytes: sum(files.filter((f) => f.url !== '/' && !isScriptOrStyle(f.url))),
    files,
    buildScriptAndStyleBytes,
    buildFiles: built.length,
  };
}
