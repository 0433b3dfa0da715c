import { describe, expect, it } from 'vitest';
import {
  GroupResourceType,
  isScimError,
  type ScimResource,
  type ScimResourceType,
} from '@scim/core';
import { applyPatch, PATCH_PRESETS, type ApplyPatchOptions } from '@scim/patch';
import { TestUserResourceType, TX_URN } from '../../../test/fixtures/checklist.js';
import { barbara, EU, group, ops, stored, USER_SCHEMA_URN } from './helpers.js';

function patch(resource: ScimResource, body: unknown, options: Partial<ApplyPatchOptions> = {}) {
  return applyPatch(resource, body, {
    resourceType: TestUserResourceType,
    compatibility: PATCH_PRESETS.rfc,
    ...options,
  });
}

function fails(
  resource: ScimResource,
  body: unknown,
  status: number,
  scimType?: string,
  type: ScimResourceType = TestUserResourceType,
) {
  const before = JSON.stringify(resource);
  try {
    applyPatch(resource, body, { resourceType: type, compatibility: PATCH_PRESETS.rfc });
    expect.unreachable('expected an error');
  } catch (error) {
    expect(isScimError(error)).toBe(true);
    if (!isScimError(error)) return '';
    expect(error.status).toBe(status);
    expect(error.scimType).toBe(scimType);
    expect(JSON.stringify(resource)).toBe(before);
    return error.detail ?? '';
  }
  return '';
}

describe('the PatchOp message (RFC 7644 §3.5.2)', () => {
  it('P-PATCH-01: schemas must be the PatchOp URN', () => {
    fails(
      barbara(),
      { schemas: [USER_SCHEMA_URN], Operations: [{ op: 'add', path: 'title', value: 'x' }] },
      400,
      'invalidSyntax',
    );
  });

  it('P-PATCH-02: Operations must be a non-empty array', () => {
    fails(barbara(), ops(), 400, 'invalidSyntax');
    fails(
      barbara(),
      { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'] },
      400,
      'invalidSyntax',
    );
  });

  it('P-PATCH-03: an unknown op is invalidSyntax', () => {
    expect(fails(barbara(), ops({ op: 'move', path: 'title' }), 400, 'invalidSyntax')).toMatch(
      /unknown op "move"/,
    );
    fails(barbara(), ops({ op: 'Replace', path: 'title', value: 'x' }), 400, 'invalidSyntax');
  });

  it('P-PATCH-04/P-PATCH-08: a malformed path, an index or a JSON pointer is invalidPath', () => {
    for (const path of ['emails[type eq "work"', 'emails[0]', '/emails/0'])
      fails(barbara(), ops({ op: 'replace', path, value: 'x' }), 400, 'invalidPath');
  });

  it('P-PATCH-05: a path naming no attribute of the resource type is invalidPath', () => {
    fails(barbara(), ops({ op: 'replace', path: 'nope', value: 'x' }), 400, 'invalidPath');
  });

  it('P-PATCH-06: an invalid filter inside a path is invalidFilter', () => {
    fails(
      barbara(),
      ops({ op: 'replace', path: 'emails[type zz "w"].value', value: 'x' }),
      400,
      'invalidPath',
    );
    fails(
      barbara(),
      ops({ op: 'replace', path: 'emails[nope eq "w"].value', value: 'x' }),
      400,
      'invalidFilter',
    );
  });

  it('P-PATCH-07: paths are URN-qualified, nested and case-insensitive', () => {
    const { resource } = patch(
      barbara(),
      ops({
        op: 'replace',
        path: 'URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:NAME.GIVENNAME',
        value: 'B',
      }),
    );
    expect(resource.name).toEqual({ givenName: 'B', familyName: 'Jensen' });
  });

  it('P-PATCH-09: operations apply in order', () => {
    const { resource } = patch(
      barbara(),
      ops(
        { op: 'add', path: 'nickName', value: 'A' },
        { op: 'replace', path: 'nickName', value: 'B' },
      ),
    );
    expect(resource.nickName).toBe('B');
  });

  it('P-PATCH-10: one failing operation leaves nothing applied', () => {
    const user = barbara();
    fails(
      user,
      ops({ op: 'replace', path: 'title', value: 'X' }, { op: 'remove' }),
      400,
      'noTarget',
    );
    expect(user.title).toBe('Tour Guide');
  });

  it('P-PATCH-12: a value of the wrong type is invalidValue', () => {
    fails(barbara(), ops({ op: 'replace', path: 'active', value: 'maybe' }), 400, 'invalidValue');
    fails(barbara(), ops({ op: 'replace', path: 'name', value: 'Barbara' }), 400, 'invalidValue');
  });

  it('P-PATCH-20: add needs a value', () => {
    fails(barbara(), ops({ op: 'add', path: 'title' }), 400, 'invalidValue');
  });
});

describe('mutability (RFC 7643 §7)', () => {
  it('S-CHAR-15/P-PATCH-11: readOnly attributes cannot be patched', () => {
    for (const path of ['groups', 'id', 'meta.created', 'meta'])
      fails(barbara(), ops({ op: 'replace', path, value: [] }), 400, 'mutability');
    fails(
      barbara(),
      ops({ op: 'replace', path: `${EU}:manager.displayName`, value: 'x' }),
      400,
      'mutability',
    );
  });

  it('S-CHAR-18: an existing immutable value cannot be replaced or removed; add on an unset one works', () => {
    const withBadge = patch(
      barbara(),
      ops({ op: 'add', path: `${TX_URN}:badge`, value: 'A' }),
    ).resource;
    expect(withBadge[TX_URN]).toEqual({ badge: 'A' });
    fails(
      withBadge,
      ops({ op: 'replace', path: `${TX_URN}:badge`, value: 'B' }),
      400,
      'mutability',
    );
    fails(withBadge, ops({ op: 'remove', path: `${TX_URN}:badge` }), 400, 'mutability');
    expect(
      patch(withBadge, ops({ op: 'replace', path: `${TX_URN}:badge`, value: 'A' })).changed,
    ).toBe(false);
  });

  it('S-CHAR-20: member sub-attributes are immutable', () => {
    fails(
      group(['u1']),
      ops({ op: 'replace', path: 'members[value eq "u1"].type', value: 'Group' }),
      400,
      'mutability',
      GroupResourceType,
    );
  });

  it('S-CHAR-09/P-PATCH-40: removing a required or readOnly attribute is mutability', () => {
    fails(barbara(), ops({ op: 'remove', path: 'userName' }), 400, 'mutability');
    fails(barbara(), ops({ op: 'remove', path: 'id' }), 400, 'mutability');
    fails(barbara(), ops({ op: 'remove', path: 'groups' }), 400, 'mutability');
  });

  it('P-PATCH-50: replace with null unassigns, but not a required attribute', () => {
    expect(
      patch(barbara(), ops({ op: 'replace', path: 'title', value: null })).resource,
    ).not.toHaveProperty('title');
    fails(barbara(), ops({ op: 'replace', path: 'userName', value: null }), 400, 'mutability');
    fails(barbara(), ops({ op: 'replace', path: 'userName', value: '' }), 400, 'invalidValue');
  });
});

describe('add (RFC 7644 §3.5.2.1)', () => {
  it('P-PATCH-21: a path-less add replaces single values, appends multi-valued ones, and merges complex ones', () => {
    const { resource } = patch(
      barbara(),
      ops({
        op: 'add',
        value: {
          emails: [{ value: 'n@x.com', type: 'other' }],
          nickName: 'Babs',
          name: { middleName: 'J' },
        },
      }),
    );
    expect(resource.emails).toHaveLength(3);
    expect(resource.nickName).toBe('Babs');
    expect(resource.name).toEqual({ givenName: 'Barbara', familyName: 'Jensen', middleName: 'J' });
  });

  it('P-PATCH-22: a path-less value may carry an extension container, merged into the extension', () => {
    const { resource } = patch(barbara(), ops({ op: 'add', value: { [EU]: { department: 'D' } } }));
    expect(resource[EU]).toEqual({ employeeNumber: '1', department: 'D' });
  });

  it('P-PATCH-23/P-PATCH-26: add sets an unset attribute and replaces a set single-valued one', () => {
    expect(
      patch(barbara(), ops({ op: 'add', path: 'nickName', value: 'Babs' })).resource.nickName,
    ).toBe('Babs');
    expect(patch(barbara(), ops({ op: 'add', path: 'title', value: 'T2' })).resource.title).toBe(
      'T2',
    );
  });

  it('P-PATCH-24: add on a complex attribute merges', () => {
    expect(
      patch(barbara(), ops({ op: 'add', path: 'name', value: { middleName: 'Jane' } })).resource
        .name,
    ).toEqual({
      givenName: 'Barbara',
      familyName: 'Jensen',
      middleName: 'Jane',
    });
  });

  it('P-PATCH-25: add appends, and takes a single object as one value', () => {
    expect(
      patch(barbara(), ops({ op: 'add', path: 'emails', value: [{ value: 'z@x.com' }] })).resource
        .emails,
    ).toHaveLength(3);
    expect(
      patch(barbara(), ops({ op: 'add', path: 'emails', value: { value: 'z@x.com' } })).resource
        .emails,
    ).toHaveLength(3);
  });

  it('S-COMMON-14/P-PATCH-27: adding a value already present changes nothing and returns the same resource', () => {
    const user = barbara();
    const result = patch(
      user,
      ops({ op: 'add', path: 'emails', value: [{ value: 'babs@jensen.org', type: 'home' }] }),
    );
    expect(result.changed).toBe(false);
    expect(result.resource).toBe(user);
    expect(result.changes).toEqual([]);
  });

  it('P-PATCH-28: members are identified by value, so re-adding one creates no duplicate', () => {
    const result = applyPatch(
      group(['u1']),
      ops({
        op: 'add',
        path: 'members',
        value: [{ value: 'u1' }, { value: 'u2' }, { value: 'u2' }],
      }),
      {
        resourceType: GroupResourceType,
      },
    );
    expect(result.resource.members).toEqual([{ value: 'u1', type: 'User' }, { value: 'u2' }]);
  });

  it('P-PATCH-29: add with a sub-attribute path sets it', () => {
    expect(
      patch(barbara(), ops({ op: 'add', path: 'name.honorificPrefix', value: 'Ms.' })).resource
        .name,
    ).toMatchObject({ honorificPrefix: 'Ms.' });
  });

  it('P-PATCH-30: add through a filter sets the sub-attribute on matches, or creates the element from the filter', () => {
    expect(
      patch(barbara(), ops({ op: 'add', path: 'emails[type eq "work"].display', value: 'Work' }))
        .resource.emails,
    ).toContainEqual({
      value: 'bjensen@example.com',
      type: 'work',
      primary: true,
      display: 'Work',
    });
    const created = applyPatch(
      barbara(),
      ops({ op: 'add', path: 'phoneNumbers[type eq "work"].value', value: '555' }),
      {
        resourceType: TestUserResourceType,
      },
    );
    expect(created.resource.phoneNumbers).toEqual([{ type: 'work', value: '555' }]);
    fails(
      barbara(),
      ops({ op: 'add', path: 'phoneNumbers[type eq "work"].value', value: '555' }),
      400,
      'noTarget',
    );
  });

  it('P-PATCH-15: an extension-qualified add puts the extension in schemas', () => {
    const user = stored({ schemas: [USER_SCHEMA_URN], userName: 'x' }, 'x');
    const { resource } = patch(user, ops({ op: 'add', path: `${EU}:employeeNumber`, value: '1' }));
    expect(resource.schemas).toEqual([USER_SCHEMA_URN, EU]);
    expect(resource[EU]).toEqual({ employeeNumber: '1' });
  });

  it('S-EXT-03: removing the last extension attribute drops the URN from schemas', () => {
    const { resource } = patch(
      barbara(),
      ops(
        { op: 'remove', path: `${EU}:employeeNumber` },
        { op: 'remove', path: `${EU}:department` },
      ),
    );
    expect(resource.schemas).toEqual([USER_SCHEMA_URN]);
    expect(resource).not.toHaveProperty(EU);
  });

  it('P-PATCH-14: setting primary on one value clears it on the others', () => {
    const { resource } = patch(
      barbara(),
      ops({ op: 'replace', path: 'emails[type eq "home"].primary', value: true }),
    );
    expect(resource.emails).toEqual([
      { value: 'bjensen@example.com', type: 'work', primary: false },
      { value: 'babs@jensen.org', type: 'home', primary: true },
    ]);
    const added = patch(
      barbara(),
      ops({ op: 'add', path: 'emails', value: [{ value: 'n@x', primary: true }] }),
    ).resource.emails as Record<string, unknown>[];
    expect(added.filter((email) => email.primary === true)).toEqual([
      { value: 'n@x', primary: true },
    ]);
  });
});

describe('remove (RFC 7644 §3.5.2.2)', () => {
  it('P-PATCH-31: remove without a path is noTarget', () => {
    fails(barbara(), ops({ op: 'remove' }), 400, 'noTarget');
  });

  it('P-PATCH-32/P-PATCH-33: remove unassigns an attribute or one sub-attribute', () => {
    expect(patch(barbara(), ops({ op: 'remove', path: 'title' })).resource).not.toHaveProperty(
      'title',
    );
    expect(patch(barbara(), ops({ op: 'remove', path: 'name.givenName' })).resource.name).toEqual({
      familyName: 'Jensen',
    });
  });

  it('P-PATCH-34: remove on members without a filter removes every member and keeps the group', () => {
    const { resource } = applyPatch(group(['u1', 'u2']), ops({ op: 'remove', path: 'members' }), {
      resourceType: GroupResourceType,
    });
    expect(resource).not.toHaveProperty('members');
    expect(resource.displayName).toBe('Tour Guides');
  });

  it('P-PATCH-35: remove with a filter removes only the matching members', () => {
    const { resource } = applyPatch(
      group(['u1', 'u2']),
      ops({ op: 'remove', path: 'members[value eq "u1"]' }),
      { resourceType: GroupResourceType },
    );
    expect(resource.members).toEqual([{ value: 'u2', type: 'User' }]);
    const emptied = applyPatch(
      group(['u1']),
      ops({ op: 'remove', path: 'members[value eq "u1"]' }),
      { resourceType: GroupResourceType },
    );
    expect(emptied.resource).not.toHaveProperty('members');
  });

  it('P-PATCH-36: remove with a filter on a complex attribute removes the matching records', () => {
    const { resource } = patch(
      barbara(),
      ops({ op: 'remove', path: 'emails[type eq "work" and value ew "example.com"]' }),
    );
    expect(resource.emails).toEqual([{ value: 'babs@jensen.org', type: 'home' }]);
  });

  it('P-PATCH-37: remove with a filter and a sub-attribute unassigns it in the matches', () => {
    const { resource } = patch(
      barbara(),
      ops({ op: 'remove', path: 'emails[type eq "work"].primary' }),
    );
    expect(resource.emails).toEqual([
      { value: 'bjensen@example.com', type: 'work' },
      { value: 'babs@jensen.org', type: 'home' },
    ]);
  });

  it('P-PATCH-38/D-25: a remove filter that matches nothing succeeds and changes nothing', () => {
    const { changed } = applyPatch(
      group(['u1']),
      ops({ op: 'remove', path: 'members[value eq "nope"]' }),
      { resourceType: GroupResourceType },
    );
    expect(changed).toBe(false);
  });

  it('P-PATCH-39: removing an unassigned attribute is a no-op', () => {
    expect(patch(barbara(), ops({ op: 'remove', path: 'nickName' })).changed).toBe(false);
  });

  it('P-PATCH-41: a value on an unfiltered multi-valued remove selects the values to remove, under the rfc preset too', () => {
    const { resource } = applyPatch(
      group(['u1', 'u2']),
      ops({ op: 'remove', path: 'members', value: [{ value: 'u1' }] }),
      {
        resourceType: GroupResourceType,
        compatibility: PATCH_PRESETS.rfc,
      },
    );
    expect(resource.members).toEqual([{ value: 'u2', type: 'User' }]);
  });

  it('P-PATCH-41: a value on a remove with a filtered path is ignored', () => {
    const { resource } = applyPatch(
      group(['u1', 'u2']),
      ops({ op: 'remove', path: 'members[value eq "u1"]', value: [{ value: 'u2' }] }),
      { resourceType: GroupResourceType, compatibility: PATCH_PRESETS.rfc },
    );
    expect(resource.members).toEqual([{ value: 'u2', type: 'User' }]);
  });

  it('removes a whole extension by its URN', () => {
    expect(patch(barbara(), ops({ op: 'remove', path: EU })).resource).not.toHaveProperty(EU);
  });
});

describe('replace (RFC 7644 §3.5.2.3)', () => {
  it('P-PATCH-42: a path-less replace replaces each listed attribute and keeps the rest', () => {
    const { resource } = patch(
      barbara(),
      ops({
        op: 'replace',
        value: { emails: [{ value: 'only@x.com', type: 'work', primary: true }], nickName: 'Babs' },
      }),
    );
    expect(resource.emails).toEqual([{ value: 'only@x.com', type: 'work', primary: true }]);
    expect(resource.title).toBe('Tour Guide');
  });

  it('P-PATCH-43: replace sets a single value', () => {
    expect(
      patch(barbara(), ops({ op: 'replace', path: 'displayName', value: 'B' })).resource
        .displayName,
    ).toBe('B');
  });

  it('P-PATCH-44/P-PATCH-51: replace without a filter swaps all values', () => {
    const { resource, changes } = applyPatch(
      group(['u1', 'u2']),
      ops({ op: 'replace', path: 'members', value: [{ value: 'u3' }] }),
      {
        resourceType: GroupResourceType,
      },
    );
    expect(resource.members).toEqual([{ value: 'u3' }]);
    expect(changes).toEqual([
      {
        path: 'members',
        kind: 'values',
        added: [{ value: 'u3' }],
        removed: [
          { value: 'u1', type: 'User' },
          { value: 'u2', type: 'User' },
        ],
      },
    ]);
  });

  it('P-PATCH-45: replace on an unset attribute adds it', () => {
    expect(
      patch(barbara(), ops({ op: 'replace', path: 'nickName', value: 'N' })).resource.nickName,
    ).toBe('N');
  });

  it('P-PATCH-46: replace on a complex attribute keeps unlisted sub-attributes', () => {
    expect(
      patch(barbara(), ops({ op: 'replace', path: 'name', value: { givenName: 'B2' } })).resource
        .name,
    ).toEqual({ givenName: 'B2', familyName: 'Jensen' });
  });

  it('P-PATCH-47: replace with a filter replaces every matching record', () => {
    const user = stored(
      {
        schemas: [USER_SCHEMA_URN],
        userName: 'w',
        emails: [
          { value: 'a@x', type: 'work' },
          { value: 'b@x', type: 'work' },
          { value: 'h@x', type: 'home' },
        ],
      },
      'w',
    );
    const { resource } = patch(
      user,
      ops({
        op: 'replace',
        path: 'emails[type eq "work"]',
        value: { value: 'w@x.com', type: 'work' },
      }),
    );
    expect(resource.emails).toEqual([
      { value: 'w@x.com', type: 'work' },
      { value: 'w@x.com', type: 'work' },
      { value: 'h@x', type: 'home' },
    ]);
  });

  it('P-PATCH-48: replace with a filter and a sub-attribute changes only that sub-attribute of the matches', () => {
    const { resource } = patch(
      barbara(),
      ops({ op: 'replace', path: 'emails[type eq "work"].value', value: 'new@x.com' }),
    );
    expect(resource.emails).toEqual([
      { value: 'new@x.com', type: 'work', primary: true },
      { value: 'babs@jensen.org', type: 'home' },
    ]);
  });

  it('P-PATCH-49: replace through a filter that matches nothing is noTarget', () => {
    fails(
      barbara(),
      ops({ op: 'replace', path: 'emails[type eq "pager"].value', value: 'x' }),
      400,
      'noTarget',
    );
  });
});

describe('the change description', () => {
  it('lists set, cleared and added/removed values per attribute', () => {
    const { changes } = patch(
      barbara(),
      ops(
        { op: 'replace', path: 'title', value: 'T' },
        { op: 'remove', path: 'displayName' },
        { op: 'add', path: 'emails', value: [{ value: 'n@x' }] },
      ),
    );
    expect(changes).toEqual([
      { path: 'title', kind: 'set', value: 'T' },
      { path: 'displayName', kind: 'cleared' },
      { path: 'emails', kind: 'values', added: [{ value: 'n@x' }], removed: [] },
    ]);
  });
});
