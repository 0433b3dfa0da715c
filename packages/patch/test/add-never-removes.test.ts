// PATCH never deletes what the client did not ask to delete. RFC 7644 §3.5.2.1: add "MUST NOT"
// remove values; RFC 7643 §2.2 / RFC 7644 §3.5.2: readOnly and unknown input is ignored. An add or
// replace whose value is reduced to nothing (every sub-attribute readOnly, unknown or refused such as
// __proto__; null or "" on an add) therefore changes nothing. Only a replace that says "no value"
// (null, [], "" for a complex value) unassigns (P-PATCH-50, Entra gallery tests 16 and 25).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isScimError, stableStringify, type ScimResource } from '@scim/core';
import { applyPatch, PATCH_PRESETS } from '@scim/patch';
import { TestUserResourceType } from '../../../test/fixtures/checklist.js';
import { barbara, EU, ops } from './helpers.js';

const BOSS = { value: '26118915', displayName: 'Boss' };

/** The checklist's bj, with a manager (whose displayName the server stored). */
function withManager(): ScimResource {
  const user = barbara();
  return { ...user, [EU]: { ...(user[EU] as object), manager: BOSS } };
}

function patch(resource: ScimResource, ...operations: unknown[]) {
  return applyPatch(resource, ops(...operations), { resourceType: TestUserResourceType });
}

function unchanged(resource: ScimResource, ...operations: unknown[]): void {
  const result = patch(resource, ...operations);
  expect(result.changes).toEqual([]);
  expect(result.changed).toBe(false);
  expect(result.resource).toBe(resource);
}

// JSON.parse makes "__proto__" an own key, as a request body does.
const PROTO = JSON.parse('{"__proto__":{"polluted":true}}') as Record<string, unknown>;

describe('RFC 7644 §3.5.2.1: an add or replace whose complex value is reduced to nothing changes nothing', () => {
  for (const op of ['add', 'replace']) {
    it(`${op} path …:manager with only readOnly displayName keeps the manager (the issue 11 example)`, () => {
      unchanged(withManager(), { op, path: `${EU}:manager`, value: { displayName: 'Boss' } });
      unchanged(barbara(), { op, path: `${EU}:manager`, value: { displayName: 'Boss' } });
    });

    it(`${op} on a single-valued complex attribute with only unknown or refused keys keeps it`, () => {
      unchanged(barbara(), { op, path: 'name', value: { nickname: 'x' } });
      unchanged(barbara(), { op, path: 'name', value: PROTO });
      unchanged(barbara(), { op, path: 'name', value: {} });
    });

    it(`${op} path-less, core and extension container, keeps what the value does not name`, () => {
      unchanged(withManager(), { op, value: { [EU]: { manager: { displayName: 'Boss' } } } });
      unchanged(barbara(), { op, value: { name: { unknown: 1 } } });
      unchanged(withManager(), { op, path: EU, value: { manager: { displayName: 'x' } } });
    });

    it(`${op} on a multi-valued complex attribute whose every element is dropped keeps its values`, () => {
      unchanged(barbara(), { op, path: 'emails', value: [{ nope: 'x' }] });
      unchanged(barbara(), { op, path: 'emails', value: [PROTO, { value: null }] });
      unchanged(barbara(), { op, value: { emails: [{ display: null }] } });
    });

    it(`${op} through a value filter with a value reduced to nothing keeps the matches`, () => {
      unchanged(barbara(), { op, path: 'emails[type eq "work"]', value: { nope: 'x' } });
      unchanged(barbara(), { op, path: 'emails[type eq "work"]', value: PROTO });
    });
  }

  it('add through a filter that matches nothing creates no element from the filter alone', () => {
    unchanged(barbara(), { op: 'add', path: 'phoneNumbers[type eq "work"]', value: { nope: 1 } });
    unchanged(barbara(), { op: 'add', path: 'phoneNumbers[type eq "work"].value', value: null });
    const entra = applyPatch(
      barbara(),
      ops({ op: 'replace', path: 'addresses[type eq "work"].locality', value: null }),
      { resourceType: TestUserResourceType, compatibility: PATCH_PRESETS.entra },
    );
    expect(entra.changed).toBe(false);
  });

  it('the writable part of a mixed value still applies, and the rest of the attribute stays', () => {
    const { resource } = patch(withManager(), {
      op: 'replace',
      path: `${EU}:manager`,
      value: { value: 'n3w', displayName: 'ignored', nope: 1 },
    });
    expect(resource[EU]).toMatchObject({ manager: { value: 'n3w', displayName: 'Boss' } });
  });
});

describe('RFC 7644 §3.5.2.1: add never removes, even with a value that says "no value"', () => {
  it('add null, or "" for a complex value, changes nothing at every kind of path', () => {
    unchanged(barbara(), { op: 'add', path: 'title', value: null });
    unchanged(barbara(), { op: 'add', path: 'name', value: null });
    unchanged(barbara(), { op: 'add', path: 'name.givenName', value: null });
    unchanged(barbara(), { op: 'add', path: 'emails', value: null });
    unchanged(barbara(), { op: 'add', path: 'emails', value: [] });
    unchanged(barbara(), { op: 'add', path: 'emails.type', value: null });
    unchanged(barbara(), { op: 'add', path: 'emails[type eq "work"].primary', value: null });
    unchanged(withManager(), { op: 'add', path: `${EU}:manager`, value: '' });
    unchanged(barbara(), { op: 'add', value: { title: null, name: null, emails: [] } });
  });
});

describe('a replace that says "no value" still unassigns (P-PATCH-50, Entra gallery tests 16 and 25)', () => {
  it('null, [] and "" for a complex value clear the target', () => {
    expect(
      patch(barbara(), { op: 'replace', path: 'title', value: null }).resource,
    ).not.toHaveProperty('title');
    expect(
      patch(barbara(), { op: 'replace', path: 'emails', value: [] }).resource,
    ).not.toHaveProperty('emails');
    expect(
      patch(barbara(), { op: 'replace', path: 'name', value: null }).resource,
    ).not.toHaveProperty('name');
    expect(
      patch(barbara(), { op: 'replace', path: 'name.givenName', value: null }).resource.name,
    ).toEqual({ familyName: 'Jensen' });
    expect(
      patch(withManager(), { op: 'Replace', path: `${EU}:manager`, value: '' }).resource[EU],
    ).not.toHaveProperty('manager');
    expect(
      patch(barbara(), { op: 'replace', path: 'emails[type eq "work"].primary', value: null })
        .resource.emails,
    ).toContainEqual({ value: 'bjensen@example.com', type: 'work' });
  });

  it('S-CHAR-18: a replace with null on a set immutable value is still mutability', () => {
    const TX = 'urn:example:test:2.0:User';
    const user = patch(barbara(), { op: 'add', path: `${TX}:badge`, value: 'A' }).resource;
    expect(() => patch(user, { op: 'replace', path: `${TX}:badge`, value: null })).toThrow(
      /immutable/,
    );
  });
});

/** Every attribute path (array indexes dropped) that holds a value. */
function heldPaths(value: unknown, prefix = '', into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) heldPaths(item, prefix, into);
  else if (typeof value === 'object' && value !== null)
    for (const [key, item] of Object.entries(value)) heldPaths(item, `${prefix}.${key}`, into);
  else into.add(prefix);
  return into;
}

// The oracle for "the same element", written out rather than taken from the engine: type and value
// (RFC 7643 §2.4), emails' value folded (caseExact false), a certificate's value exactly ("A binary
// is case exact", RFC 7643 §2.3.6).
const MULTI_VALUED = ['emails', 'x509Certificates'] as const;
function identities(resource: ScimResource, name: (typeof MULTI_VALUED)[number]): string[] {
  const values = (resource[name] as { type?: string; value?: string }[] | undefined) ?? [];
  return values.map((element) => {
    const value = element.value ?? '';
    return `${(element.type ?? '').toLowerCase()}|${name === 'emails' ? value.toLowerCase() : value}`;
  });
}

describe('property: add never removes anything', () => {
  const paths = [
    undefined,
    'title',
    'name',
    'name.givenName',
    'emails',
    'emails.display',
    'emails[type eq "work"]',
    'emails[type eq "work"].value',
    'phoneNumbers[type eq "work"].value',
    `${EU}:manager`,
    EU,
  ];
  const values = fc.oneof(
    fc.constantFrom(null, '', 'x', true, {}, [], PROTO, [PROTO], { displayName: 'Boss' }),
    fc.constantFrom({ nope: 1 }, [{ nope: 1 }], { givenName: 'G' }, [{ value: 'v@x' }]),
    fc.constantFrom({ value: 'm' }, { name: { unknown: 1 } }, { [EU]: { manager: {} } }),
    fc.constantFrom([{ value: 'BJENSEN@example.com', type: 'WORK' }], { value: 'BABS@jensen.org' }),
  );
  // The stored certificate is TUlJQ2Fq; these are other certificates that differ from it in case only.
  const certificates = fc.constantFrom(
    { path: 'x509Certificates', value: [{ value: 'tuLjq2FQ' }] },
    { path: 'x509Certificates', value: { value: 'TUlJQ2FQ' } },
    { path: 'x509Certificates', value: [{ value: 'TUlJQ2Fq', primary: true }] },
    { path: undefined, value: { x509Certificates: [{ value: 'tulJQ2Fq' }] } },
    { path: 'x509Certificates[value eq "tuljq2fq"]', value: { value: 'tuljq2fq' } },
  );

  it('every element the resource held before an add (by identity) is still there after it, and every attribute too', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(fc.record({ path: fc.constantFrom(...paths), value: values }), certificates),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        fc.constantFrom(PATCH_PRESETS.default, PATCH_PRESETS.entra),
        (operations, compatibility) => {
          const user: ScimResource = {
            ...withManager(),
            x509Certificates: [{ value: 'TUlJQ2Fq' }],
          };
          let result;
          try {
            result = applyPatch(
              user,
              ops(...operations.map(({ path, value }) => ({ op: 'add', path, value }))),
              { resourceType: TestUserResourceType, compatibility },
            );
          } catch (error) {
            expect(isScimError(error)).toBe(true);
            return;
          }
          const after = heldPaths(result.resource);
          for (const path of heldPaths(user)) expect(after).toContain(path);
          for (const name of MULTI_VALUED) {
            const before = identities(user, name);
            const kept = identities(result.resource, name);
            expect(kept.length).toBeGreaterThanOrEqual(before.length);
            // A filter or sub-attribute path edits elements in place (it may set their value).
            const inPlace = operations.some(
              ({ path }) => path?.startsWith(`${name}.`) || path?.startsWith(`${name}[`),
            );
            if (!inPlace) for (const identity of before) expect(kept).toContain(identity);
          }
          expect(stableStringify(result.resource)).not.toContain('polluted');
        },
      ),
      { numRuns: 500 },
    );
  });
});
