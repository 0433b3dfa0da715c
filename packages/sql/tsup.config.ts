import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.config.base.ts';

export default defineConfig([
  { ...packageBuild, entry: ['src/index.ts'] },
  // dist/cli.js is the `scim-sql` command: ESM only, as npm's bin link runs it (its shebang makes
  // tsup mark it executable), so it needs no CommonJS twin and no shims.
  { ...packageBuild, entry: ['src/cli.ts'], format: ['esm'], dts: false, clean: false },
]);
