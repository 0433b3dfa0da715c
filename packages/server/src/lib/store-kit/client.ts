// Requests through a handler over the storage under test, for the cases that are about what a
// whole write does to a store (concurrency, faults) rather than one store call.
import { GROUP_SCHEMA_URN, PATCH_OP_URN, SCIM_MEDIA_TYPE, USER_SCHEMA_URN } from '@scim/core';
import { createScimHandler } from '../handler.js';
import type { ScimHandlerOptions } from '../options.js';
import type { ScimStore } from '../store.js';
import { check, type StorageUnderTest } from './kit.js';

export const BASE = 'https://scim.example.com/scim/v2';

export interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly text: string;
}

export type Call = (
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<Reply>;

/**
 * A handler over the storage, its stores replaced by `stores` (wrapped ones) when given. `close`
 * stops its outbox delivery, so no timer outlives the case.
 */
export function handlerOver(
  storage: StorageUnderTest,
  stores: Readonly<Record<string, ScimStore>> = storage.stores,
) {
  const options: ScimHandlerOptions = {
    stores,
    authenticate: 'anonymous',
    // Unexpected errors are what the fault cases cause on purpose; the 500 is what they check.
    onError: () => {},
    ...(storage.transaction === undefined ? {} : { transaction: storage.transaction }),
    ...(storage.outbox === undefined ? {} : { outbox: storage.outbox }),
  };
  const handler = createScimHandler(options);
  const call: Call = async (method, path, body, headers = {}) => {
    const init: RequestInit = { method, headers: { accept: SCIM_MEDIA_TYPE, ...headers } };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] = SCIM_MEDIA_TYPE;
    }
    const response = await handler.fetch(new Request(`${BASE}${path}`, init));
    const text = await response.text();
    return {
      status: response.status,
      text,
      body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    };
  };
  return { call, close: () => handler.close() };
}

export function expectStatus(reply: Reply, allowed: readonly number[], what: string): void {
  check(
    allowed.includes(reply.status),
    `${what}: expected ${allowed.join(' or ')}, got ${reply.status} ${reply.text.slice(0, 300)}`,
  );
}

export async function postUser(call: Call, userName: string): Promise<string> {
  const reply = await call('POST', '/Users', {
    schemas: [USER_SCHEMA_URN],
    userName,
    active: true,
  });
  expectStatus(reply, [201], `POST /Users ${userName}`);
  return reply.body.id as string;
}

export async function postGroup(
  call: Call,
  displayName: string,
  members: readonly string[] = [],
): Promise<string> {
  const reply = await call('POST', '/Groups', {
    schemas: [GROUP_SCHEMA_URN],
    displayName,
    members: members.map((value) => ({ value })),
  });
  expectStatus(reply, [201], `POST /Groups ${displayName}`);
  return reply.body.id as string;
}

export const patchOp = (...operations: readonly Record<string, unknown>[]) => ({
  schemas: [PATCH_OP_URN],
  Operations: operations,
});
