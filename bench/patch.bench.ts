// PATCH: @scim/patch against scim-patch and scimmy in one process. Every library gets the same
// resources and operations and must leave its input untouched (scim-patch with mutateDocument: false).
import Scimmy from 'scimmy';
import { scimPatch } from 'scim-patch';
import { bench, describe } from 'vitest';
import { GroupResourceType, PATCH_OP_URN, UserResourceType, type ScimResource } from '@scim/core';
import { applyPatch, parsePatch } from '@scim/patch';

const user: ScimResource = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  id: '2819c223',
  userName: 'bjensen',
  name: { givenName: 'Babs', familyName: 'Jensen' },
  title: 'Tour Guide',
  active: true,
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  meta: { resourceType: 'User' },
};

const userOperations = [
  { op: 'replace', path: 'title', value: 'Lead Guide' },
  { op: 'replace', path: 'name.givenName', value: 'Barbara' },
  { op: 'add', path: 'emails', value: [{ value: 'b@other.org', type: 'other' }] },
  { op: 'replace', path: 'emails[type eq "work"].value', value: 'barbara@example.com' },
  { op: 'replace', path: 'active', value: false },
];
const userBody = { schemas: [PATCH_OP_URN], Operations: userOperations };
// A server builds its options once per handler, and reads the body once per request with parsePatch.
const userOptions = { resourceType: UserResourceType };
const parsedUserPatch = parsePatch(userBody, userOptions);

describe('a 5-operation user PATCH', () => {
  bench('@scim/patch applyPatch', () => {
    applyPatch(user, userBody, { resourceType: UserResourceType });
  });
  bench('@scim/patch parsePatch + applyPatch (as the server does)', () => {
    applyPatch(user, parsePatch(userBody, userOptions), userOptions);
  });
  bench('@scim/patch applyPatch, parsed once (a retry)', () => {
    applyPatch(user, parsedUserPatch, userOptions);
  });
  bench('scim-patch scimPatch', () => {
    scimPatch(user as never, userOperations as never, {
      mutateDocument: false,
      treatMissingAsAdd: true,
    });
  });
  bench('scimmy PatchOp.apply', async () => {
    await new Scimmy.Messages.PatchOp(userBody as never).apply(new Scimmy.Schemas.User(user));
  });
});

function groupOf(size: number): ScimResource {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    id: 'g',
    displayName: 'Everyone',
    members: Array.from({ length: size }, (_, i) => ({ value: `user-${i}`, type: 'User' })),
  };
}

for (const size of [1_000, 10_000, 100_000]) {
  const groupResource = groupOf(size);
  const addOne = [{ op: 'add', path: 'members', value: [{ value: 'new-user' }] }];
  const removeOne = [{ op: 'remove', path: `members[value eq "user-${Math.floor(size / 2)}"]` }];
  describe(`add one member to, then remove one from, a ${size}-member group`, () => {
    bench('@scim/patch applyPatch', () => {
      applyPatch(
        groupResource,
        { schemas: [PATCH_OP_URN], Operations: addOne },
        { resourceType: GroupResourceType },
      );
      applyPatch(
        groupResource,
        { schemas: [PATCH_OP_URN], Operations: removeOne },
        { resourceType: GroupResourceType },
      );
    });
    bench('scim-patch scimPatch', () => {
      scimPatch(groupResource as never, addOne as never, {
        mutateDocument: false,
        treatMissingAsAdd: true,
      });
      scimPatch(groupResource as never, removeOne as never, {
        mutateDocument: false,
        treatMissingAsAdd: true,
      });
    });
    if (size <= 10_000) {
      // scimmy re-validates every member through its schema on each call; at 100,000 it takes seconds.
      bench('scimmy PatchOp.apply', async () => {
        await new Scimmy.Messages.PatchOp({
          schemas: [PATCH_OP_URN],
          Operations: addOne,
        } as never).apply(new Scimmy.Schemas.Group(groupResource));
        await new Scimmy.Messages.PatchOp({
          schemas: [PATCH_OP_URN],
          Operations: removeOne,
        } as never).apply(new Scimmy.Schemas.Group(groupResource));
      });
    }
  });
}
