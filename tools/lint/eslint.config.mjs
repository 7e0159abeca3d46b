// ESLint for ts2rtc, run from the repository root: `npm run lint` (root package.json).
// Rules: @eslint/js recommended + typescript-eslint recommended-type-checked (no-floating-promises and
// no-misused-promises among them), less the few listed below with the reason each is off. No style rules:
// layout is Prettier's job (.prettierrc.json).
// Type information comes from TypeScript 6 (typescript-eslint does not support 7 yet), reading the same
// tsconfigs `npm run typecheck` gives to TypeScript 7.
import path from 'node:path';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TS_FILES = ['addon/src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'custom_cards/src/**/*.ts'];
// Plain JavaScript scripts: typed through tools/lint/tsconfig.scripts.json (allowJs, not type-checked).
const JS_FILES = ['scripts/*.mjs', 'addon/scripts/*.mjs', 'addon/bin/*.js', 'custom_cards/build.mjs'];

export default defineConfig(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/fixtures/**'] },
  {
    files: [...TS_FILES, ...JS_FILES],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        tsconfigRootDir: ROOT,
        project: ['tsconfig.test.json', 'custom_cards/tsconfig.json', 'tools/lint/tsconfig.scripts.json'],
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's it/describe return a promise that the runner itself awaits and reports.
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['it', 'describe', 'test', 'suite'] },
          ],
        },
      ],
      // Passing on a caught value (typed unknown) is a rethrow, not a new non-Error reason.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // `_name` marks a binding kept on purpose (an unused parameter, a property left out of a rest).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // An `async` function without `await` still turns a throw into a rejection, which its callers rely on.
      '@typescript-eslint/require-await': 'off',
      // Flagged only String() of narrowed `unknown`s and of YAML scalars, which are primitives at run time.
      '@typescript-eslint/no-base-to-string': 'off',
      // Hygiene, not bugs; and TypeScript 6 (here) and 7 (the compiler) may disagree on what is unnecessary.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      // The control characters in our regular expressions are the point: they strip or refuse them in input.
      'no-control-regex': 'off',
    },
  },
  {
    files: JS_FILES,
    languageOptions: { globals: globals.node },
    rules: {
      // The scripts read JSON (package-lock.json, test output) untyped on purpose; `any` is their normal.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
