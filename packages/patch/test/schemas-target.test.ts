// `schemas` is a PATCH target (RFC 7644 §3.5.2: "schemas" may be named like any attribute). It
// follows the data (P-PATCH-15, S-EXT-03): adding an extension URN is accepted and listed once the
// extension holds data, removing one removes that extension's data, and the core URN always stays.
import { describe, expect, it } from 'vitest';
import {
  defineResourceType,
  EnterpriseUserSchema,
  isScimError,
  UserSchema,
  type ScimResource,
  type ScimResourceType,
} from '@scim/core';
import { applyPatch, PATCH_PRESETS } from '@scim/patch';
import { TestUserResourceType, TX_URN } from '../../../test/fixtures/checklist.js';
import { barbara, EU, ops, USER_SCHEMA_URN } from './helpers.js';

/** bj with Enterprise and TX data. */
function full(): ScimResource {
  const user = barbara();
  return { ...user, schemas: [USER_SCHEMA_URN, EU, TX_URN], [TX_URN]: { level: 3 } };
}

function patch(resource: ScimResource, ...operations: unknown[]) {
  return applyPatch(resource, ops(...operations), {
    resourceType: TestUserResourceType,
    compatibility: PATCH_PRESETS.rfc,
  });
}

function refused(resource: ScimResource, ...operations: unknown[]): string | undefined {
  const before = stable(resource);
  try {
    patch(resource, ...operations);
  } catch (error) {
    expect(stable(resource)).toBe(before);
    return isScimError(error) ? error.scimType : 'not a ScimError';
  }
  return undefined;
}

const stable = (value: unknown) => JSON.stringify(value);

describe('RFC 7644 §3.5.2: add schemas', () => {
  it('accepts an extension URN of the resource type, in any case; it is listed once the extension holds data', () => {
    const bare = patch(barbara(), { op: 'add', path: 'schemas', value: [TX_URN.toUpperCase()] });
    expect(bare.resource.schemas).toEqual([USER_SCHEMA_URN, EU]);
    const { resource } = patch(
      barbara(),
      { op: 'add', path: 'schemas', value: [TX_URN] },
      { op: 'add', path: `${TX_URN}:level`, value: 2 },
    );
    expect(resource.schemas).toEqual([USER_SCHEMA_URN, EU, TX_URN]);
    expect(patch(barbara(), { op: 'add', path: 'schemas', value: USER_SCHEMA_URN }).changed).toBe(
      false,
    );
  });

  it('an unknown URN, or a value that is not a URN string, is invalidValue', () => {
    expect(refused(barbara(), { op: 'add', path: 'schemas', value: ['urn:example:nope'] })).toBe(
      'invalidValue',
    );
    expect(refused(barbara(), { op: 'add', path: 'schemas', value: [5] })).toBe('invalidValue');
    expect(refused(barbara(), { op: 'add', path: 'schemas' })).toBe('invalidValue');
  });
});

describe('RFC 7644 §3.5.2.2: remove from schemas', () => {
  it('remove schemas[value eq "<extension>"] removes that extension and its data', () => {
    const { resource, changes } = patch(full(), {
      op: 'remove',
      path: `schemas[value eq "${EU}"]`,
    });
    expect(resource.schemas).toEqual([USER_SCHEMA_URN, TX_URN]);
    expect(resource).not.toHaveProperty(EU);
    expect(changes.map((change) => change.path)).toEqual([
      `${EU}:employeeNumber`,
      `${EU}:department`,
    ]);
  });

  it('remove schemas with a value list removes the listed extensions (as X-ENTRA-02 for any list)', () => {
    const { resource } = patch(full(), { op: 'remove', path: 'Schemas', value: [EU, TX_URN] });
    expect(resource.schemas).toEqual([USER_SCHEMA_URN]);
    expect(resource).not.toHaveProperty(EU);
    expect(resource).not.toHaveProperty(TX_URN);
    expect(resource.userName).toBe('bjensen');
  });

  it('a URN the resource does not carry matches nothing and changes nothing', () => {
    expect(
      patch(barbara(), { op: 'remove', path: 'schemas', value: ['urn:example:nope'] }).changed,
    ).toBe(false);
    expect(patch(barbara(), { op: 'remove', path: `schemas[value eq "${TX_URN}"]` }).changed).toBe(
      false,
    );
  });

  it('removing the core schema URN, or all of schemas, is mutability', () => {
    expect(refused(full(), { op: 'remove', path: `schemas[value eq "${USER_SCHEMA_URN}"]` })).toBe(
      'mutability',
    );
    expect(refused(full(), { op: 'remove', path: 'schemas', value: [EU, USER_SCHEMA_URN] })).toBe(
      'mutability',
    );
    expect(refused(full(), { op: 'remove', path: 'schemas' })).toBe('mutability');
  });

  it('S-CHAR-12: a required extension cannot be removed through schemas', () => {
    const type: ScimResourceType = defineResourceType({
      name: 'User',
      endpoint: '/Users',
      schema: UserSchema,
      schemaExtensions: [{ schema: EnterpriseUserSchema, required: true }],
    });
    expect(() =>
      applyPatch(barbara(), ops({ op: 'remove', path: `schemas[value eq "${EU}"]` }), {
        resourceType: type,
      }),
    ).toThrow(/required/);
  });

  it('only [value eq "<URN>"] filters schemas, and only for remove', () => {
    expect(refused(full(), { op: 'remove', path: 'schemas[value sw "urn"]' })).toBe(
      'invalidFilter',
    );
    expect(refused(full(), { op: 'add', path: `schemas[value eq "${EU}"]`, value: EU })).toBe(
      'invalidPath',
    );
    expect(refused(full(), { op: 'remove', path: 'schemas.value' })).toBe('invalidPath');
  });
});

describe('RFC 7644 §3.5.2.3: replace schemas', () => {
  it('keeps the listed extensions and removes the data of those left out', () => {
    const { resource } = patch(full(), {
      op: 'replace',
      path: `${USER_SCHEMA_URN}:schemas`,
      value: [USER_SCHEMA_URN, EU],
    });
    expect(resource.schemas).toEqual([USER_SCHEMA_URN, EU]);
    expect(resource[EU]).toEqual({ employeeNumber: '1', department: 'Tour' });
    expect(resource).not.toHaveProperty(TX_URN);
  });

  it('a list without the core URN (or null) is mutability; an unknown URN is invalidValue', () => {
    expect(refused(full(), { op: 'replace', path: 'schemas', value: [EU] })).toBe('mutability');
    expect(refused(full(), { op: 'replace', path: 'schemas', value: null })).toBe('mutability');
    expect(
      refused(full(), {
        op: 'replace',
        path: 'schemas',
        value: [USER_SCHEMA_URN, 'urn:example:nope'],
      }),
    ).toBe('invalidValue');
  });
});

describe('schemas inside a path-less value', () => {
  it("is ignored, so repeating the resource's schemas never drops an extension", () => {
    const { resource } = patch(full(), {
      op: 'replace',
      value: { schemas: [USER_SCHEMA_URN], title: 'T' },
    });
    expect(resource.title).toBe('T');
    expect(resource.schemas).toEqual([USER_SCHEMA_URN, EU, TX_URN]);
  });

  it('spelled as a path key (`<core URN>:schemas`, pathKeysInValue) it is ignored the same way', () => {
    const { resource } = applyPatch(
      full(),
      ops({
        op: 'replace',
        value: { [`${USER_SCHEMA_URN}:schemas`]: [USER_SCHEMA_URN], title: 'T' },
      }),
      { resourceType: TestUserResourceType, compatibility: PATCH_PRESETS.default },
    );
    expect(resource.title).toBe('T');
    expect(resource.schemas).toEqual([USER_SCHEMA_URN, EU, TX_URN]);
  });
});

it('P-PATCH-10: a later failing operation leaves a schemas removal unapplied', () => {
  const user = full();
  expect(
    refused(
      user,
      { op: 'remove', path: `schemas[value eq "${EU}"]` },
      { op: 'replace', path: 'active', value: 'maybe' },
    ),
  ).toBe('invalidValue');
  expect(user[EU]).toBeDefined();
});
