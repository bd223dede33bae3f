import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/lib/**',
      '**/labextension/**',
      'test/lab/build/**',
      'test/**/out/**',
      '**/*.d.ts',
      '.nx/**',
      'bench/results/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // Browser code: the renderer and the test JupyterLab's app.
  {
    files: ['packages/jupyterlab/src/**', 'test/lab/app/**', 'test/page/**', 'test/deploy/page.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  // rspack reads a CommonJS config.
  { files: ['**/*.cjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
