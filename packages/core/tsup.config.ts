import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.config.base.ts';

export default defineConfig({
  ...packageBuild,
  // `@scim/core/zod` is its own entry, so that importing `@scim/core` never loads zod.
  entry: ['src/index.ts', 'src/zod.ts'],
  external: ['zod'],
});
