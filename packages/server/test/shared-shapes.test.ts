// The write path copies resources and events with `copyWith` rather than a spread followed by more
// properties (which, on Node 20, gives every copy a hidden class of its own), and builds its scopes
// and store contexts without getters in object literals (which V8 builds as dictionaries). Neither
// may change what anyone sees: these tests hold the copies and contexts to what they were.
import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ScimStore, StoreContext, TransactionContext } from '@scim/server';
import { createMemoryStore } from '@scim/server/memory';
import { copyWith } from '../src/lib/copy.js';
import { bj, server } from './helpers.js';

const jsonObject = fc.dictionary(
  fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'toString', 'meta', 'id')),
  fc.jsonValue(),
);

describe('copyWith copies as `{ ...source, ...fields }` does', () => {
  it('gives the same own keys, in the same order, with the same values', () => {
    fc.assert(
      fc.property(jsonObject, jsonObject, (source, fields) => {
        const spread = { ...source, ...fields };
        const copy = copyWith(source, fields);
        expect(Reflect.ownKeys(copy)).toEqual(Reflect.ownKeys(spread));
        for (const key of Reflect.ownKeys(spread))
          expect(Object.getOwnPropertyDescriptor(copy, key)).toEqual(
            Object.getOwnPropertyDescriptor(spread, key),
          );
        expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
      }),
    );
  });

  it('keeps an own __proto__ key of a parsed body as data, never as the prototype', () => {
    const body = JSON.parse('{"userName":"bjensen","__proto__":{"admin":true}}') as object;
    const copy = copyWith(body, { id: '1' }) as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.hasOwn(copy, '__proto__')).toBe(true);
    expect(copy.admin).toBeUndefined();
    expect(copy.id).toBe('1');
  });

  it('changes neither the source nor the fields', () => {
    const source = { a: 1, b: { c: 2 } };
    const fields = { b: 3 };
    const copy = copyWith(source, fields);
    expect(source).toEqual({ a: 1, b: { c: 2 } });
    expect(fields).toEqual({ b: 3 });
    expect(copy).toEqual({ a: 1, b: 3 });
  });
});

describe('store and transaction contexts', () => {
  /** A store that keeps the context of every call. */
  function recording(): { store: ScimStore; contexts: StoreContext[] } {
    const users = createMemoryStore();
    const contexts: StoreContext[] = [];
    const keep = <Context extends StoreContext>(context: Context): Context => {
      contexts.push(context);
      return context;
    };
    return {
      contexts,
      store: {
        ...users,
        create: (resource, context) => users.create(resource, keep(context)),
        get: (id, context) => users.get(id, keep(context)),
        replace: (resource, context) => users.replace(resource, keep(context)),
        delete: (id, context) => users.delete(id, keep(context)),
        query: (query, context) => users.query(query, keep(context)),
      },
    };
  }

  it('a store context lists resourceType, principal, tenant and signal as its own keys', async () => {
    const { store, contexts } = recording();
    const { call } = server({ stores: { User: store, Group: createMemoryStore() } });
    const created = await call('POST', '/Users', bj);
    expect((await call('GET', `/Users/${String(created.body.id)}`)).status).toBe(200);
    expect(contexts.length).toBeGreaterThan(0);
    for (const context of contexts) {
      expect(Object.keys(context).slice(0, 4)).toEqual([
        'resourceType',
        'principal',
        'tenant',
        'signal',
      ]);
      expect(context.signal).toBeInstanceOf(AbortSignal);
      expect({ ...context }.signal).toBe(context.signal);
    }
  });

  it('a logged store or transaction context shows nothing of the request, its token least', async () => {
    const { store, contexts } = recording();
    const seen: TransactionContext[] = [];
    const { call } = server({
      stores: { User: store, Group: createMemoryStore() },
      transaction: (work, context) => {
        seen.push(context);
        return work(undefined);
      },
    });
    expect((await call('POST', '/Users', bj)).status).toBe(201);
    expect(seen).toHaveLength(1);
    for (const context of [...contexts, ...seen]) {
      const shown = inspect(context, { depth: 5, showHidden: true });
      expect(shown).not.toMatch(/authorization|bearer|headers/i);
      expect(Object.getOwnPropertySymbols({ ...context })).toEqual([]);
    }
  });
});
