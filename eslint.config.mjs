// Flat config: typescript-eslint's recommended rules over every workspace's TypeScript.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.helmdesk/**', 'services/console/**', 'helm/**', 'k8s/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' }],
      'no-restricted-properties': [
        'error',
        {
          object: 'AbortSignal',
          property: 'any',
          message: 'On Node 20 it leaks when one of the signals is long-lived (nodejs/node#55351); pass the signals to sleep() from @helmdesk/platform instead.',
        },
      ],
    },
  },
  {
    // End-to-end tests read untyped JSON from the public API.
    files: ['test/**/*.ts', 'libs/testkit/src/api-client.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['libs/testkit/src/global-setup.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    // page.evaluate() callbacks run in the browser.
    files: ['test/e2e-browser/**/*.mjs'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { ...globals.node } },
  },
);
