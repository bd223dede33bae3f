import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { name: 'jupyterlab', include: ['src/**/*.test.ts'] },
});
