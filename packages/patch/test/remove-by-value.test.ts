// A `remove` whose value lists values removes exactly those values, in every preset: Entra ID removes
// one member with {"op":"Remove","path":"members","value":[{"value":"<id>"}]} (X-ENTRA-02,
// ../shared/spec/idp-quirks.md §3.1.3), and reading that as "remove all" empties the group
// (segmentio/segment-docs#6726). Only a remove without a value clears the attribute (P-PATCH-34).
// A listed value names what add would call the same value (RFC 7643 §2.4): members by `value`,
// emails by type and value, as far as the listed value gives them; it never names more.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  defineResourceType,
  defineSchema,
  GroupResourceType,
  isScimError,
  type ScimResource,
  type ScimResourceType,
} from '@scim/core';
import { applyPatch, PATCH_PRESETS, type ApplyPatchOptions } from '@scim/patch';
import { TestUserResourceType, TX_URN } from '../../../test/fixtures/checklist.js';
import { barbara, group, ops, stored, USER_SCHEMA_URN } from './helpers.js';

const PRESETS = Object.entries(PATCH_PRESETS);

function remove(
  resource: ScimResource,
  path: string,
  value: unknown,
  options: Partial<ApplyPatchOptions> = {},
) {
  return applyPatch(resource, ops({ op: 'remove', path, value }), {
    resourceType: GroupResourceType,
    ...options,
  });
}

function scimType(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return isScimError(error) ? error.scimType : 'not a ScimError';
  }
  return undefined;
}

describe('X-ENTRA-02/P-PATCH-41: remove with a value list', () => {
  for (const [name, compatibility] of PRESETS) {
    it(`removes exactly the listed members and keeps the others (${name} preset)`, () => {
      const result = remove(
        group(['u1', 'u2', 'u3']),
        'members',
        [{ value: 'u1' }, { value: 'u3' }],
        { compatibility },
      );
      expect(result.resource.members).toEqual([{ value: 'u2', type: 'User' }]);
      expect(result.changes).toEqual([
        {
          path: 'members',
          kind: 'values',
          added: [],
          removed: [
            { value: 'u1', type: 'User' },
            { value: 'u3', type: 'User' },
          ],
        },
      ]);
    });

    it(`removes nothing when no listed member is present (${name} preset)`, () => {
      const before = group(['u1', 'u2']);
      const result = remove(before, 'members', [{ value: 'nope' }], { compatibility });
      expect(result.changed).toBe(false);
      expect(result.resource).toBe(before);
    });
  }

  it('takes one object as a one-value list, and an empty list removes nothing', () => {
    expect(remove(group(['u1', 'u2']), 'members', { value: 'u2' }).resource.members).toEqual([
      { value: 'u1', type: 'User' },
    ]);
    expect(remove(group(['u1', 'u2']), 'members', []).changed).toBe(false);
  });

  it('P-PATCH-34: only a remove without a value (or with null, "no value") removes every member', () => {
    expect(remove(group(['u1', 'u2']), 'members', undefined).resource).not.toHaveProperty(
      'members',
    );
    expect(remove(group(['u1', 'u2']), 'members', null).resource).not.toHaveProperty('members');
  });

  it('removing the last listed member unassigns members and keeps the group', () => {
    const { resource } = remove(group(['u1']), 'members', [{ value: 'u1' }]);
    expect(resource).not.toHaveProperty('members');
    expect(resource.displayName).toBe('Tour Guides');
  });

  it('removes every stored value with the listed id, even duplicates an earlier PUT stored', () => {
    const resource: ScimResource = {
      ...group(['u2']),
      members: [{ value: 'u1', type: 'User' }, { value: 'u2', type: 'User' }, { value: 'u1' }],
    };
    expect(remove(resource, 'members', [{ value: 'u1' }]).resource.members).toEqual([
      { value: 'u2', type: 'User' },
    ]);
  });

  it('matches member ids as members.value compares (caseExact false), and reads $ref: null as absent', () => {
    expect(
      remove(group(['u1', 'u2']), 'members', [{ $ref: null, value: 'U1' }]).resource.members,
    ).toEqual([{ value: 'u2', type: 'User' }]);
  });

  it('Postman P22: a bare id string stands for { value } by default, and is invalidValue under rfc', () => {
    expect(remove(group(['u1', 'u2']), 'members', ['u1']).resource.members).toEqual([
      { value: 'u2', type: 'User' },
    ]);
    expect(
      scimType(() =>
        remove(group(['u1']), 'members', ['u1'], { compatibility: PATCH_PRESETS.rfc }),
      ),
    ).toBe('invalidValue');
  });

  it('RFC 7643 §2.4 "type and value": a listed value matches on every identifying sub-attribute it gives, as add tells values apart', () => {
    const user = stored(
      {
        schemas: [USER_SCHEMA_URN],
        userName: 'a',
        emails: [
          { value: 'a@x', type: 'work' },
          { value: 'a@x', type: 'home' },
        ],
      },
      'a',
    );
    const patch = (value: unknown) =>
      applyPatch(user, ops({ op: 'remove', path: 'emails', value }), {
        resourceType: TestUserResourceType,
      }).resource.emails;
    // The issue 11 review's example: the work address is another value, and stays.
    expect(patch([{ value: 'A@x', type: 'Home' }])).toEqual([{ value: 'a@x', type: 'work' }]);
    // Only `value` given: every stored value with that address, whatever its type.
    expect(patch([{ value: 'a@x' }])).toBeUndefined();
    // Add merges { value, type } into the same value whatever `primary` says, so remove ignores it.
    expect(patch([{ value: 'a@x', type: 'work', primary: true }])).toEqual([
      { value: 'a@x', type: 'home' },
    ]);
  });

  it('a listed value without `value` matches on the identifying sub-attributes it gives (emails by type)', () => {
    const patch = (value: unknown) =>
      applyPatch(barbara(), ops({ op: 'remove', path: 'emails', value }), {
        resourceType: TestUserResourceType,
      });
    expect(patch([{ type: 'Home' }]).resource.emails).toEqual([
      { value: 'bjensen@example.com', type: 'work', primary: true },
    ]);
    expect(patch([{ type: 'other' }]).changed).toBe(false);
  });

  it('members are identified by value alone: another type still matches, and a member without `value` is invalidValue', () => {
    expect(
      remove(group(['u1', 'u2']), 'members', [{ value: 'u1', type: 'Group' }]).resource.members,
    ).toEqual([{ value: 'u2', type: 'User' }]);
    // {"type": "User"} once emptied the group: it names no member, so it is refused, and the
    // request (atomic) changes nothing.
    for (const listed of [[{ type: 'User' }], [{ value: null }], [{}], [{ display: 'x' }]]) {
      expect(scimType(() => remove(group(['u1', 'u2']), 'members', listed))).toBe('invalidValue');
    }
    expect(() => remove(group(['u1']), 'members', [{ value: 'u1' }, { type: 'User' }])).toThrow(
      /Operations\[0\]: Each value to remove from 'members' must give its 'value'/,
    );
  });

  it('addresses, identified by the whole value, match on every sub-attribute a listed value gives', () => {
    const user = stored(
      {
        schemas: [USER_SCHEMA_URN],
        userName: 'a',
        addresses: [
          { type: 'work', locality: 'Paris' },
          { type: 'home', locality: 'Paris' },
          { type: 'work', locality: 'Lyon' },
        ],
      },
      'a',
    );
    const patch = (value: unknown) =>
      applyPatch(user, ops({ op: 'remove', path: 'addresses', value }), {
        resourceType: TestUserResourceType,
      }).resource.addresses;
    expect(patch([{ type: 'WORK' }])).toEqual([{ type: 'home', locality: 'Paris' }]);
    expect(patch([{ type: 'work', locality: 'paris' }])).toEqual([
      { type: 'home', locality: 'Paris' },
      { type: 'work', locality: 'Lyon' },
    ]);
  });

  it('a listed value need not give required sub-attributes: it only picks stored values out', () => {
    const schema = defineSchema({
      id: 'urn:example:test:2.0:Keys',
      attributes: [
        {
          name: 'keys',
          type: 'complex',
          multiValued: true,
          subAttributes: [{ name: 'value', required: true }, { name: 'type' }],
        },
      ],
    });
    const type = defineResourceType({ name: 'Keyed', endpoint: '/Keyed', schema });
    const resource: ScimResource = {
      schemas: [schema.id],
      id: 'k',
      keys: [
        { value: 'a', type: 'old' },
        { value: 'b', type: 'new' },
      ],
    };
    const { resource: after } = applyPatch(
      resource,
      ops({ op: 'remove', path: 'keys', value: [{ type: 'old' }] }),
      { resourceType: type },
    );
    expect(after.keys).toEqual([{ value: 'b', type: 'new' }]);
  });

  it('a listed value that gives no identifying sub-attribute is invalidValue for emails too', () => {
    const patch = (value: unknown) =>
      applyPatch(barbara(), ops({ op: 'remove', path: 'emails', value }), {
        resourceType: TestUserResourceType,
      });
    expect(scimType(() => patch([{ primary: true }]))).toBe('invalidValue');
    expect(scimType(() => patch([{ display: 'x', value: null }]))).toBe('invalidValue');
  });

  it('unknown keys in a listed value are ignored, not a reason to match nothing; unknownAttributes reject refuses them', () => {
    expect(
      remove(group(['u1', 'u2']), 'members', [{ value: 'u1', bogus: 1 }]).resource.members,
    ).toEqual([{ value: 'u2', type: 'User' }]);
    const patch = (value: unknown, unknownAttributes?: 'reject') =>
      applyPatch(barbara(), ops({ op: 'remove', path: 'emails', value }), {
        resourceType: TestUserResourceType,
        ...(unknownAttributes === undefined ? {} : { unknownAttributes }),
      });
    expect(patch([{ nope: 'x', type: 'work' }]).resource.emails).toEqual([
      { value: 'babs@jensen.org', type: 'home' },
    ]);
    expect(scimType(() => patch([{ nope: 'x', type: 'work' }], 'reject'))).toBe('invalidSyntax');
    expect(scimType(() => patch([{ nope: 'x' }]))).toBe('invalidValue');
  });

  it('simple multi-valued values match by equality under caseExact', () => {
    const labels = defineSchema({
      id: 'urn:example:test:2.0:Labels',
      attributes: [
        { name: 'labels', multiValued: true, caseExact: true },
        { name: 'tags', multiValued: true },
      ],
    });
    const type: ScimResourceType = defineResourceType({
      name: 'Labelled',
      endpoint: '/Labelled',
      schema: labels,
    });
    const resource: ScimResource = {
      schemas: [labels.id],
      id: 'l',
      labels: ['Red', 'red', 'Blue'],
      tags: ['Red', 'Blue'],
    };
    const patch = (path: string, value: unknown) =>
      applyPatch(resource, ops({ op: 'remove', path, value }), { resourceType: type }).resource;
    expect(patch('labels', ['red']).labels).toEqual(['Red', 'Blue']);
    expect(patch('tags', ['RED']).tags).toEqual(['Blue']);
    expect(patch('tags', 'blue').tags).toEqual(['Red']);
    expect(scimType(() => patch('tags', [5]))).toBe('invalidValue');
  });

  it('values of an extension attribute are removed the same way (TX tags)', () => {
    const user = stored(
      { schemas: [USER_SCHEMA_URN, TX_URN], userName: 't', [TX_URN]: { tags: ['a', 'b'] } },
      't',
    );
    const { resource } = applyPatch(
      user,
      ops({ op: 'remove', path: `${TX_URN}:tags`, value: ['A'] }),
      { resourceType: TestUserResourceType },
    );
    expect(resource[TX_URN]).toEqual({ tags: ['b'] });
  });

  it('S-CHAR-18: removing a listed value of an immutable attribute is mutability; matching none is fine', () => {
    const schema = defineSchema({
      id: 'urn:example:test:2.0:Badges',
      attributes: [{ name: 'badges', multiValued: true, mutability: 'immutable' }],
    });
    const type = defineResourceType({ name: 'Badged', endpoint: '/Badged', schema });
    const resource: ScimResource = { schemas: [schema.id], id: 'b', badges: ['x'] };
    const patch = (value: unknown) =>
      applyPatch(resource, ops({ op: 'remove', path: 'badges', value }), { resourceType: type });
    expect(scimType(() => patch(['x']))).toBe('mutability');
    expect(patch(['y']).changed).toBe(false);
  });

  it('a single-valued attribute ignores the value and is removed (RFC 7644 §3.5.2.2)', () => {
    const { resource } = applyPatch(
      barbara(),
      ops({ op: 'remove', path: 'title', value: 'something else' }),
      { resourceType: TestUserResourceType },
    );
    expect(resource).not.toHaveProperty('title');
  });

  it('property: the members left are exactly those not listed, whatever the preset', () => {
    const id = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f');
    fc.assert(
      fc.property(
        fc.uniqueArray(id),
        fc.array(id, { maxLength: 4 }),
        fc.constantFrom(...PRESETS.map(([, preset]) => preset)),
        (members, listed, compatibility) => {
          const { resource } = remove(
            group(members),
            'members',
            listed.map((value) => ({ value })),
            { compatibility },
          );
          const left = ((resource.members as { value: string }[] | undefined) ?? []).map(
            (member) => member.value,
          );
          expect(left).toEqual(members.filter((member) => !listed.includes(member)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('removes 5,000 listed members from a 100,000-member group in one pass (O(n + k))', () => {
    const big = group(Array.from({ length: 100_000 }, (_, i) => `u${i}`));
    const listed = Array.from({ length: 5_000 }, (_, i) => ({ value: `u${i * 20}` }));
    const started = performance.now();
    const { resource } = remove(big, 'members', listed);
    const elapsed = performance.now() - started;
    expect((resource.members as unknown[]).length).toBe(95_000);
    // 0.3 to 0.8 s on 2 busy cores; comparing every member with every listed value (5 × 10⁸
    // comparisons) took 450 s when tried.
    expect(elapsed).toBeLessThan(10_000);
  }, 30_000);

  it('200 one-member removes by value on a 20,000-member group read each member once, not once per operation', () => {
    // Entra removes members one operation at a time. Each member's `value` is a getter that counts
    // its reads: a scan per operation reads 200 × 20,000 of them, the index 20,000.
    let reads = 0;
    const members = Array.from({ length: 20_000 }, (_, i) => {
      const id = `u${i}`;
      return Object.defineProperty({ type: 'User' }, 'value', {
        enumerable: true,
        get: () => {
          reads += 1;
          return id;
        },
      });
    });
    const big: ScimResource = { ...group([]), members };
    const operations = Array.from({ length: 200 }, (_, i) => ({
      op: 'remove',
      path: 'members',
      value: [{ value: `u${i * 100}` }],
    }));
    const started = performance.now();
    const { resource } = applyPatch(big, ops(...operations), { resourceType: GroupResourceType });
    const elapsed = performance.now() - started;
    expect((resource.members as unknown[]).length).toBe(19_800);
    expect(reads).toBeLessThan(2 * 20_000);
    // About 30 ms on 2 busy cores; one scan per operation took 2.2 s (and 12 s at 100,000 members).
    expect(elapsed).toBeLessThan(1_000);
  }, 30_000);

  it('a hostile list of 100,000 values that give no `value` costs one pass, not one per value', () => {
    // `type` identifies emails with `value`, so a listed `{ type }` is compared, not looked up.
    const user: ScimResource = {
      ...barbara(),
      emails: Array.from({ length: 20_000 }, (_, i) => ({ value: `e${i}@x`, type: `t${i}` })),
    };
    const listed = Array.from({ length: 100_000 }, (_, i) =>
      i % 2 === 0 ? { type: `q${i}` } : { type: `q${i}`, primary: true },
    );
    const started = performance.now();
    const result = applyPatch(user, ops({ op: 'remove', path: 'emails', value: listed }), {
      resourceType: TestUserResourceType,
    });
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(result.changed).toBe(false);
  }, 30_000);
});
