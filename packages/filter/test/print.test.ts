import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseFilter,
  parsePatchPath,
  printAttributePath,
  printFilter,
  printPatchPath,
  type AttributePathNode,
} from '@scim/filter';
import { filterArbitrary, withoutLocations } from './fixtures/filter-arbitrary.js';

describe('printFilter', () => {
  it('prints canonical text', () => {
    expect(
      printFilter(parseFilter(' userName  EQ "bjensen"  AND (title PR OR NOT(active eq false))')),
    ).toBe('userName eq "bjensen" and (title pr or not (active eq false))');
    expect(printFilter(parseFilter('emails[type eq "work" and value co "@x.org"]'))).toBe(
      'emails[type eq "work" and value co "@x.org"]',
    );
    expect(printFilter(parseFilter('a eq -0'))).toBe('a eq -0');
  });

  it('keeps a parenthesised chain of the same operator as its own node', () => {
    expect(printFilter(parseFilter('(a pr and b pr) and c pr'))).toBe('(a pr and b pr) and c pr');
    expect(printFilter(parseFilter('a pr and b pr or c pr'))).toBe('a pr and b pr or c pr');
  });

  it('property: parseFilter(printFilter(ast)) equals ast', () => {
    fc.assert(
      fc.property(filterArbitrary(false), (ast) => {
        const text = printFilter(ast);
        expect(
          withoutLocations(
            parseFilter(text, {
              limits: { maxLength: 1_000_000, maxDepth: 1_000, maxNodes: 100_000 },
            }),
          ),
        ).toEqual(withoutLocations(ast));
      }),
      { numRuns: 500 },
    );
  });

  it('property: printing is a fixed point of parse and print', () => {
    fc.assert(
      fc.property(filterArbitrary(false), (ast) => {
        const text = printFilter(ast);
        const limits = { maxLength: 1_000_000, maxDepth: 1_000, maxNodes: 100_000 };
        expect(printFilter(parseFilter(text, { limits }))).toBe(text);
      }),
      { numRuns: 200 },
    );
  });
});

describe('printAttributePath and printPatchPath', () => {
  it('print what they parse', () => {
    const node: AttributePathNode = {
      type: 'attributePath',
      uri: 'urn:ietf:params:scim:schemas:core:2.0:User',
      attribute: 'name',
      subAttribute: 'givenName',
    };
    expect(printAttributePath(node)).toBe(
      'urn:ietf:params:scim:schemas:core:2.0:User:name.givenName',
    );
    for (const text of [
      'members[value eq "1"]',
      'emails[type eq "work"].value',
      'name.familyName',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager',
    ]) {
      expect(printPatchPath(parsePatchPath(text))).toBe(text);
    }
  });
});
