// Microsoft's Postman collection for SCIM endpoints (PostmanCollection.json in
// AzureAD/SCIMReferenceCode), widely run as "the" Entra test: ids P1–P23 in idp-quirks.md §2a. It
// sends `Content-Type: application/json` and `Accept: */*`, and its own sample data
// (postman-bodies.ts), with names and ids made unique so the cases can run against a store that
// keeps data.
import { check, checkError, checkStatus, type Call, type Reply } from './client.js';
import { bobUser, garbageUser, tag } from './postman-bodies.js';
import {
  EU,
  G,
  PO,
  U,
  checkFound,
  checkList,
  checkPatched,
  memberIds,
  patchOp,
  q,
  read,
  resourcesOf,
  withHeaders,
  type Case,
  type Json,
} from './steps.js';

const POSTMAN = { accept: '*/*', 'content-type': 'application/json' } as const;

async function post(call: Call, path: string, body: Json): Promise<Json> {
  const reply = await call('POST', path, body);
  checkStatus(reply, 201, `Postman POST ${path}`);
  return reply.body;
}

function checkCount(reply: Reply, what: string): number {
  checkList(reply, what);
  return Number(reply.body.totalResults);
}

/** Postman checks that a list "contains" a resource; that holds only when the list is one page. */
function checkListed(reply: Reply, text: string, what: string): void {
  const resources = checkList(reply, what);
  if (resources.length === reply.body.totalResults)
    check(reply.text.includes(text), `${what}: the list must contain ${text}`);
}

export const postmanCases: readonly Case[] = withHeaders(POSTMAN, [
  [
    'P1',
    'Postman "Get empty Users" and "Get empty Groups": 200',
    async (call) => {
      checkList(await call('GET', '/Users'), 'GET /Users');
      checkList(await call('GET', '/Groups'), 'GET /Groups');
    },
  ],
  [
    'P2',
    'Postman "Get ResourceTypes": 200 and Resources[0].endpoint is "/Users"',
    async (call) => {
      const reply = await call('GET', '/ResourceTypes');
      checkStatus(reply, 200, 'GET /ResourceTypes');
      check(resourcesOf(reply)[0]?.endpoint === '/Users', 'the first resource type is /Users');
    },
  ],
  [
    'P3',
    'Postman "Get ServiceProviderConfig": 200 with patch.supported true',
    async (call) => {
      const reply = await call('GET', '/ServiceProviderConfig');
      checkStatus(reply, 200, 'GET /ServiceProviderConfig');
      check((reply.body.patch as Json | undefined)?.supported === true, 'patch.supported is true');
    },
  ],
  [
    'P4',
    'Postman "Get Schemas": 200 and the body contains "User Account"',
    async (call) => {
      const reply = await call('GET', '/Schemas');
      checkStatus(reply, 200, 'GET /Schemas');
      check(reply.text.includes('User Account'), 'the User schema is described as "User Account"');
    },
  ],
  [
    'P5',
    'Postman "Post User" with "Primary", "Post EnterpriseUser" with "Department" and "Manager": {"Value"}, then P6 "Get user": 201, 200',
    async (call) => {
      const user = await post(call, '/Users', bobUser(`UserName123-${tag()}`));
      const enterprise = await post(call, '/Users', {
        ...bobUser(`UserName222-${tag()}`, 'lennay'),
        schemas: [EU, U],
        // The collection's manager is "SuzzyQ"; an existing user keeps referential checks out of it.
        [EU]: { Department: 'bob', Manager: { Value: user.id } },
      });
      for (const created of [user, enterprise]) {
        const reply = await call('GET', `/Users/${String(created.id)}`);
        checkStatus(reply, 200, 'Postman "Get user"');
        check(reply.body.id === created.id, 'the same id');
      }
      const extension = (await read(call, `/Users/${String(enterprise.id)}`))[EU] as Json;
      check(
        extension.department === 'bob' && (extension.manager as Json).value === user.id,
        'Department and Manager.Value are stored as department and manager.value',
      );
    },
  ],
  [
    'P7',
    'Postman "Get User Attributes" (attributes=userName,emails) and P8 "Get User Filters" (/Users/?filter=DisplayName+eq+…) list the user',
    async (call) => {
      const displayName = `BobIsAmazing${tag()}`;
      const user = await post(call, '/Users', bobUser(`UserName123-${tag()}`, displayName));
      checkListed(
        await call('GET', '/Users?attributes=userName,emails'),
        String(user.id),
        'attributes=userName,emails',
      );
      checkFound(
        await call('GET', `/Users/?filter=DisplayName+eq+%22${displayName}%22`),
        [user.id],
        'filter=DisplayName+eq+…',
      );
    },
  ],
  [
    'P9',
    'Postman "patch user1" (replace userName) and P10 "User 2 replace test" (PUT with schemas in another order)',
    async (call) => {
      const one = await post(call, '/Users', bobUser(`UserName123-${tag()}`));
      const two = await post(call, '/Users', bobUser(`UserName222-${tag()}`));
      const userName = `ryan3-${tag()}`;
      await call(
        'PATCH',
        `/Users/${String(one.id)}`,
        patchOp({ op: 'replace', path: 'userName', value: userName }),
      );
      check((await read(call, `/Users/${String(one.id)}`)).userName === userName, 'renamed');
      const put = await call('PUT', `/Users/${String(two.id)}`, {
        ...bobUser(`UserNameReplace2-${tag()}`),
        schemas: [EU, U],
        id: two.id,
        name: { formatted: 'NewName', familyName: 'Leenay', givenName: 'Ryan' },
      });
      checkStatus(put, 200, 'Postman PUT');
      const name = (await read(call, `/Users/${String(two.id)}`)).name as Json;
      check(name.formatted === 'NewName', 'name.formatted is replaced');
    },
  ],
  [
    'P11',
    'Postman group tests: create empty and filled groups, PUT members, add (op with a "name" field), remove by filter, remove all, delete',
    async (call) => {
      const id3 = (await post(call, '/Users', bobUser(`UserName333-${tag()}`))).id;
      const id4 = (await post(call, '/Users', bobUser(`UserName444-${tag()}`))).id;
      const group1 = await post(call, '/Groups', {
        externalId: crypto.randomUUID(),
        schemas: [G],
        displayName: `Group1DisplayName-${tag()}`,
        members: [],
      });
      const group2 = await post(call, '/Groups', {
        schemas: [G],
        externalId: crypto.randomUUID(),
        displayName: `GroupDisplayName2-${tag()}`,
        members: [{ value: id3, display: 'VP' }],
      });
      check(memberIds(group2).includes(String(id3)), 'a group created with a member lists it');
      checkList(await call('GET', '/Groups'), 'GET /Groups');
      const group3 = await post(call, '/Groups', {
        schemas: [G],
        externalId: crypto.randomUUID(),
        displayName: `GroupDisplayName3-${tag()}`,
        members: [],
      });
      const path3 = `/Groups/${String(group3.id)}`;
      checkStatus(
        await call('PUT', path3, {
          schemas: [G],
          id: group3.id,
          displayName: `putName-${tag()}`,
          members: [
            { value: id3, display: 'VP' },
            { value: id4, display: 'SenorVP' },
          ],
        }),
        200,
        'Postman "Put replace group3"',
      );
      check(memberIds(await read(call, path3)).includes(String(id3)), 'group3 lists id3');
      const path1 = `/Groups/${String(group1.id)}`;
      const addMember = patchOp({
        name: 'addMember',
        op: 'add',
        path: 'members',
        value: [{ displayName: 'new User', value: id4 }],
      });
      await call('PATCH', path1, addMember);
      await call(
        'PATCH',
        path1,
        patchOp({ op: 'remove', path: `members[value eq "${String(id4)}"]` }),
      );
      check(!memberIds(await read(call, path1)).includes(String(id4)), 'id4 is removed');
      await call('PATCH', path1, addMember);
      check(memberIds(await read(call, path1)).includes(String(id4)), 'id4 is added again');
      await call('PATCH', path1, patchOp({ op: 'remove', path: 'members' }));
      check(memberIds(await read(call, path1)).length === 0, '"remove members" removes them all');
      for (const path of [`/Users/${String(id3)}`, `/Users/${String(id4)}`, path1, path3])
        checkStatus(await call('DELETE', path), 204, `DELETE ${path}`);
      checkStatus(await call('DELETE', `/Groups/${String(group2.id)}`), 204, 'DELETE group2');
    },
  ],
  [
    'P12',
    'Postman complex attribute tests: attributes=emails[type eq "work"] and attributes=emails[value eq "…"] answer 200 with the email',
    async (call) => {
      const value = `emailName${tag()}`;
      await post(call, '/Users', {
        ...bobUser(`UserName111-${tag()}`),
        schemas: [EU, U],
        emails: [
          { Primary: true, type: 'work', value },
          { Primary: false, type: 'home', value: 'testinghome@bob.com' },
        ],
      });
      for (const attributes of [
        'emails%5Btype+eq+%22work%22%5D',
        `emails%5Bvalue+eq+%22${value}%22%5D`,
      ])
        checkListed(
          await call('GET', `/Users?attributes=${attributes}`),
          value,
          `attributes=${decodeURIComponent(attributes)}`,
        );
    },
  ],
  [
    'P13',
    'Postman "Post emp1 with string "True"": 201 with active true, meta and nulls ignored (X-ENTRA-03)',
    async (call) => {
      const created = await post(
        call,
        '/Users',
        garbageUser(`emp1-${tag()}`, 'Employee', { active: 'True' }),
      );
      check(created.active === true, '"True" must be stored as active true');
    },
  ],
  [
    'P14',
    'Postman "Post no username" and "Post junk" (malformed JSON) are 400; P15 "Post emp3 exists" twice is 409 with a detail',
    async (call) => {
      const { userName: _dropped, ...nameless } = garbageUser('unused');
      checkError(await call('POST', '/Users', nameless), 400, undefined, 'no userName');
      checkError(
        await call('POST', '/Users', '{\r\n    "acve": tre,\r\n    "adadfdresses": [\r\n'),
        400,
        'invalidSyntax',
        'junk',
      );
      const emp3 = garbageUser(`emp3-${tag()}`);
      await post(call, '/Users', emp3);
      for (let attempt = 0; attempt < 2; attempt++) {
        const again = await call('POST', '/Users', emp3);
        checkError(again, 409, 'uniqueness', 'Postman "Post emp3 exists"');
        check(again.text.includes('detail'), 'the 409 carries a detail');
      }
    },
  ],
  [
    'P16',
    'Postman "Put a user no username" is 400; P17 "Put a user misspelled attribute" is 200 and ignores "adreses"',
    async (call) => {
      const user = await post(call, '/Users', garbageUser(`OMalley-${tag()}`, 'OMalley'));
      const path = `/Users/${String(user.id)}`;
      const {
        userName: _replaced,
        addresses,
        ...rest
      } = garbageUser('unused', 'OMalley', { active: false });
      checkError(
        await call('PUT', path, { id: user.id, userame: user.userName, addresses, ...rest }),
        400,
        undefined,
        'PUT without userName',
      );
      const misspelt = await call('PUT', path, {
        id: user.id,
        userName: user.userName,
        adreses: addresses,
        ...rest,
      });
      checkStatus(misspelt, 200, 'PUT with "adreses"');
      check(
        !misspelt.text.includes('adreses') && !('addresses' in misspelt.body),
        'the unknown attribute is ignored, and the omitted addresses are cleared',
      );
    },
  ],
  [
    'P18',
    'Postman "Patch user omalley": "Replace" userName, then "Replace" active false, each 200 or 204; GET shows both',
    async (call) => {
      const user = await post(call, '/Users', garbageUser(`OMalley-${tag()}`, 'OMalley'));
      const path = `/Users/${String(user.id)}`;
      const userName = `newusername-${tag()}`;
      checkPatched(
        await call('PATCH', path, patchOp({ op: 'Replace', path: 'userName', value: userName })),
        'Replace userName',
      );
      checkPatched(
        await call('PATCH', path, patchOp({ op: 'Replace', path: 'active', value: false })),
        'Replace active',
      );
      const after = await read(call, path);
      check(after.userName === userName && after.active === false, 'both changes are kept');
    },
  ],
  [
    'P19',
    'Postman "Paginate" (startIndex=1&count=2): itemsPerPage 2 of all users',
    async (call) => {
      for (let i = 0; i < 5; i++) await post(call, '/Users', garbageUser(`emp-${tag()}`));
      const reply = await call('GET', '/Users?startIndex=1&count=2');
      const resources = checkList(reply, 'paginate');
      check(
        reply.body.itemsPerPage === 2 &&
          resources.length === 2 &&
          Number(reply.body.totalResults) >= 5,
        `expected 2 of at least 5, got ${String(reply.body.itemsPerPage)} of ${String(reply.body.totalResults)}`,
      );
    },
  ],
  [
    'P22',
    'Postman "Group patch add member" with a plain-string member value and an "id" in the PatchOp body: 200 or 204',
    async (call) => {
      const member = await post(call, '/Users', garbageUser(`member-${tag()}`));
      const group = await post(call, '/Groups', {
        displayName: `Group 1-${tag()}`,
        externalId: crypto.randomUUID(),
        schemas: [G],
      });
      const path = `/Groups/${String(group.id)}`;
      // The collection sends "string id 1"; an id that exists keeps referential checks out of it.
      checkPatched(
        await call('PATCH', path, {
          id: group.id,
          Operations: [{ op: 'add', path: 'members', value: member.id }],
          schemas: [PO],
        }),
        'plain-string member',
      );
      check(memberIds(await read(call, path)).includes(String(member.id)), 'the member is added');
    },
  ],
  [
    'P23',
    'Postman "Get group exclude members" is 200; "group put" is 200 with the new displayName',
    async (call) => {
      const group = await post(call, '/Groups', {
        displayName: `Group 1-${tag()}`,
        externalId: crypto.randomUUID(),
        schemas: [G],
      });
      const path = `/Groups/${String(group.id)}`;
      const excluded = await call('GET', `${path}?excludedAttributes=members`);
      checkStatus(excluded, 200, 'exclude members');
      check(!('members' in excluded.body), 'members are left out');
      const displayName = `Tiffany Ortiz ${tag()}`;
      const put = await call('PUT', path, {
        id: group.id,
        displayName,
        externalId: crypto.randomUUID(),
        schemas: [G],
      });
      checkStatus(put, 200, 'group put');
      check(put.body.displayName === displayName, 'the answer has the new displayName');
    },
  ],
]);

/** Postman filters with unquoted values, which only the `entra` preset reads (3.1-13). */
export const postmanCasesDialect: readonly Case[] = withHeaders(POSTMAN, [
  [
    'P20',
    'Postman "filter eq and (val or val)" with unquoted values counts the matching users (entra preset)',
    async (call) => {
      const family = `Employee${tag()}`;
      const matching = [];
      for (let i = 0; i < 3; i++)
        matching.push((await post(call, '/Users', garbageUser(`emp-${tag()}`, family))).id);
      await post(
        call,
        '/Users',
        garbageUser(`emp-${tag()}`, family, {
          emails: [{ type: 'work', value: 'anna33@gmail.com' }],
        }),
      );
      await post(call, '/Users', garbageUser(`emp-${tag()}`, `Other${tag()}`));
      checkFound(
        await call(
          'GET',
          `/Users?filter=${q(`name.FamilyName eq ${family} and (emails.Value co example.com or emails.Value co example.org)`)}`,
        ),
        matching,
        'unquoted filter',
      );
    },
  ],
  [
    'P21',
    'Postman "filter starts with" (userName sw O…) and "filter greater than" (meta.Created gt 2015-10-10T14:38:21.8617979-07:00), unquoted (entra preset)',
    async (call) => {
      const prefix = `O${tag()}`;
      const user = await post(call, '/Users', garbageUser(`${prefix}Malley`, 'OMalley'));
      checkFound(
        await call('GET', `/Users?filter=${q(`userName sw ${prefix}`)}`),
        [user.id],
        'userName sw',
      );
      const total = checkCount(await call('GET', '/Users?count=0'), 'all users');
      const after = await call(
        'GET',
        `/Users?count=0&filter=${q('meta.Created gt 2015-10-10T14:38:21.8617979-07:00')}`,
      );
      check(
        checkCount(after, 'meta.Created gt') === total,
        `every user was created after 2015: ${String(after.body.totalResults)} of ${total}`,
      );
    },
  ],
]);
