import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { mainFields: ['main'] },
  test: {
    name: 'kernel',
    include: ['src/**/*.test.ts'],
    testTimeout: 120_000,
    pool: 'forks',
  },
});
