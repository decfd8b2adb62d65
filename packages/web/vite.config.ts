import { readFileSync } from 'node:fs';
import { fileURLToPath, URL } from 'node:url';
import { addTypenameToDocument } from '@apollo/client/utilities';
import vue from '@vitejs/plugin-vue';
import { parse, print } from 'graphql';
import { defineConfig, type HtmlTagDescriptor, type Plugin, type Rollup } from 'vite';

const apiTarget = process.env.BAM_API_URL ?? 'http://127.0.0.1:4000';

const FIRST_QUERIES = 'virtual:first-queries';

/**
 * `virtual:first-queries`: the text of the first view's queries exactly as the Apollo client sends
 * them (with `__typename`, printed), made at build time so that the console's entry sends them
 * without carrying a GraphQL parser or the generated documents.
 */
function firstQueries(): Plugin {
  const files = { meQuery: './src/auth/me.query.graphql', organizationsQuery: './src/organizations/organizations.query.graphql' };
  return {
    name: 'bam-first-queries',
    resolveId: (id) => (id === FIRST_QUERIES ? `\0${FIRST_QUERIES}` : undefined),
    load(id) {
      if (id !== `\0${FIRST_QUERIES}`) return undefined;
      return Object.entries(files)
        .map(([name, file]) => {
          const path = fileURLToPath(new URL(file, import.meta.url));
          this.addWatchFile(path);
          return `export const ${name} = ${JSON.stringify(print(addTypenameToDocument(parse(readFileSync(path, 'utf8')))))};`;
        })
        .join('\n');
    },
  };
}

/** The entry's chunk, and the chunks `start-console.ts` needs at once: what the first view runs, by file name. */
function firstViewChunks(bundle: Rollup.OutputBundle): { entry?: string; start: Set<string> } {
  const chunks = Object.values(bundle).filter((output) => output.type === 'chunk');
  const entry = chunks.find((chunk) => chunk.isEntry)?.fileName;
  const start = new Set<string>();
  const visit = (fileName: string) => {
    if (start.has(fileName)) return;
    start.add(fileName);
    for (const imported of chunks.find((chunk) => chunk.fileName === fileName)?.imports ?? []) visit(imported);
  };
  const startChunk = chunks.find((chunk) => chunk.facadeModuleId?.endsWith('/src/start-console.ts'));
  if (startChunk) visit(startChunk.fileName);
  if (entry) start.delete(entry);
  return { entry, start };
}

/**
 * The console's entry is small (it sends the first queries, then imports `start-console.ts`): this
 * lets the browser fetch that import and its chunks at once, beside the entry, instead of after it.
 */
function preloadConsoleStart(): Plugin {
  return {
    name: 'bam-preload-console-start',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler: (_html, { bundle }) =>
        [...firstViewChunks(bundle ?? {}).start].map((fileName): HtmlTagDescriptor => ({
          tag: 'link',
          attrs: { rel: 'modulepreload', crossorigin: true, href: `/${fileName}` },
          injectTo: 'head',
        })),
    },
  };
}

/**
 * Nearly every function of the first view's chunks (Vue, Apollo Client, the views) runs during the
 * first load. V8 compiles a function lazily, on the main thread, when it is first called; this
 * compile hint (Chromium 136+, ignored elsewhere) has it compile the whole file eagerly while the
 * script streams in, mostly off the main thread: ~20–50 ms less main-thread time per cold load.
 * Added after minification (which drops comments); the file names' hashes stay valid, as the same
 * chunks get the same line in every build.
 */
function compileFirstViewEagerly(): Plugin {
  return {
    name: 'bam-compile-first-view-eagerly',
    apply: 'build',
    generateBundle: {
      // After Vite's own changes to the chunks (it puts the dynamic imports' preload list first).
      order: 'post',
      handler(_options, bundle) {
        const { entry, start } = firstViewChunks(bundle);
        for (const fileName of [...(entry ? [entry] : []), ...start]) {
          const chunk = bundle[fileName];
          if (chunk?.type === 'chunk') chunk.code = `//# allFunctionsCalledOnLoad\n${chunk.code}`;
        }
      },
    },
  };
}

/** Where the server-side renderer of the console's first view is built: inside dist/, which the server never serves as files. */
const SSR_OUT_DIR = 'dist/ssr';

/**
 * Two pages, built one after the other into dist/ (`vite build && vite build --mode playground`):
 * the console, and the playground (GraphiQL + React, ~850 kB). Separate builds share no chunk, so
 * the console never downloads code split out for the playground. A third build
 * (`vite build --ssr src/entry-server.ts`) makes the server's renderer of the console's first view:
 * one self-contained module (Vue, Apollo Client and the views bundled in), so the server loads it
 * from the web dist folder it serves, with no dependency of its own.
 */
export default defineConfig(({ mode, isSsrBuild }) => {
  const playground = mode === 'playground';
  if (isSsrBuild) {
    return {
      plugins: [vue({ features: { optionsAPI: false, prodDevtools: false } }), firstQueries()],
      // The server runs without NODE_ENV=production unless its operator sets it: Vue's production build regardless.
      define: { 'process.env.NODE_ENV': JSON.stringify('production') },
      ssr: { noExternal: true, target: 'node' },
      build: {
        outDir: SSR_OUT_DIR,
        emptyOutDir: true,
        minify: false,
        rollupOptions: {
          // `.mjs`: the bench and deployments copy dist/ to folders without a package.json saying "module".
          output: { format: 'es', entryFileNames: '[name].mjs', chunkFileNames: '[name]-[hash].mjs', codeSplitting: false },
        },
      },
    };
  }
  return {
    plugins: [
      // Every component is `<script setup>`: without the Options API Vue's runtime is smaller and
      // resolves each component's setup without looking for options first.
      vue({ features: { optionsAPI: false, prodDevtools: false, prodHydrationMismatchDetails: false } }),
      firstQueries(),
      preloadConsoleStart(),
      ...(playground ? [] : [compileFirstViewEagerly()]),
    ],
    build: {
      emptyOutDir: !playground,
      chunkSizeWarningLimit: playground ? 900 : 500,
      rollupOptions: {
        // GraphiQL's React dependencies carry "use client" directives, meaningless outside React Server Components.
        onwarn(warning, warn) {
          if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
        },
        input: playground
          ? { playground: fileURLToPath(new URL('./playground.html', import.meta.url)) }
          : { console: fileURLToPath(new URL('./index.html', import.meta.url)) },
      },
    },
    server: {
      // The dev server serves the console; the API (HTTP and WebSocket) stays on the real server.
      proxy: {
        '/graphql': { target: apiTarget, ws: true, changeOrigin: true },
      },
    },
  };
});
