// zod is an optional peer dependency: only the `@scim/core/zod` entry may load it, so that an
// application without zod can import `@scim/core`.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import * as zodEntry from '@scim/core/zod';

const src = join(dirname(fileURLToPath(import.meta.url)), '../src');

/** Every module a source file reaches through its imports, and the packages they import. */
function importGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (files.has(file)) continue;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    for (const [, specifier] of text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
      if (specifier === undefined) continue;
      if (specifier.startsWith('.'))
        pending.push(join(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else packages.add(specifier);
    }
  }
  return { files, packages };
}

it('@scim/core never imports zod, so zod stays an optional peer dependency', () => {
  const { files, packages } = importGraph(join(src, 'index.ts'));
  expect(files.size).toBeGreaterThan(10);
  expect([...packages].filter((name) => name === 'zod' || name.startsWith('zod/'))).toEqual([]);
  expect([...files].some((file) => file.includes(`${join('lib', 'zod')}`))).toBe(false);
});

it('@scim/core/zod imports zod', () => {
  expect(importGraph(join(src, 'zod.ts')).packages).toContain('zod');
});

it('@scim/core/zod exports exactly the documented names', () => {
  expect(Object.keys(zodEntry).sort()).toEqual(['toZod']);
});

it('the ./zod export has the shape of every other entry, with the @scim/source condition', () => {
  const manifest = JSON.parse(readFileSync(join(src, '../package.json'), 'utf8')) as {
    exports: Record<string, unknown>;
    peerDependenciesMeta: Record<string, { optional: boolean }>;
  };
  expect(manifest.exports['./zod']).toEqual({
    '@scim/source': './src/zod.ts',
    import: { types: './dist/zod.d.ts', default: './dist/zod.js' },
    require: { types: './dist/zod.d.cts', default: './dist/zod.cjs' },
  });
  expect(manifest.peerDependenciesMeta.zod?.optional).toBe(true);
});
