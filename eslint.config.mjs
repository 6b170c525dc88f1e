// @ts-check
import { builtinModules } from 'node:module';
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Only the public rxjs API, everywhere. */
const publicRxjsOnly = {
  group: ['rxjs/internal/*'],
  message: 'Use the public rxjs API only.',
};

/**
 * Source files that may load Node built-ins: the command line. Everything else under src/ is the
 * library, which must run in browsers; a Node-only source file (say, an adapter that needs
 * `node:stream`) is added here, by name.
 */
const nodeOnlySources = ['src/cli/**'];

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'node_modules/', '.tshy/', '.tshy-build/', 'docs/api/'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: [publicRxjsOnly] }],
    },
  },
  {
    // The library entries (rxjs-pool, rxjs-pool/redis) and everything they import.
    files: ['src/**/*.ts'],
    ignores: nodeOnlySources,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: builtinModules.map((name) => ({
            name,
            message: 'The library runs in browsers too: no Node built-ins outside src/cli/.',
          })),
          patterns: [
            publicRxjsOnly,
            {
              group: ['node:*'],
              message: 'The library runs in browsers too: no Node built-ins outside src/cli/.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
