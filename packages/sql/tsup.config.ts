import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.config.base.ts';

export default defineConfig({
  ...packageBuild,
  // dist/cli.js is the `scim-sql` command (its shebang makes tsup mark it executable). The shims
  // give its CommonJS twin the `import.meta.url` it compares with the script Node was started with.
  entry: ['src/index.ts', 'src/cli.ts'],
  shims: true,
});
