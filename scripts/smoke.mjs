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
  }
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

console.log(`smoke: ${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
