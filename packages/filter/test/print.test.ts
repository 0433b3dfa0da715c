import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseFilter,
  parsePatchPath,
  printAttributePath,
  printFilter,
  printPatchPath,
  type AttributePathNode,
  type CompareOperator,
  type FilterNode,
} from '@scim/filter';

function withoutLocations(node: unknown): unknown {
  return JSON.parse(
    JSON.stringify(node, (key, value: unknown) => (key === 'location' ? undefined : value)),
  );
}

const name = fc
  .stringMatching(/^[A-Za-z][A-Za-z0-9_$-]{0,8}$/)
  .filter((n) => !/^(not|and|or)$/i.test(n));
const urn = fc.constantFrom(
  'urn:ietf:params:scim:schemas:core:2.0:User',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  'urn:example:x:1.0:Thing',
);

const attributePath = (relative: boolean): fc.Arbitrary<AttributePathNode> =>
  relative
    ? name.map((attribute) => ({ type: 'attributePath', attribute }))
    : fc
        .record(
          {
            uri: fc.option(urn, { nil: undefined }),
            attribute: name,
            subAttribute: fc.option(fc.oneof(name, fc.constant('$ref')), { nil: undefined }),
          },
          { requiredKeys: ['attribute'] },
        )
        .map((p) => {
          const node: {
            type: 'attributePath';
            uri?: string;
            attribute: string;
            subAttribute?: string;
          } = { type: 'attributePath', attribute: p.attribute };
          if (p.uri !== undefined) node.uri = p.uri;
          if (p.subAttribute !== undefined) node.subAttribute = p.subAttribute;
          return node;
        });

const operator = fc.constantFrom<CompareOperator>(
  'eq',
  'ne',
  'co',
  'sw',
  'ew',
  'gt',
  'lt',
  'ge',
  'le',
);
const value = fc.oneof(
  fc.string({ unit: 'grapheme-composite' }),
  fc.string({ unit: 'binary' }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
);

function filterArbitrary(relative: boolean): fc.Arbitrary<FilterNode> {
  const { node } = fc.letrec<{ node: FilterNode; leaf: FilterNode }>((tie) => ({
    leaf: fc.oneof(
      fc.record({
        type: fc.constant('compare' as const),
        path: attributePath(relative),
        operator,
        value,
      }),
      fc.record({ type: fc.constant('present' as const), path: attributePath(relative) }),
      ...(relative
        ? []
        : [
            fc.record({
              type: fc.constant('valuePath' as const),
              path: attributePath(false),
              filter: filterArbitrary(true),
            }),
          ]),
    ),
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      tie('leaf'),
      fc.record({
        type: fc.constantFrom('and' as const, 'or' as const),
        filters: fc.array(tie('node'), { minLength: 2, maxLength: 4 }),
      }),
      fc.record({ type: fc.constant('not' as const), filter: tie('node') }),
    ),
  }));
  return node;
}

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
