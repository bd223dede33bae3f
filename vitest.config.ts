import { defineConfig } from 'vitest/config';

// `npm test` at the root runs every package's tests (each package has its own config).
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'test/vitest.config.ts', 'test/lab/vitest.config.ts'],
  },
});
