// Which compatibility rule a PATCH relied on, reported in the result beside the changes (issue 17),
// named after the PatchCompatibility option (or the filter leniency of a path), with its path.
// Quirks as in ../shared/spec/idp-quirks.md §3.1 (Entra ID) and §3.2 (Okta).
import { describe, expect, it } from 'vitest';
import { GroupResourceType } from '@scim/core';
import { LENIENT_FILTER_SYNTAX } from '@scim/filter';
import { applyPatch, parsePatch, PATCH_PRESETS, type PatchCompatibility } from '@scim/patch';
import { TestUserResourceType } from '../../../test/fixtures/checklist.js';
import { barbara, EU, group, ops } from './helpers.js';

const entra = PATCH_PRESETS.entra;
// One options object per run, as a server passes one: resolved paths are cached by it.
const entraUsers = {
  resourceType: TestUserResourceType,
  compatibility: entra,
  filter: { lenient: LENIENT_FILTER_SYNTAX },
};

function user(body: unknown, compatibility: PatchCompatibility = entra) {
  return applyPatch(barbara(), body, { ...entraUsers, compatibility });
}

describe('applyPatch reports the rules a request relied on', () => {
  it('§3.1 item 1, capitalised op ("op": "Replace"): caseInsensitiveOp at Operations[0].op', () => {
    const result = user(ops({ op: 'Replace', path: 'title', value: 'x' }));
    expect(result.applied).toEqual([
      { rule: 'caseInsensitiveOp', path: ['Operations', 0, 'op'], layer: 'patch' },
    ]);
  });

  it('§3.1 item 2, boolean as string ("value": "False" for active): booleanStrings at active', () => {
    const result = user(ops({ op: 'replace', path: 'active', value: 'False' }));
    expect(result.resource.active).toBe(false);
    expect(result.applied).toEqual([{ rule: 'booleanStrings', path: ['active'], layer: 'patch' }]);
  });

  it('§3.1 item 3, member removal with a value list: removeMembersByValue at members', () => {
    const result = applyPatch(
      group(['u1', 'u2']),
      ops({ op: 'Remove', path: 'members', value: [{ value: 'u1' }] }),
      { resourceType: GroupResourceType, compatibility: entra },
    );
    expect((result.resource.members as unknown[]).length).toBe(1);
    expect(result.applied).toEqual([
      { rule: 'caseInsensitiveOp', path: ['Operations', 0, 'op'], layer: 'patch' },
      { rule: 'removeMembersByValue', path: ['members'], layer: 'patch' },
    ]);
  });

  it('§3.1 item 4, path-less value with dotted and URN keys: pathKeysInValue per key', () => {
    const result = user(
      ops({
        op: 'replace',
        value: { displayName: 'Bjfe', 'name.givenName': 'Kkom', [`${EU}:employeeNumber`]: 'Aklq' },
      }),
    );
    expect(result.applied).toEqual([
      { rule: 'pathKeysInValue', path: ['name.givenName'], layer: 'patch' },
      { rule: 'pathKeysInValue', path: [`${EU}:employeeNumber`], layer: 'patch' },
    ]);
  });

  it('a path key holding a filter is noted by the attribute it names, never with its values', () => {
    const result = user(
      ops({
        op: 'add',
        value: {
          'emails[value eq "alice@corp.example"].primary': true,
          'unknownThing[value eq "SSN-123-45-6789"].x': 1,
        },
      }),
    );
    // No email matches, so the filter's terms make one (createFromFilter), also by attribute.
    expect(result.applied).toEqual([
      { rule: 'pathKeysInValue', path: ['emails.primary'], layer: 'patch' },
      { rule: 'createFromFilter', path: ['emails.primary'], layer: 'patch' },
    ]);
    expect(JSON.stringify(result.applied)).not.toMatch(/alice|SSN/);
  });

  it('§3.1 item 6, manager as a bare string: managerShorthand at the manager', () => {
    const result = user(ops({ op: 'Add', path: `${EU}:manager`, value: '271' }));
    expect(result.applied).toContainEqual({
      rule: 'managerShorthand',
      path: [`${EU}:manager`],
      layer: 'patch',
    });
  });

  it('§3.1 item 7, replace through a filter that matches nothing (entra): createFromFilter', () => {
    const result = user(
      ops({ op: 'replace', path: 'addresses[type eq "work"].locality', value: 'Redmond' }),
    );
    expect(result.applied).toEqual([
      { rule: 'createFromFilter', path: ['addresses.locality'], layer: 'patch' },
    ]);
  });

  it('§3.1 item 13, a bare word in a path filter: bareWordValues in the filter layer', () => {
    const result = user(ops({ op: 'replace', path: 'emails[type eq work].value', value: 'a@x' }));
    expect(result.applied).toEqual([
      { rule: 'bareWordValues', path: ['emails', 'type'], layer: 'filter' },
    ]);
    // The path is resolved once and cached; the next request that uses it reports it again.
    const again = user(ops({ op: 'replace', path: 'emails[type eq work].value', value: 'b@x' }));
    expect(again.applied).toEqual(result.applied);
  });

  it('§3.1 item 18, an empty Operations list (Entra SCIM validator): allowEmptyOperations', () => {
    const result = user(ops());
    expect(result.changed).toBe(false);
    expect(result.applied).toEqual([
      { rule: 'allowEmptyOperations', path: ['Operations'], layer: 'patch' },
    ]);
  });

  it('§3.2 item 6, Okta group rename repeating its own id: ignoreOwnId at id', () => {
    const result = applyPatch(
      group(['u1']),
      ops({ op: 'replace', value: { id: 'g1', displayName: 'Renamed' } }),
      { resourceType: GroupResourceType, compatibility: PATCH_PRESETS.okta },
    );
    expect(result.applied).toEqual([{ rule: 'ignoreOwnId', path: ['id'], layer: 'patch' }]);
  });

  it('a request read by parsePatch first reports the same rules when applied', () => {
    const body = ops({ op: 'Replace', path: 'active', value: 'false' });
    const parsed = parsePatch(body, entraUsers);
    expect(applyPatch(barbara(), parsed, entraUsers).applied).toEqual(user(body).applied);
  });

  it('an RFC request under the entra preset reports nothing: no applied field at all', () => {
    const result = user(
      ops(
        { op: 'replace', path: 'active', value: false },
        { op: 'add', path: 'emails[type eq "work"].value', value: 'bjensen@example.com' },
        { op: 'replace', value: { displayName: 'Babs', name: { givenName: 'B' } } },
        { op: 'remove', path: 'title' },
      ),
    );
    expect(result.changed).toBe(true);
    expect('applied' in result).toBe(false);
  });

  it('under the rfc preset a quirk is refused, so nothing is ever reported as applied', () => {
    expect(() =>
      user(ops({ op: 'replace', path: 'active', value: 'False' }), PATCH_PRESETS.rfc),
    ).toThrow();
  });
});
