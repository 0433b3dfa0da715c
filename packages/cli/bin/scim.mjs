#!/usr/bin/env node
// The `scim` command. An installed package runs its build, dist/cli.js. Inside this repository
// (src/ is there and esbuild, a root devDependency, is installed) it runs the TypeScript source
// instead, as `npm start` runs the examples: esbuild bundles src/cli.ts with the @scim/* packages it
// imports (through their `@scim/source` export condition) into node_modules/.cache/scim-cli/, and
// the bundle is reused until one of its input files changes. So `npx scim` works right after
// `npm ci`, before any build, and never runs a stale dist. SCIM_CLI_FROM=dist forces the build.
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const packageDir = new URL('../', import.meta.url);
const { version } = JSON.parse(readFileSync(new URL('package.json', packageDir), 'utf8'));

/** The bundle of src/cli.ts, rebuilt when an input changed since the cached one was made. */
async function fromSource() {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    return undefined;
  }
  const root = fileURLToPath(new URL('../../', packageDir));
  const cacheDir = `${root}node_modules/.cache/scim-cli/`;
  const bundle = `${cacheDir}cli.mjs`;
  const inputsFile = `${cacheDir}cli.inputs.json`;
  const fresh = () => {
    if (!existsSync(bundle) || !existsSync(inputsFile)) return false;
    const inputs = JSON.parse(readFileSync(inputsFile, 'utf8'));
    if (inputs.version !== version) return false;
    return Object.entries(inputs.files).every(
      ([file, mtime]) =>
        existsSync(`${root}${file}`) && statSync(`${root}${file}`).mtimeMs === mtime,
    );
  };
  if (!fresh()) {
    mkdirSync(cacheDir, { recursive: true });
    // Built under another name, then renamed: two commands starting at once never read half a file.
    const temporary = `${cacheDir}cli.${process.pid}.mjs`;
    const result = await esbuild.build({
      entryPoints: [fileURLToPath(new URL('src/cli.ts', packageDir))],
      outfile: temporary,
      absWorkingDir: root,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      conditions: ['@scim/source'],
      define: { __SCIM_CLI_VERSION__: JSON.stringify(version) },
      sourcemap: 'inline',
      metafile: true,
      logLevel: 'warning',
      plugins: [
        {
          // Our packages come from source; everything else stays an import resolved at run time.
          name: 'only-scim-from-source',
          setup(build) {
            build.onResolve({ filter: /^[^./]/ }, (args) =>
              args.path.startsWith('@scim/') ? undefined : { path: args.path, external: true },
            );
          },
        },
      ],
    });
    const files = Object.fromEntries(
      Object.keys(result.metafile.inputs).map((file) => [file, statSync(`${root}${file}`).mtimeMs]),
    );
    renameSync(temporary, bundle);
    writeFileSync(inputsFile, JSON.stringify({ version, files }));
  }
  process.setSourceMapsEnabled(true);
  return import(pathToFileURL(bundle).href);
}

async function load() {
  const inRepository = existsSync(new URL('src/cli.ts', packageDir));
  if (inRepository && process.env.SCIM_CLI_FROM !== 'dist') {
    const cli = await fromSource();
    if (cli !== undefined) return cli;
  }
  const dist = new URL('dist/cli.js', packageDir);
  if (!existsSync(dist)) {
    console.error(
      'scim: dist/cli.js is missing. In this repository run npm ci (or npm run build); otherwise reinstall @scim/cli.',
    );
    process.exit(2);
  }
  return import(dist.href);
}

const { main } = await load();
process.exitCode = await main(process.argv.slice(2));
