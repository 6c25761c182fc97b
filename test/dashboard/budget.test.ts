import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { expect, it } from 'vitest';

/**
 * Issue 8's budget: the first load is at most 150 KB of gzipped JavaScript and CSS, the map
 * included. Counted strictly: every script and style sheet in the build, lazily loaded ones too,
 * gzipped as the hub serves them (src/http/dashboard-routes.ts, level 9).
 */
const BUDGET_BYTES = 150 * 1024;
const assets = path.join(import.meta.dirname, '..', '..', 'dashboard', 'dist', 'assets');

it('keeps the dashboard within 150 KB of gzipped JavaScript and CSS', () => {
  const files = readdirSync(assets).filter((name) => /\.(js|css)$/.test(name));
  const sizes = Object.fromEntries(files.map((name) => [name, gzipSync(readFileSync(path.join(assets, name)), { level: 9 }).length]));
  const total = Object.values(sizes).reduce((sum, size) => sum + size, 0);
  expect(files.some((name) => name.endsWith('.js'))).toBe(true);
  expect(total, JSON.stringify(sizes)).toBeLessThanOrEqual(BUDGET_BYTES);
});
