import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The feature modules: collection and what is built on it. */
const FEATURES = ['@app/collection', '@app/legacy', '@app/jobs', '@app/auth'];
const LIBS = [
  'calendar',
  'config',
  'common',
  'database',
  'redis',
  'cache',
  'auth',
  'monitoring',
  'kra-client',
  'kra-sandbox',
  'collection',
  'legacy',
  'jobs',
];

/** The module boundaries of the architecture: which libraries may not import what, and why. */
const BOUNDARIES = [
  { libs: ['calendar', 'common'], forbid: ['@app/*'], why: 'a foundation imports no other module' },
  { libs: ['config'], forbid: ['@app/*', '!@app/common'], why: 'a foundation imports no other module' },
  { libs: ['database', 'redis', 'cache'], forbid: FEATURES, why: 'infrastructure knows no feature' },
  {
    libs: ['kra-client'],
    forbid: ['@app/database', '@app/cache', ...FEATURES],
    why: 'the KRA client knows nothing of our database or features',
  },
  {
    libs: LIBS.filter((lib) => lib !== 'kra-sandbox'),
    forbid: ['@app/kra-sandbox'],
    why: 'only the apps and tests use the sandbox',
  },
  {
    libs: ['kra-sandbox'],
    forbid: ['@app/database', '@app/cache', '@app/redis', ...FEATURES],
    why: 'the sandbox simulates the gateway, nothing of ours',
  },
  {
    libs: ['collection'],
    forbid: ['@app/jobs', '@app/legacy'],
    why: 'collection knows neither the jobs nor the legacy bridge',
  },
];

/**
 * One `no-restricted-imports` block per library with every boundary that applies to it (a later
 * block would replace an earlier one's rule, not add to it). Specs are exempt: they may read the
 * sandbox's captures.
 */
function boundaries() {
  return LIBS.map((lib) => ({
    files: [`libs/${lib}/src/**`],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: BOUNDARIES.filter((rule) => rule.libs.includes(lib)).map((rule) => ({
            group: rule.forbid,
            message: `Module boundary: ${rule.why}.`,
          })),
        },
      ],
    },
  }));
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.mjs', 'test/bench/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // Nest modules are classes with only decorators.
      '@typescript-eslint/no-extraneous-class': 'off',
    },
  },
  {
    // Asymmetric matchers such as expect.any(String) are typed `any` by design.
    files: ['test/**/*.ts', '**/*.spec.ts'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
  // The module boundaries of the architecture (libs/ imported as @app/<name>): each rule names the
  // imports a part of the code may not make. Specs may use test helpers (the sandbox's captures).
  ...boundaries(),
  {
    files: ['**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', URL: 'readonly', fetch: 'readonly' },
    },
  },
);
