// A server over memory storage whose lifecycle records the tests turn into SETs: every record here
// was written by @scim/server itself, so the tests hold the builder to what the server really records.
import {
  GroupResourceType,
  PATCH_OP_URN,
  SCIM_MEDIA_TYPE,
  UserResourceType,
  type ScimResourceType,
} from '@scim/core';
import { createScimHandler, type LifecycleEvent } from '@scim/server';
import { createMemoryStorage } from '@scim/server/memory';
import type { SetBuildOptions } from '@scim/events';

export const BASE = 'https://scim.example.com/scim/v2';
export const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ISSUER = 'https://scim.example.com';
export const RESOURCE_TYPES: readonly ScimResourceType[] = [UserResourceType, GroupResourceType];

/** The checklist's `bj` fixture (rfc-checklist.md, "Fixtures"). */
export const bj = {
  schemas: [U],
  userName: 'bjensen',
  externalId: '701984',
  name: { givenName: 'Barbara', familyName: 'Jensen' },
  displayName: 'Babs Jensen',
  title: 'Tour Guide',
  active: true,
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  password: 't1meMa$heen',
};

/** A PatchOp message of these operations. */
export function patch(...operations: readonly Record<string, unknown>[]) {
  return { schemas: [PATCH_OP_URN], Operations: operations };
}

/** Options with a fixed clock and numbered jti values, so claims can be compared whole. */
export function buildOptions(extra: Partial<SetBuildOptions> = {}): SetBuildOptions {
  let jti = 0;
  return {
    issuer: ISSUER,
    resourceTypes: RESOURCE_TYPES,
    now: () => new Date('2026-12-03T10:00:00.000Z'),
    newJti: () => `jti-${++jti}`,
    ...extra,
  };
}

export interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly etag: string | null;
}

/** A SCIM server whose calls return the reply and the lifecycle records the call appended. */
export function scimServer() {
  const storage = createMemoryStorage();
  const handler = createScimHandler({
    ...storage,
    hashPassword: (password) => Promise.resolve(`test-hash:${password.length}`),
    authenticate: () => ({ principal: 'test-client' }),
    delivery: { pollMs: 0 },
  });
  let seen = 0;
  async function call(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<Reply & { readonly records: readonly LifecycleEvent[] }> {
    const init: RequestInit = { method, headers: { 'content-type': SCIM_MEDIA_TYPE } };
    if (body !== undefined) init.body = JSON.stringify(body);
    const response = await handler.fetch(new Request(`${BASE}${path}`, init));
    const text = await response.text();
    const all = await storage.outbox.list();
    const records = all.slice(seen).map((entry) => entry.event);
    seen = all.length;
    return {
      status: response.status,
      body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
      etag: response.headers.get('etag'),
      records,
    };
  }
  return { call, handler };
}

/** The one record of a type a call appended. */
export function recordOf(
  records: readonly LifecycleEvent[],
  type: LifecycleEvent['type'],
): LifecycleEvent {
  const found = records.filter((record) => record.type === type);
  if (found.length !== 1) throw new Error(`Expected one ${type} record, found ${found.length}`);
  return found[0] as LifecycleEvent;
}
