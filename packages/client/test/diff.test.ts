// diffPatch (RFC 7644 §3.5.2): the smallest PatchOp between two versions, valid for the schema.
// Properties: @scim/patch applying it to the old version gives the new one (readOnly aside), and it
// is never longer than replacing every changed attribute whole.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  defineResourceType,
  defineSchema,
  ENTERPRISE_USER_SCHEMA_URN as EU,
  GroupResourceType,
  isJsonObject,
  UserResourceType,
  USER_SCHEMA_URN,
  type ScimResource,
  type ScimResourceType,
} from '@scim/core';
import { applyPatch } from '@scim/patch';
import { diffPatch, fullReplacePatch } from '../src/index.js';

const user = (fields: Record<string, unknown>): ScimResource => ({
  schemas: [USER_SCHEMA_URN],
  id: 'u1',
  meta: { resourceType: 'User', version: 'W/"1"' },
  userName: 'bjensen',
  ...fields,
});
const ops = (
  before: ScimResource,
  after: ScimResource,
  resourceType: ScimResourceType = UserResourceType,
) => diffPatch(before, after, { resourceType }).Operations;

describe('diffPatch', () => {
  it('no difference gives no operations', () => {
    const same = user({ emails: [{ value: 'a@x.com', primary: true }] });
    expect(ops(same, structuredClone(same))).toEqual([]);
  });

  it('a changed simple attribute is replaced, a new one added, a removed one removed', () => {
    expect(
      ops(user({ title: 'A', nickName: 'N' }), user({ title: 'B', displayName: 'D' })),
    ).toEqual([
      { op: 'add', path: 'displayName', value: 'D' },
      { op: 'remove', path: 'nickName' },
      { op: 'replace', path: 'title', value: 'B' },
    ]);
  });

  it('S-CHAR: readOnly attributes (id, meta, groups) never get an operation', () => {
    const before = user({ groups: [{ value: 'g1' }] });
    const after = { ...before, id: 'other', meta: { version: 'W/"9"' }, groups: [] };
    expect(ops(before, after)).toEqual([]);
  });

  it('a changed sub-attribute of a complex attribute is written by its path', () => {
    expect(
      ops(
        user({ name: { givenName: 'B', familyName: 'J' } }),
        user({ name: { givenName: 'Babs', familyName: 'J' } }),
      ),
    ).toEqual([{ op: 'replace', path: 'name.givenName', value: 'Babs' }]);
  });

  it('a lost sub-attribute is removed by its path: replace would merge and keep it', () => {
    expect(
      ops(user({ name: { givenName: 'B', familyName: 'J' } }), user({ name: { givenName: 'B' } })),
    ).toEqual([{ op: 'remove', path: 'name.familyName' }]);
  });

  it('multi-valued values with a value are removed and changed through value filters', () => {
    const others = ['c', 'd', 'e', 'f'].map((letter) => ({
      value: `${letter}@example.com`,
      type: 'other',
    }));
    const before = user({
      emails: [
        { value: 'a@example.com', type: 'work', primary: true },
        { value: 'b@example.com', type: 'home' },
        ...others,
      ],
    });
    const after = user({
      emails: [
        { value: 'a@example.com', type: 'work' },
        ...others.map((e, index) => (index === 0 ? { ...e, primary: true } : e)),
        { value: 'z@example.com', type: 'home' },
      ],
    });
    expect(ops(before, after)).toEqual([
      { op: 'remove', path: 'emails[value eq "b@example.com"]' },
      { op: 'remove', path: 'emails[value eq "a@example.com"].primary' },
      { op: 'replace', path: 'emails[value eq "c@example.com"].primary', value: true },
      { op: 'add', path: 'emails', value: [{ value: 'z@example.com', type: 'home' }] },
    ]);
  });

  const group = (members: unknown[]): ScimResource => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    id: 'g1',
    displayName: 'G',
    members,
  });
  const member = (index: number) => ({
    value: `2819c223-7f76-453a-919d-41342${index}`,
    display: `U${index}`,
  });

  it('P-PATCH: group members are added and removed by value, readOnly display left out', () => {
    const kept = [1, 2, 3, 4].map(member);
    const before = group([...kept, member(5)]);
    const after = group([...kept, { value: 'new-member' }]);
    expect(ops(before, after, GroupResourceType)).toEqual([
      { op: 'remove', path: `members[value eq "${member(5).value}"]` },
      { op: 'add', path: 'members', value: [{ value: 'new-member' }] },
    ]);
  });

  it('a list is replaced whole when that is shorter than its value filters', () => {
    const before = group([{ value: 'u1' }, { value: 'u2' }]);
    const after = group([{ value: 'u1' }, { value: 'u3' }]);
    expect(ops(before, after, GroupResourceType)).toEqual([
      { op: 'replace', path: 'members', value: [{ value: 'u1' }, { value: 'u3' }] },
    ]);
  });

  it('a value with quotes stays inside the filter', () => {
    const before = user({ emails: [{ value: 'a"b@x.com' }, { value: 'keep@x.com' }] });
    const after = user({ emails: [{ value: 'keep@x.com' }] });
    expect(ops(before, after)).toEqual([{ op: 'remove', path: 'emails[value eq "a\\"b@x.com"]' }]);
  });

  it('reordered values are replaced whole, since add appends', () => {
    const before = user({ emails: [{ value: 'a@x.com' }, { value: 'b@x.com' }] });
    const after = user({ emails: [{ value: 'b@x.com' }, { value: 'a@x.com' }] });
    expect(ops(before, after)).toEqual([
      { op: 'replace', path: 'emails', value: [{ value: 'b@x.com' }, { value: 'a@x.com' }] },
    ]);
  });

  it('an extension attribute is written by its URN-qualified path, a new extension in one add', () => {
    expect(ops(user({ [EU]: { department: 'A' } }), user({ [EU]: { department: 'B' } }))).toEqual([
      { op: 'replace', path: `${EU}:department`, value: 'B' },
    ]);
    expect(ops(user({}), user({ [EU]: { department: 'B', employeeNumber: '7' } }))).toEqual([
      { op: 'add', path: EU, value: { employeeNumber: '7', department: 'B' } },
    ]);
    expect(ops(user({ [EU]: { department: 'B', employeeNumber: '7' } }), user({}))).toEqual([
      { op: 'remove', path: EU },
    ]);
  });

  it('a value whose immutable sub-attribute changed is replaced whole through its filter', () => {
    const kept = [1, 2, 3, 4].map((index) => ({ ...member(index), type: 'User' }));
    const before = group([...kept, { value: 'u5', type: 'User' }]);
    const after = group([...kept, { value: 'u5', type: 'Group' }]);
    // members.type is immutable: the sub-attribute cannot be written by itself.
    expect(ops(before, after, GroupResourceType)).toEqual([
      { op: 'replace', path: 'members[value eq "u5"]', value: { value: 'u5', type: 'Group' } },
    ]);
  });

  it('S-CHAR: changing an immutable attribute that has a value is refused before anything is sent', () => {
    const Badge = defineResourceType({
      name: 'Badge',
      endpoint: '/Badges',
      schema: defineSchema({
        id: 'urn:example:params:scim:schemas:core:2.0:Badge',
        attributes: [{ name: 'code', mutability: 'immutable' }],
      }),
    });
    const before = { schemas: [Badge.schema.id], id: 'b', code: 'A' };
    expect(() => diffPatch(before, { ...before, code: 'B' }, { resourceType: Badge })).toThrow(
      expect.objectContaining({ status: 400, scimType: 'mutability' }),
    );
    expect(
      diffPatch({ ...before, code: undefined }, before, { resourceType: Badge }).Operations,
    ).toEqual([{ op: 'add', path: 'code', value: 'A' }]);
  });

  it('attribute names in another case are read by the schema and written in its spelling', () => {
    expect(ops(user({ title: 'A' }), { ...user({}), Title: 'B' })).toEqual([
      { op: 'replace', path: 'title', value: 'B' },
    ]);
  });

  it('without a schema the shapes are read from the values', () => {
    const before = {
      schemas: ['urn:x'],
      id: '1',
      color: 'red',
      tags: [{ value: 'a' }, { value: 'b' }],
    };
    const after = { schemas: ['urn:x'], id: '2', color: 'blue', tags: [{ value: 'a' }] };
    expect(diffPatch(before, after).Operations).toEqual([
      { op: 'replace', path: 'color', value: 'blue' },
      { op: 'remove', path: 'tags[value eq "b"]' },
    ]);
  });
});

// Users whose values overlap often, so that the generated pairs share, change and drop values.
const word = fc.oneof(
  fc.constantFrom('a', 'b', 'Barbara', 'Jensen', 'x"y', 'back\\slash', 'ünï'),
  fc.string({ minLength: 1, maxLength: 6 }),
);
const emailValue = fc.constantFrom(
  'a@x.com',
  'b@x.com',
  'c@x.com',
  'd@x.com',
  'e"q@x.com',
  'A@X.COM',
);
const email = fc.record(
  { value: emailValue, type: fc.constantFrom('work', 'home', 'other'), primary: fc.boolean() },
  { requiredKeys: ['value'] },
);
const emails = fc
  .uniqueArray(email, { selector: (e) => e.value.toLowerCase(), maxLength: 4 })
  .map((list) => {
    // At most one primary value (RFC 7643 §2.4).
    let primary = false;
    return list.map((e) => {
      if (e.primary !== true) return e;
      if (primary) return { ...e, primary: false };
      primary = true;
      return e;
    });
  });
const arbitraryUser = fc
  .record(
    {
      userName: word,
      displayName: word,
      title: word,
      active: fc.boolean(),
      name: fc.record({ givenName: word, familyName: word, formatted: word }, { requiredKeys: [] }),
      emails,
      groups: fc.constant([{ value: 'g1', display: 'G' }]),
      [EU]: fc.record(
        {
          department: word,
          employeeNumber: word,
          manager: fc.record({ value: word, displayName: word }, { requiredKeys: ['value'] }),
        },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: ['userName'] },
  )
  .map((fields) => user(fields));

/** A resource without what the server owns (readOnly) or what holds nothing, for comparison. */
function comparable(resource: ScimResource): Record<string, unknown> {
  const { id: _id, meta: _meta, groups: _groups, schemas: _schemas, ...rest } = resource;
  return prune({
    ...rest,
    [EU]: isJsonObject(rest[EU])
      ? {
          ...rest[EU],
          manager: isJsonObject(rest[EU].manager)
            ? { ...rest[EU].manager, displayName: undefined }
            : undefined,
        }
      : undefined,
  }) as Record<string, unknown>;
}

function prune(value: unknown): unknown {
  if (Array.isArray(value)) {
    const list = value.map(prune).filter((item) => item !== undefined);
    return list.length === 0 ? undefined : list;
  }
  if (!isJsonObject(value)) return value === null ? undefined : value;
  const entries = Object.entries(value)
    .map(([key, inner]) => [key, prune(inner)] as const)
    .filter(([, inner]) => inner !== undefined);
  return entries.length === 0 ? undefined : Object.fromEntries(entries);
}

describe('diffPatch properties', () => {
  it('property: applying the diff to the old version gives the new one (readOnly aside)', () => {
    fc.assert(
      fc.property(arbitraryUser, arbitraryUser, (before, after) => {
        const request = diffPatch(before, after, { resourceType: UserResourceType });
        const result =
          request.Operations.length === 0
            ? before
            : applyPatch(before, request, { resourceType: UserResourceType }).resource;
        expect(comparable(result)).toEqual(comparable(after));
      }),
      { numRuns: 1_000 },
    );
  });

  it('property: the diff is never longer than replacing every changed attribute whole', () => {
    fc.assert(
      fc.property(arbitraryUser, arbitraryUser, (before, after) => {
        const diff = JSON.stringify(diffPatch(before, after, { resourceType: UserResourceType }));
        const full = JSON.stringify(
          fullReplacePatch(before, after, { resourceType: UserResourceType }),
        );
        expect(diff.length).toBeLessThanOrEqual(full.length);
      }),
      { numRuns: 1_000 },
    );
  });

  it('property: the full replacement it is measured against is itself correct', () => {
    fc.assert(
      fc.property(arbitraryUser, arbitraryUser, (before, after) => {
        const request = fullReplacePatch(before, after, { resourceType: UserResourceType });
        const result =
          request.Operations.length === 0
            ? before
            : applyPatch(before, request, { resourceType: UserResourceType }).resource;
        expect(comparable(result)).toEqual(comparable(after));
      }),
      { numRuns: 300 },
    );
  });
});
