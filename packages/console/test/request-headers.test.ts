// The request headers the detail view shows, from the server's debug record: a flat list,
// `[name, value, …]`, as the client sent them (or as `Headers` lists them). The page reads them by
// lowercase name, and shows the value only of a header on its allow-list.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RequestHistory } from '../src/lib/history.ts';
import { headerValue, redactHeaders } from '../src/lib/redact.ts';
import { postRecord } from './fixture.ts';

describe('request headers in the detail view', () => {
  it('reads names in any case, joins a repeated header’s values with ", " (RFC 9110 §5.3)', () => {
    expect(
      redactHeaders([
        'User-Agent',
        'Okta SCIM Client',
        'Accept',
        'application/scim+json',
        'ACCEPT',
        '*/*',
      ]),
    ).toEqual({ 'user-agent': 'Okta SCIM Client', accept: 'application/scim+json, */*' });
  });

  it('shows only the allow-listed headers’ values; any other may be a credential', () => {
    expect(
      redactHeaders(['X-Api-Key', 'k-123', 'x-api-key', 'k-456', 'Authorization', '[redacted]']),
    ).toEqual({ 'x-api-key': '[redacted]', authorization: '[redacted]' });
  });

  it('keeps a `__proto__` header a plain name, and no header for a record without them', () => {
    const shown = redactHeaders(['__proto__', 'x', 'Host', 'scim.example.com']);
    expect(Object.getPrototypeOf(shown)).toBe(Object.prototype);
    expect(Object.keys(shown ?? {})).toEqual(['__proto__', 'host']);
    expect(redactHeaders(undefined)).toBeNull();
  });

  it('finds a header’s first value in any case', () => {
    const list = ['Content-Length', '6400', 'content-length', '1'];
    expect(headerValue(list, 'content-length')).toBe('6400');
    expect(headerValue(list, 'content-type')).toBeUndefined();
    expect(headerValue(undefined, 'content-length')).toBeUndefined();
  });

  it('gives back the header list as recorded, whatever its names and values hold (property)', () => {
    // The history keeps a list as one text, one name or value per line, unless an item holds a line
    // break: either way the detail view must get the list it was given.
    const item = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 12 }),
      fc.constantFrom('', '\n', 'a\nb', '\r\n', 'Authorization', '[redacted]'),
    );
    fc.assert(
      fc.property(fc.array(item, { maxLength: 12 }), (headers) => {
        const history = new RequestHistory(2);
        history.add({ ...postRecord(1, {}), requestHeaders: headers }, 0, undefined);
        const [entry] = history.list();
        expect(history.get(entry?.seq ?? 0)?.record.requestHeaders).toEqual(headers);
        expect(entry?.record.requestHeaders).toEqual(headers);
      }),
    );
  });
});
