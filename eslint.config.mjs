import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import tseslint from 'typescript-eslint';

/**
 * The architecture's arrows: what each library may import of ours (`@app/<name>`), and why not the
 * rest. Everything not listed is forbidden; the apps and the tests may import anything.
 */
const FOUNDATION = 'a foundation imports no other module';
const INFRASTRUCTURE = 'infrastructure knows no feature';
const ARCHITECTURE = {
  calendar: { may: [], why: FOUNDATION },
  common: { may: [], why: FOUNDATION },
  // The settings name the API scopes, which common declares.
  config: { may: ['common'], why: FOUNDATION },
  database: { may: ['common', 'config'], why: INFRASTRUCTURE },
  redis: { may: ['common', 'config'], why: INFRASTRUCTURE },
  cache: { may: ['common', 'config', 'redis'], why: INFRASTRUCTURE },
  monitoring: { may: ['common', 'config', 'redis'], why: INFRASTRUCTURE },
  auth: { may: ['common', 'config', 'database', 'redis'], why: INFRASTRUCTURE },
  'kra-client': {
    may: ['calendar', 'common', 'config', 'redis', 'monitoring'],
    why: 'the KRA client knows nothing of our database or features',
  },
  'kra-sandbox': {
    may: ['calendar', 'common', 'config', 'kra-client'],
    why: 'the sandbox simulates the gateway, nothing of ours',
  },
  collection: {
    may: ['calendar', 'common', 'config', 'database', 'cache', 'kra-client'],
    why: 'collection builds on the KRA client and the infrastructure; routes declare access through common',
  },
  legacy: {
    may: ['calendar', 'common', 'config', 'database', 'cache', 'kra-client', 'collection'],
    why: 'the legacy bridge builds on collection',
  },
  analysis: {
    may: ['calendar', 'common', 'config', 'database', 'cache', 'collection'],
    why: 'the analysis reads what collection stored, never the KRA client',
  },
  jobs: {
    may: ['common', 'config', 'database', 'monitoring'],
    why: 'the job mechanism knows no feature and no KRA client: kinds register themselves',
  },
};
const LIBS = Object.keys(ARCHITECTURE);
const FEATURES = ['collection', 'legacy', 'analysis'];

/** Arrows with a reason of their own, checked after the lists above (the last matching policy wins). */
const SPECIFIC = [
  {
    from: LIBS.filter((lib) => lib !== 'kra-sandbox'),
    to: ['kra-sandbox'],
    why: 'only the apps and tests use the sandbox',
  },
  { from: FEATURES, to: ['jobs'], why: 'features enqueue through the port in common, never through jobs' },
  { from: ['collection'], to: ['jobs', 'legacy'], why: 'collection knows neither the jobs nor the legacy bridge' },
];

const element = (type) => ({ to: { element: { type } } });
const message = (why) => `Module boundary: ${why}.`;

/** eslint-plugin-boundaries: each library an element, resolved through tsconfig's paths. */
function boundariesConfig() {
  const policies = [
    ...LIBS.map((lib) => ({
      from: { element: { type: lib } },
      disallow: LIBS.filter((other) => other !== lib && !ARCHITECTURE[lib].may.includes(other)).map(element),
      message: message(ARCHITECTURE[lib].why),
    })),
    ...SPECIFIC.map((rule) => ({
      from: rule.from.map((type) => ({ element: { type } })),
      disallow: rule.to.map(element),
      message: message(rule.why),
    })),
    {
      from: [...LIBS, 'app'].map((type) => ({ element: { type } })),
      disallow: LIBS.map((type) => ({ to: { element: { type, fileInternalPath: '!src/index.ts' } } })),
      message: message('another library is imported through its index, @app/<name>, never a file inside it'),
    },
  ];
  return {
    files: ['libs/**/*.ts', 'apps/**/*.ts'],
    // Specs may use test helpers (the sandbox's captures).
    ignores: ['**/*.spec.ts'],
    plugins: { boundaries },
    settings: {
      'import/resolver': { typescript: { project: 'tsconfig.json' } },
      'boundaries/elements': [
        ...LIBS.map((lib) => ({ type: lib, pattern: `libs/${lib}` })),
        { type: 'app', pattern: 'apps/*' },
      ],
    },
    rules: {
      'boundaries/dependencies': ['error', { default: 'allow', policies }],
    },
  };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          allowDefaultProject: ['*.mjs', 'test/bench/*.mjs'],
          // The config and the benchmark scripts, each outside the TypeScript project.
          maximumDefaultProjectFileMatchCount_THIS_WILL_SLOW_DOWN_LINTING: 20,
        },
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
  // The module boundaries of the architecture (libs/ imported as @app/<name>).
  boundariesConfig(),
  {
    files: ['**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', URL: 'readonly', fetch: 'readonly' },
    },
  },
);
