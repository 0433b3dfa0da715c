import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  computeETag,
  createMeta,
  nextLastModified,
  withMeta,
  USER_SCHEMA_URN,
  type ScimResource,
} from '@scim/core';

const user: ScimResource = {
  schemas: [USER_SCHEMA_URN],
  id: '1',
  userName: 'bjensen',
  name: { givenName: 'B', familyName: 'J' },
};

describe('computeETag (RFC 7644 §3.14)', () => {
  it('P-ETAG-02/S-COMMON-16: is a weak tag', () => {
    expect(computeETag(user)).toMatch(/^W\/"[0-9a-f]{28}"$/);
  });

  it('is stable across key order', () => {
    const reordered: ScimResource = {
      name: { familyName: 'J', givenName: 'B' },
      userName: 'bjensen',
      id: '1',
      schemas: [USER_SCHEMA_URN],
    };
    expect(computeETag(reordered)).toBe(computeETag(user));
  });

  it('ignores meta', () => {
    expect(
      computeETag({ ...user, meta: { version: 'W/"x"', lastModified: '2026-01-01T00:00:00Z' } }),
    ).toBe(computeETag(user));
  });

  it('P-ETAG-03: changes whenever the data changes', () => {
    expect(computeETag({ ...user, userName: 'bjensen2' })).not.toBe(computeETag(user));
    expect(computeETag({ ...user, name: { givenName: 'B' } })).not.toBe(computeETag(user));
  });

  it('property: equal data in any key order gives one tag, and small edits give another', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 8 }),
        fc.string(),
        (data, extra) => {
          const resource: ScimResource = { schemas: [USER_SCHEMA_URN], ...data };
          const reversed = Object.fromEntries(Object.entries(resource).reverse()) as ScimResource;
          expect(computeETag(reversed)).toBe(computeETag(resource));
          const edited: ScimResource = { ...resource, 'x-edit': extra };
          if (JSON.stringify(resource['x-edit']) !== JSON.stringify(extra))
            expect(computeETag(edited)).not.toBe(computeETag(resource));
        },
      ),
    );
  });
});

describe('createMeta (RFC 7643 §3.1)', () => {
  it('S-COMMON-12: lastModified equals created until given', () => {
    const created = new Date('2026-11-28T10:00:00.000Z');
    expect(createMeta({ resourceType: 'User', created })).toEqual({
      resourceType: 'User',
      created: '2026-11-28T10:00:00.000Z',
      lastModified: '2026-11-28T10:00:00.000Z',
    });
  });

  it('S-COMMON-16: withMeta sets version to the ETag of the data', () => {
    const value = withMeta(user, {
      resourceType: 'User',
      created: '2026-01-01T00:00:00Z',
      location: 'https://example.com/v2/Users/1',
    });
    expect(value.meta).toEqual({
      resourceType: 'User',
      created: '2026-01-01T00:00:00Z',
      lastModified: '2026-01-01T00:00:00Z',
      location: 'https://example.com/v2/Users/1',
      version: computeETag(user),
    });
  });
});

describe('nextLastModified (RFC 7643 §3.1: lastModified never goes back)', () => {
  const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString();

  it('keeps the proposed time when it is after the previous one', () => {
    expect(nextLastModified(at(5), at(4))).toBe(at(5));
  });

  it('takes 1 ms after the previous time when the proposed one is equal or earlier (a clock behind)', () => {
    expect(nextLastModified(at(4), at(4))).toBe(at(5));
    expect(nextLastModified(at(0), at(2_000))).toBe(at(2_001));
  });

  it('keeps the proposed time when there is no previous time, or it is no dateTime', () => {
    expect(nextLastModified(at(1), undefined)).toBe(at(1));
    expect(nextLastModified(at(1), 'yesterday')).toBe(at(1));
    expect(nextLastModified(at(1), 42)).toBe(at(1));
  });

  it('is always after the previous time and never before the proposed one (property)', () => {
    const ms = fc.integer({ min: 0, max: 4_000_000_000_000 });
    fc.assert(
      fc.property(ms, ms, (proposed, previous) => {
        const next = Date.parse(
          nextLastModified(new Date(proposed).toISOString(), new Date(previous).toISOString()),
        );
        expect(next).toBeGreaterThan(previous);
        expect(next).toBeGreaterThanOrEqual(proposed);
      }),
    );
  });
});
