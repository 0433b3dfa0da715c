import { describe, expect, it } from 'vitest';
import { bj, EU, expectError, G, LR, server, SR, U } from './helpers.js';

async function withUsers(count: number, options = {}) {
  // A clock that advances a second per call, so creation order is observable.
  let tick = Date.UTC(2026, 0, 1);
  const instance = server({ now: () => new Date((tick += 1000)), ...options });
  for (let i = 1; i <= count; i++) {
    await instance.call('POST', '/Users', {
      schemas: [U],
      userName: `user${String(i).padStart(2, '0')}`,
      displayName: `User ${i}`,
    });
  }
  return instance;
}

describe('pagination (RFC 7644 §3.4.2.4)', () => {
  it('P-PAGE-01/P-PAGE-09/P-PAGE-07: startIndex defaults to 1, schemas is ListResponse, totalResults counts all pages', async () => {
    const { call } = await withUsers(25);
    const { body } = await call('GET', '/Users?count=10');
    expect(body).toMatchObject({
      schemas: [LR],
      totalResults: 25,
      itemsPerPage: 10,
      startIndex: 1,
    });
  });

  it('P-PAGE-02: startIndex below 1 reads as 1', async () => {
    const { call } = await withUsers(3);
    for (const start of ['0', '-5'])
      expect((await call('GET', `/Users?startIndex=${start}`)).body.startIndex).toBe(1);
  });

  it('P-PAGE-03/P-PAGE-04/P-PAGE-10: count 0 or negative gives totalResults and an empty Resources', async () => {
    const { call } = await withUsers(3);
    for (const count of ['0', '-1']) {
      expect((await call('GET', `/Users?count=${count}`)).body).toMatchObject({
        totalResults: 3,
        itemsPerPage: 0,
        Resources: [],
      });
    }
  });

  it('P-PAGE-05/P-PAGE-06: never more than count, and maxResults without count', async () => {
    const { call } = await withUsers(7, { limits: { maxResults: 4 } });
    expect((await call('GET', '/Users?count=3')).body.Resources).toHaveLength(3);
    expect((await call('GET', '/Users')).body.itemsPerPage).toBe(4);
  });

  it('P-PAGE-08/P-PAGE-11: a partial last page and a page past the end', async () => {
    const { call } = await withUsers(25);
    expect((await call('GET', '/Users?startIndex=21&count=10')).body).toMatchObject({
      itemsPerPage: 5,
      startIndex: 21,
    });
    expect((await call('GET', '/Users?startIndex=1000')).body).toMatchObject({
      totalResults: 25,
      Resources: [],
    });
  });

  it('P-PAGE-12/P-PAGE-14: pages chain without duplicates in a stable order', async () => {
    const { call } = await withUsers(25);
    const seen: string[] = [];
    for (let start = 1; start <= 25; start += 10)
      seen.push(
        ...((await call('GET', `/Users?startIndex=${start}&count=10`)).body.Resources ?? []).map(
          (u) => u.userName as string,
        ),
      );
    expect(new Set(seen).size).toBe(25);
    const again = ((await call('GET', '/Users?count=25')).body.Resources ?? []).map(
      (u) => u.userName,
    );
    expect(again).toEqual(seen);
  });

  it('P-PAGE-13: a non-integer startIndex or count is invalidValue', async () => {
    const { call } = server();
    expectError(await call('GET', '/Users?count=abc'), 400, 'invalidValue');
    expectError(await call('GET', '/Users?startIndex=1.5'), 400, 'invalidValue');
  });
});

describe('sorting (RFC 7644 §3.4.2.3)', () => {
  async function named(...names: (string | undefined)[]) {
    const instance = server();
    for (const [i, displayName] of names.entries()) {
      await instance.call('POST', '/Users', {
        schemas: [U],
        userName: `s${i}`,
        displayName,
        externalId: ['B', 'a', 'c'][i],
      });
    }
    return instance;
  }

  it('P-SORT-07/S-TYPE-01: strings sort by code point, so a character above U+FFFF follows U+FFFD (as a database binary collation sorts)', async () => {
    const { call } = await named('\u{1F600}', '\uFFFD', '\uE000');
    expect(
      ((await call('GET', '/Users?sortBy=displayName')).body.Resources ?? []).map(
        (u) => u.displayName,
      ),
    ).toEqual(['\uE000', '\uFFFD', '\u{1F600}']);
  });

  it('P-SORT-01/P-SORT-02/P-SORT-07: ascending by default, case-insensitive for caseExact false', async () => {
    const { call } = await named('b', 'A', 'c');
    expect(
      ((await call('GET', '/Users?sortBy=displayName')).body.Resources ?? []).map(
        (u) => u.displayName,
      ),
    ).toEqual(['A', 'b', 'c']);
  });

  it('P-SORT-03: descending, case-insensitive order value; anything else is invalidValue', async () => {
    const { call } = await named('b', 'A', 'c');
    expect(
      (
        (await call('GET', '/Users?sortBy=displayName&sortOrder=DESCENDING')).body.Resources ?? []
      ).map((u) => u.displayName),
    ).toEqual(['c', 'b', 'A']);
    expectError(await call('GET', '/Users?sortBy=displayName&sortOrder=up'), 400, 'invalidValue');
  });

  it('P-SORT-05/P-SORT-10: a bare complex or unknown sortBy is invalidValue', async () => {
    const { call } = server();
    expectError(await call('GET', '/Users?sortBy=name'), 400, 'invalidValue');
    expectError(await call('GET', '/Users?sortBy=nope'), 400, 'invalidValue');
    expect((await call('GET', '/Users?sortBy=name.givenName')).status).toBe(200);
  });

  it('P-SORT-06: resources without a value sort last ascending and first descending', async () => {
    const { call } = await named('b', undefined, 'a');
    expect(
      ((await call('GET', '/Users?sortBy=displayName')).body.Resources ?? []).map(
        (u) => u.displayName ?? null,
      ),
    ).toEqual(['a', 'b', null]);
    expect(
      (
        (await call('GET', '/Users?sortBy=displayName&sortOrder=descending')).body.Resources ?? []
      ).map((u) => u.displayName ?? null),
    ).toEqual([null, 'b', 'a']);
  });

  it('P-SORT-07: caseExact attributes sort by code point', async () => {
    const { call } = await named('x', 'y', 'z');
    expect(
      ((await call('GET', '/Users?sortBy=externalId')).body.Resources ?? []).map(
        (u) => u.externalId,
      ),
    ).toEqual(['B', 'a', 'c']);
  });

  it('P-SORT-04/P-SORT-08/P-SORT-09: primary values, chronological order, sorting before paging', async () => {
    const { call } = await withUsers(25);
    const page = (
      (await call('GET', '/Users?sortBy=userName&sortOrder=descending&startIndex=11&count=10')).body
        .Resources ?? []
    ).map((u) => u.userName);
    expect(page[0]).toBe('user15');
    expect(
      ((await call('GET', '/Users?sortBy=meta.created&count=2')).body.Resources ?? []).map(
        (u) => u.userName,
      ),
    ).toEqual(['user01', 'user02']);
    const { call: callEmails } = server();
    await callEmails('POST', '/Users', {
      schemas: [U],
      userName: 'p',
      emails: [{ value: 'z@x' }, { value: 'a@x', primary: true }],
    });
    await callEmails('POST', '/Users', { schemas: [U], userName: 'q', emails: [{ value: 'm@x' }] });
    expect(
      ((await callEmails('GET', '/Users?sortBy=emails.value')).body.Resources ?? []).map(
        (u) => u.userName,
      ),
    ).toEqual(['p', 'q']);
  });
});

describe('filtering over HTTP', () => {
  it('P-CRUD-09/X-ENTRA-09: no match is 200 with totalResults 0', async () => {
    const { call } = server();
    expect((await call('GET', '/Users?filter=userName eq "nobody"')).body).toMatchObject({
      totalResults: 0,
      Resources: [],
    });
  });

  it('P-ERR-03: an unknown operator is invalidFilter naming it', async () => {
    const { call } = server();
    const reply = await call('GET', '/Users?filter=userName regex "x"');
    expectError(reply, 400, 'invalidFilter');
    expect(reply.body.detail).toContain('regex');
  });

  it('P-FILTER-29: an unknown attribute is invalidFilter', async () => {
    const { call } = server();
    expectError(await call('GET', '/Users?filter=foo eq "x"'), 400, 'invalidFilter');
  });

  it('X-ENTRA-09: groups queried with excludedAttributes=members', async () => {
    const { call } = server();
    const user = await call('POST', '/Users', bj);
    await call('POST', '/Groups', {
      schemas: [G],
      displayName: 'Tour Guides',
      members: [{ value: user.body.id }],
    });
    const { body } = await call(
      'GET',
      '/Groups?excludedAttributes=members&filter=displayName eq "Tour Guides"',
    );
    expect(body.totalResults).toBe(1);
    expect(body.Resources?.[0]).not.toHaveProperty('members');
  });

  it('Entra preset: bare-word filter values and case-insensitive names (Postman P8, Entra E13)', async () => {
    const { call } = server({ compatibility: 'entra' });
    await call('POST', '/Users', { ...bj, externalId: 'jyoung' });
    expect((await call('GET', '/Users?filter=externalId eq jyoung')).body.totalResults).toBe(1);
    expect(
      (await call('GET', '/Users?filter=DisplayName eq "Babs Jensen"')).body.totalResults,
    ).toBe(1);
  });

  it('P-CRUD-18/P-FILTER-28: a query across types reads missing attributes as absent', async () => {
    const { call } = server();
    await call('POST', '/Users', bj);
    await call('POST', '/Groups', { schemas: [G], displayName: 'Tour Guides' });
    expect((await call('GET', '/?filter=userName pr')).body.totalResults).toBe(1);
    const groups = await call('GET', '/?filter=meta.resourceType eq "Group"');
    expect(groups.body.Resources?.map((r) => r.displayName)).toEqual(['Tour Guides']);
  });

  it('P-CRUD-19: a query over more resources than the scan cap is tooMany', async () => {
    const { call } = await withUsers(11, { limits: { maxScan: 10 } });
    expectError(await call('GET', '/?filter=userName pr'), 400, 'tooMany');
  });
});

describe('projection (RFC 7644 §3.9)', () => {
  it('P-PROJ-01/P-PROJ-02/P-PROJ-12: attributes on create, read and every listed resource', async () => {
    const { call } = server();
    const created = await call('POST', '/Users?attributes=userName', bj);
    expect(Object.keys(created.body).sort()).toEqual(['id', 'schemas', 'userName']);
    const listed = await call('GET', '/Users?attributes=userName');
    for (const resource of listed.body.Resources ?? [])
      expect(Object.keys(resource).sort()).toEqual(['id', 'schemas', 'userName']);
  });

  it('P-PROJ-08: attributes and excludedAttributes together are invalidValue', async () => {
    const { call } = server();
    expectError(
      await call('GET', '/Users?attributes=userName&excludedAttributes=title'),
      400,
      'invalidValue',
    );
  });

  it('S-CHAR-22: excludedAttributes never drops id', async () => {
    const { call } = server();
    const { body } = await call('POST', '/Users', bj);
    expect(
      (await call('GET', `/Users/${body.id as string}?excludedAttributes=id,emails`)).body,
    ).toMatchObject({ id: body.id });
  });
});

describe('POST .search (RFC 7644 §3.4.3)', () => {
  it('P-SEARCH-01/P-SEARCH-04/P-SEARCH-05: a search body is a query with the same semantics', async () => {
    const { call } = await withUsers(3);
    const { status, body } = await call('POST', '/Users/.search', {
      schemas: [SR],
      filter: 'userName sw "user"',
      attributes: ['userName'],
      startIndex: 1,
      count: 2,
      sortBy: 'userName',
      sortOrder: 'descending',
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ schemas: [LR], totalResults: 3, itemsPerPage: 2 });
    expect(body.Resources).toEqual([
      expect.objectContaining({ userName: 'user03' }),
      expect.objectContaining({ userName: 'user02' }),
    ]);
    expect(Object.keys(body.Resources?.[0] ?? {}).sort()).toEqual(['id', 'schemas', 'userName']);
  });

  it('P-SEARCH-02: POST /.search searches every resource type', async () => {
    const { call } = server();
    await call('POST', '/Groups', { schemas: [G], displayName: 'Tour Guides' });
    expect(
      (await call('POST', '/.search', { schemas: [SR], filter: 'displayName sw "Tour"' })).body
        .totalResults,
    ).toBe(1);
  });

  it('P-SEARCH-03/P-ERR-07: a body without the SearchRequest schema is invalidSyntax', async () => {
    const { call } = server();
    expectError(await call('POST', '/Users/.search', { schemas: [U] }), 400, 'invalidSyntax');
  });

  it('P-SEARCH-06: an invalid filter is invalidFilter', async () => {
    const { call } = server();
    expectError(
      await call('POST', '/Users/.search', { schemas: [SR], filter: 'userName zz 1' }),
      400,
      'invalidFilter',
    );
  });

  it('P-SEARCH-07: a wrongly typed parameter is invalidValue', async () => {
    const { call } = server();
    expectError(
      await call('POST', '/Users/.search', { schemas: [SR], attributes: 'userName' }),
      400,
      'invalidValue',
    );
  });
});

describe('sensitive attributes (RFC 7644 §7.5.2)', () => {
  it('P-SEC-05: a GET filter naming a sensitive attribute is 403 sensitive; POST .search answers the same query', async () => {
    const { call } = server({ sensitiveAttributes: ['emails.value', 'employeeNumber'] });
    await call('POST', '/Users', bj);
    const query = (filter: string) => `/Users?filter=${encodeURIComponent(filter)}`;
    expectError(
      await call('GET', query('emails.value eq "bjensen@example.com"')),
      403,
      'sensitive',
    );
    expectError(await call('GET', query('emails[value co "example"]')), 403, 'sensitive');
    expectError(await call('GET', query('userName pr and emails co "x"')), 403, 'sensitive');
    expectError(await call('GET', query(`${EU}:employeeNumber eq "701984"`)), 403, 'sensitive');
    expectError(
      await call('GET', `/?filter=${encodeURIComponent('emails.value pr')}`),
      403,
      'sensitive',
    );
    const searched = await call('POST', '/Users/.search', {
      schemas: [SR],
      filter: 'emails.value eq "bjensen@example.com"',
    });
    expect(searched.body.totalResults).toBe(1);
    // Other attributes are not affected.
    expect((await call('GET', query('userName eq "bjensen"'))).body.totalResults).toBe(1);
  });
});
