import { fileURLToPath, URL } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

const apiTarget = process.env.BAM_API_URL ?? 'http://127.0.0.1:4000';

export default defineConfig({
  plugins: [vue()],
  build: {
    // The playground bundles GraphiQL and React (~850 kB); it is a separate page, not part of the console.
    chunkSizeWarningLimit: 900,
    rollupOptions: {
      // GraphiQL's React dependencies carry "use client" directives, meaningless outside React Server Components.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
      input: {
        console: fileURLToPath(new URL('./index.html', import.meta.url)),
        playground: fileURLToPath(new URL('./playground.html', import.meta.url)),
      },
    },
  },
  server: {
    // The dev server serves the console; the API (HTTP and WebSocket) stays on the real server.
    proxy: {
      '/graphql': { target: apiTarget, ws: true, changeOrigin: true },
    },
  },
});
