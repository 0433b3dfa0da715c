import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  GroupResourceType,
  isScimError,
  isScimType,
  stableStringify,
  type ScimResource,
} from '@scim/core';
import { applyPatch, PATCH_PRESETS, safeApplyPatch } from '@scim/patch';
import { TestUserResourceType } from '../../../test/fixtures/checklist.js';
import { barbara, EU, group, ops } from './helpers.js';

function attempt(resource: ScimResource, body: unknown, compatibility = PATCH_PRESETS.entra) {
  return safeApplyPatch(resource, body, { resourceType: TestUserResourceType, compatibility });
}

describe('prototype pollution', () => {
  const vectors = ['__proto__', 'constructor', 'prototype'];

  for (const key of vectors) {
    it(`"${key}" as a path segment, a path-less key, a nested key or a filter attribute neither pollutes nor lands`, () => {
      const bodies = [
        ops({ op: 'add', path: `${key}.polluted`, value: true }),
        ops({ op: 'add', path: `name.${key}`, value: { polluted: true } }),
        ops({ op: 'replace', path: key, value: { polluted: true } }),
        JSON.parse(
          `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","value":{"${key}":{"polluted":true}}}]}`,
        ),
        JSON.parse(
          `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","value":{"name":{"${key}":{"polluted":true},"givenName":"x"}}}]}`,
        ),
        JSON.parse(
          `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"emails","value":[{"value":"a@x","${key}":{"polluted":true}}]}]}`,
        ),
        JSON.parse(
          `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","value":{"${EU}":{"${key}":{"polluted":true}}}}]}`,
        ),
        ops({ op: 'remove', path: `emails[${key} eq "x"]` }),
        ops({ op: 'add', path: `${EU}:${key}`, value: 'x' }),
      ];
      for (const body of bodies) {
        const result = attempt(barbara(), body);
        if (result.ok) expect(stableStringify(result.value.resource)).not.toContain('polluted');
        else expect(result.issues[0]?.scimType).toMatch(/invalidPath|invalidFilter|invalidValue/);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect(Object.prototype).not.toHaveProperty('polluted');
      }
    });
  }
});

describe('limits', () => {
  it('refuses more operations, or more values in one operation, than the limits allow', () => {
    const many = ops(
      ...Array.from({ length: 11 }, () => ({ op: 'add', path: 'title', value: 'x' })),
    );
    expect(() =>
      applyPatch(barbara(), many, {
        resourceType: TestUserResourceType,
        limits: { maxOperations: 10 },
      }),
    ).toThrow(/at most 10 operations/);
    const big = ops({
      op: 'add',
      path: 'members',
      value: Array.from({ length: 11 }, (_, i) => ({ value: `u${i}` })),
    });
    expect(() =>
      applyPatch(group([]), big, { resourceType: GroupResourceType, limits: { maxValues: 10 } }),
    ).toThrow(/at most 10 values/);
  });

  it('refuses bodies that are not PatchOp messages with invalidSyntax', () => {
    for (const body of [
      null,
      'x',
      [],
      { schemas: 'x' },
      { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [5] },
    ]) {
      const result = attempt(barbara(), body);
      expect(result.ok ? undefined : result.issues[0]?.scimType).toBe('invalidSyntax');
    }
  });
});

describe('peers known failures (scim-patch 0.8.3, scimmy 1.3.5)', () => {
  it('scim-patch: a replace of "DisplayName" updates displayName instead of adding a second key', () => {
    const { resource } = applyPatch(
      barbara(),
      ops({ op: 'replace', path: 'DisplayName', value: 'B' }),
      { resourceType: TestUserResourceType },
    );
    expect(resource.displayName).toBe('B');
    expect(Object.keys(resource).filter((key) => key.toLowerCase() === 'displayname')).toEqual([
      'displayName',
    ]);
  });

  it('scim-patch: an extension path is split after the URN, not at the last colon of 2.0:User', () => {
    const { resource } = applyPatch(
      barbara(),
      ops({ op: 'replace', path: `${EU}:employeeNumber`, value: '9' }),
      { resourceType: TestUserResourceType },
    );
    expect(resource[EU]).toMatchObject({ employeeNumber: '9' });
  });

  it("scim-patch: Entra's member removal with a value list is applied, not ignored", () => {
    const result = applyPatch(
      group(['u1', 'u2']),
      ops({ op: 'Remove', path: 'members', value: [{ value: 'u1' }] }),
      {
        resourceType: GroupResourceType,
        compatibility: PATCH_PRESETS.entra,
      },
    );
    expect(result.resource.members).toEqual([{ value: 'u2', type: 'User' }]);
  });

  it('scimmy: "False" is accepted under the Entra preset, and add upserts through [type eq "work"]', () => {
    const result = applyPatch(
      barbara(),
      ops(
        { op: 'Replace', path: 'active', value: 'False' },
        { op: 'Add', path: 'phoneNumbers[type eq "work"].value', value: '555' },
      ),
      {
        resourceType: TestUserResourceType,
        compatibility: PATCH_PRESETS.entra,
      },
    );
    expect(result.resource).toMatchObject({
      active: false,
      phoneNumbers: [{ type: 'work', value: '555' }],
    });
  });
});

describe('property: atomic, and the input is never mutated', () => {
  const paths = [
    'title',
    'nickName',
    'name.givenName',
    'emails',
    'emails[type eq "work"].value',
    'emails[type eq "home"]',
    'userName',
    'groups',
    'nope',
    `${EU}:department`,
    'active',
    'emails[type eq',
    'members',
    'schemas',
    `schemas[value eq "${EU}"]`,
  ];
  const values = fc.oneof(
    fc.string({ maxLength: 5 }),
    fc.boolean(),
    fc.constant(null),
    fc.constant([{ value: 'v@x', type: 'work' }]),
    fc.constant({ givenName: 'G' }),
    fc.integer(),
    fc.constant([EU]),
    fc.constant({ displayName: 'readOnly only' }),
  );
  const operation = fc.record(
    {
      op: fc.constantFrom('add', 'remove', 'replace', 'Replace', 'move'),
      path: fc.option(fc.constantFrom(...paths), { nil: undefined }),
      value: values,
    },
    { requiredKeys: ['op'] },
  );

  it('either every operation applies or the resource is untouched, and the input never changes', () => {
    fc.assert(
      fc.property(fc.array(operation, { minLength: 1, maxLength: 6 }), (operations) => {
        const user = barbara();
        const frozen = stableStringify(user);
        const result = attempt(user, ops(...operations));
        expect(stableStringify(user)).toBe(frozen);
        if (result.ok) {
          // Applying the operations one request at a time gives the same resource.
          let stepwise: ScimResource = user;
          for (const single of operations) {
            const step = attempt(stepwise, ops(single));
            expect(step.ok).toBe(true);
            if (step.ok) stepwise = step.value.resource;
          }
          expect(stableStringify(stepwise)).toBe(stableStringify(result.value.resource));
          expect(result.value.resource.schemas[0]).toBe(
            'urn:ietf:params:scim:schemas:core:2.0:User',
          );
          expect(result.value.resource.userName).toBeDefined();
        } else {
          expect(isScimType(result.issues[0]?.scimType)).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('errors are ScimErrors with a registered scimType, never TypeErrors', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ op: fc.anything(), path: fc.anything(), value: fc.anything() }), {
          minLength: 1,
          maxLength: 3,
        }),
        (operations) => {
          try {
            applyPatch(barbara(), ops(...operations), { resourceType: TestUserResourceType });
          } catch (error) {
            expect(isScimError(error)).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
