// What identity providers send (../shared/spec/idp-quirks.md §3.1, §3.2), each behind a named option.
import { describe, expect, it } from 'vitest';
import { GroupResourceType, isScimError, type ScimResource } from '@scim/core';
import { applyPatch, PATCH_PRESETS, type PatchCompatibility } from '@scim/patch';
import { TestUserResourceType } from '../../../test/fixtures/checklist.js';
import { barbara, EU, group, ops } from './helpers.js';

function user(
  body: unknown,
  compatibility: PatchCompatibility,
  resource: ScimResource = barbara(),
) {
  return applyPatch(resource, body, { resourceType: TestUserResourceType, compatibility });
}

function groupPatch(
  body: unknown,
  compatibility: PatchCompatibility,
  resource: ScimResource = group(['u1', 'u2']),
) {
  return applyPatch(resource, body, { resourceType: GroupResourceType, compatibility });
}

function rejects(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return isScimError(error) ? error.scimType : 'not a ScimError';
  }
  return undefined;
}

describe('Microsoft Entra ID', () => {
  it('X-ENTRA-01: "op": "Replace" (caseInsensitiveOp)', () => {
    const body = ops({ op: 'Replace', path: 'title', value: 'x' });
    expect(user(body, { caseInsensitiveOp: true }).resource.title).toBe('x');
    expect(rejects(() => user(body, PATCH_PRESETS.rfc))).toBe('invalidSyntax');
  });

  it('X-ENTRA-02: remove members with a value list removes only those members, in every preset', () => {
    const body = ops({ op: 'Remove', path: 'members', value: [{ value: 'u1' }] });
    for (const preset of [PATCH_PRESETS.default, PATCH_PRESETS.entra, PATCH_PRESETS.okta]) {
      expect(groupPatch(body, preset).resource.members).toEqual([{ value: 'u2', type: 'User' }]);
    }
    // The option that used to switch this on is accepted and changes nothing.
    expect(
      groupPatch(body, { caseInsensitiveOp: true, removeMembersByValue: false }).resource.members,
    ).toEqual([{ value: 'u2', type: 'User' }]);
  });

  it('X-ENTRA-03: "value": "False" for a boolean (booleanStrings)', () => {
    const body = ops({ op: 'Replace', path: 'active', value: 'False' });
    expect(user(body, PATCH_PRESETS.entra).resource.active).toBe(false);
    expect(rejects(() => user(body, { caseInsensitiveOp: true }))).toBe('invalidValue');
  });

  it('X-ENTRA-04: path-less replace with dotted and URN-qualified keys (pathKeysInValue)', () => {
    const body = ops({
      op: 'replace',
      value: { displayName: 'Bjfe', 'name.givenName': 'Kkom', [`${EU}:employeeNumber`]: 'Aklq' },
    });
    const { resource } = user(body, PATCH_PRESETS.entra);
    expect(resource).toMatchObject({
      displayName: 'Bjfe',
      name: { givenName: 'Kkom', familyName: 'Jensen' },
      [EU]: { employeeNumber: 'Aklq' },
    });
    expect(Object.keys(resource)).not.toContain('name.givenName');
    expect(rejects(() => user(body, PATCH_PRESETS.rfc))).toBe('invalidPath');
  });

  it('X-ENTRA-06: manager as a bare string or a one-element array (managerShorthand)', () => {
    const bare = ops({ op: 'Add', path: `${EU}:manager`, value: '271' });
    expect(user(bare, PATCH_PRESETS.entra).resource[EU]).toMatchObject({
      manager: { value: '271' },
    });
    const array = ops({ op: 'Add', path: 'manager', value: [{ $ref: '../Users/x', value: 'x' }] });
    expect(user(array, PATCH_PRESETS.entra).resource[EU]).toMatchObject({
      manager: { value: 'x', $ref: '../Users/x' },
    });
    expect(rejects(() => user(bare, { caseInsensitiveOp: true }))).toBe('invalidValue');
  });

  it('gallery test 25: manager removed by a replace with an empty value, and by remove', () => {
    const withManager = user(
      ops({ op: 'add', path: `${EU}:manager`, value: { value: 'm' } }),
      PATCH_PRESETS.entra,
    ).resource;
    expect(
      user(
        ops({ op: 'Replace', path: `${EU}:manager`, value: '' }),
        PATCH_PRESETS.entra,
        withManager,
      ).resource[EU],
    ).not.toHaveProperty('manager');
    expect(
      user(ops({ op: 'Remove', path: `${EU}:manager` }), PATCH_PRESETS.entra, withManager).resource[
        EU
      ],
    ).not.toHaveProperty('manager');
  });

  it('X-ENTRA-08: add and replace through an eq filter that matches nothing create the element', () => {
    const add = ops({ op: 'Add', path: 'phoneNumbers[type eq "work"].value', value: '555' });
    const replace = ops({
      op: 'Replace',
      path: 'addresses[type eq "work"].locality',
      value: 'Seattle',
    });
    expect(user(add, PATCH_PRESETS.default).resource.phoneNumbers).toEqual([
      { type: 'work', value: '555' },
    ]);
    expect(rejects(() => user(replace, PATCH_PRESETS.default))).toBe('noTarget');
    expect(user(replace, PATCH_PRESETS.entra).resource.addresses).toEqual([
      { type: 'work', locality: 'Seattle' },
    ]);
    const existing = user(
      ops({ op: 'Add', path: 'emails[type eq "work"].value', value: 'new@x' }),
      PATCH_PRESETS.entra,
    ).resource;
    expect(existing.emails).toHaveLength(2);
  });

  it('E5/E11: the tutorial PATCH bodies apply', () => {
    const e5 = ops(
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
      { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
    );
    expect(user(e5, PATCH_PRESETS.entra).resource).toMatchObject({
      name: { familyName: 'updatedFamilyName' },
    });
    const e11 = ops({
      op: 'Add',
      path: 'members',
      value: [{ $ref: null, value: 'f648f8d5ea4e4cd38e9c' }],
    });
    expect(groupPatch(e11, PATCH_PRESETS.entra).resource.members).toContainEqual({
      value: 'f648f8d5ea4e4cd38e9c',
    });
  });

  it('validator (scimmy#59): an empty Operations list is a no-op by default (allowEmptyOperations)', () => {
    for (const preset of [PATCH_PRESETS.default, PATCH_PRESETS.entra, PATCH_PRESETS.okta]) {
      const result = user(ops(), preset);
      expect(result.changed).toBe(false);
      expect(result.changes).toEqual([]);
    }
    expect(rejects(() => user(ops(), PATCH_PRESETS.rfc))).toBe('invalidSyntax');
  });

  it('gallery test 16: optional attributes set to "" and then null', () => {
    const empty = user(
      ops({ op: 'Replace', path: 'title', value: '' }),
      PATCH_PRESETS.entra,
    ).resource;
    expect(empty.title).toBe('');
    expect(
      user(ops({ op: 'Replace', path: 'title', value: null }), PATCH_PRESETS.entra, empty).resource,
    ).not.toHaveProperty('title');
  });

  it('X-ENTRA-10: several membership changes in one PATCH', () => {
    const body = ops(
      { op: 'Add', path: 'members', value: [{ value: 'u3' }, { value: 'u4' }] },
      { op: 'Remove', path: 'members', value: [{ value: 'u1' }] },
    );
    expect(groupPatch(body, PATCH_PRESETS.entra).resource.members).toEqual([
      { value: 'u2', type: 'User' },
      { value: 'u3' },
      { value: 'u4' },
    ]);
  });
});

describe('Okta', () => {
  it('3.2.4: path-less replace for lifecycle', () => {
    expect(
      user(ops({ op: 'replace', value: { active: false } }), PATCH_PRESETS.okta).resource.active,
    ).toBe(false);
  });

  it('3.2.6: a group rename carrying its own id ignores the id (ignoreOwnId); another id is mutability', () => {
    const rename = ops({ op: 'replace', value: { id: 'g1', displayName: 'Test SCIMv2' } });
    expect(groupPatch(rename, PATCH_PRESETS.okta).resource.displayName).toBe('Test SCIMv2');
    expect(rejects(() => groupPatch(rename, PATCH_PRESETS.rfc))).toBe('mutability');
    expect(
      rejects(() =>
        groupPatch(
          ops({ op: 'replace', value: { id: 'other', displayName: 'x' } }),
          PATCH_PRESETS.okta,
        ),
      ),
    ).toBe('mutability');
  });

  it('3.2.7: a membership diff in one PATCH, and a full replace; adding an existing member is a no-op', () => {
    const diff = ops(
      { op: 'remove', path: 'members[value eq "u1"]' },
      { op: 'add', path: 'members', value: [{ value: 'u3', display: 'test.user@okta.local' }] },
    );
    expect(groupPatch(diff, PATCH_PRESETS.okta).resource.members).toEqual([
      { value: 'u2', type: 'User' },
      { value: 'u3' },
    ]);
    expect(
      groupPatch(ops({ op: 'add', path: 'members', value: [{ value: 'u1' }] }), PATCH_PRESETS.okta)
        .changed,
    ).toBe(false);
  });
});

// Issue 11: connecting Entra ID or Okta needs no setting. Every quirk that has no other meaning
// under RFC 7644 is accepted by the default preset; the rfc preset still refuses each one.
describe('the default preset accepts every harmless quirk', () => {
  const presets = { default: PATCH_PRESETS.default, okta: PATCH_PRESETS.okta };

  for (const [name, preset] of Object.entries(presets)) {
    it(`X-ENTRA-03 (${name}): "True" and "False" in any case for booleans; other strings stay invalidValue`, () => {
      expect(
        user(ops({ op: 'Replace', path: 'active', value: 'False' }), preset).resource.active,
      ).toBe(false);
      expect(
        user(ops({ op: 'replace', path: 'active', value: 'tRUE' }), preset).resource.active,
      ).toBe(true);
      expect(
        user(ops({ op: 'replace', path: 'emails[type eq "work"].primary', value: 'false' }), preset)
          .resource.emails,
      ).toContainEqual({ value: 'bjensen@example.com', type: 'work', primary: false });
      expect(rejects(() => user(ops({ op: 'replace', path: 'active', value: 'no' }), preset))).toBe(
        'invalidValue',
      );
    });

    it(`X-ENTRA-04 (${name}): dotted and URN-qualified keys in a path-less value`, () => {
      const body = ops({
        op: 'replace',
        value: { 'name.givenName': 'Kkom', [`${EU}:employeeNumber`]: 'Aklq' },
      });
      const { resource } = user(body, preset);
      expect(resource).toMatchObject({
        name: { givenName: 'Kkom', familyName: 'Jensen' },
        [EU]: { employeeNumber: 'Aklq', department: 'Tour' },
      });
      expect(Object.keys(resource)).not.toContain('name.givenName');
    });

    it(`X-ENTRA-06 (${name}): manager as a bare id string or a one-element array`, () => {
      expect(
        user(ops({ op: 'Add', path: `${EU}:manager`, value: '271' }), preset).resource[EU],
      ).toMatchObject({ manager: { value: '271' } });
      expect(
        user(ops({ op: 'Add', path: `${EU}:manager`, value: [{ value: '272' }] }), preset).resource[
          EU
        ],
      ).toMatchObject({ manager: { value: '272' } });
    });

    it(`X-ENTRA-08 (${name}): a replace through a filter that matches nothing stays noTarget`, () => {
      const replace = ops({
        op: 'replace',
        path: 'phoneNumbers[type eq "work"].value',
        value: '5',
      });
      expect(rejects(() => user(replace, preset))).toBe('noTarget');
    });
  }

  it('the rfc preset refuses each of them', () => {
    const quirks = [
      ops({ op: 'replace', path: 'active', value: 'False' }),
      ops({ op: 'replace', value: { 'name.givenName': 'K' } }),
      ops({ op: 'add', path: `${EU}:manager`, value: '271' }),
      ops(),
    ];
    expect(quirks.map((body) => rejects(() => user(body, PATCH_PRESETS.rfc)))).toEqual([
      'invalidValue',
      'invalidPath',
      'invalidValue',
      'invalidSyntax',
    ]);
  });

  it('applyPatch without a compatibility option uses the default preset', () => {
    const result = applyPatch(barbara(), ops({ op: 'Replace', path: 'active', value: 'False' }), {
      resourceType: TestUserResourceType,
    });
    expect(result.resource.active).toBe(false);
  });
});
