import { defineConfig } from 'vitest/config';

// Two cores: keep at most two test files in flight; browser specs start their own Chromium.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'training/**/*.test.ts', 'imaging/**/*.test.ts', 'eval/**/*.test.ts', 'signaling-server/**/*.test.ts', 'bench/**/*.test.ts', 'test/**/*.test.ts', 'scripts/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    reporters: ['default'],
  },
});
