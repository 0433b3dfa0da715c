import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createScimHandler, type ScimHandlerOptions } from '@scim/server';
import { createMemoryStore } from '@scim/server/memory';
import { runBulk } from '../src/lib/bulk/bulk.js';
import { createScope } from '../src/lib/context.js';
import { createEngine } from '../src/lib/engine.js';
import { BASE, server, U } from './helpers.js';

const BQ = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

type Result = Record<string, unknown> & { status: string; response?: Record<string, unknown> };

/** A JSON value `depth` arrays or objects deep, written as text as a client would send it. */
function nested(depth: number, kind: 'object' | 'array'): string {
  return kind === 'object'
    ? `${'{"a":'.repeat(depth)}"leaf"${'}'.repeat(depth)}`
    : `${'['.repeat(depth)}"leaf"${']'.repeat(depth)}`;
}

/** A BulkRequest body, as a client sends it, with the deep value inside the first operation's data. */
function bulkText(deep: string): string {
  const first = `{"method":"POST","path":"/Users","bulkId":"deep","data":{"schemas":["${U}"],"userName":"deep","x":${deep}}}`;
  const second = `{"method":"POST","path":"/Users","bulkId":"next","data":{"schemas":["${U}"],"userName":"next"}}`;
  return `{"schemas":["${BQ}"],"Operations":[${first},${second}]}`;
}

function deepServer() {
  const errors: unknown[] = [];
  const instance = server({
    onError: (error: unknown) => errors.push(error),
    limits: { bulkMaxPayloadSize: 4_000_000 },
  });
  return { ...instance, errors };
}

describe('deeply nested bulk data through the handler (issue 11)', () => {
  it('bulk data nested 3,000 levels deep answers 400, not 500, and stores nothing of it', async () => {
    for (const kind of ['object', 'array'] as const) {
      const { call, errors } = deepServer();
      const reply = await call('POST', '/Bulk', bulkText(nested(3_000, kind)));
      // The request reader refuses the body as a whole, before any operation runs.
      expect([reply.status, reply.body.scimType]).toEqual([400, 'invalidSyntax']);
      expect(errors).toEqual([]);
      expect((await call('GET', '/Users?filter=userName eq "deep"')).body.totalResults).toBe(0);
    }
  });

  it('P-BULK-22: data within the depth bound is answered as the request alone would be', async () => {
    const { call } = deepServer();
    const reply = await call('POST', '/Bulk', bulkText(nested(8, 'array')));
    expect(reply.status).toBe(200);
    expect((reply.body.Operations as Result[]).map((result) => result.status)).toEqual([
      '201',
      '201',
    ]);
  });
});

/** A value `depth` arrays or objects deep, built without recursion. */
function deepValue(depth: number, kind: 'object' | 'array'): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = kind === 'object' ? { a: value } : [value];
  return value;
}

/**
 * runBulk on its own, as the handler calls it, for bodies the request reader would refuse first:
 * bulk's own walks must be safe whatever reaches them. Operations run against the same stores a
 * handler reads, so what they did can be checked through it.
 */
function direct() {
  const options: ScimHandlerOptions = {
    stores: { User: createMemoryStore(), Group: createMemoryStore() },
    authenticate: () => ({ principal: 'bulk-test' }),
    hashPassword: (password) => Promise.resolve(`test-hash:${password.length}`),
  };
  const handler = createScimHandler(options);
  const engine = createEngine(options);
  const request = new Request(`${BASE}/Bulk`, { method: 'POST' });
  const scope = createScope(
    engine,
    request,
    new URL(request.url),
    'bulk-depth-test',
    {
      principal: 'bulk-test',
    },
    undefined,
  );
  const run = async (operations: unknown[]): Promise<Result[]> => {
    const outcome = await runBulk(scope, { schemas: [BQ], Operations: operations });
    expect(outcome.status).toBe(200);
    return (outcome.body as { Operations: Result[] }).Operations;
  };
  return { run, handler };
}

let created = 0;
/** An operation that must succeed after a refused one: each has its own userName. */
const next = () => ({
  method: 'POST',
  path: '/Users',
  bulkId: 'next',
  data: { schemas: [U], userName: `next${++created}` },
});

describe("bulk's own walks over operation data (issue 11)", () => {
  it('P-BULK-03: an operation whose data nests deeper than 64 levels fails alone with 400 invalidSyntax, at 65, 3,000 and 500,000 levels', async () => {
    const { run } = direct();
    for (const depth of [64, 3_000, 500_000])
      for (const kind of ['object', 'array'] as const) {
        const results = await run([
          {
            method: 'POST',
            path: '/Users',
            bulkId: 'deep',
            // The data object is one level, so `x` at `depth` levels makes depth + 1.
            data: { schemas: [U], userName: 'deep', x: deepValue(depth, kind) },
          },
          next(),
        ]);
        expect(results[0]).toMatchObject({
          method: 'POST',
          bulkId: 'deep',
          status: '400',
          response: {
            scimType: 'invalidSyntax',
            detail: 'Operations[0].data nests deeper than 64 levels',
          },
        });
        expect(results[1]?.status).toBe('201');
      }
  });

  it('P-BULK-22: data exactly 64 levels deep is dispatched like any other', async () => {
    const { run } = direct();
    const results = await run([
      {
        method: 'POST',
        path: '/Users',
        bulkId: 'edge',
        data: { schemas: [U], userName: 'edge', x: deepValue(63, 'array') },
      },
    ]);
    expect(results[0]?.status).toBe('201');
  });

  it('P-BULK-03: an operation whose method is a deeply nested value fails alone, without echoing it', async () => {
    const { run } = direct();
    const results = await run([
      { method: deepValue(500_000, 'array'), path: '/Users', bulkId: 'm' },
      next(),
    ]);
    expect(results[0]).toMatchObject({ status: '400', response: { scimType: 'invalidSyntax' } });
    expect(results[0]).not.toHaveProperty('method');
    expect(results[1]?.status).toBe('201');
  });

  it('P-BULK-13: references in PATCH values and in PATCH paths are still resolved', async () => {
    const { run, handler } = direct();
    const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';
    const results = await run([
      { method: 'POST', path: '/Groups', bulkId: 'g', data: { schemas: [G], displayName: 'G' } },
      { method: 'POST', path: '/Users', bulkId: 'ann', data: { schemas: [U], userName: 'ann' } },
      { method: 'POST', path: '/Users', bulkId: 'bob', data: { schemas: [U], userName: 'bob' } },
      {
        method: 'PATCH',
        path: '/Groups/bulkId:g',
        data: {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [
            {
              op: 'add',
              path: 'members',
              value: [{ value: 'bulkId:ann' }, { value: 'bulkId:bob' }],
            },
            { op: 'remove', path: 'members[value eq "bulkId:ann"]' },
          ],
        },
      },
    ]);
    // The member PATCH answers 204, as it would alone (patchResponse 'minimal').
    expect(results.map((result) => result.status)).toEqual(['201', '201', '201', '204']);
    const id = (index: number) => String(results[index]?.location).split('/').pop() as string;
    const group = await handler.fetch(new Request(`${BASE}/Groups/${id(0)}`));
    const members = ((await group.json()) as { members?: { value: string }[] }).members ?? [];
    expect(members.map((member) => member.value)).toEqual([id(2)]);
  });

  it('no nesting of operation data or method is ever a throw out of bulk', async () => {
    const { run } = direct();
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 300_000 }),
        fc.constantFrom('object' as const, 'array' as const),
        fc.constantFrom('data' as const, 'method' as const),
        async (depth, kind, where) => {
          const deep = deepValue(depth, kind);
          const results = await run([
            where === 'data'
              ? {
                  method: 'POST',
                  path: '/Users',
                  bulkId: 'd',
                  data: { schemas: [U], userName: `d${++created}`, x: deep },
                }
              : { method: deep, path: '/Users', bulkId: 'd' },
          ]);
          const refused = where === 'method' || depth >= 64;
          expect(results[0]?.status).toBe(refused ? '400' : '201');
        },
      ),
      { numRuns: 40 },
    );
  }, 60_000);
});
