import { defineConfig } from 'vitest/config';
import projects from './vitest.workspace.ts';

export default defineConfig({
  // Tests import workspace packages from source through the `@scim/source` export condition.
  ssr: { resolve: { conditions: ['@scim/source'] } },
  test: {
    projects,
    coverage: {
      provider: 'v8',
      include: ['packages/*/src/**/*.ts'],
      exclude: ['**/generated/**'],
    },
  },
});
