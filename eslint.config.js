// ESLint with typescript-eslint for the whole tree: the TypeScript host, tests, bench and demo,
// and the AssemblyScript kernels through a processor that hides AssemblyScript's function
// decorators from TypeScript's parser (scripts/eslint-assemblyscript.js).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import assemblyscript from './scripts/eslint-assemblyscript.js';

export default tseslint.config(
  {
    ignores: [
      '**/dist/',
      'build/',
      'node_modules/',
      'bench/results/',
      'test/browser/artifacts/',
      'test/browser/vite-app/node_modules/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    // AssemblyScript: its own types (i32, v128, usize…) and builtins (load, store, f32x4…) are
    // globals the compiler checks; the rules that still apply are the language-neutral ones.
    files: ['assembly/**/*.ts', 'test/assembly/**/*.ts'],
    processor: assemblyscript,
    rules: {
      'prefer-const': 'off',
      // `// @ts-ignore: decorator` before @inline is AssemblyScript's idiom for TypeScript tooling.
      '@typescript-eslint/ban-ts-comment': 'off',
      // Locals are assigned on every path of a compile-time branch (ASC_FEATURE_SIMD), after a default.
      'no-useless-assignment': 'off',
      '@typescript-eslint/no-namespace': 'off',
      '@typescript-eslint/no-inferrable-types': 'off',
    },
  },
);
