import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

// Node loads graphql's CommonJS entry for type-graphql and Apollo; Vite would pick its .mjs entry for
// our own imports. Two copies break graphql's instanceof checks, so tests use Node's copy too.
const graphqlEntry = createRequire(new URL('./packages/server/package.json', import.meta.url)).resolve('graphql');
const nodeGraphql = { alias: [{ find: /^graphql$/, replacement: graphqlEntry }] };

const serverIntegration = ['packages/server/test/integration/**/*.test.ts'];

/**
 * The whole suite: unit tests beside the code, the server's integration tests once against real
 * PostgreSQL and once against the embedded default, and the browser tests in `test/`.
 */
export default defineConfig({
  test: {
    // Vitest's default, one worker fewer than the cores, runs one file at a time on a 2-core machine;
    // the files spend much of their time waiting on servers, databases and the browser, so two overlap well.
    maxWorkers: 2,
    projects: [
      { test: { name: 'shared', include: ['packages/shared/src/**/*.test.ts'] } },
      {
        resolve: nodeGraphql,
        test: {
          name: 'server-unit',
          include: ['packages/server/src/**/*.test.ts'],
          setupFiles: ['packages/server/test/support/setup.ts'],
        },
      },
      {
        resolve: nodeGraphql,
        test: {
          name: 'server-postgres',
          include: serverIntegration,
          setupFiles: ['packages/server/test/support/setup.ts'],
          env: { TEST_DATABASE: 'postgres' },
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        resolve: nodeGraphql,
        test: {
          name: 'server-embedded',
          include: serverIntegration,
          globalSetup: ['packages/server/test/support/embedded-template.ts'],
          setupFiles: ['packages/server/test/support/setup.ts'],
          env: { TEST_DATABASE: 'embedded' },
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'entra-emulator',
          include: ['packages/entra-emulator/{src,test}/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      // The lint's layer rule, checked on imports it must refuse and allow (ESLint's first run loads its plugins).
      { test: { name: 'architecture', include: ['test/architecture/**/*.test.ts'], testTimeout: 30_000 } },
      // `bench --smoke`: every bench row once with tiny sizes, on the built product. Its hooks start
      // Chromium, which took over the 10 s default once on a loaded machine, as in the browser project.
      { test: { name: 'bench', include: ['bench/**/*.test.ts'], testTimeout: 180_000, hookTimeout: 120_000 } },
      // The web console's own config (Vue plugin, happy-dom).
      'packages/web/vitest.config.ts',
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          env: { TEST_DATABASE: 'postgres' },
          // What a poll waits for is the server's or the console's answer, which a loaded machine can
          // hold up for seconds: one check after 1 s (the default) failed in CI with two files at a time.
          expect: { poll: { timeout: 10_000 } },
          testTimeout: 90_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
