// @ts-check
// Lint configuration (ESLint flat config with typescript-eslint). Formatting is Prettier's job
// (`npm run format:check`); this file holds only rules that find bugs.
import eslint from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '.cache/**', '.e2e/**', 'bench-results/**', 'test/e2e/workspace/**', 'examples/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      // A variable a closure reads before its one assignment (a handler set up first) stays `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Custom LSP messages are namespaces with `method` and `type`, as in vscode-eslint.
    files: ['common/src/protocol.ts', 'common/src/modelFiles.ts'],
    rules: { '@typescript-eslint/no-namespace': 'off' },
  },
  { files: ['**/*.mjs', '**/*.js', '**/*.cjs'], languageOptions: { globals: globals.node } },
  { files: ['**/*.cjs', 'bin/*.js'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
  // Functions the end-to-end harness evaluates inside the browser page.
  { files: ['test/e2e/real-editor/**'], languageOptions: { globals: { ...globals.node, ...globals.browser } } },
);
