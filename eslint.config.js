// Type-aware linting for every workspace. The rules that matter most here:
// no-floating-promises (a forgotten await in a consumer loses an error or an offset) and
// the import bans that keep the Kafka client behind the seam and packages behind their
// public entry points.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '.state/**',
      'schemas/src/generated/**',
      'web/src/**',
      'web/build/**',
      'web/.svelte-kit/**',
      'web/*.js',
      'web/*.ts',
      'eslint.config.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    // web/tsconfig.json is the SvelteKit app's (it extends a file `svelte-kit sync` generates);
    // the UI's process wrapper and browser tests are plain Node code in the root program.
    files: ['web/service/**/*.ts', 'web/browser-tests/**/*.ts'],
    languageOptions: {
      parserOptions: {
        projectService: false,
        project: './tsconfig.json',
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  {
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'kafkajs',
              message:
                'Only the seam (runtime/src/kafka/seam.ts, processor.ts, sink.ts) talks to kafkajs: use connectSeam().',
            },
          ],
          patterns: [
            {
              group: ['@ipmi-monitor/*/src/*', '@ipmi-monitor/*/dist/*'],
              message: 'Import a package through its entry point, not its internals.',
            },
            {
              group: [
                '../../runtime/*',
                '../../ipmi/*',
                '../../cli/*',
                '../../db/*',
                '../../schemas/*',
                '../../collector/*',
                '../../streams/*',
                '../../projections/*',
                '../../api/*',
              ],
              message: 'Cross-package relative imports are banned: use the package name.',
            },
          ],
        },
      ],
    },
  },
  {
    files: [
      'runtime/src/kafka/seam.ts',
      'runtime/src/kafka/processor.ts',
      'runtime/src/kafka/sink.ts',
    ],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // Examples are what an integrator writes: kafkajs directly, and none of our packages,
    // which an integrator does not have. Their tests may use our packages to set the stage.
    files: ['examples/**/*.ts'],
    ignores: ['examples/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@ipmi-monitor/*', '../../*'],
              message: 'Examples use public libraries only: integrators do not have our packages.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.test.ts'],
    rules: {
      // node:test's describe/test return promises the runner awaits itself.
      '@typescript-eslint/no-floating-promises': 'off',
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      parserOptions: { projectService: false, project: null },
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly' },
    },
  },
);
