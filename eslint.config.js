// ESLint (flat config): a small rule set that catches real mistakes, not style (formatting is
// left to review). Run with `npm run lint`; CI fails on errors. Not here: no-floating-promises,
// which needs typed linting (typescript-eslint, not a dependency).
import js from '@eslint/js';
import globals from 'globals';

export default [
  { ignores: ['node_modules/', 'build*/', 'bench/models/', 'tests/artifacts/', '.node22/', '.node24/', 'docs/'] },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: 'module',
      globals: { ...globals.browser, ...globals.node, ...globals.worker },
    },
    rules: {
      ...js.configs.recommended.rules,
      'no-unused-vars': ['error', { args: 'none', caughtErrors: 'none' }],
      'no-undef': 'error',
      'prefer-const': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
];
