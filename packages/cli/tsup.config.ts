import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.config.base.ts';

const { version } = JSON.parse(readFileSync(new URL('package.json', import.meta.url), 'utf8')) as {
  version: string;
};

// src/index.ts is the programmatic API (runCheck); src/cli.ts is what bin/scim.mjs runs.
export default defineConfig({
  ...packageBuild,
  entry: ['src/index.ts', 'src/cli.ts'],
  define: { __SCIM_CLI_VERSION__: JSON.stringify(version) },
});
