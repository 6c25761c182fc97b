import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/bench/**', 'node_modules/**', 'dist/**'],
    // Real brokers, databases and child processes: give them room, but never rely on sleeping.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Vitest's default on a 2-core machine is one worker, but most of a test's time here is spent
    // waiting on real brokers, hubs, Caddy and Chromium in other processes: two files at once keep both
    // cores busy and bring the suite back under ten minutes.
    maxWorkers: 2,
  },
});
