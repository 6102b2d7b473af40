// Lint rules that catch real Temporal bugs: a forgotten `await` on a Temporal API (no-floating-promises), an
// activity imported as a value into workflow code (consistent-type-imports + no-restricted-imports), and I/O in
// the deterministic workflow sandbox.
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = ['fs', 'path', 'os', 'http', 'https', 'net', 'child_process', 'crypto', 'worker_threads', 'dns', 'stream'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/**', 'test-output/**', '*.config.js', '*.config.mjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'error',
    },
  },
  {
    // Plain CommonJS scripts and fixtures loaded by require(): require is how they import.
    files: ['**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['workflows/**/*.ts', 'common/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...NODE_BUILTINS.flatMap((m) => [m, `node:${m}`]).map((name) => ({ name, message: 'workflow code is deterministic: do I/O in activities' })),
            { name: '@anthropic-ai/sdk', message: 'the model is called from activities/model-call.ts' },
            { name: 'better-sqlite3', message: 'stores are used from activities' },
            { name: '@temporalio/activity', message: 'workflows import activities as types only' },
            { name: '@temporalio/client', message: 'workflows do not use the client' },
            { name: '@temporalio/worker', message: 'workflows do not use the worker' },
          ],
          patterns: [{ group: ['../activities', '../activities/*', '../agents', '../agents/*', '../examples/*'], allowTypeImports: true, message: 'import activity and agent code as types only' }],
        },
      ],
    },
  },
);
