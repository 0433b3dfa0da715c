// Every PATCH path is read once: resolved (parsed, bound to the schema, its filter compiled) and
// cached per resource type and per filter options object, `schemas` included. A server passes its
// filter leniency (one frozen object per handler) on every PATCH, so the cache must hold for it, and
// two option objects must never share an entry: a path read leniently is not valid strictly.
import { describe, expect, it } from 'vitest';
import { isScimError, USER_SCHEMA_URN } from '@scim/core';
import type { ParseFilterOptions } from '@scim/filter';
import { applyPatch, parsePatch } from '@scim/patch';
import { resolveTarget } from '../src/lib/target.js';
import { TestUserResourceType } from '../../../test/fixtures/checklist.js';
import { barbara, EU, ops } from './helpers.js';

const SINGLE_QUOTED: ParseFilterOptions = Object.freeze({
  lenient: Object.freeze({ singleQuotedStrings: true }),
});
const PATH = "emails[type eq 'work'].value";

function scimType(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return isScimError(error) ? error.scimType : 'not a ScimError';
  }
  return undefined;
}

function replaceWorkEmail(filter: ParseFilterOptions | undefined) {
  return applyPatch(barbara(), ops({ op: 'replace', path: PATH, value: 'new@example.com' }), {
    resourceType: TestUserResourceType,
    ...(filter === undefined ? {} : { filter }),
  });
}

describe('the path cache, per filter options object', () => {
  it("D-06: a lenient option is honoured in a path's filter (single-quoted strings)", () => {
    expect(replaceWorkEmail(SINGLE_QUOTED).resource.emails).toContainEqual({
      value: 'new@example.com',
      type: 'work',
      primary: true,
    });
  });

  it('two option objects never share entries, in either order', () => {
    const strict: ParseFilterOptions = Object.freeze({});
    expect(replaceWorkEmail(SINGLE_QUOTED).changed).toBe(true);
    expect(scimType(() => replaceWorkEmail(strict))).toBe('invalidPath');
    expect(scimType(() => replaceWorkEmail(undefined))).toBe('invalidPath');
    const lenientAgain: ParseFilterOptions = { lenient: { singleQuotedStrings: true } };
    expect(replaceWorkEmail(lenientAgain).changed).toBe(true);
    expect(resolveTarget(PATH, TestUserResourceType, lenientAgain)).not.toBe(
      resolveTarget(PATH, TestUserResourceType, SINGLE_QUOTED),
    );
  });

  it('a path is resolved once per options object and resource type, then served from the cache', () => {
    const first = resolveTarget(PATH, TestUserResourceType, SINGLE_QUOTED);
    expect(resolveTarget(PATH, TestUserResourceType, SINGLE_QUOTED)).toBe(first);
    const plain = resolveTarget('emails[type eq "work"].value', TestUserResourceType, undefined);
    expect(resolveTarget('emails[type eq "work"].value', TestUserResourceType, undefined)).toBe(
      plain,
    );
  });

  it('RFC 7644 §3.5.2: `schemas` is one more kind of target, resolved and cached like any path', () => {
    const filtered = `schemas[value eq "${EU}"]`;
    const target = resolveTarget(filtered, TestUserResourceType, SINGLE_QUOTED);
    expect(target).toEqual({ kind: 'schemas', urn: EU, path: 'schemas' });
    expect(resolveTarget(filtered, TestUserResourceType, SINGLE_QUOTED)).toBe(target);
    expect(resolveTarget(`${USER_SCHEMA_URN}:Schemas`, TestUserResourceType, undefined)).toEqual({
      kind: 'schemas',
      urn: undefined,
      path: 'schemas',
    });
    // A lenient option reaches the schemas filter too.
    const body = ops({ op: 'remove', path: `schemas[value eq '${EU}']` });
    const parsed = parsePatch(body, { resourceType: TestUserResourceType, filter: SINGLE_QUOTED });
    const { resource } = applyPatch(barbara(), parsed, {
      resourceType: TestUserResourceType,
      filter: SINGLE_QUOTED,
    });
    expect(resource).not.toHaveProperty(EU);
  });
});
