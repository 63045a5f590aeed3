// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import reactHooks from 'eslint-plugin-react-hooks';

/**
 * The core points down: db ← lib ← plugins ← modules ← app. A layer may import the ones below it,
 * never the ones above, and no file imports itself back through a circle.
 */
const upward = (message, ...groups) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: groups, message }] }],
});

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'dist/', 'coverage/', 'test/fixtures/', 'web/dist/', 'web/src/api/schema.gen.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver-next': [createTypeScriptImportResolver()],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    files: ['src/db/**/*.ts'],
    rules: upward('src/db is the bottom layer: it may not import the server.', '**/server/**', '../server/*'),
  },
  {
    files: ['src/server/lib/**/*.ts'],
    rules: upward(
      'lib/ is core: it may import lib/ and db/ only, never plugins/, modules/ or the app.',
      '**/modules/**', '../modules/*', '**/plugins/**', '../plugins/*', '../app.js', '../types.js', '../main.js',
    ),
  },
  {
    files: ['src/server/plugins/**/*.ts'],
    rules: upward(
      'plugins/ may import lib/ and db/, never modules/ or the app.',
      '**/modules/**', '../modules/*', '../app.js', '../main.js',
    ),
  },
  {
    // The web app: the rules of hooks, and no import circles.
    files: ['web/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks, 'import-x': importX },
    settings: {
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'web/tsconfig.json' })],
    },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'warn',
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    // Tests read JSON of any shape.
    files: ['test/**/*.ts', 'bench/**/*.ts', 'src/**/*.test.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
