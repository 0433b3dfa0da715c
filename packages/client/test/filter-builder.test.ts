// The filter builder (RFC 7644 §3.4.2.2): ASTs printed by @scim/filter, values that can never break
// the syntax, and a property: print(build) parses back to the same tree whatever the strings hold.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseFilter, type FilterNode } from '@scim/filter';
import { f, type FilterValue } from '../src/index.js';

/** A parsed tree without source offsets, to compare with a built one. */
function withoutLocations(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutLocations);
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key]) => key !== 'location')
      .map(([key, value]) => [key, withoutLocations(value)]),
  );
}

describe('filter builder', () => {
  it('builds and prints each operator', () => {
    expect(f.print(f.eq('userName', 'bjensen'))).toBe('userName eq "bjensen"');
    expect(f.print(f.co('name.familyName', "O'Malley"))).toBe('name.familyName co "O\'Malley"');
    expect(f.print(f.pr('title'))).toBe('title pr');
    expect(f.print(f.gt('meta.lastModified', new Date('2026-01-02T03:04:05Z')))).toBe(
      'meta.lastModified gt "2026-01-02T03:04:05.000Z"',
    );
    expect(
      f.print(f.and(f.eq('active', true), f.or(f.sw('userName', 'a'), f.ew('userName', 'z')))),
    ).toBe('active eq true and (userName sw "a" or userName ew "z")');
    expect(f.print(f.not(f.eq('title', null)))).toBe('not (title eq null)');
    expect(
      f.print(f.has('emails', f.and(f.eq('type', 'work'), f.co('value', '@example.com')))),
    ).toBe('emails[type eq "work" and value co "@example.com"]');
    expect(
      f.print(
        f.eq('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', 'Tour'),
      ),
    ).toBe('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Tour"');
  });

  it('and() and or() of one filter give that filter', () => {
    const only = f.eq('userName', 'x');
    expect(f.and(only)).toBe(only);
    expect(f.or(only)).toBe(only);
  });

  it('P-FILTER: a quote or backslash in a value stays inside the value', () => {
    const hostile = 'x" or userName pr or "\\';
    const text = f.print(f.eq('userName', hostile));
    expect(text).toBe('userName eq "x\\" or userName pr or \\"\\\\"');
    expect(withoutLocations(parseFilter(text))).toEqual(f.eq('userName', hostile));
  });

  it('a path that is not an attribute path, or a value with no JSON form, is refused before sending', () => {
    expect(() => f.eq('userName eq "x" or title', 'y')).toThrow(/not an attribute path/);
    expect(() => f.eq('userName', Number.NaN)).toThrow(/no JSON form/);
    expect(() => f.and()).toThrow(/at least one/);
  });

  it('property: print(build) parses back to the same tree, whatever the strings hold', () => {
    const path = fc.constantFrom(
      'userName',
      'name.givenName',
      'emails.value',
      'title',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber',
    );
    const value: fc.Arbitrary<FilterValue> = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.string({ unit: 'grapheme' }),
      fc.constantFrom('"', '\\', '\\"', ' or ', ')', ']', '\u2028', '\u0000'),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
    );
    const compare = fc
      .tuple(fc.constantFrom(f.eq, f.ne, f.co, f.sw, f.ew, f.gt, f.ge, f.lt, f.le), path, value)
      .map(([op, p, v]) => op(p, v));
    const leaf = fc.oneof(
      compare,
      path.map((p) => f.pr(p)),
    );
    const { tree } = fc.letrec<{ tree: FilterNode }>((tie) => ({
      tree: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc.array(tie('tree'), { minLength: 2, maxLength: 3 }).map((items) => f.and(...items)),
        fc.array(tie('tree'), { minLength: 2, maxLength: 3 }).map((items) => f.or(...items)),
        tie('tree').map((inner) => f.not(inner)),
        compare.map((inner) => f.has('emails', inner)),
      ),
    }));
    fc.assert(
      fc.property(tree, (built) => {
        const parsed = withoutLocations(parseFilter(f.print(built)));
        expect(parsed).toEqual(withoutLocations(built));
      }),
      { numRuns: 500 },
    );
  });
});
