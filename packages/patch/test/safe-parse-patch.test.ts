// A PATCH refused while it is read (parsePatch) still reports the compatibility rules the operations
// before the refused one relied on (issue 17): a developer debugging an identity provider needs
// them most when a request is refused. safeParsePatch returns them beside the issue, as
// safeApplyPatch does for a refusal while applying. Quirks as in ../shared/spec/idp-quirks.md §3.1
// (Entra ID).
import { describe, expect, it } from 'vitest';
import { isScimError } from '@scim/core';
import { LENIENT_FILTER_SYNTAX } from '@scim/filter';
import { applyPatch, parsePatch, PATCH_PRESETS, safeApplyPatch, safeParsePatch } from '@scim/patch';
import { TestUserResourceType } from '../../../test/fixtures/checklist.js';
import { barbara, ops } from './helpers.js';

const entraUsers = {
  resourceType: TestUserResourceType,
  compatibility: PATCH_PRESETS.entra,
  filter: { lenient: LENIENT_FILTER_SYNTAX },
};

const replaceOp = { rule: 'caseInsensitiveOp', path: ['Operations', 0, 'op'], layer: 'patch' };

/** What parsePatch throws for `body`, as safeParsePatch's issue puts it. */
function thrown(body: unknown): { scimType: string | undefined; message: string } {
  try {
    parsePatch(body, entraUsers);
  } catch (error) {
    if (!isScimError(error)) throw error;
    return { scimType: error.scimType, message: error.detail ?? error.message };
  }
  throw new Error('parsePatch accepted the request');
}

describe('safeParsePatch (RFC 7644 §3.5.2) reports the rules relied on before a refusal', () => {
  it('§3.1 items 1 and 13, then a path naming no attribute: invalidPath, both rules listed', () => {
    const body = ops(
      { op: 'Replace', path: 'emails[type eq work].value', value: 'a@x' },
      { op: 'replace', path: 'nosuch.attribute', value: 'x' },
    );
    const result = safeParsePatch(body, entraUsers);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual([
      { code: 'invalid_value', path: [], scimType: 'invalidPath', message: thrown(body).message },
    ]);
    expect(result.issues[0]?.message).toMatch(/^Operations\[1\]: /);
    expect(result.applied).toEqual([
      replaceOp,
      { rule: 'bareWordValues', path: ['emails', 'type'], layer: 'filter' },
    ]);
  });

  it('§3.1 item 1, then an unknown op (P-PATCH-03, "op" is add, remove or replace): invalidSyntax, the op rule only', () => {
    // Every op is read before any path is resolved: the value filter's leniency is not known yet.
    const body = ops(
      { op: 'Replace', path: 'emails[type eq work].value', value: 'a@x' },
      { op: 'move', path: 'title' },
    );
    const result = safeParsePatch(body, entraUsers);
    expect(result).toMatchObject({
      ok: false,
      issues: [{ scimType: 'invalidSyntax', message: thrown(body).message }],
    });
    expect(result.applied).toEqual([replaceOp]);
  });

  it('the refused operation relied on the rule itself: "Replace" with a path that is not a string', () => {
    const result = safeParsePatch(ops({ op: 'Replace', path: 5, value: 'x' }), entraUsers);
    expect(result).toMatchObject({
      ok: false,
      issues: [{ scimType: 'invalidPath' }],
      applied: [replaceOp],
    });
  });

  it('an operation refused in its path relied on its op too', () => {
    const result = safeParsePatch(
      ops({ op: 'replace', path: 'title', value: 'x' }, { op: 'Remove', path: 'nosuch' }),
      entraUsers,
    );
    expect(result).toMatchObject({
      ok: false,
      applied: [{ rule: 'caseInsensitiveOp', path: ['Operations', 1, 'op'], layer: 'patch' }],
    });
  });

  it('a refusal with no rule relied on carries no applied field', () => {
    const result = safeParsePatch(
      ops({ op: 'replace', path: 'title', value: 'x' }, { op: 'move', path: 'title' }),
      entraUsers,
    );
    expect(result.ok).toBe(false);
    expect('applied' in result).toBe(false);
  });

  it('a refusal of the envelope (P-PATCH-01, the PatchOp schema) relied on nothing', () => {
    const result = safeParsePatch({ Operations: [{ op: 'Replace', path: 'title' }] }, entraUsers);
    expect(result).toMatchObject({ ok: false, issues: [{ scimType: 'invalidSyntax' }] });
    expect('applied' in result).toBe(false);
  });

  it('an accepted request: the ParsedPatch parsePatch returns, its rules beside it', () => {
    const body = ops({ op: 'Replace', path: 'emails[type eq work].value', value: 'a@x' });
    const result = safeParsePatch(body, entraUsers);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.applied).toEqual(parsePatch(body, entraUsers).applied);
    expect(result.value.applied).toEqual(result.applied);
    expect(applyPatch(barbara(), result.value, entraUsers).changed).toBe(true);
  });

  it('an accepted request that relied on nothing has no applied field, here or on the value', () => {
    const result = safeParsePatch(ops({ op: 'replace', path: 'title', value: 'x' }), entraUsers);
    expect(result.ok).toBe(true);
    expect('applied' in result).toBe(false);
    if (result.ok) expect('applied' in result.value).toBe(false);
  });

  it('a ParsedPatch is taken as it is', () => {
    const parsed = parsePatch(ops({ op: 'Add', path: 'title', value: 'x' }), entraUsers);
    const result = safeParsePatch(parsed, entraUsers);
    expect(result).toEqual({ ok: true, value: parsed, applied: parsed.applied });
    if (result.ok) expect(result.value).toBe(parsed);
  });
});

describe('safeApplyPatch on a request refused while it is read', () => {
  it('§3.1 item 1, then an unknown op: the refusal lists the rule, as safeParsePatch does', () => {
    const body = ops({ op: 'Replace', path: 'title', value: 'x' }, { op: 'move', path: 'title' });
    const result = safeApplyPatch(barbara(), body, entraUsers);
    expect(result).toMatchObject({
      ok: false,
      issues: [{ scimType: 'invalidSyntax' }],
      applied: [replaceOp],
    });
  });
});
