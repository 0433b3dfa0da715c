// The request headers the detail view shows, from the server's debug record: a flat list,
// `[name, value, …]`, as the client sent them (or as `Headers` lists them). The page reads them by
// lowercase name, and shows the value only of a header on its allow-list.
import { describe, expect, it } from 'vitest';
import { headerValue, redactHeaders } from '../src/lib/redact.ts';

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
});
