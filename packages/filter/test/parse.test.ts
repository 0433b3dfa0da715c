import { describe, expect, it } from 'vitest';
import { isScimError } from '@scim/core';
import {
  HARMLESS_FILTER_SYNTAX,
  LENIENT_FILTER_SYNTAX,
  parseFilter,
  parsePatchPath,
  printFilter,
  safeParseAttributePath,
  safeParseFilter,
  safeParsePatchPath,
  type LogicalNode,
} from '@scim/filter';

/** The tree without source offsets, for comparing shapes. */
function shape(node: unknown): unknown {
  return JSON.parse(
    JSON.stringify(node, (key, value: unknown) => (key === 'location' ? undefined : value)),
  );
}

function parsed(text: string, options = {}): unknown {
  return shape(parseFilter(text, options));
}

function errorOf(text: string, options = {}): string {
  const result = safeParseFilter(text, options);
  expect(result.ok).toBe(false);
  if (result.ok) return '';
  expect(result.issues[0]).toMatchObject({ code: 'invalid_filter', scimType: 'invalidFilter' });
  return result.issues[0]?.message ?? '';
}

const path = (attribute: string, extra: Record<string, string> = {}) => ({
  type: 'attributePath',
  ...extra,
  attribute,
});
const eq = (attribute: string, value: unknown) => ({
  type: 'compare',
  path: path(attribute),
  operator: 'eq',
  value,
});

describe('the RFC 7644 §3.4.2.2 grammar', () => {
  it('P-FILTER-01: a filter missing its value is invalidFilter, and parseFilter throws a 400 ScimError', () => {
    expect(errorOf('userName eq')).toMatch(/column 12: Expected value but end of input found/);
    try {
      parseFilter('userName eq');
      expect.unreachable();
    } catch (error) {
      expect(isScimError(error) && error.status === 400 && error.scimType).toBe('invalidFilter');
    }
  });

  it('P-FILTER-02: an empty or blank filter is rejected', () => {
    expect(errorOf('')).toMatch(/column 1/);
    expect(errorOf('   ')).toMatch(/Expected/);
  });

  it('P-FILTER-03/D-06: an unquoted word or a single-quoted string is rejected', () => {
    expect(errorOf('userName eq bjensen')).toMatch(/column 13: Expected value but "b" found/);
    expect(errorOf("userName eq 'bjensen'")).toMatch(/Expected value/);
  });

  it('P-FILTER-04: strings take every JSON escape', () => {
    expect(
      parseFilter(String.raw`displayName eq "Bob \"B\" Smith \\ \/ \b\f\n\r\t \u00e9\uD83D\uDE00"`),
    ).toMatchObject({
      value: 'Bob "B" Smith \\ / \b\f\n\r\t é😀',
    });
    expect(errorOf(String.raw`displayName eq "a\qb"`)).toMatch(/Invalid escape "\\q"/);
    expect(errorOf(String.raw`displayName eq "\u12"`)).toMatch(/Invalid escape/);
    expect(errorOf('displayName eq "line\nbreak"')).toMatch(/column 16: This string is not closed/);
  });

  it('P-FILTER-05: numbers take JSON syntax with sign, fraction and exponent', () => {
    expect(parseFilter('level gt -1.5e0')).toMatchObject({ value: -1.5 });
    expect(parseFilter('level gt 10E+2')).toMatchObject({ value: 1000 });
    expect(parseFilter('level eq 0')).toMatchObject({ value: 0 });
    for (const bad of ['level eq 01', 'level eq 1.', 'level eq .5', 'level eq +1', 'level eq 1e'])
      expect(errorOf(bad)).toMatch(/Expected/);
  });

  it('P-FILTER-06/P-ERR-03: an unknown operator is named in the detail, at its column', () => {
    expect(errorOf('userName regex "x"')).toBe(
      'Invalid filter at column 10: Unknown operator "regex"; expected one of eq, ne, co, sw, ew, gt, lt, ge, le or pr',
    );
  });

  it('P-FILTER-07: operators and logical keywords are case-insensitive', () => {
    expect(parsed('userName EQ "bjensen" AND title PR')).toEqual({
      type: 'and',
      filters: [eq('userName', 'bjensen'), { type: 'present', path: path('title') }],
    });
    expect(parsed('NOT (a Pr) oR b pR')).toMatchObject({ type: 'or' });
  });

  it('P-FILTER-08: attribute names keep their case in the AST (binding resolves them)', () => {
    expect(parsed('USERNAME eq "bjensen"')).toEqual(eq('USERNAME', 'bjensen'));
  });

  it('P-FILTER-09: true, false and null are lowercase; other cases need the lenient flag', () => {
    expect(errorOf('active eq TRUE')).toMatch(/Expected value/);
    expect(
      parseFilter('active eq TRUE', { lenient: { caseInsensitiveLiterals: true } }),
    ).toMatchObject({ value: true });
    expect(
      parseFilter('nickName eq NULL', { lenient: { caseInsensitiveLiterals: true } }),
    ).toMatchObject({ value: null });
    expect(parseFilter('active eq false')).toMatchObject({ value: false });
    expect(errorOf('active eq trueish')).toMatch(/Expected value/);
  });

  it('P-FILTER-10: not binds tighter than and, and tighter than or', () => {
    expect(parsed('a eq 1 or b eq 2 and c eq 3')).toEqual({
      type: 'or',
      filters: [eq('a', 1), { type: 'and', filters: [eq('b', 2), eq('c', 3)] }],
    });
    expect(parsed('not (a eq 1) and b eq 2')).toEqual({
      type: 'and',
      filters: [{ type: 'not', filter: eq('a', 1) }, eq('b', 2)],
    });
  });

  it('P-FILTER-11: parentheses override precedence and nest', () => {
    expect(parsed('(a eq 1 or b eq 2) and ((c eq 3))')).toEqual({
      type: 'and',
      filters: [{ type: 'or', filters: [eq('a', 1), eq('b', 2)] }, eq('c', 3)],
    });
  });

  it('P-FILTER-12/D-05: not( and not ( are both accepted; not without parentheses is rejected', () => {
    expect(parsed('not(a eq 1)')).toEqual(parsed('not (a eq 1)'));
    expect(errorOf('not a eq 1')).toMatch(/"not" must be followed by a parenthesised filter/);
    expect(parsed('not eq 1')).toEqual(eq('not', 1));
  });

  it('P-FILTER-13: runs of whitespace, surrounding whitespace and whitespace inside brackets', () => {
    const expected = parsed('userName eq "bjensen"');
    expect(parsed(' userName  eq   "bjensen" ')).toEqual(expected);
    expect(parsed('( userName eq "bjensen" )')).toEqual(expected);
    expect(parsed('emails[ type eq "work" ]')).toEqual(parsed('emails[type eq "work"]'));
    expect(parsed('a pr\tand\nb pr')).toEqual(parsed('a pr and b pr'));
  });

  it('P-FILTER-14: sub-attributes use dot notation', () => {
    expect(parsed('name.givenName eq "Barbara"')).toEqual({
      type: 'compare',
      path: path('name', { subAttribute: 'givenName' }),
      operator: 'eq',
      value: 'Barbara',
    });
    expect(errorOf('name.given.x eq "B"')).toMatch(/Expected/);
  });

  it('P-FILTER-15/S-EXT-09: URN-qualified paths split at the last colon before the attribute', () => {
    expect(
      parsed('urn:ietf:params:scim:schemas:core:2.0:User:name.givenName sw "B"'),
    ).toMatchObject({
      path: {
        uri: 'urn:ietf:params:scim:schemas:core:2.0:User',
        attribute: 'name',
        subAttribute: 'givenName',
      },
    });
    expect(
      parsed('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "1"'),
    ).toMatchObject({
      path: {
        uri: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
        attribute: 'manager',
        subAttribute: 'value',
      },
    });
  });

  it('D-04: $ref is a name', () => {
    expect(parsed('members.$ref eq "x"')).toMatchObject({
      path: { attribute: 'members', subAttribute: '$ref' },
    });
  });

  it('P-FILTER-19/P-FILTER-20: value filters combine, but do not nest', () => {
    expect(
      parsed('emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp"]'),
    ).toMatchObject({
      type: 'or',
      filters: [{ type: 'valuePath' }, { type: 'valuePath' }],
    });
    expect(errorOf('emails[type eq "work" and addresses[type eq "x"]]')).toMatch(/column 36/);
  });

  it('D-26: a value right after the operator is accepted', () => {
    expect(parsed('members[value eq"2819c223"]')).toEqual(parsed('members[value eq "2819c223"]'));
  });

  it('rejects unbalanced parentheses, unterminated strings and trailing garbage with the column', () => {
    expect(errorOf('(userName eq "a"')).toMatch(/column 17: Expected/);
    expect(errorOf('userName eq "a")')).toMatch(/column 16: Expected/);
    expect(errorOf('userName eq "abc')).toMatch(/column 13: This string is not closed/);
    expect(errorOf('userName eq "a" xyz')).toMatch(/column 17: Expected "and", "or"/);
    expect(errorOf('userName eq "a" and')).toMatch(/column 20/);
    expect(errorOf('emails[type eq "work"')).toMatch(/column 22/);
  });

  it('keeps source offsets on every node', () => {
    const node = parseFilter('a eq 1 and b pr') as LogicalNode;
    expect(node.location).toEqual({ start: 0, end: 15 });
    expect(node.filters[1]?.location).toEqual({ start: 11, end: 15 });
  });
});

describe('lenient syntax (off by default, ../shared/spec/idp-quirks.md §3.1.13)', () => {
  it('Entra: bare words are strings (externalId eq jyoung)', () => {
    expect(
      parseFilter('externalId eq jyoung', { lenient: { bareWordValues: true } }),
    ).toMatchObject({ value: 'jyoung' });
  });

  it('Postman P20/P21: bare values, including dates with seven fraction digits', () => {
    const filter = parseFilter(
      'name.FamilyName eq Employee and (emails.Value co example.com or emails.Value co example.org) and meta.Created gt 2015-10-10T14:38:21.8617979-07:00',
      { lenient: LENIENT_FILTER_SYNTAX },
    );
    expect(printFilter(filter)).toBe(
      'name.FamilyName eq "Employee" and (emails.Value co "example.com" or emails.Value co "example.org") and meta.Created gt "2015-10-10T14:38:21.8617979-07:00"',
    );
  });

  it("D-06: single-quoted strings ('Group') behind their own flag", () => {
    expect(
      parseFilter("type eq 'Group'", { lenient: { singleQuotedStrings: true } }),
    ).toMatchObject({ value: 'Group' });
    expect(errorOf("type eq 'Group'", { lenient: { bareWordValues: true } })).toMatch(/Expected/);
  });

  it('X-ENTRA-05: emails[type eq "work"].value eq "x" reads as one value filter', () => {
    const options = { lenient: { valuePathSubAttribute: true } };
    expect(parsed('emails[type eq "work"].value eq "x"', options)).toEqual(
      parsed('emails[type eq "work" and value eq "x"]'),
    );
    expect(parsed('emails[type eq "work"].value pr', options)).toEqual(
      parsed('emails[type eq "work" and value pr]'),
    );
    expect(errorOf('emails[type eq "work"].value eq "x"')).toMatch(/Expected/);
  });

  it("HARMLESS_FILTER_SYNTAX: D-06's 'Group', P-FILTER-09's TRUE and X-ENTRA-05, but not P-FILTER-03's unquoted word", () => {
    const lenient = HARMLESS_FILTER_SYNTAX;
    expect(parsed("type eq 'Group'", { lenient })).toEqual(parsed('type eq "Group"'));
    expect(parsed('active eq TRUE', { lenient })).toEqual(parsed('active eq true'));
    expect(parsed('emails[type eq "work"].value eq "x"', { lenient })).toEqual(
      parsed('emails[type eq "work" and value eq "x"]'),
    );
    // A bare word's type has to be guessed, so it stays with LENIENT_FILTER_SYNTAX (Entra).
    expect(errorOf('externalId eq jyoung', { lenient })).toMatch(/Expected/);
    expect(LENIENT_FILTER_SYNTAX).toEqual({ ...HARMLESS_FILTER_SYNTAX, bareWordValues: true });
    expect(Object.isFrozen(HARMLESS_FILTER_SYNTAX)).toBe(true);
  });
});

describe('PATCH paths (RFC 7644 §3.5.2)', () => {
  it('P-FILTER-36: a path filter parses after JSON unescaping', () => {
    const body = JSON.parse(
      String.raw`{"path":"members[value eq \"2819c223-7f76-453a-919d-413861904646\"]"}`,
    ) as { path: string };
    expect(shape(parsePatchPath(body.path))).toEqual({
      type: 'patchPath',
      path: path('members'),
      filter: eq('value', '2819c223-7f76-453a-919d-413861904646'),
    });
  });

  it('takes an attribute path, a value filter and a sub-attribute after the bracket', () => {
    expect(shape(parsePatchPath('emails[type eq "work"].value'))).toMatchObject({
      subAttribute: 'value',
      filter: eq('type', 'work'),
    });
    expect(shape(parsePatchPath('name.familyName'))).toEqual({
      type: 'patchPath',
      path: path('name', { subAttribute: 'familyName' }),
    });
    expect(
      shape(parsePatchPath('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager')),
    ).toMatchObject({
      path: {
        uri: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
        attribute: 'manager',
      },
    });
  });

  it('P-ERR-08: a malformed path is invalidPath', () => {
    const result = safeParsePatchPath('emails[type eq');
    expect(result.ok ? undefined : result.issues[0]).toMatchObject({
      code: 'invalid_path',
      scimType: 'invalidPath',
    });
    expect(() => parsePatchPath('emails[type eq')).toThrow(/Invalid path at column 15/);
  });
});

describe('attribute paths (sortBy, attributes)', () => {
  it('parses a plain or URN-qualified path and nothing else', () => {
    expect(safeParseAttributePath(' name.givenName ')).toMatchObject({
      ok: true,
      value: { attribute: 'name', subAttribute: 'givenName' },
    });
    expect(safeParseAttributePath('emails[type eq "work"]').ok).toBe(false);
    expect(safeParseAttributePath('userName eq "x"').ok).toBe(false);
  });
});

describe('limits (P-FILTER-37)', () => {
  it('5,000 nested parentheses are refused in milliseconds', () => {
    const text = `${'('.repeat(5000)}a pr${')'.repeat(5000)}`;
    const started = performance.now();
    expect(errorOf(text)).toMatch(/column 33: nested deeper than 32 levels/);
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('5,000 nested brackets and not( are refused too', () => {
    expect(errorOf(`${'not ('.repeat(2000)}a pr${')'.repeat(2000)}`)).toMatch(/nested deeper/);
    expect(errorOf(`a[${'('.repeat(5000)}`)).toMatch(/nested deeper/);
  });

  it('parentheses inside strings do not count', () => {
    expect(parseFilter(`a eq "${'('.repeat(100)}"`)).toMatchObject({ value: '('.repeat(100) });
  });

  it('a 100 KB filter is refused in milliseconds', () => {
    const text = `userName eq "${'x'.repeat(100_000)}"`;
    const started = performance.now();
    expect(errorOf(text)).toMatch(/at most 16384/);
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('a 10,000-term filter is refused', () => {
    const text = Array.from({ length: 10_000 }, (_, i) => `id eq "${i}"`).join(' or ');
    expect(errorOf(text, { limits: { maxLength: 1_000_000 } })).toMatch(
      /more than 1000 expressions/,
    );
  });

  it('limits are options', () => {
    expect(errorOf('a pr and b pr and c pr', { limits: { maxNodes: 3 } })).toMatch(/more than 3/);
    expect(parseFilter('((a pr))', { limits: { maxDepth: 2 } })).toMatchObject({ type: 'present' });
    expect(errorOf('(((a pr)))', { limits: { maxDepth: 2 } })).toMatch(/nested deeper than 2/);
  });
});
