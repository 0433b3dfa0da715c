// docs/zod.md: its first example runs as it is written and prints what the guide says; the JSON
// Schema it promises lists the required attributes.
import { readFileSync } from 'node:fs';
import { runInThisContext } from 'node:vm';
import { transformSync } from 'esbuild';
import { expect, it } from 'vitest';
import * as z from 'zod';
import * as core from '@scim/core';
import { UserResourceType, USER_SCHEMA_URN } from '@scim/core';
import * as zodEntry from '@scim/core/zod';
import { toZod } from '@scim/core/zod';

const guide = readFileSync(new URL('../../../docs/zod.md', import.meta.url), 'utf8');
const blocks = [...guide.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');

/** Runs a TypeScript block of the guide with its imports bound to the packages, and returns what it logs. */
function run(source: string): unknown[] {
  const { code } = transformSync(source, { loader: 'ts', format: 'cjs' });
  const modules: Record<string, unknown> = {
    '@scim/core': core,
    '@scim/core/zod': zodEntry,
    zod: z,
  };
  const logged: unknown[] = [];
  const require = (name: string): unknown => {
    if (!(name in modules)) throw new Error(`The example imports ${name}`);
    return modules[name];
  };
  const console = { log: (value: unknown) => logged.push(value) };
  const example = runInThisContext(
    `(function (require, console, exports, module) {\n${code}\n})`,
  ) as (...args: unknown[]) => void;
  example(require, console, {}, {});
  return logged;
}

it('the first example of docs/zod.md runs as written and prints the normalised user', () => {
  expect(run(blocks[0] ?? '')).toStrictEqual([
    {
      schemas: [USER_SCHEMA_URN],
      userName: 'bjensen',
      emails: [{ value: 'bjensen@example.com', type: 'work' }],
    },
  ]);
});

it('the JSON Schema of the input shape lists the attributes and the required ones', () => {
  const jsonSchema = z.toJSONSchema(toZod(UserResourceType).create, { io: 'input' });
  expect(jsonSchema).toMatchObject({
    type: 'object',
    properties: { userName: { type: 'string' }, emails: { type: 'array' } },
    required: ['schemas', 'userName'],
  });
  expect(jsonSchema.properties).not.toHaveProperty('id');
});
