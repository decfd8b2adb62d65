// @ts-check
import boundaries from 'eslint-plugin-boundaries';
import prettier from 'eslint-config-prettier';
import vue from 'eslint-plugin-vue';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const server = 'packages/server/src';

/**
 * The server's layers, by file. The first pattern that matches a file decides its category (without
 * `stopMatching` a file would take every category that matches, the catch-all's too): the toolkit
 * folders first, then the role suffixes of domain files, then the catch-all for a domain's own logic.
 */
const serverFiles = [
  { category: 'entry', pattern: [`${server}/{main,demo-main,run-server,app,server,server-shutdown,cli,schema-file}.ts`, `${server}/cli/**`] },
  { category: 'graphql', pattern: `${server}/graphql/**` },
  { category: 'http', pattern: `${server}/http/**` },
  { category: 'infrastructure', pattern: [`${server}/{config,logging,database}/**`, `${server}/domain-module.ts`] },
  { category: 'pfx', pattern: `${server}/pfx/**` },
  { category: 'common', pattern: `${server}/common/**` },
  { category: 'module', pattern: `${server}/*/*.module.ts` },
  { category: 'resolver', pattern: `${server}/*/*.{resolver,mutation,type,input}.ts` },
  { category: 'loaders', pattern: `${server}/*/*.loaders.ts` },
  { category: 'entity', pattern: `${server}/*/*.entity.ts` },
  // Everything else in a domain folder is its business logic: services, rules, key custody.
  { category: 'service', pattern: `${server}/*/**` },
].map((descriptor) => ({ ...descriptor, stopMatching: true }));

/** Who may import whom: resolvers → services → persistence, and the toolkits know no domain. */
const serverLayers = {
  entry: ['entry', 'module', 'resolver', 'loaders', 'entity', 'graphql', 'http', 'infrastructure', 'pfx', 'common', 'service'],
  module: ['module', 'resolver', 'loaders', 'entity', 'graphql', 'infrastructure', 'pfx', 'common', 'service'],
  resolver: ['resolver', 'loaders', 'entity', 'graphql', 'http', 'infrastructure', 'common', 'service'],
  service: ['service', 'entity', 'infrastructure', 'pfx', 'common'],
  loaders: ['loaders', 'entity', 'common'],
  entity: ['entity', 'common'],
  graphql: ['graphql', 'infrastructure', 'common'],
  http: ['http', 'common'],
  infrastructure: ['infrastructure', 'common'],
  // The PKCS#12 reader needs only the error type and the shared codes: it could be its own package.
  pfx: ['pfx', 'common'],
  common: ['common'],
};

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'packages/web/src/generated/**', 'test-artifacts/**', '.data/**'] },
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } },
  },
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      // Domain modules extend the Services and Loaders registries by declaration merging: empty at their declaration.
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'always' }],
      // One configuration module, validated at start-up: packages/server/src/config/config.ts.
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through config/config.ts.' }],
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.type='MetaProperty'][property.name='env']", message: 'The console takes no build-time configuration.' },
      ],
    },
  },
  {
    // The configuration module itself, build and test tooling.
    files: [
      `${server}/config/config.ts`,
      '**/vite.config.ts',
      '**/vitest.config.ts',
      'test/**',
      'packages/*/test/**',
      '**/*.test.ts',
      'packages/web/scripts/**',
      'packages/web/codegen.ts',
      'bench/**',
    ],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: [`${server}/**/*.ts`],
    ignores: [`${server}/**/*.test.ts`],
    plugins: { boundaries },
    settings: {
      'boundaries/files': serverFiles,
      'boundaries/root-path': import.meta.dirname,
      'import/resolver': { typescript: { project: 'packages/server/tsconfig.json' } },
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          policies: Object.entries(serverLayers).map(([from, to]) => ({
            from: { file: { categories: from } },
            allow: { to: { file: { categories: { anyOf: to } } } },
          })),
        },
      ],
    },
  },
  prettier,
);
