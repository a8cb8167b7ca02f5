import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** Files that are tests: looser rules for fixtures and `expect` payloads. */
const testFiles = ['test/**/*.ts'];

/** Files that talk to a human on purpose, so `console` is their output channel. */
const cliFiles = ['scripts/**', 'bench/**', 'examples/**', ...testFiles];

/**
 * Node globals for the plain JavaScript files (config, scripts). TypeScript
 * files get `no-undef` switched off by typescript-eslint because the compiler
 * already checks names; JS files are not type-checked, so they need the list.
 * Kept by hand to avoid a dependency for a dozen names.
 */
const nodeGlobals = Object.fromEntries(
  [
    'AbortController',
    'AbortSignal',
    'Buffer',
    'URL',
    'clearTimeout',
    'console',
    'fetch',
    'performance',
    'process',
    'queueMicrotask',
    'setTimeout',
    'structuredClone',
  ].map((name) => [name, 'readonly']),
);

/**
 * Focused, skipped and todo tests pass CI while checking nothing, so they are
 * errors everywhere. `skipIf`/`runIf` stay allowed: backend suites use them to
 * skip, with a printed reason, when a local server is not configured.
 */
const testRunners = '/^(describe|suite|it|test|bench)$/';
const bannedModifiers = '/^(only|skip|todo)$/';
const bannedModifierMessage =
  'Focused, skipped or todo tests must not be committed: they let CI pass without running the test.';

export default defineConfig([
  globalIgnores([
    'dist/',
    'node_modules/',
    'coverage/',
    '.ci-out/',
    '.tmp/',
    // The docs site's generated API pages, VitePress cache and output (npm run docs:build).
    'site/api/',
    'site/.vitepress/cache/',
    'site/.vitepress/dist/',
  ]),

  js.configs.recommended,
  tseslint.configs.strictTypeChecked,

  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: {
      reportUnusedDisableDirectives: 'error',
    },
    rules: {
      'no-console': 'error',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'separate-type-imports' },
      ],
      '@typescript-eslint/no-floating-promises': 'error',
      // Numbers in messages (attempt counts, delays in ms) are normal and safe
      // to interpolate; objects and nullish values still are not.
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      // Aborts reject with `signal.reason` unchanged and caught values are
      // rethrown as they came (typed `any`/`unknown`); literal non-errors such
      // as `reject('timeout')` are still reported.
      '@typescript-eslint/prefer-promise-reject-errors': [
        'error',
        { allowThrowingAny: true, allowThrowingUnknown: true },
      ],
      // Public entry points re-check their arguments at runtime because plain
      // JavaScript callers bypass the types (options are validated and rejected
      // with ConfigurationError); this rule reports exactly those checks.
      '@typescript-eslint/no-unnecessary-condition': 'off',
      // `() => server.close()` callbacks and `if (bad) return reply(res, 400)`
      // in a void function are idiomatic; a void value assigned or used inside a
      // larger expression is still reported.
      '@typescript-eslint/no-confusing-void-expression': [
        'error',
        { ignoreArrowShorthand: true, ignoreVoidReturningFunctions: true },
      ],
      // In-memory implementations of async interfaces are `async` without
      // awaiting so that a synchronous throw still surfaces as a rejection.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'all', caughtErrorsIgnorePattern: '^_' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: `MemberExpression[object.name=${testRunners}][property.name=${bannedModifiers}]`,
          message: bannedModifierMessage,
        },
        {
          // Chained forms such as `describe.concurrent.only` or `it.sequential.skip`.
          selector: `MemberExpression[object.object.name=${testRunners}][property.name=${bannedModifiers}]`,
          message: bannedModifierMessage,
        },
      ],
    },
  },

  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: nodeGlobals },
  },

  {
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', exports: 'writable', __dirname: 'readonly', __filename: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },

  {
    files: cliFiles,
    rules: { 'no-console': 'off' },
  },

  {
    files: testFiles,
    rules: {
      // `expect.any(...)`, `expect.objectContaining(...)` and friends are typed
      // `any`; placing them inside expected objects is the point of them.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      // A test that reaches past a lookup it just set up is asserting on it; a
      // wrong `!` fails the test loudly, which is what we want.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // `expect(store.append).toHaveBeenCalled()` passes a method unbound on purpose.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
]);
