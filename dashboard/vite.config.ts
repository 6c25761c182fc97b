import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The dashboard build: Preact through Vite's own JSX transform (no plugin), one bundle for the
 * first load (issue 8's budget: 150 KB of gzipped JavaScript and CSS, the map included), hashed
 * file names so the hub can let browsers cache them for a year.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    sourcemap: false,
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
  // `npm run dashboard:dev`: the API (live events included) from a hub running on this machine.
  server: { proxy: { '/api': 'http://127.0.0.1:8080', '/service-worker.js': 'http://127.0.0.1:8080' } },
  logLevel: 'warn',
});
