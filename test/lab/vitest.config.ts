import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { mainFields: ['main'] },
  test: {
    name: 'lab',
    include: ['*.test.ts'],
    globalSetup: ['global-setup.ts'],
    testTimeout: 240_000,
    hookTimeout: 240_000,
    pool: 'forks',
    // One browser at a time: the machine has two cores and the live test runs a kernel.
    fileParallelism: false,
  },
});
