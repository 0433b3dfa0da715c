// P-FILTER-37: a filter's cost per resource is bounded, so that one query over the server's default
// maxScan (100,000 resources scanned in memory) stays under about a second.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ENTERPRISE_USER_SCHEMA_URN,
  GroupResourceType,
  isScimError,
  UserResourceType,
  type ScimResourceType,
} from '@scim/core';
import {
  bindFilter,
  compileFilter,
  compileValuePathFilter,
  DEFAULT_FILTER_LIMITS,
  filterCost,
  LENIENT_FILTER_SYNTAX,
  parseFilter,
  safeCompileFilter,
  type FilterLimits,
  type ValuePathNode,
} from '@scim/filter';

const EU = ENTERPRISE_USER_SCHEMA_URN;
const wide = { maxLength: 1_000_000 };

function cost(text: string, resourceType: ScimResourceType = UserResourceType): number {
  const node = parseFilter(text, { lenient: LENIENT_FILTER_SYNTAX, limits: wide });
  return filterCost(bindFilter(node, resourceType, { limits: { maxCost: Infinity } }));
}

/** What the server does: parse with its limits, then bind to the resource type. */
function refusal(text: string, limits?: FilterLimits): string {
  try {
    const node = parseFilter(text, { limits: { ...wide, ...limits } });
    bindFilter(node, UserResourceType, limits === undefined ? {} : { limits });
  } catch (error) {
    expect(isScimError(error) && error.status).toBe(400);
    expect(isScimError(error) && error.scimType).toBe('invalidFilter');
    return isScimError(error) ? (error.detail ?? '') : '';
  }
  throw new Error(`admitted: ${text.slice(0, 80)}`);
}

const chain = (count: number, term: (i: number) => string, join = ' or ') =>
  Array.from({ length: count }, (_, i) => term(i)).join(join);

describe('P-FILTER-37: the cost of testing one resource is bounded (limits.maxCost)', () => {
  it('the 330-term emails[value co …] or-chain (about 10 s over 100,000 users) is 400 invalidFilter, naming maxCost', () => {
    const text = chain(330, (i) => `emails[value co "user${i}@example.org"]`);
    expect(refusal(text)).toMatch(
      /too expensive: testing one resource takes about \d+ comparisons, and maxCost allows 64/,
    );
  });

  it('is refused before any resource is read, in milliseconds', () => {
    const text = chain(999, (i) => `emails.value co "${i}"`);
    const started = performance.now();
    expect(refusal(text)).toMatch(/maxCost allows 64/);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('compileFilter and safeCompileFilter refuse the same way', () => {
    const text = chain(100, (i) => `userName co "${i}"`);
    expect(() => compileFilter(text, { resourceType: UserResourceType })).toThrow(/maxCost/);
    const result = safeCompileFilter(text, { resourceType: UserResourceType });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.issues[0]).toMatchObject({ scimType: 'invalidFilter', code: 'invalid_filter' });
  });

  it("compileFilter without a schema tests the caller's own values, not a scan: no default maxCost", () => {
    const text = chain(50, (i) => `userName co "${i}"`);
    expect(compileFilter(text)({ userName: 'x49' })).toBe(true);
    expect(compileFilter(parseFilter(text))({ userName: 'x1' })).toBe(true);
    expect(safeCompileFilter(chain(50, (i) => `emails[value co "${i}"]`)).ok).toBe(true);
    // Other limits given, maxCost not: still unbounded.
    expect(safeCompileFilter(text, { limits: { maxNodes: 200 } }).ok).toBe(true);
  });

  it('compileFilter without a schema applies a maxCost given explicitly, every name counting 4 values × 3', () => {
    const limits = { maxCost: 64 };
    expect(() =>
      compileFilter(
        chain(6, (i) => `userName co "${i}"`),
        { limits },
      ),
    ).toThrow(/about 72 comparisons, and maxCost allows 64/);
    expect(
      compileFilter(
        chain(5, (i) => `userName co "${i}"`),
        { limits },
      )({ userName: 'x4' }),
    ).toBe(true);
    expect(() =>
      compileFilter(
        chain(6, (i) => `emails[value co "${i}"]`),
        { limits },
      ),
    ).toThrow(/about 72/);
  });

  it('with a schema the default maxCost still applies, to parsed and to bound filters alike', () => {
    const text = chain(100, (i) => `userName co "${i}"`);
    expect(() => compileFilter(parseFilter(text), { resourceType: UserResourceType })).toThrow(
      /maxCost allows 64/,
    );
    expect(() => bindFilter(parseFilter(text), UserResourceType)).toThrow(/maxCost allows 64/);
  });

  it('maxCost is an option of limits, raised or lowered', () => {
    const text = chain(100, (i) => `userName co "${i}"`);
    expect(refusal(text)).toMatch(/maxCost allows 64/);
    expect(() =>
      bindFilter(parseFilter(text), UserResourceType, { limits: { maxCost: 100 } }),
    ).not.toThrow();
    expect(refusal('userName co "a" or userName co "b"', { maxCost: 1 })).toMatch(
      /about 2 comparisons, and maxCost allows 1/,
    );
    expect(DEFAULT_FILTER_LIMITS.maxCost).toBe(64);
  });

  it('a PATCH path filter tests one resource, so maxCost does not apply to it', () => {
    const node = parseFilter(`emails[${chain(300, (i) => `value co "${i}"`)}]`, { limits: wide });
    const matches = compileValuePathFilter(node as ValuePathNode, {
      resourceType: UserResourceType,
    });
    expect(matches({ value: 'a299b' })).toBe(true);
  });
});

describe('P-FILTER-37: what the cost counts', () => {
  it('one comparison of one value is 1; a multi-valued attribute reads 4 values', () => {
    expect(cost('userName eq "a"')).toBe(1);
    expect(cost('userName co "a"')).toBe(1);
    expect(cost('active eq true')).toBe(1);
    expect(cost('emails.value co "a"')).toBe(4);
    expect(cost('emails co "a"')).toBe(4); // the implicit .value
    expect(cost('schemas eq "urn:x"')).toBe(4);
  });

  it('a sub-attribute of a single complex attribute is one step more', () => {
    expect(cost('name.givenName co "a"')).toBe(2);
    expect(cost(`${EU}:manager eq "26118915"`)).toBe(2);
  });

  it('a dateTime attribute is parsed once per resource: 24 more for its first term only', () => {
    const at = (second: number) => `"2011-05-13T04:42:${String(second).padStart(2, '0')}Z"`;
    expect(cost(`meta.lastModified gt ${at(1)}`)).toBe(26);
    expect(cost(`meta.lastModified gt ${at(1)} and meta.lastModified lt ${at(2)}`)).toBe(28);
    expect(cost(`meta.created gt ${at(1)} or meta.lastModified gt ${at(2)}`)).toBe(52);
    // Set lookups take strings only: dateTimes keep one comparison per term.
    expect(cost(chain(4, (i) => `meta.created eq ${at(i)}`))).toBe(32);
  });

  it('a value filter counts its inner filter once per value', () => {
    expect(cost('emails[type eq "work"]')).toBe(4);
    expect(cost('emails[type eq "work" and value co "@example.com"]')).toBe(8);
    expect(cost('name[givenName eq "a"]')).toBe(1);
  });

  it('and, or and not add up their terms; pr on a complex value is 2 per value', () => {
    expect(cost('userName eq "a" and (title pr or not (displayName co "b"))')).toBe(3);
    expect(cost('name pr')).toBe(2);
    expect(cost('emails pr')).toBe(8);
  });

  it('eq terms on one string attribute joined by or are one set lookup: 2 per value, however many', () => {
    expect(cost(chain(3, (i) => `userName eq "${i}"`))).toBe(3);
    expect(cost(chain(4, (i) => `userName eq "${i}"`))).toBe(2);
    expect(cost(chain(999, (i) => `id eq "${i}"`))).toBe(2);
    expect(cost(chain(999, (i) => `emails.value eq "${i}"`))).toBe(8);
    // Not adjacent: each attribute's terms form their own set.
    expect(
      cost(chain(40, (i) => (i % 2 === 0 ? `userName eq "${i}"` : `externalId eq "${i}"`))),
    ).toBe(4);
  });

  it('value filters on one attribute joined by or are one pass over its values', () => {
    expect(cost(chain(50, (i) => `emails[value eq "${i}@example.com"]`))).toBe(8);
    expect(
      cost(
        chain(400, (i) => `members[value eq "${i}"]`),
        GroupResourceType,
      ),
    ).toBe(8);
  });
});

describe('P-FILTER-37: what identity providers send is admitted by the default', () => {
  const admitted = [
    // Microsoft Entra ID (idp-quirks.md E3, E10, E13, E14, X-ENTRA-05)
    'userName eq "bjensen@example.com"',
    'externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef" and userName eq "y"',
    'emails[type eq "work"].value eq "bjensen@example.com"',
    'externalId eq jyoung',
    'id eq "2819c223" and manager eq "26118915"',
    // Okta and its test suites (O3, O9, P8, P20, P21)
    'userName eq "RANDOMUSERNAMECAPS@example.com"',
    'DisplayName eq "BobIsAmazing"',
    'ActiVe eq true',
    'name.FamilyName eq Employee and (emails.Value co example.com or emails.Value co example.org)',
    'userName sw O',
    'meta.Created gt 2015-10-10T14:38:21.8617979-07:00',
    // Several identity providers and the conformance kit
    'meta.lastModified ge "2011-05-13T04:42:34Z" and meta.lastModified lt "2026-05-13T04:42:34Z"',
    'title pr and (userName sw "bj" or emails.value ew "example.org")',
    chain(50, (i) => `id eq "${i}"`),
    chain(50, (i) => `userName eq "user${i}"`),
    chain(50, (i) => `emails.value eq "user${i}@example.com"`),
    chain(50, (i) => `emails[value eq "user${i}@example.com"]`),
    chain(50, (i) => (i % 2 === 0 ? `userName eq "${i}"` : `externalId eq "${i}"`)),
  ];

  it.each(admitted.map((text) => [text.length > 90 ? `${text.slice(0, 90)}…` : text, text]))(
    '%s',
    (_, text) => {
      const node = parseFilter(text, { lenient: LENIENT_FILTER_SYNTAX });
      const bound = bindFilter(node, UserResourceType);
      expect(filterCost(bound)).toBeLessThanOrEqual(DEFAULT_FILTER_LIMITS.maxCost);
    },
  );

  it("Groups: Entra's displayName lookup and a 500-id member lookup", () => {
    expect(cost('displayName eq "Tour Guides"', GroupResourceType)).toBe(1);
    expect(cost(`members[${chain(500, (i) => `value eq "${i}"`)}]`, GroupResourceType)).toBe(8);
  });
});

describe('P-FILTER-37: properties of the measure', () => {
  const attribute = fc.constantFrom(
    'userName',
    'title',
    'emails.value',
    'name.givenName',
    'emails',
  );
  const operator = fc.constantFrom('eq', 'co', 'sw', 'gt');
  const term = fc
    .tuple(attribute, operator, fc.string({ maxLength: 4 }))
    .map(([a, op, v]) => `${a} ${op} ${JSON.stringify(v)}`);

  it('and adds up exactly; or never costs more than its terms one by one', () => {
    fc.assert(
      fc.property(fc.array(term, { minLength: 1, maxLength: 12 }), (terms) => {
        const each = terms.reduce((total, text) => total + cost(text), 0);
        expect(cost(terms.join(' and '))).toBe(each);
        expect(cost(terms.join(' or '))).toBeLessThanOrEqual(each);
      }),
      { numRuns: 200 },
    );
  });
});
