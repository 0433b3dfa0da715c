// The rows every SCIM service provider meets, whatever client calls it: discovery, create, read,
// replace, filter, PATCH and delete as RFC 7643 and RFC 7644 define them (`rfcCases`), then the
// protocol features a client may lean on: ETags (RFC 7644 §3.14), cursor paging (RFC 9865) and
// bulk (RFC 7644 §3.7) (`protocolCases`). Every dialect runs them, `rfc` included.
import { BULK_REQUEST_URN } from '@scim/core';
import { check, checkError, checkStatus, unique, type Reply } from './client.js';
import { G, LR, PO, U, createUser, type Case } from './steps.js';

export const rfcCases: readonly Case[] = [
  [
    'P-DISC-01',
    'ServiceProviderConfig is a single object',
    async (call) => {
      const reply = await call('GET', '/ServiceProviderConfig');
      checkStatus(reply, 200, 'GET /ServiceProviderConfig');
      check(!('Resources' in reply.body), 'ServiceProviderConfig must not be a ListResponse');
    },
  ],
  [
    'P-DISC-08',
    'ResourceTypes lists User and Group',
    async (call) => {
      const reply = await call('GET', '/ResourceTypes');
      checkStatus(reply, 200, 'GET /ResourceTypes');
      const names =
        (reply.body.Resources as { name: string }[] | undefined)?.map((rt) => rt.name) ?? [];
      check(
        names.includes('User') && names.includes('Group'),
        `ResourceTypes must list User and Group, got ${names.join(', ')}`,
      );
    },
  ],
  [
    'P-DISC-11',
    'Schemas serves the User schema by its URN',
    async (call) => {
      checkStatus(await call('GET', '/Schemas'), 200, 'GET /Schemas');
      const user = await call('GET', `/Schemas/${U}`);
      checkStatus(user, 200, 'GET /Schemas/{User}');
      check(user.body.id === U, 'the User schema id must be its URN');
    },
  ],
  [
    'P-CRUD-01',
    'create answers 201 with Location, ETag and meta',
    async (call) => {
      const reply = await call('POST', '/Users', {
        schemas: [U],
        userName: unique('create'),
        password: 'not-returned-1',
      });
      checkStatus(reply, 201, 'POST /Users');
      const meta = reply.body.meta as Record<string, string> | undefined;
      check(
        typeof reply.body.id === 'string' && reply.body.id !== '',
        'a created resource needs an id',
      );
      check(
        meta?.location !== undefined && reply.headers.get('location') === meta.location,
        'Location must equal meta.location (P-CRUD-03)',
      );
      // A server without ETags sends neither; one with them sends both, equal (RFC 7644 §3.14).
      check(
        (reply.headers.get('etag') ?? undefined) === meta?.version,
        'ETag must equal meta.version (P-CRUD-04)',
      );
      check(
        !reply.text.includes('not-returned-1'),
        'the password must never be returned (S-CHAR-21)',
      );
    },
  ],
  [
    'S-CHAR-26',
    'a duplicate userName, in any case, is 409 uniqueness',
    async (call) => {
      const userName = unique('dup');
      await createUser(call, { userName });
      checkError(
        await call('POST', '/Users', { schemas: [U], userName: userName.toUpperCase() }),
        409,
        'uniqueness',
        'duplicate POST /Users',
      );
    },
  ],
  [
    'P-CRUD-06',
    'malformed JSON is 400 invalidSyntax',
    async (call) => {
      checkError(
        await call('POST', '/Users', '{"schemas":'),
        400,
        'invalidSyntax',
        'POST /Users with broken JSON',
      );
    },
  ],
  [
    'P-CRUD-08',
    'an unknown id is 404 with an error body',
    async (call) => {
      checkError(
        await call('GET', `/Users/${unique('missing')}`),
        404,
        undefined,
        'GET /Users/{unknown}',
      );
    },
  ],
  [
    'X-ENTRA-09',
    'the Test Connection probe is 200 with an empty ListResponse',
    async (call) => {
      const reply = await call(
        'GET',
        `/Users?filter=${encodeURIComponent(`userName eq "${crypto.randomUUID()}"`)}`,
      );
      checkStatus(reply, 200, 'probe');
      check(
        reply.body.totalResults === 0 &&
          Array.isArray(reply.body.Resources) &&
          (reply.body.Resources as unknown[]).length === 0,
        'no match must be totalResults 0 and Resources []',
      );
      check(
        Array.isArray(reply.body.schemas) && reply.body.schemas[0] === LR,
        'a query answers a ListResponse',
      );
    },
  ],
  [
    'P-FILTER-08',
    'a userName filter matches in any case',
    async (call) => {
      const user = await createUser(call);
      const reply = await call(
        'GET',
        `/Users?filter=${encodeURIComponent(`USERNAME eq "${String(user.userName).toUpperCase()}"`)}`,
      );
      checkStatus(reply, 200, 'filter');
      check(
        reply.body.totalResults === 1,
        `expected one match, got ${String(reply.body.totalResults)}`,
      );
    },
  ],
  [
    'P-CRUD-10',
    'PUT replaces and answers the resource',
    async (call) => {
      const user = await createUser(call, { title: 'Old', nickName: 'n' });
      const reply = await call('PUT', `/Users/${String(user.id)}`, {
        schemas: [U],
        userName: user.userName,
        title: 'New',
      });
      checkStatus(reply, 200, 'PUT');
      check(
        reply.body.title === 'New' && !('nickName' in reply.body),
        'PUT must replace given and clear omitted attributes',
      );
    },
  ],
  [
    'P-CRUD-11',
    'PUT never creates',
    async (call) => {
      checkError(
        await call('PUT', `/Users/${unique('nope')}`, { schemas: [U], userName: unique('x') }),
        404,
        undefined,
        'PUT of an unknown id',
      );
    },
  ],
  [
    'P-PATCH-16',
    'PATCH answers 200 with the resource or 204',
    async (call) => {
      const user = await createUser(call);
      const reply = await call('PATCH', `/Users/${String(user.id)}`, {
        schemas: [PO],
        Operations: [{ op: 'replace', path: 'active', value: false }],
      });
      checkStatus(reply, [200, 204], 'PATCH');
      const read = await call('GET', `/Users/${String(user.id)}`);
      check(
        read.body.active === false,
        'a deactivated user must still be readable, with active false',
      );
    },
  ],
  [
    'P-PATCH-10',
    'a failing PATCH changes nothing',
    async (call) => {
      const user = await createUser(call, { title: 'Kept' });
      checkError(
        await call('PATCH', `/Users/${String(user.id)}`, {
          schemas: [PO],
          Operations: [{ op: 'replace', path: 'title', value: 'Lost' }, { op: 'remove' }],
        }),
        400,
        'noTarget',
        'PATCH with a failing operation',
      );
      check(
        (await call('GET', `/Users/${String(user.id)}`)).body.title === 'Kept',
        'nothing may be applied when an operation fails',
      );
    },
  ],
  [
    'P-PATCH-35',
    'members are added and removed one by one',
    async (call) => {
      const a = await createUser(call);
      const b = await createUser(call);
      const group = await call('POST', '/Groups', {
        schemas: [G],
        displayName: unique('group'),
        members: [],
      });
      checkStatus(group, 201, 'POST /Groups');
      const gid = String(group.body.id);
      checkStatus(
        await call('PATCH', `/Groups/${gid}`, {
          schemas: [PO],
          Operations: [{ op: 'add', path: 'members', value: [{ value: a.id }, { value: b.id }] }],
        }),
        [200, 204],
        'add members',
      );
      checkStatus(
        await call('PATCH', `/Groups/${gid}`, {
          schemas: [PO],
          Operations: [{ op: 'remove', path: `members[value eq "${String(a.id)}"]` }],
        }),
        [200, 204],
        'remove a member',
      );
      const members =
        ((await call('GET', `/Groups/${gid}`)).body.members as { value: string }[] | undefined) ??
        [];
      check(
        members.length === 1 && members[0]?.value === b.id,
        'only the remaining member may be listed',
      );
    },
  ],
  [
    'P-CRUD-13',
    'DELETE answers 204, then the resource is gone',
    async (call) => {
      const user = await createUser(call);
      const reply = await call('DELETE', `/Users/${String(user.id)}`);
      checkStatus(reply, 204, 'DELETE');
      check(reply.text === '', 'a 204 has no body');
      checkError(
        await call('GET', `/Users/${String(user.id)}`),
        404,
        undefined,
        'GET after DELETE',
      );
    },
  ],
];

export const protocolCases: readonly Case[] = [
  [
    'P-ETAG-06',
    'a stale If-Match is 412 and changes nothing; the current one succeeds',
    async (call) => {
      const user = await createUser(call, { title: 'Kept' });
      const id = String(user.id);
      const stale = await call(
        'PUT',
        `/Users/${id}`,
        { schemas: [U], userName: user.userName, title: 'Lost' },
        { 'if-match': 'W/"stale"' },
      );
      checkError(stale, 412, undefined, 'PUT with a stale If-Match');
      const current = await call('GET', `/Users/${id}`);
      check(current.body.title === 'Kept', 'a failed precondition must change nothing');
      const etag = current.headers.get('etag') ?? '';
      checkStatus(
        await call(
          'PUT',
          `/Users/${id}`,
          { schemas: [U], userName: user.userName, title: 'New' },
          { 'if-match': etag },
        ),
        200,
        'PUT with the current If-Match',
      );
    },
  ],
  [
    'P-ETAG-04',
    'If-None-Match with the current tag is 304',
    async (call) => {
      const user = await createUser(call);
      const read = await call('GET', `/Users/${String(user.id)}`);
      const again = await call('GET', `/Users/${String(user.id)}`, undefined, {
        'if-none-match': read.headers.get('etag') ?? '',
      });
      check(
        again.status === 304 && again.text === '',
        `expected 304 without a body, got ${again.status}`,
      );
    },
  ],
  [
    'C-CUR-06',
    'cursor pages chain through nextCursor and return every match once',
    async (call) => {
      const prefix = unique('cursor');
      for (let i = 0; i < 5; i++) await createUser(call, { userName: `${prefix}-${i}` });
      const filter = encodeURIComponent(`userName sw "${prefix}"`);
      const seen = new Set<string>();
      let reply = await call('GET', `/Users?filter=${filter}&cursor&count=2`);
      for (let pages = 0; pages < 10; pages++) {
        checkStatus(reply, 200, 'cursor page');
        for (const user of (reply.body.Resources as { id: string }[] | undefined) ?? [])
          seen.add(user.id);
        const next = reply.body.nextCursor;
        if (typeof next !== 'string') break;
        check(/^[A-Za-z0-9._~-]+$/.test(next), 'a cursor must be URL-safe');
        reply = await call('GET', `/Users?filter=${filter}&count=2&cursor=${next}`);
      }
      check(seen.size === 5, `five users must be seen once each across pages, saw ${seen.size}`);
      checkError(
        await call('GET', `/Users?filter=${filter}&count=2&cursor=forged.cursor`),
        400,
        'invalidCursor',
        'forged cursor',
      );
    },
  ],
  [
    'C-CUR-04',
    'the first cursor page has no previousCursor, and a later one leads back to the page before',
    async (call) => {
      const prefix = unique('back');
      for (let i = 0; i < 5; i++) await createUser(call, { userName: `${prefix}-${i}` });
      const query = `filter=${encodeURIComponent(`userName sw "${prefix}"`)}&count=2`;
      const ids = (reply: Reply) =>
        ((reply.body.Resources as { id: string }[] | undefined) ?? []).map((user) => user.id);
      const first = await call('GET', `/Users?${query}&cursor`);
      checkStatus(first, 200, 'first cursor page');
      check(!('previousCursor' in first.body), 'the first page must not carry previousCursor');
      const second = await call('GET', `/Users?${query}&cursor=${String(first.body.nextCursor)}`);
      checkStatus(second, 200, 'second cursor page');
      const previous = second.body.previousCursor;
      // previousCursor is optional (RFC 9865 §2); when given it must lead back.
      if (typeof previous !== 'string') return;
      const back = await call('GET', `/Users?${query}&cursor=${previous}`);
      checkStatus(back, 200, 'previous cursor page');
      check(
        JSON.stringify(ids(back)) === JSON.stringify(ids(first)),
        'previousCursor must lead back to the first page',
      );
    },
  ],
  [
    'P-BULK-13',
    'a bulk request creates a user and a group that refers to it by bulkId',
    async (call) => {
      const reply = await call('POST', '/Bulk', {
        schemas: [BULK_REQUEST_URN],
        Operations: [
          {
            method: 'POST',
            path: '/Groups',
            bulkId: 'g',
            data: { schemas: [G], displayName: unique('bulk'), members: [{ value: 'bulkId:u' }] },
          },
          {
            method: 'POST',
            path: '/Users',
            bulkId: 'u',
            data: { schemas: [U], userName: unique('bulk') },
          },
        ],
      });
      checkStatus(reply, 200, 'POST /Bulk');
      const results =
        (reply.body.Operations as
          { status: string; location?: string; bulkId?: string }[] | undefined) ?? [];
      check(
        results.length === 2 && results.every((result) => result.status === '201'),
        `both operations must be 201, got ${results.map((r) => r.status).join(', ')}`,
      );
      const userId = results
        .find((r) => r.bulkId === 'u')
        ?.location?.split('/')
        .pop();
      const groupPath = new URL(results.find((r) => r.bulkId === 'g')?.location ?? '').pathname
        .split('/')
        .slice(-2)
        .join('/');
      const members =
        ((await call('GET', `/${groupPath}`)).body.members as { value: string }[] | undefined) ??
        [];
      check(members[0]?.value === userId, 'the group member must be the created user');
    },
  ],
];
