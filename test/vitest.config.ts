import { defineConfig } from 'vitest/config';

// Cross-package tests: notebooks execute, the kernel speaks Jupyter, the renderer draws in a browser.
export default defineConfig({
  resolve: { mainFields: ['main'] },
  test: {
    name: 'integration',
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', 'lab/**'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: 'forks',
    passWithNoTests: true,
  },
});
