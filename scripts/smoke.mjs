// Loads every built package in plain Node with both import() and require(): test runners smooth
// over ESM/CJS interop, so this is where a broken dist shows up. Run after `npm run build`.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = new URL('../packages/', import.meta.url);
const require = createRequire(import.meta.url);
let passed = 0;
let failed = 0;
/** Every loaded entry point by its import name (`@scim/server/memory`), as `{ esm, cjs }`. */
const loaded = new Map();

function check(name, fn) {
  return Promise.resolve()
    .then(fn)
    .then(
      () => {
        passed += 1;
        console.log(`  ✓ ${name}`);
      },
      (error) => {
        failed += 1;
        console.log(`  ✗ ${name}: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
}

for (const entry of readdirSync(root, { withFileTypes: true })) {
  if (!entry.isDirectory()) continue;
  const dir = join(root.pathname, entry.name);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const entryPoints = Object.entries(manifest.exports ?? {}).filter(
    ([key]) => key !== './package.json',
  );
  if (entryPoints.length === 0) continue;
  console.log(manifest.name);
  let esm;
  let cjs;
  for (const [key, exports] of entryPoints) {
    const label = key === '.' ? manifest.name : `${manifest.name}/${key.slice(2)}`;
    const esmPath = join(dir, exports.import.default);
    const cjsPath = join(dir, exports.require.default);
    let esmModule;
    let cjsModule;
    await check(`${label}: dist exists`, () => {
      for (const file of [
        esmPath,
        cjsPath,
        join(dir, exports.import.types),
        join(dir, exports.require.types),
      ]) {
        if (!existsSync(file)) throw new Error(`${file} is missing; run npm run build`);
      }
    });
    await check(`${label}: import() loads the ESM build`, async () => {
      esmModule = await import(pathToFileURL(esmPath).href);
      if (Object.keys(esmModule).length === 0) throw new Error('no exports');
    });
    await check(`${label}: require() loads the CJS build`, () => {
      cjsModule = require(cjsPath);
      if (Object.keys(cjsModule).length === 0) throw new Error('no exports');
    });
    await check(`${label}: both builds export the same names`, () => {
      const a = Object.keys(esmModule ?? {})
        .sort()
        .join(',');
      const b = Object.keys(cjsModule ?? {})
        .filter((name) => name !== 'default')
        .sort()
        .join(',');
      if (a !== b) throw new Error(`ESM: ${a}\nCJS: ${b}`);
    });
    if (key === '.') {
      esm = esmModule;
      cjs = cjsModule;
    }
    loaded.set(label, { esm: esmModule, cjs: cjsModule });
  }
  // A workspace package that is used but not declared gets bundled by tsup: a private copy of
  // core in an adapter splits ScimError and every other module-level value in two.
  await check(`${manifest.name}: the build bundles no other package`, () => {
    const declared = new Set([
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}),
    ]);
    for (const file of readdirSync(join(dir, 'dist'))) {
      if (!/\.(c|m)?js$/.test(file)) continue;
      const code = readFileSync(join(dir, 'dist', file), 'utf8');
      // esbuild names every bundled module in a comment; only the package's own files may appear.
      const foreign = /^\/\/ (\.\.\/\S+|node_modules\/\S+)$/m.exec(code);
      if (foreign) throw new Error(`dist/${file} contains ${foreign[1]}`);
      for (const [, name] of code.matchAll(/(?:from |require\()["'](@scim\/[^/"']+)/g)) {
        if (!declared.has(name)) throw new Error(`dist/${file} imports ${name}, not a dependency`);
      }
    }
  });
  if (manifest.name === '@scim/core') {
    await check(
      'a ScimError from the ESM build is recognised by the CJS build (two copies)',
      () => {
        const error = esm.ScimError.notFound('x');
        if (!cjs.isScimError(error)) throw new Error('brand check failed across copies');
        if (cjs.toScimError(error) !== error)
          throw new Error('toScimError wrapped a foreign ScimError');
      },
    );
    await check('the CJS build validates a user', () => {
      const result = cjs.validateResource(
        { schemas: [cjs.USER_SCHEMA_URN], userName: 'bjensen' },
        cjs.UserResourceType,
        { mode: 'create' },
      );
      if (!result.ok) throw new Error(JSON.stringify(result.issues));
    });
  }
}

console.log('adapters');
// The ScimError an application throws (from @scim/core) is the one the adapter and the server
// recognise, in both module systems: it keeps its status instead of becoming a 500.
for (const system of ['esm', 'cjs']) {
  await check(
    `a ScimError from @scim/core keeps its status through @scim/express (${system})`,
    () => throughExpress(system),
  );
}

async function throughExpress(system) {
  const pick = (name) => loaded.get(name)?.[system];
  const core = pick('@scim/core');
  const adapter = pick('@scim/express');
  const memory = pick('@scim/server/memory');
  const express = system === 'esm' ? (await import('express')).default : require('express');
  const app = express();
  // An application middleware in front of the mount refuses with a ScimError of its own.
  app.use('/scim/v2', (req, _res, next) =>
    next(req.headers['x-refuse'] ? core.ScimError.forbidden('refused by the app') : undefined),
  );
  app.use(
    '/scim/v2',
    adapter.scimMiddleware({
      stores: { User: memory.createMemoryStore(), Group: memory.createMemoryStore() },
      authenticate: () => {
        throw core.ScimError.unauthorized('no token here');
      },
    }),
    adapter.scimErrorHandler(),
  );
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const base = `http://127.0.0.1:${server.address().port}/scim/v2/Users`;
    const refused = await fetch(base, { headers: { 'x-refuse': '1' } });
    const unauthenticated = await fetch(base);
    const statuses = [refused.status, unauthenticated.status];
    if (statuses.join() !== '403,401') throw new Error(`answered ${statuses.join(', ')}`);
    const body = await refused.json();
    if (body.detail !== 'refused by the app') throw new Error(JSON.stringify(body));
  } finally {
    server.close();
  }
}

console.log(`smoke: ${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
