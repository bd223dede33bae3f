import { defineConfig } from 'vitest/config';

// Cross-package tests: notebooks execute, the kernel speaks Jupyter. The browser tests (test/lab) are a project of their own.
export default defineConfig({
  resolve: { mainFields: ['main'] },
  test: {
    name: 'integration',
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', 'lab/**'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: 'forks',
  },
});
