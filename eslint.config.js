import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import reactRefresh from 'eslint-plugin-react-refresh';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist',
      'public/demo',
      'test-results',
      'playwright-report',
      'e2e/.fixtures',
      'bench/results',
      'bench/.data',
    ],
  },
  {
    files: ['**/*.{ts,tsx}'],
    extends: [js.configs.recommended, ...tseslint.configs.strict],
    languageOptions: { ecmaVersion: 2022, globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Records keyed by image id are plain objects, stored as they are in IndexedDB.
      '@typescript-eslint/no-dynamic-delete': 'off',
    },
  },
  {
    // Components, and the hooks beside them in .ts files (useLoaded, usePages, useMetrics).
    files: ['src/**/*.tsx', 'src/ui/**/*.ts'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      // useLoaded (src/ui/common/useLoaded.ts) takes its dependencies as useEffect does: checked alike.
      'react-hooks/exhaustive-deps': ['warn', { additionalHooks: '^useLoaded$' }],
    },
  },
  {
    files: ['src/**/*.tsx'],
    plugins: { 'react-refresh': reactRefresh },
    rules: {
      'react-refresh/only-export-components': ['error', { allowConstantExport: true }],
    },
  },
  // Layering (docs/architecture.md, "Layers"): each source file is in exactly one layer below, and
  // each layer names what it may not import. Test files follow the layer of the code they test.
  {
    // src/lib: the app's cross-cutting pieces (the RPC, stop signals, seeded random, GPU faults).
    files: ['src/lib/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./',
              message: 'src/lib imports nothing of the app: it is what every layer may use.',
            },
          ],
        },
      ],
    },
  },
  // The page: React, the store, and the page-side handles on the workers. It never loads tfjs or
  // code that runs only in a worker; it may import the types of the worker protocol and of the
  // pipeline, and the pipeline's tfjs-free modules (records, summaries, metrics, configs). The
  // patterns are anchored at src/ by each file's depth, so that src/ui/diagnose is not
  // src/diagnose.
  ...[
    ['src/*.{ts,tsx}'],
    ['src/ui/*.{ts,tsx}', 'src/store/**', 'src/client/**', 'src/offline/register.ts'],
    ['src/ui/*/**'],
  ].map((files, depth) => {
    const up = depth === 0 ? '\\./' : `(\\.\\./){${depth}}`;
    return {
      files,
      rules: {
        '@typescript-eslint/no-restricted-imports': [
          'error',
          {
            patterns: [
              { group: ['@tensorflow/*'], message: 'tfjs lives in the workers only.' },
              {
                regex: [
                  `^${up}(worker|training|engine|kernels|loader|diagnose)/`,
                  `^${up}models/(?!\\w+Config\\.ts$)`,
                  `^${up}(masking/apply|evaluation/(evaluate|tta)|runs/(checkpoint|exchange|pretrained|saveModel))\\.ts$`,
                ].join('|'),
                allowTypeImports: true,
                message:
                  'This module runs in a worker (it loads tfjs): the page asks the worker through src/client, and may import its types only.',
              },
            ],
          },
        ],
      },
    };
  }),
  {
    // The pipeline: what each stage does, run by the workers and tested directly. It never reaches
    // back up into the worker entries, the page's handles, the store or the UI.
    files: [
      'src/{dataset,loader,training,engine,runs,models,kernels,metrics,masking,evaluation,diagnose,backup,storage,pipeline}/**',
    ],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/worker/*', '**/client/*', '**/store/*', '**/ui/**', '**/App.tsx'],
              message:
                'Pipeline code never imports the worker, the page or the UI: signals and the RPC live in src/lib.',
            },
          ],
        },
      ],
    },
  },
  {
    // The compute worker: routes requests to the pipeline. Never imports the page.
    files: ['src/worker/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/client/*', '**/store/*', '**/ui/**', '**/App.tsx'],
              message: 'The worker never imports page code.',
            },
          ],
        },
      ],
    },
  },
);
