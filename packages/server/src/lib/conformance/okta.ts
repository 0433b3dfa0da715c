// Okta's requests: its SCIM 2.0 SPEC test (O1–O12, the Runscope suite every OIN submission runs)
// and the provisioning traffic of its SCIM 2.0 protocol reference (idp-quirks.md §2b and §3.2), in
// the order Okta sends them, with its headers. Values are made unique so the cases can run against
// a store that keeps data.
import { check, checkError, checkStatus, type Call, type ConformanceTarget } from './client.js';
import {
  ERR,
  G,
  U,
  checkFound,
  checkList,
  checkPatched,
  createGroup,
  memberIds,
  patchOp,
  read,
  resourcesOf,
  withHeaders,
  type Case,
  type Json,
} from './steps.js';

/** The SPEC test's Runscope request headers. */
const SPEC_HEADERS = {
  accept: 'application/scim+json',
  'accept-charset': 'utf-8',
  'content-type': 'application/scim+json; charset=utf-8',
  'user-agent': 'OKTA SCIM Integration',
} as const;

/** What Okta's provisioning service sends (the protocol reference's captured requests). */
const OKTA_HEADERS = {
  accept: 'application/scim+json',
  'accept-charset': 'utf-8',
  'content-type': 'application/scim+json; charset=utf-8',
  'user-agent': 'Okta SCIM Client 1.0.0',
} as const;

/** The SPEC test's "Create Okta user with realistic values" body (O6). */
function realisticUser(userName: string): Json {
  return {
    schemas: [U],
    userName,
    name: { givenName: 'Test', familyName: 'User' },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: 'Test User',
    active: true,
  };
}

/** The protocol reference's Create User body: password, groups: [], externalId and locale included. */
function provisionedUser(userName: string): Json {
  return {
    schemas: [U],
    userName,
    name: { givenName: 'Test', familyName: 'User' },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: 'Test User',
    locale: 'en-US',
    externalId: `00u${crypto.randomUUID().replaceAll('-', '').slice(0, 17)}`,
    groups: [],
    password: '1mz050nq',
    active: true,
  };
}

function randomEmail(): string {
  return `test.user.${crypto.randomUUID().slice(0, 8)}@okta.local`;
}

/** Okta's dedup query, encoded as Okta encodes it, with its paging parameters. */
function dedup(userName: string): string {
  return `/Users?filter=userName%20eq%20%22${encodeURIComponent(userName)}%22&startIndex=1&count=100`;
}

/** Okta's assignment: the dedup query, then the create (2b-6, 2b-7). */
async function assign(call: Call, userName = randomEmail()): Promise<Json> {
  checkFound(await call('GET', dedup(userName)), [], 'Okta dedup query');
  const reply = await call('POST', '/Users', provisionedUser(userName));
  checkStatus(reply, 201, 'Okta create user');
  return reply.body;
}

function deactivate(active: boolean): Json {
  return patchOp({ op: 'replace', value: { active } });
}

const spec: readonly Case[] = [
  [
    'O1',
    'Okta SPEC "Test Users endpoint": GET /Users?count=1&startIndex=1 is a ListResponse with integer counts, and O2 "Get Users/{id}" reads its user',
    async (call) => {
      await call('POST', '/Users', realisticUser(randomEmail()));
      const reply = await call('GET', '/Users?count=1&startIndex=1');
      const [first] = checkList(reply, 'Okta GET /Users?count=1&startIndex=1');
      check(
        first !== undefined && resourcesOf(reply).length === 1,
        'count=1 must list exactly one user',
      );
      check(typeof first.id === 'string' && typeof first.userName === 'string', 'id, userName');
      const one = await call('GET', `/Users/${String(first.id)}`);
      checkStatus(one, 200, 'Okta SPEC "Get Users/{{id}}"');
      check(one.body.id === first.id, 'the ids must be equal');
    },
  ],
  [
    'O3',
    'Okta SPEC "Test invalid User by username" and O5 "Make sure random user doesn\'t exist": 200 with totalResults 0',
    async (call) => {
      checkFound(await call('GET', dedup(randomEmail())), [], 'invalid user by username');
      checkFound(
        await call('GET', `/Users?filter=${encodeURIComponent(`userName eq "${randomEmail()}"`)}`),
        [],
        'random user',
      );
    },
  ],
  [
    'O4',
    'Okta SPEC "Test invalid User by ID" and O12 "Check status 404": 404 with a non-empty detail and status "404"',
    async (call) => {
      const reply = await call('GET', `/Users/${crypto.randomUUID()}`);
      checkError(reply, 404, undefined, 'Okta invalid user by id');
      check(
        typeof reply.body.detail === 'string' && reply.body.detail !== '',
        'the 404 needs a detail',
      );
    },
  ],
  [
    'O6',
    'Okta SPEC "Create Okta user with realistic values" is 201, O7 reads it back, O8 recreating it is 409',
    async (call) => {
      const userName = randomEmail();
      const body = realisticUser(userName);
      const created = await call('POST', '/Users', body);
      checkStatus(created, 201, 'Okta SPEC create');
      const user = created.body;
      const name = user.name as Json | undefined;
      check(
        typeof user.id === 'string' &&
          user.active === true &&
          user.userName === userName &&
          name?.givenName === 'Test' &&
          name.familyName === 'User' &&
          Array.isArray(user.schemas) &&
          user.schemas.includes(U),
        'the created user echoes active, userName, names and the User schema',
      );
      const read = await call('GET', `/Users/${user.id}`);
      checkStatus(read, 200, 'Okta SPEC "Verify that user was created"');
      check(
        read.body.userName === userName && (read.body.name as Json).familyName === 'User',
        'userName and names must match',
      );
      checkError(await call('POST', '/Users', body), 409, 'uniqueness', 'Okta SPEC recreate');
    },
  ],
  [
    'O9',
    'Okta SPEC "Username case sensitivity check": userName eq in capitals is 200 and finds the user (3.2-1)',
    async (call) => {
      const userName = randomEmail();
      const created = await call('POST', '/Users', realisticUser(userName));
      checkStatus(created, 201, 'create');
      checkFound(
        await call('GET', dedup(userName.toUpperCase())),
        [created.body.id],
        'the capitalised query',
      );
    },
  ],
  [
    'O10',
    'Okta SPEC "Verify Groups endpoint": GET /Groups is 200',
    async (call) => {
      checkList(await call('GET', '/Groups'), 'Okta GET /Groups');
    },
  ],
];

/** O11 needs a credential to spoil, so it runs only when the target sends an Authorization header. */
function badToken(target: ConformanceTarget): Case[] {
  const sent = Object.keys(target.headers ?? {}).some(
    (name) => name.toLowerCase() === 'authorization',
  );
  if (!sent) return [];
  return [
    [
      'O11',
      'Okta SPEC "Check status 401": a bad token is 401 with a SCIM error, status "401" and a detail',
      async (call) => {
        const reply = await call('GET', '/Users', undefined, {
          authorization: `Bearer ${crypto.randomUUID()}`,
        });
        checkError(reply, 401, undefined, 'a bad token');
        check(
          Array.isArray(reply.body.schemas) && reply.body.schemas.includes(ERR),
          'Error schema',
        );
        check(typeof reply.body.detail === 'string' && reply.body.detail !== '', 'a detail');
      },
    ],
  ];
}

const provisioning: readonly Case[] = [
  [
    '2b-4',
    'Okta needs a server-assigned id: an id in the POST body is ignored, and the id is stable, case-sensitive and never contains "bulkId"',
    async (call) => {
      const offered = crypto.randomUUID();
      const created = await call('POST', '/Users', {
        ...provisionedUser(randomEmail()),
        id: offered,
      });
      checkStatus(created, 201, 'Okta create with an id');
      const id = String(created.body.id);
      check(id !== offered && !id.includes('bulkId'), `the server assigns the id, got ${id}`);
      const current = await read(call, `/Users/${id}`);
      const put = await call('PUT', `/Users/${id}`, { ...current, displayName: 'Renamed' });
      checkStatus(put, 200, 'Okta PUT');
      check(put.body.id === id, 'the id stays the same across a PUT');
      const swapped = [...id]
        .map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()))
        .join('');
      if (swapped !== id)
        checkError(
          await call('GET', `/Users/${swapped}`),
          404,
          undefined,
          'the id in another case',
        );
    },
  ],
  [
    '3.2-2',
    'Okta creates users after a dedup query, with password and groups: []: 201, the password never echoed (2b-7)',
    async (call) => {
      const user = await assign(call);
      check(!('password' in user) && !JSON.stringify(user).includes('1mz050nq'), 'no password');
      check(user.locale === 'en-US' && typeof user.externalId === 'string', 'locale, externalId');
      const again = await call('GET', dedup(String(user.userName)));
      checkFound(again, [user.id], 'the dedup query after the create');
    },
  ],
  [
    '2b-8',
    'Okta imports with GET /Users?startIndex=1&count=100: integer counts, and an order that stays put across startIndex values',
    async (call) => {
      for (let i = 0; i < 3; i++) await assign(call);
      const first = await call('GET', '/Users?startIndex=1&count=100');
      const page = checkList(first, 'Okta import page 1').map((user) => user.id);
      const shifted = checkList(
        await call('GET', '/Users?startIndex=2&count=100'),
        'Okta import from 2',
      ).map((user) => user.id);
      check(
        page.length >= 3 &&
          JSON.stringify(shifted.slice(0, page.length - 1)) === JSON.stringify(page.slice(1)),
        'startIndex=2 must list the same users as startIndex=1, less the first',
      );
    },
  ],
  [
    '3.2-3',
    'Okta updates a profile with GET then PUT of the full resource (id, groups, meta, emails[].display): 200 (2b-9)',
    async (call) => {
      const user = await assign(call);
      const path = `/Users/${String(user.id)}`;
      const current = await read(call, path);
      const emails = (current.emails as Json[]).map((email) => ({
        ...email,
        display: email.value,
      }));
      const reply = await call('PUT', path, {
        ...current,
        name: { givenName: 'Another', middleName: 'Excited', familyName: 'User' },
        emails,
        groups: [],
      });
      checkStatus(reply, 200, 'Okta PUT');
      check(
        reply.body.id === user.id && (reply.body.name as Json).middleName === 'Excited',
        'the PUT answer is the updated user',
      );
    },
  ],
  [
    '3.2-4',
    'Okta deactivates, reactivates and syncs the password with path-less PATCH replace: 200 with the user or 204 (2b-10, 2b-11)',
    async (call) => {
      const user = await assign(call);
      const path = `/Users/${String(user.id)}`;
      for (const active of [false, true, false]) {
        const reply = await call('PATCH', path, deactivate(active));
        checkPatched(reply, `Okta sets active ${active}`);
        if (reply.status === 200) check(reply.body.active === active, 'the answer shows active');
        check((await read(call, path)).active === active, `active must be ${active}`);
      }
      const password = `Pw-${crypto.randomUUID()}`;
      const reply = await call('PATCH', path, patchOp({ op: 'replace', value: { password } }));
      checkPatched(reply, 'Okta password sync');
      check(!reply.text.includes(password), 'the password is never returned');
    },
  ],
  [
    '3.2-5',
    'Okta wizard (AIW) apps deactivate with a PUT of the full user with active false',
    async (call) => {
      const user = await assign(call);
      const path = `/Users/${String(user.id)}`;
      const current = await read(call, path);
      const reply = await call('PUT', path, { ...current, active: false });
      checkStatus(reply, 200, 'Okta PUT active false');
      check(reply.body.active === false, 'active must be false after the PUT');
    },
  ],
  [
    'O-CRUD',
    'Okta CRUD test as the server sees it: assign, update firstName by PUT, deactivate, reactivate, unassign',
    async (call) => {
      const user = await assign(call);
      const path = `/Users/${String(user.id)}`;
      const current = await read(call, path);
      checkStatus(
        await call('PUT', path, {
          ...current,
          name: { ...(current.name as Json), givenName: 'Updated' },
        }),
        200,
        'update firstName',
      );
      check(((await read(call, path)).name as Json).givenName === 'Updated', 'givenName');
      for (const active of [false, true, false])
        checkPatched(await call('PATCH', path, deactivate(active)), `active ${active}`);
      check((await read(call, path)).active === false, 'an unassigned user is deactivated');
    },
  ],
  [
    '2b-12',
    'Okta Group Push: POST /Groups with members: [], GET /Groups?startIndex=1&count=100, DELETE on unlink is 204',
    async (call) => {
      const displayName = `Test SCIMv2 ${crypto.randomUUID()}`;
      const created = await call('POST', '/Groups', { schemas: [G], displayName, members: [] });
      checkStatus(created, 201, 'Okta push group');
      check(created.body.displayName === displayName, 'displayName');
      checkList(await call('GET', '/Groups?startIndex=1&count=100'), 'Okta group import');
      checkStatus(await call('DELETE', `/Groups/${String(created.body.id)}`), 204, 'unlink');
    },
  ],
  [
    '3.2-6',
    'Okta renames a group with path-less replace carrying its own id, on every membership change; another id is 400 mutability',
    async (call) => {
      const group = await createGroup(call, { members: [] });
      const path = `/Groups/${String(group.id)}`;
      const displayName = `Test SCIMv20 ${crypto.randomUUID()}`;
      const rename = patchOp({ op: 'replace', value: { id: group.id, displayName } });
      for (let attempt = 0; attempt < 2; attempt++)
        checkPatched(await call('PATCH', path, rename), 'Okta rename');
      check((await read(call, path)).displayName === displayName, 'the group must be renamed');
      checkError(
        await call(
          'PATCH',
          path,
          patchOp({ op: 'replace', value: { id: crypto.randomUUID(), displayName: 'x' } }),
        ),
        400,
        'mutability',
        'a rename carrying another id',
      );
      check(
        (await read(call, path)).displayName === displayName,
        'a refused rename changes nothing',
      );
    },
  ],
  [
    '3.2-7',
    'Okta membership diff in one PATCH (remove by filter, add with display), re-adding a member is a no-op, and a full replace',
    async (call) => {
      const [a, b, c] = [await assign(call), await assign(call), await assign(call)];
      const group = await createGroup(call, { members: [{ value: a.id }] });
      const path = `/Groups/${String(group.id)}`;
      const diff = patchOp(
        { op: 'remove', path: `members[value eq "${String(a.id)}"]` },
        { op: 'add', path: 'members', value: [{ value: b.id, display: b.userName }] },
      );
      checkPatched(await call('PATCH', path, diff), 'Okta membership diff');
      checkPatched(await call('PATCH', path, diff), 'the same diff again');
      let ids = memberIds(await read(call, path));
      check(ids.length === 1 && ids[0] === b.id, `members must be [b], got [${ids.join(', ')}]`);
      checkPatched(
        await call(
          'PATCH',
          path,
          patchOp({
            op: 'replace',
            path: 'members',
            value: [
              { value: a.id, display: a.userName },
              { value: c.id, display: c.userName },
            ],
          }),
        ),
        'Okta full membership push',
      );
      ids = memberIds(await read(call, path)).sort();
      check(
        JSON.stringify(ids) === JSON.stringify([String(a.id), String(c.id)].sort()),
        `members must be [a, c], got [${ids.join(', ')}]`,
      );
    },
  ],
];

/** Okta's cases; O11 only when the target authenticates with a header the case can spoil. */
export function oktaCases(target: ConformanceTarget): Case[] {
  return [
    ...withHeaders(SPEC_HEADERS, [...spec, ...badToken(target)]),
    ...withHeaders(OKTA_HEADERS, provisioning),
  ];
}
