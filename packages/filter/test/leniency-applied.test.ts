// Which leniency read a client's filter, reported beside the AST (issue 17), named after the
// FilterLeniency option, with the attribute path it applied to. Quirks as in
// ../shared/spec/idp-quirks.md §2a (E13, P20, P21) and §3.1 item 13.
import { describe, expect, it } from 'vitest';
import {
  HARMLESS_FILTER_SYNTAX,
  LENIENT_FILTER_SYNTAX,
  safeParseFilter,
  safeParsePatchPath,
} from '@scim/filter';

const lenient = { lenient: LENIENT_FILTER_SYNTAX };
const appliedOf = (text: string, options = lenient) => safeParseFilter(text, options).applied;

describe('safeParseFilter reports the leniencies a filter needed', () => {
  it('E13 (Entra tutorial, externalId eq jyoung): bareWordValues at externalId', () => {
    const result = safeParseFilter('externalId eq jyoung', lenient);
    expect(result).toMatchObject({ ok: true, value: { value: 'jyoung' } });
    expect(result.applied).toEqual([{ rule: 'bareWordValues', path: ['externalId'] }]);
  });

  it('P21 (Postman, a bare dateTime with 7 fraction digits): bareWordValues at meta.Created', () => {
    expect(appliedOf('meta.Created gt 2015-10-10T14:38:21.8617979-07:00')).toEqual([
      { rule: 'bareWordValues', path: ['meta', 'Created'] },
    ]);
  });

  it('P20 (Postman): one entry per bare word, in source order', () => {
    expect(
      appliedOf('name.FamilyName eq Employee and (emails.Value co example.com or userName sw "x")'),
    ).toEqual([
      { rule: 'bareWordValues', path: ['name', 'FamilyName'] },
      { rule: 'bareWordValues', path: ['emails', 'Value'] },
    ]);
  });

  it("D-06 (RFC 7644's own examples, type eq 'Group'): singleQuotedStrings", () => {
    expect(appliedOf("type eq 'Group'", { lenient: HARMLESS_FILTER_SYNTAX })).toEqual([
      { rule: 'singleQuotedStrings', path: ['type'] },
    ]);
  });

  it('P-FILTER-09 (active eq TRUE, x eq Null): caseInsensitiveLiterals', () => {
    expect(appliedOf('active eq TRUE or nickName eq Null')).toEqual([
      { rule: 'caseInsensitiveLiterals', path: ['active'] },
      { rule: 'caseInsensitiveLiterals', path: ['nickName'] },
    ]);
  });

  it('X-ENTRA-05 (emails[type eq "work"].value eq "x"): valuePathSubAttribute at emails.value', () => {
    expect(appliedOf('emails[type eq "work"].value eq "a@example.com"')).toEqual([
      { rule: 'valuePathSubAttribute', path: ['emails', 'value'] },
    ]);
  });

  it('inside a value filter the path names the attribute and its sub-attribute', () => {
    expect(appliedOf("emails[type eq 'work' and value co example.com]")).toEqual([
      { rule: 'singleQuotedStrings', path: ['emails', 'type'] },
      { rule: 'bareWordValues', path: ['emails', 'value'] },
    ]);
  });

  it('an extension attribute path keeps its URN as its first segment', () => {
    const urn = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
    expect(appliedOf(`${urn}:manager.value eq 271x`)).toEqual([
      { rule: 'bareWordValues', path: [urn, 'manager', 'value'] },
    ]);
  });

  it.each([
    'userName eq "bjensen"',
    'active eq true and emails[type eq "work" and value co "@example.com"]',
    'not (title pr) or meta.lastModified gt "2011-05-13T04:42:34Z"',
    'userName eq "it\'s" and displayName eq "a \\"quoted\\" word"',
    'x eq null or y eq false or z eq 12.5',
    // Departures the grammar takes from the ABNF (D-05, D-26, P-FILTER-13) are no leniencies.
    'not(title pr) and members[value eq"2819c223"]',
    '  ( userName   EQ "x" )  ',
  ])('an RFC filter under every leniency reports nothing: %s', (text) => {
    const result = safeParseFilter(text, lenient);
    expect(result.ok).toBe(true);
    expect('applied' in result).toBe(false);
  });

  it('without the option the quirk is an invalidFilter issue, and nothing is applied', () => {
    const result = safeParseFilter('externalId eq jyoung');
    expect(result.ok).toBe(false);
    expect(result.applied).toBeUndefined();
  });
});

describe('safeParsePatchPath reports them for a value filter in a PATCH path', () => {
  it("members[value eq 'u1']: singleQuotedStrings at members.value", () => {
    expect(
      safeParsePatchPath("members[value eq 'u1']", { lenient: HARMLESS_FILTER_SYNTAX }).applied,
    ).toEqual([{ rule: 'singleQuotedStrings', path: ['members', 'value'] }]);
  });

  it('an RFC path reports nothing', () => {
    const result = safeParsePatchPath('emails[type eq "work"].value', lenient);
    expect(result.ok && !('applied' in result)).toBe(true);
  });
});
