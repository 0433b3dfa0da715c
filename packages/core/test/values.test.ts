import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  attributeValuesEqual,
  caseFold,
  formatDateTime,
  isBase64,
  isDateTime,
  isUriReference,
  parseDateTime,
  UserSchema,
} from '@scim/core';
import { bytesKeptEach } from '../../../test/fixtures/heap.js';

describe('isDateTime (RFC 7643 §2.3.5, xsd:dateTime)', () => {
  it.each([
    '2008-01-23T04:56:22Z',
    '2008-01-23T04:56:22.123Z',
    '2015-10-10T14:38:21.8617979-07:00',
    '2008-01-23T04:56:22',
    '2024-02-29T00:00:00+14:00',
    '2008-01-23T24:00:00Z',
  ])('accepts %s', (value) => expect(isDateTime(value)).toBe(true));

  it.each([
    '2008-01-23',
    '2008-01-23 04:56:22Z',
    '2023-02-29T00:00:00Z',
    '2008-13-01T00:00:00Z',
    '2008-01-23T24:00:01Z',
    '2008-01-23T04:60:00Z',
    '2008-01-23T04:56:22+15:00',
    '2008-01-23T04:56:22z',
    '',
  ])('rejects %j', (value) => expect(isDateTime(value)).toBe(false));

  it('S-TYPE-08: parseDateTime honours offsets', () => {
    expect(parseDateTime('2008-01-23T06:56:22+02:00')).toBe(parseDateTime('2008-01-23T04:56:22Z'));
    expect(parseDateTime('2008-01-23T04:56:22.5Z')).toBe(Date.UTC(2008, 0, 23, 4, 56, 22, 500));
    expect(parseDateTime('nope')).toBeUndefined();
  });

  it('S-TYPE-08: parseDateTime reads what formatDateTime writes, to the millisecond', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(100, 0, 1), max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }),
        (ms) => {
          expect(parseDateTime(formatDateTime(ms))).toBe(ms);
          // The same instant written otherwise goes the long way, and agrees.
          expect(parseDateTime(formatDateTime(ms).replace('Z', '+00:00'))).toBe(ms);
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('S-TYPE-08: parseDateTime reads any text of that length and shape as the xsd grammar does', () => {
    // The digit-by-digit reading of the canonical form against isDateTime (the grammar alone)
    // and Date.parse, on texts shaped like it with any digits and, now and then, another character.
    const shape = '0000-00-00T00:00:00.000Z';
    const character = (model: string) =>
      model === '0'
        ? fc.oneof(
            { weight: 20, arbitrary: fc.constantFrom(...'0123456789') },
            fc.constantFrom('a', ' ', '-', '+'),
          )
        : fc.oneof(
            { weight: 20, arbitrary: fc.constant(model) },
            fc.constantFrom('0', 'z', ':', '-'),
          );
    fc.assert(
      fc.property(fc.tuple(...[...shape].map(character)), (characters) => {
        const text = characters.join('');
        expect(parseDateTime(text)).toBe(isDateTime(text) ? Date.parse(text) : undefined);
      }),
      { numRuns: 20_000 },
    );
  });

  it.each([
    '2008-13-23T04:56:22.000Z',
    '2008-00-23T04:56:22.000Z',
    '2007-02-29T04:56:22.000Z',
    '2008-04-31T04:56:22.000Z',
    '2008-01-23T24:00:01.000Z',
    '2008-01-23T04:60:22.000Z',
    '2008-01-23T04:56:60.000Z',
    '2008-01-23T04:56:22.0a0Z',
    '2008-01-2 T04:56:22.000Z',
    '+008-01-23T04:56:22.000Z',
  ])('parseDateTime refuses %j, which only looks like what formatDateTime writes', (value) =>
    expect(parseDateTime(value)).toBeUndefined(),
  );

  it('parseDateTime reads the end of a day (24:00:00) and years before 0100 as xsd:dateTime says', () => {
    expect(parseDateTime('2008-01-23T24:00:00.000Z')).toBe(Date.UTC(2008, 0, 24));
    expect(parseDateTime('0050-06-01T12:00:00.000Z')).toBe(Date.parse('0050-06-01T12:00:00.000Z'));
    expect(parseDateTime('2008-02-29T00:00:00.000Z')).toBe(Date.UTC(2008, 1, 29));
  });
});

describe('isBase64 (RFC 7643 §2.3.6)', () => {
  it.each(['aGk', 'aGk=', 'aGVsbG8=', 'aGVsbG8', '', 'YQ==', 'YQ'])('accepts %j', (value) =>
    expect(isBase64(value)).toBe(true),
  );
  it.each(['!!!', 'a', 'aGk==', 'YQ=', 'aG k=', 'a=Gk'])('rejects %j', (value) =>
    expect(isBase64(value)).toBe(false),
  );
});

describe('isUriReference (RFC 7643 §2.3.7)', () => {
  it.each([
    'https://example.com/v2/Users/1',
    '/Users/1',
    '../Groups/2',
    'urn:ietf:params:scim:schemas:core:2.0:User',
    'mailto:a@b.c',
    'a%20b',
  ])('accepts %s', (value) => expect(isUriReference(value)).toBe(true));
  it.each(['not a uri', '', 'a%2', '1abc:x', 'http://x/<y>', 'tab\there'])('rejects %j', (value) =>
    expect(isUriReference(value)).toBe(false),
  );
});

describe('attributeValuesEqual', () => {
  const attribute = (name: string) => {
    const found = UserSchema.attributes.find((a) => a.name === name);
    if (found === undefined) throw new Error(name);
    return found;
  };

  it('S-CHAR-28: caseExact false strings compare case-insensitively', () => {
    expect(attributeValuesEqual(attribute('userName'), 'BJensen', 'bjensen')).toBe(true);
  });

  it('S-TYPE-10: references compare case-exactly', () => {
    expect(
      attributeValuesEqual(
        attribute('profileUrl'),
        'HTTPS://LOGIN.EXAMPLE.COM/X',
        'https://login.example.com/X',
      ),
    ).toBe(false);
  });

  it('multi-valued complex values compare as unordered sets with any key order', () => {
    const emails = attribute('emails');
    expect(
      attributeValuesEqual(
        emails,
        [{ value: 'a', type: 'work' }, { value: 'b' }],
        [{ value: 'B' }, { type: 'work', value: 'a' }],
      ),
    ).toBe(true);
    expect(attributeValuesEqual(emails, [{ value: 'a' }], [{ value: 'a', primary: true }])).toBe(
      false,
    );
  });

  it('S-TYPE-01: Unicode case folding', () => {
    expect(caseFold('STRASSE')).toBe(caseFold('straße'));
  });

  it('P-SEC-04/D-23: full-width and other compatibility forms fold like the PRECIS username profile', () => {
    expect(caseFold('ｂｊｅｎｓｅｎ')).toBe('bjensen');
    expect(caseFold('ＢＪＥＮＳＥＮ')).toBe('bjensen');
    // Composed and decomposed accents are one name.
    expect(caseFold('Jose\u0301')).toBe(caseFold('JOSÉ'));
    expect(caseFold('bjensen')).toBe('bjensen');
  });
});

describe('formatDateTime (RFC 7643 §2.3.5)', () => {
  const LAST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

  it('writes every instant of years 0000–9999 as toISOString does', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: new Date('0000-01-01T00:00:00.000Z').getTime(), max: LAST }),
        (ms) => {
          expect(formatDateTime(ms)).toBe(new Date(ms).toISOString());
          expect(formatDateTime(new Date(ms))).toBe(new Date(ms).toISOString());
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('is exact at the edges of days, months, leap years and eras', () => {
    const edges = [
      '1970-01-01T00:00:00.000Z',
      '1969-12-31T23:59:59.999Z',
      '2000-02-29T12:00:00.005Z',
      '1900-02-28T23:59:59.999Z',
      '1900-03-01T00:00:00.000Z',
      '2024-12-31T23:59:59.999Z',
      '0000-01-01T00:00:00.000Z',
      '0999-12-31T23:59:59.090Z',
      '9999-12-31T23:59:59.999Z',
    ];
    for (const edge of edges) expect(formatDateTime(Date.parse(edge))).toBe(edge);
  });

  it('makes its text in one piece, so a kept timestamp costs one short string', () => {
    // Joined from parts, each text would be a tree of about ten strings (~290 bytes) for as long as
    // a stored resource or a queued SET keeps it; in one piece it is 40 bytes.
    const start = Date.UTC(2026, 11, 4, 9, 30);
    const { each, kept } = bytesKeptEach(20_000, (index) => formatDateTime(start + index * 1013));
    expect(kept[19_999]).toBe(new Date(start + 19_999 * 1013).toISOString());
    expect(each).toBeLessThan(100);
  });

  it('writes years outside 0000–9999 as toISOString does, and refuses an invalid time as it does', () => {
    for (const ms of [LAST + 1, -62_167_219_200_001, -8.64e15, 8.64e15])
      expect(formatDateTime(ms)).toBe(new Date(ms).toISOString());
    expect(() => formatDateTime(Number.NaN)).toThrow(RangeError);
    expect(() => formatDateTime(new Date('not a date'))).toThrow(RangeError);
  });
});
