import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/bench/**', 'node_modules/**', 'dist/**'],
    // Real brokers, databases and child processes: give them room, but never rely on sleeping.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
