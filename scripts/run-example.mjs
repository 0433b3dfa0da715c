// `npm start`: runs an example server straight from the packages' TypeScript source, so that a fresh
// clone answers its first request a second after `npm ci` instead of after a full build with type
// declarations. esbuild (which tsup already brings) bundles the example and the @scim/* packages it
// imports through their `@scim/source` export condition; every other package (express, hono, the
// database driver @scim/sql imports when SCIM_DATABASE_URL names it) is loaded from node_modules as
// usual. The bundle is written under node_modules/.cache (so that those imports resolve), imported
// into this process (so that signals reach the example's own handlers), and deleted once loaded.
// The working directory stays the caller's: `npm start` keeps its SQLite file in <repo>/data/.
//
//   node scripts/run-example.mjs [express|hono] [entry]     (default: express server)
//
// `entry` names another script of the example, such as `receiver` for examples/express/receiver.mjs.
import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const name = process.argv[2] ?? 'express';
const script = process.argv[3] ?? 'server';
const root = fileURLToPath(new URL('..', import.meta.url));
const entry = `${root}examples/${name}/${script}.mjs`;
if (!/^[a-z][a-z-]*$/.test(script) || !existsSync(entry)) {
  console.error(`run-example: no examples/${name}/${script}.mjs`);
  process.exit(2);
}
// One file per process: two examples starting at once must not overwrite each other's bundle.
const outfile = `${root}node_modules/.cache/scim-examples/${name}-${script}-${process.pid}.mjs`;

await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  conditions: ['@scim/source'],
  sourcemap: 'inline',
  logLevel: 'warning',
  plugins: [
    {
      // Our packages come from source; everything else stays an import resolved at run time.
      name: 'only-scim-from-source',
      setup(builder) {
        builder.onResolve({ filter: /^[^./]/ }, (args) =>
          args.path.startsWith('@scim/') ? undefined : { path: args.path, external: true },
        );
      },
    },
  ],
});
process.setSourceMapsEnabled(true);
try {
  await import(pathToFileURL(outfile).href);
} finally {
  rmSync(outfile, { force: true });
}
