import {
  PATCH_OP_URN,
  USER_SCHEMA_URN,
  validateResource,
  type ScimResource,
  type ScimResourceType,
} from '@scim/core';
import { TestUserResourceType, bj } from '../../../test/fixtures/checklist.js';

export const EU = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

export function ops(...operations: unknown[]): { schemas: string[]; Operations: unknown[] } {
  return { schemas: [PATCH_OP_URN], Operations: operations };
}

export function stored(
  body: Record<string, unknown>,
  id: string,
  type: ScimResourceType = TestUserResourceType,
): ScimResource {
  const result = validateResource(body, type, { mode: 'create' });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return {
    ...result.value,
    id,
    meta: { resourceType: type.name, created: '2026-01-01T00:00:00Z' },
  };
}

/** The checklist's bj, stored. */
export function barbara(): ScimResource {
  return stored({ ...bj, [EU]: { employeeNumber: '1', department: 'Tour' } }, '2819c223');
}

export function group(memberIds: readonly string[]): ScimResource {
  return {
    schemas: [GROUP],
    id: 'g1',
    displayName: 'Tour Guides',
    members: memberIds.map((value) => ({ value, type: 'User' })),
  };
}

export { USER_SCHEMA_URN };
