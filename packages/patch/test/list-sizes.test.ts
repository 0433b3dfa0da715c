// A multi-valued attribute is searched by scanning while it is short and through an index once it is
// long (working.ts); every rule that finds a value by its identity must mean the same at either size,
// and across the switch within one request. The sizes straddle the switch at 16 values.
import { describe, expect, it } from 'vitest';
import { GroupResourceType, type ScimResource } from '@scim/core';
import { applyPatch } from '@scim/patch';
import { TestUserResourceType } from '../../../test/fixtures/checklist.js';
import { group, ops, stored, USER_SCHEMA_URN } from './helpers.js';

const SIZES = [1, 3, 15, 16, 17, 40];

function ids(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `u${i}`);
}

function patchGroup(resource: ScimResource, ...operations: unknown[]) {
  return applyPatch(resource, ops(...operations), { resourceType: GroupResourceType });
}

function memberValues(resource: ScimResource): unknown[] {
  const members = (resource.members ?? []) as { value: string }[];
  return members.map((member) => member.value);
}

function userWithEmails(count: number): ScimResource {
  return stored(
    {
      schemas: [USER_SCHEMA_URN],
      userName: 'bjensen',
      emails: Array.from({ length: count }, (_, i) => ({
        value: `e${i}@example.com`,
        type: i === 0 ? 'work' : `t${i}`,
      })),
    },
    'u',
    TestUserResourceType,
  );
}

function patchUser(resource: ScimResource, ...operations: unknown[]) {
  return applyPatch(resource, ops(...operations), { resourceType: TestUserResourceType });
}

describe.each(SIZES)('a list of %i values', (size) => {
  it('P-PATCH-28: adding members already present adds none and changes nothing', () => {
    const before = group(ids(size));
    const last = `u${size - 1}`;
    const result = patchGroup(before, {
      op: 'add',
      path: 'members',
      value: [{ value: 'u0' }, { value: last }],
    });
    expect(result.changed).toBe(false);
    expect(result.resource).toBe(before);
  });

  it('P-PATCH-25: a new member is appended once, after the others', () => {
    const result = patchGroup(group(ids(size)), {
      op: 'add',
      path: 'members',
      value: [{ value: 'new' }, { value: 'new' }],
    });
    expect(memberValues(result.resource)).toEqual([...ids(size), 'new']);
  });

  it('S-CHAR-40: emails are the same value by (type, value), the address in any case', () => {
    const result = patchUser(userWithEmails(size), {
      op: 'add',
      path: 'emails',
      value: [
        { value: 'E0@EXAMPLE.COM', type: 'work', display: 'Work' },
        { value: 'e0@example.com', type: 'home' },
      ],
    });
    const emails = result.resource.emails as Record<string, unknown>[];
    expect(emails).toHaveLength(size + 1);
    expect(emails[0]).toEqual({ value: 'E0@EXAMPLE.COM', type: 'work', display: 'Work' });
    expect(emails[size]).toEqual({ value: 'e0@example.com', type: 'home' });
  });

  it('X-ENTRA-02: a remove that lists a value removes it, and every stored duplicate of it', () => {
    const stored = group([...ids(size), 'u0']);
    const result = patchGroup(stored, { op: 'remove', path: 'members', value: [{ value: 'u0' }] });
    expect(memberValues(result.resource)).toEqual(ids(size).slice(1));
  });

  it('P-PATCH-38: a filtered remove finds its member by value, and a miss changes nothing', () => {
    const stored = group(ids(size));
    const last = `u${size - 1}`;
    const hit = patchGroup(stored, { op: 'remove', path: `members[value eq "${last}"]` });
    expect(memberValues(hit.resource)).toEqual(ids(size - 1));
    expect(patchGroup(stored, { op: 'remove', path: 'members[value eq "nobody"]' }).changed).toBe(
      false,
    );
  });

  it('a value changed earlier in the request is found by its new identity, not its old one', () => {
    const result = patchUser(
      userWithEmails(size),
      // Looks every stored value up once before one of them changes.
      { op: 'add', path: 'emails', value: [{ value: 'e0@example.com', type: 'work' }] },
      { op: 'replace', path: 'emails[type eq "work"].value', value: 'changed@example.com' },
      { op: 'add', path: 'emails', value: [{ value: 'CHANGED@example.com', type: 'work' }] },
      { op: 'add', path: 'emails', value: [{ value: 'e0@example.com', type: 'work' }] },
    );
    const emails = result.resource.emails as Record<string, unknown>[];
    expect(emails).toHaveLength(size + 1);
    expect(emails[0]).toEqual({ value: 'CHANGED@example.com', type: 'work' });
    expect(emails[size]).toEqual({ value: 'e0@example.com', type: 'work' });
  });

  it('P-PATCH-44: a replace after an add in one request looks up only what it stored', () => {
    const result = patchGroup(
      group(ids(size)),
      { op: 'add', path: 'members', value: [{ value: 'new' }] },
      { op: 'replace', path: 'members', value: [{ value: 'a' }, { value: 'u0' }, { value: 'b' }] },
      { op: 'add', path: 'members', value: [{ value: 'u0' }, { value: 'b' }, { value: 'c' }] },
    );
    expect(memberValues(result.resource)).toEqual(['a', 'u0', 'b', 'c']);
  });

  it('P-PATCH-44: a replace that lists the same member twice stores it once, at any length', () => {
    const listed = [...ids(size), ...ids(size)].map((value) => ({ value }));
    const result = patchGroup(
      group(['old']),
      { op: 'replace', path: 'members', value: listed },
      { op: 'add', path: 'members', value: [{ value: 'u0' }, { value: 'extra' }] },
    );
    expect(memberValues(result.resource)).toEqual([...ids(size), 'extra']);
  });
});
