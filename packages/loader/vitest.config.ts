import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { name: 'loader', include: ['src/**/*.test.ts'], testTimeout: 120_000 },
});
