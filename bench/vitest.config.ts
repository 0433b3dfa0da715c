import { defineConfig } from 'vitest/config';

// Benchmarks run against source, like the tests, and compare with npm peers in one process.
export default defineConfig({
  ssr: { resolve: { conditions: ['@scim/source'] } },
  test: {
    root: new URL('..', import.meta.url).pathname,
    benchmark: { include: ['bench/**/*.bench.ts'] },
  },
});
