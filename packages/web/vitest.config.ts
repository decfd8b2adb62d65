import vue from '@vitejs/plugin-vue';
import { defineProject } from 'vitest/config';

/** The console's component and unit tests (happy-dom), plus the check that generated GraphQL types are current. */
export default defineProject({
  plugins: [vue()],
  test: {
    name: 'web',
    environment: 'happy-dom',
    include: ['src/**/*.test.ts'],
  },
});
