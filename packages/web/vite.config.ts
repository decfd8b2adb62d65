import { fileURLToPath, URL } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

const apiTarget = process.env.BAM_API_URL ?? 'http://127.0.0.1:4000';

/**
 * Two pages, built one after the other into dist/ (`vite build && vite build --mode playground`):
 * the console, and the playground (GraphiQL + React, ~850 kB). Separate builds share no chunk, so
 * the console never downloads code split out for the playground.
 */
export default defineConfig(({ mode }) => {
  const playground = mode === 'playground';
  return {
    plugins: [vue()],
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
