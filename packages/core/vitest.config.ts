import { defineConfig } from 'vitest/config';

export default defineConfig({
  // tfjs ships CommonJS (main) and ESM (module) builds; resolving both would load
  // two tfjs-core engines that don't share backends. Use the CommonJS builds, as Node does.
  resolve: { mainFields: ['main'] },
  ssr: { resolve: { conditions: ['node'] } },
  test: {
    name: 'core',
    include: ['src/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // tfjs backends are process-global; one worker process per file keeps them apart.
    pool: 'forks',
  },
});
