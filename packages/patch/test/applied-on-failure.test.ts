// The compatibility rules a PATCH relied on are reported when it fails too (issue 17): a developer
// debugging an identity provider needs them most when a request is refused. And parsePatch reports
// what reading relied on, so a server can name them before the request is applied (a 202).
// Quirks as in ../shared/spec/idp-quirks.md §3.1 (Entra ID).
import { describe, expect, it } from 'vitest';
import { LENIENT_FILTER_SYNTAX } from '@scim/filter';
import { applyPatch, parsePatch, PATCH_PRESETS, safeApplyPatch } from '@scim/patch';
import { TestUserResourceType } from '../../../test/fixtures/checklist.js';
import { barbara, ops } from './helpers.js';

const entraUsers = {
  resourceType: TestUserResourceType,
  compatibility: PATCH_PRESETS.entra,
  filter: { lenient: LENIENT_FILTER_SYNTAX },
};

describe('safeApplyPatch reports the rules relied on before a failure', () => {
  it('§3.1 items 1 and 2 then a readOnly path: the refusal lists caseInsensitiveOp and booleanStrings', () => {
    const result = safeApplyPatch(
      barbara(),
      ops(
        { op: 'Replace', path: 'active', value: 'False' },
        { op: 'replace', path: 'id', value: 'x' },
      ),
      entraUsers,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues[0]?.scimType).toBe('mutability');
    expect(result.issues[0]?.message).toMatch(/^Operations\[1\]: /);
    expect(result.applied).toEqual([
      { rule: 'caseInsensitiveOp', path: ['Operations', 0, 'op'], layer: 'patch' },
      { rule: 'booleanStrings', path: ['active'], layer: 'patch' },
    ]);
  });

  it('a failure in the operation that relied on the rule still lists it', () => {
    const result = safeApplyPatch(
      barbara(),
      ops({ op: 'Replace', path: 'active', value: 'maybe' }),
      entraUsers,
    );
    expect(result.ok).toBe(false);
    expect(result.applied).toEqual([
      { rule: 'caseInsensitiveOp', path: ['Operations', 0, 'op'], layer: 'patch' },
    ]);
  });

  it('a failure with no rule relied on carries no applied field', () => {
    const result = safeApplyPatch(barbara(), ops({ op: 'replace', path: 'id', value: 'x' }), {
      resourceType: TestUserResourceType,
    });
    expect(result.ok).toBe(false);
    expect('applied' in result).toBe(false);
  });

  it('a success lists them beside the value, as every ScimResult does', () => {
    const result = safeApplyPatch(
      barbara(),
      ops({ op: 'replace', path: 'active', value: 'False' }),
      entraUsers,
    );
    expect(result).toMatchObject({
      ok: true,
      applied: [{ rule: 'booleanStrings', path: ['active'], layer: 'patch' }],
    });
    if (result.ok) expect(result.value.applied).toEqual(result.applied);
  });

  it('the issue says what applyPatch would have thrown', () => {
    const body = ops({ op: 'Replace', path: 'active', value: 'False' }, { op: 'remove' });
    const result = safeApplyPatch(barbara(), body, entraUsers);
    expect(() => applyPatch(barbara(), body, entraUsers)).toThrow(
      expect.objectContaining({
        scimType: 'noTarget',
        detail: result.ok ? '' : result.issues[0]?.message,
      }),
    );
  });
});

describe('parsePatch reports what reading the request relied on', () => {
  it('§3.1 item 1 ("op": "Replace") and §3.1 item 13 (a bare word in a path filter), in order', () => {
    const parsed = parsePatch(
      ops(
        { op: 'Replace', path: 'title', value: 'x' },
        { op: 'replace', path: 'emails[type eq work].value', value: 'a@x' },
      ),
      entraUsers,
    );
    expect(parsed.applied).toEqual([
      { rule: 'caseInsensitiveOp', path: ['Operations', 0, 'op'], layer: 'patch' },
      { rule: 'bareWordValues', path: ['emails', 'type'], layer: 'filter' },
    ]);
  });

  it('§3.1 item 18, an empty Operations list: allowEmptyOperations', () => {
    expect(parsePatch(ops(), entraUsers).applied).toEqual([
      { rule: 'allowEmptyOperations', path: ['Operations'], layer: 'patch' },
    ]);
  });

  it('value rules wait for the values: "False" for active is reported when applied, not read', () => {
    const parsed = parsePatch(ops({ op: 'replace', path: 'active', value: 'False' }), entraUsers);
    expect('applied' in parsed).toBe(false);
    expect(applyPatch(barbara(), parsed, entraUsers).applied).toEqual([
      { rule: 'booleanStrings', path: ['active'], layer: 'patch' },
    ]);
  });

  it('what reading relied on is reported again by applyPatch, so its result stays complete', () => {
    const body = ops({ op: 'Add', path: 'emails[type eq work].value', value: 'a@x' });
    const parsed = parsePatch(body, entraUsers);
    const applied = applyPatch(barbara(), parsed, entraUsers).applied ?? [];
    for (const rule of parsed.applied ?? []) expect(applied).toContainEqual(rule);
  });
});
