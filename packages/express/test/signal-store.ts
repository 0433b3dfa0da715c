// Stores that use `context.signal` as a database driver would, and the writes that carry a body, for
// the adapter tests of every runtime bridge (Express's own, @hono/node-server, Next's).
import { expect } from 'vitest';
import type { ScimStore, StoreContext } from '@scim/server';
import { createMemoryStore } from '@scim/server/memory';

const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/**
 * A store that does what a driver given `context.signal` does: it awaits, then refuses to go on once
 * the signal has aborted. `aborted` names every call that saw an aborted signal.
 */
export function driverLikeStore(): { store: ScimStore; aborted: string[] } {
  const inner = createMemoryStore();
  const aborted: string[] = [];
  const io = async (name: string, context: StoreContext) => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (context.signal.aborted) aborted.push(name);
    context.signal.throwIfAborted();
  };
  const store: ScimStore = {
    get: async (id, context) => (await io('get', context), inner.get(id, context)),
    query: async (query, context) => (await io('query', context), inner.query(query, context)),
    create: async (resource, context) => (
      await io('create', context),
      inner.create(resource, context)
    ),
    replace: async (resource, context) => (
      await io('replace', context),
      inner.replace(resource, context)
    ),
    delete: async (id, context) => (await io('delete', context), inner.delete(id, context)),
  };
  return { store, aborted };
}

/**
 * A store whose `create` holds the request until its signal aborts (or 3 s pass), as a long database
 * call would; `started` fires when the call begins, `seen` with whether the signal had aborted.
 */
export function holdingStore(hooks: {
  started?: () => void;
  seen?: (aborted: boolean) => void;
}): ScimStore {
  const inner = createMemoryStore();
  return {
    get: (id, context) => inner.get(id, context),
    query: (query, context) => inner.query(query, context),
    replace: (resource, context) => inner.replace(resource, context),
    delete: (id, context) => inner.delete(id, context),
    create: async (resource, context) => {
      hooks.started?.();
      await new Promise((resolve) => {
        if (context.signal.aborted) resolve(undefined);
        context.signal.addEventListener('abort', resolve, { once: true });
        setTimeout(resolve, 3_000).unref();
      });
      hooks.seen?.(context.signal.aborted);
      context.signal.throwIfAborted();
      return inner.create(resource, context);
    },
  };
}

/** POST, PUT, PATCH and Bulk through `send`, each expected to succeed. */
export async function writeWithBodies(
  send: (path: string, method: string, body: unknown) => Promise<Response>,
  userName: string,
): Promise<void> {
  const created = await send('/Users', 'POST', { schemas: [U], userName });
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: string };
  const replaced = await send(`/Users/${id}`, 'PUT', { schemas: [U], userName, displayName: 'P' });
  expect(replaced.status).toBe(200);
  await replaced.text();
  const patched = await send(`/Users/${id}`, 'PATCH', {
    schemas: [PATCH_OP],
    Operations: [{ op: 'replace', path: 'displayName', value: 'Patched' }],
  });
  expect(patched.status).toBe(200);
  await patched.text();
  const bulk = await send('/Bulk', 'POST', {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
    Operations: [
      {
        method: 'POST',
        path: '/Groups',
        bulkId: 'g',
        data: { schemas: [G], displayName: userName },
      },
      {
        method: 'PATCH',
        path: `/Users/${id}`,
        data: {
          schemas: [PATCH_OP],
          Operations: [{ op: 'replace', path: 'active', value: false }],
        },
      },
    ],
  });
  expect(bulk.status).toBe(200);
  const result = (await bulk.json()) as { Operations: { status: string }[] };
  expect(result.Operations.map((operation) => operation.status)).toEqual(['201', '200']);
}
