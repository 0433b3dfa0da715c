// Issue 11: filters have a cost bound that keeps one query under about a second at the default
// maxScan, and binary values compare and sort case-exactly (RFC 7643 §2.3.6).
import { describe, expect, it } from 'vitest';
import { U, expectError, server } from './helpers.js';

const expensive = Array.from({ length: 100 }, (_, i) => `emails[value co "x${i}"]`).join(' or ');

describe('the filter cost bound (limits.filter.maxCost)', () => {
  it('an expensive filter is 400 invalidFilter by default, naming the limit', async () => {
    const { call } = server();
    const reply = await call('GET', `/Users?filter=${encodeURIComponent(expensive)}`);
    expectError(reply, 400, 'invalidFilter');
    expect(reply.body.detail).toMatch(/maxCost allows 64/);
  });

  it('the same filter in a .search body and across resource types is refused the same way', async () => {
    const { call } = server();
    const search = {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: expensive,
    };
    expectError(await call('POST', '/Users/.search', search), 400, 'invalidFilter');
    expectError(await call('POST', '/.search', search), 400, 'invalidFilter');
  });

  it("a handler's own maxCost is honoured", async () => {
    const { call } = server({ limits: { filter: { maxCost: 5_000 } } });
    expect((await call('GET', `/Users?filter=${encodeURIComponent(expensive)}`)).status).toBe(200);
  });

  it('what Entra ID and Okta send stays well inside the default', async () => {
    const { call } = server();
    for (const filter of [
      'userName eq "bjensen@example.com"',
      'externalId eq "701984" and userName eq "bjensen"',
      'emails[type eq "work" and value eq "bjensen@example.com"]',
      'meta.lastModified gt "2026-01-01T00:00:00Z"',
      Array.from({ length: 50 }, (_, i) => `userName eq "u${i}"`).join(' or '),
    ])
      expect((await call('GET', `/Users?filter=${encodeURIComponent(filter)}`)).status).toBe(200);
  });
});

describe('binary attributes are case exact (RFC 7643 §2.3.6)', () => {
  it('sortBy=x509Certificates.value orders by code point, not case-folded', async () => {
    const { call } = server();
    for (const [userName, value] of [
      ['b', 'YWJj'],
      ['a', 'QUJD'],
      ['c', 'Zm9v'],
    ] as const)
      await call('POST', '/Users', { schemas: [U], userName, x509Certificates: [{ value }] });
    const reply = await call('GET', '/Users?sortBy=x509Certificates.value');
    expect(reply.body.Resources?.map((r) => r.userName)).toEqual(['a', 'b', 'c']);
    await call('POST', '/Users', {
      schemas: [U],
      userName: 'd',
      x509Certificates: [{ value: 'aGk' }],
    });
    const again = await call('GET', '/Users?sortBy=x509Certificates.value');
    // Case-exact: "QUJD" < "YWJj" < "Zm9v" < "aGk"; case-folded, "aGk" would come first.
    expect(again.body.Resources?.map((r) => r.userName)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('a filter on x509Certificates.value matches only the exact case', async () => {
    const { call } = server();
    await call('POST', '/Users', {
      schemas: [U],
      userName: 'a',
      x509Certificates: [{ value: 'QUJD' }],
    });
    const exact = await call(
      'GET',
      `/Users?filter=${encodeURIComponent('x509Certificates.value eq "QUJD"')}`,
    );
    const other = await call(
      'GET',
      `/Users?filter=${encodeURIComponent('x509Certificates.value eq "qujd"')}`,
    );
    expect([exact.body.totalResults, other.body.totalResults]).toEqual([1, 0]);
  });
});
