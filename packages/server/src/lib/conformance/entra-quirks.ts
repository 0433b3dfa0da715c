// Microsoft Entra ID's departures from the RFC, with the payloads of its "Known issues … SCIM 2.0
// protocol compliance" page and its tutorial (idp-quirks.md §3.1 and §2a). Entra tenants differ:
// some send the older shapes, some the `aadOptscim062020` ones, so a server must take both.
import { check, checkError, checkStatus } from './client.js';
import { ENTRA_HEADERS, createEntraGroup, createEntraUser, entraAddMember } from './entra.js';
import {
  EU,
  U,
  checkFound,
  checkList,
  checkPatched,
  createUser,
  memberIds,
  patchOp,
  q,
  read,
  withHeaders,
  type Case,
  type Json,
} from './steps.js';

const EMPLOYEE_NUMBER = `${EU}:employeeNumber`;
const CHARACTERISTICS = new Set(['mutability', 'returned', 'uniqueness', 'type']);

/** Visits every value of a JSON document with its path and key. */
function walk(
  value: unknown,
  path: string,
  visit: (path: string, key: string, value: unknown) => void,
): void {
  const stack: [unknown, string, string][] = [[value, path, '']];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [node, at, key] = next;
    visit(at, key, node);
    if (Array.isArray(node))
      node.forEach((item, index) => stack.push([item, `${at}[${index}]`, key]));
    else if (typeof node === 'object' && node !== null)
      for (const [name, child] of Object.entries(node)) stack.push([child, `${at}.${name}`, name]);
  }
}

function workEmails(user: Json): Json[] {
  const emails = Array.isArray(user.emails) ? (user.emails as Json[]) : [];
  return emails.filter((email) => email.type === 'work');
}

function typed(user: Json, attribute: string, type: string): Json[] {
  const values = Array.isArray(user[attribute]) ? (user[attribute] as Json[]) : [];
  return values.filter((value) => value.type === type);
}

export const entraQuirks: readonly Case[] = withHeaders(ENTRA_HEADERS, [
  [
    '3.1-1',
    'Entra capitalised ops: {"op":"Add","path":"nickName","value":"Babs"} and "Replace" are add and replace (X-ENTRA-01)',
    async (call) => {
      const user = await createEntraUser(call);
      const path = `/Users/${String(user.id)}`;
      checkPatched(
        await call('PATCH', path, patchOp({ op: 'Add', path: 'nickName', value: 'Babs' })),
        'Entra Add nickName',
      );
      checkPatched(
        await call('PATCH', path, patchOp({ op: 'Replace', path: 'title', value: 'Tour Guide' })),
        'Entra Replace title',
      );
      const after = await read(call, path);
      check(after.nickName === 'Babs' && after.title === 'Tour Guide', 'both values must be set');
    },
  ],
  [
    '3.1-2',
    'Entra "False" and "True" strings set a boolean; other strings are 400 invalidValue (X-ENTRA-03)',
    async (call) => {
      const user = await createEntraUser(call);
      const path = `/Users/${String(user.id)}`;
      checkPatched(
        await call('PATCH', path, patchOp({ op: 'Replace', path: 'active', value: 'False' })),
        'Entra disable with "False"',
      );
      check((await read(call, path)).active === false, '"False" must set active to false');
      checkPatched(
        await call('PATCH', path, patchOp({ op: 'Replace', path: 'active', value: 'True' })),
        'Entra enable with "True"',
      );
      check((await read(call, path)).active === true, '"True" must set active to true');
      checkError(
        await call('PATCH', path, patchOp({ op: 'Replace', path: 'active', value: 'yes' })),
        400,
        'invalidValue',
        'active "yes"',
      );
      check((await read(call, path)).active === true, 'a refused value changes nothing');
    },
  ],
  [
    '3.1-3',
    'Entra Remove members with a value list removes exactly those members, and nothing when none match (X-ENTRA-02, P-PATCH-41)',
    async (call) => {
      const group = await createEntraGroup(call);
      const a = await createEntraUser(call);
      const b = await createEntraUser(call);
      const path = `/Groups/${String(group.id)}`;
      checkPatched(
        await call(
          'PATCH',
          path,
          patchOp({ op: 'Add', path: 'members', value: [{ value: a.id }, { value: b.id }] }),
        ),
        'add two members',
      );
      checkPatched(
        await call(
          'PATCH',
          path,
          patchOp({ op: 'Remove', path: 'members', value: [{ value: a.id }] }),
        ),
        'Entra Remove members [a]',
      );
      let ids = memberIds(await read(call, path));
      check(ids.length === 1 && ids[0] === b.id, `only a may be removed, left [${ids.join(', ')}]`);
      checkPatched(
        await call(
          'PATCH',
          path,
          patchOp({ op: 'Remove', path: 'members', value: [{ value: crypto.randomUUID() }] }),
        ),
        'Entra Remove members of a non-member',
      );
      ids = memberIds(await read(call, path));
      check(ids.length === 1 && ids[0] === b.id, 'removing a non-member must remove nobody');
    },
  ],
  [
    '3.1-4',
    'Entra (aadOptscim062020) path-less replace with dotted and URN-qualified keys sets each attribute (X-ENTRA-04)',
    async (call) => {
      const user = await createEntraUser(call);
      const path = `/Users/${String(user.id)}`;
      const email = `TestMhvaes-${crypto.randomUUID()}@test.microsoft.com`;
      checkPatched(
        await call(
          'PATCH',
          path,
          patchOp(
            { op: 'replace', path: 'emails[type eq "work"].value', value: email },
            {
              op: 'replace',
              value: {
                displayName: 'Bjfe',
                'name.givenName': 'Kkom',
                'name.familyName': 'Unua',
                [EMPLOYEE_NUMBER]: 'Aklq',
              },
            },
          ),
        ),
        'Entra replace of multiple attributes, with the flag',
      );
      const after = await read(call, path);
      const name = after.name as Json | undefined;
      check(
        after.displayName === 'Bjfe' && name?.givenName === 'Kkom' && name.familyName === 'Unua',
        `displayName and the dotted name keys must be set, got ${JSON.stringify({ displayName: after.displayName, name })}`,
      );
      check(
        (after[EU] as Json | undefined)?.employeeNumber === 'Aklq',
        'the URN-qualified key must set the enterprise employeeNumber',
      );
      check(
        !('name.givenName' in after) && !(EMPLOYEE_NUMBER in after),
        'a dotted or URN key must never be stored as a literal attribute name',
      );
      check(workEmails(after)[0]?.value === email, 'the work email must be replaced');
    },
  ],
  [
    '3.1-5',
    'Entra without the flag: Replace of six attributes by path, each its own operation',
    async (call) => {
      const user = await createEntraUser(call);
      const path = `/Users/${String(user.id)}`;
      const email = `TestBcwqnm-${crypto.randomUUID()}@test.microsoft.com`;
      const externalId = `Eqpj-${crypto.randomUUID()}`;
      checkPatched(
        await call(
          'PATCH',
          path,
          patchOp(
            { op: 'Replace', path: 'displayName', value: 'Pvlo' },
            { op: 'Replace', path: 'emails[type eq "work"].value', value: email },
            { op: 'Replace', path: 'name.givenName', value: 'Gtfd' },
            { op: 'Replace', path: 'name.familyName', value: 'Pkqf' },
            { op: 'Replace', path: 'externalId', value: externalId },
            { op: 'Replace', path: EMPLOYEE_NUMBER, value: 'Eqpj' },
          ),
        ),
        'Entra replace of multiple attributes, without the flag',
      );
      const after = await read(call, path);
      const name = after.name as Json | undefined;
      check(
        after.displayName === 'Pvlo' &&
          name?.givenName === 'Gtfd' &&
          name.familyName === 'Pkqf' &&
          after.externalId === externalId &&
          (after[EU] as Json | undefined)?.employeeNumber === 'Eqpj' &&
          workEmails(after)[0]?.value === email,
        `every replaced value must be set, got ${JSON.stringify(after)}`,
      );
    },
  ],
  [
    '3.1-6',
    'Entra manager as a bare id: POST and Add set manager.value, Remove and Replace with "" clear it (X-ENTRA-06)',
    async (call) => {
      const manager = await createEntraUser(call);
      const other = await createEntraUser(call);
      const created = await call('POST', '/Users', {
        schemas: [U, EU],
        userName: `Test_User_${crypto.randomUUID()}`,
        [EU]: { manager: manager.id },
      });
      checkStatus(created, 201, 'POST with a bare-string manager');
      const path = `/Users/${String(created.body.id)}`;
      const managerOf = async () =>
        ((await read(call, path))[EU] as Json | undefined)?.manager as Json | undefined;
      check((await managerOf())?.value === manager.id, 'the bare id must become manager.value');
      checkPatched(
        await call('PATCH', path, patchOp({ op: 'Remove', path: `${EU}:manager` })),
        'Remove manager',
      );
      check((await managerOf()) === undefined, 'Remove must clear the manager');
      checkPatched(
        await call('PATCH', path, patchOp({ op: 'Add', path: `${EU}:manager`, value: other.id })),
        'Entra Add manager with a bare id',
      );
      check((await managerOf())?.value === other.id, 'Add with a bare id must set the manager');
      checkPatched(
        await call('PATCH', path, patchOp({ op: 'Replace', path: `${EU}:manager`, value: '' })),
        'Entra Replace manager with ""',
      );
      check((await managerOf()) === undefined, 'Replace with "" must clear the manager');
    },
  ],
  [
    '3.1-7',
    'Entra Add through emails[type eq "work"].value creates the work email when none exists, then updates it (X-ENTRA-08)',
    async (call) => {
      const user = await createUser(call);
      const path = `/Users/${String(user.id)}`;
      const first = `a-${crypto.randomUUID()}@b.c`;
      const second = `b-${crypto.randomUUID()}@b.c`;
      for (const value of [first, second])
        checkPatched(
          await call(
            'PATCH',
            path,
            patchOp({ op: 'Add', path: 'emails[type eq "work"].value', value }),
          ),
          'Entra Add of the work email',
        );
      checkPatched(
        await call(
          'PATCH',
          path,
          patchOp(
            { op: 'Add', path: 'addresses[type eq "work"].locality', value: 'Redmond' },
            { op: 'Add', path: 'phoneNumbers[type eq "fax"].value', value: '312-320-0500' },
          ),
        ),
        'Entra Add of a work address locality and a fax number',
      );
      const after = await read(call, path);
      const work = workEmails(after);
      check(
        work.length === 1 && work[0]?.value === second,
        `one work email with the latest value, got ${JSON.stringify(after.emails)}`,
      );
      check(
        typed(after, 'addresses', 'work')[0]?.locality === 'Redmond' &&
          typed(after, 'phoneNumbers', 'fax')[0]?.value === '312-320-0500',
        'the work address and the fax number must be created',
      );
    },
  ],
  [
    '3.1-10',
    'Entra Create User with nulls, a misspelt enterprise URN and top-level manager: null is 201 and stores what was sent (X-ENTRA-07)',
    async (call) => {
      const userName = `jyoung-${crypto.randomUUID()}@testuser.com`;
      const reply = await call('POST', '/Users', {
        schemas: [U, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0User'],
        externalId: `jyoung${crypto.randomUUID().slice(0, 8)}`,
        userName,
        active: true,
        addresses: null,
        displayName: 'Joy Young',
        emails: [{ type: 'work', value: 'jyoung@Contoso.com', primary: true }],
        meta: { resourceType: 'User' },
        name: { familyName: 'Young', givenName: 'Joy' },
        phoneNumbers: null,
        preferredLanguage: null,
        title: null,
        department: null,
        manager: null,
      });
      checkStatus(reply, 201, 'Entra Create User (tutorial example 2)');
      const user = await read(call, `/Users/${String(reply.body.id)}`);
      check(
        user.userName === userName && workEmails(user)[0]?.value === 'jyoung@Contoso.com',
        'values are stored exactly as sent, case included',
      );
      for (const name of ['addresses', 'phoneNumbers', 'preferredLanguage', 'title'])
        check(!(name in user) || user[name] === null, `${name}: null means "no value"`);
    },
  ],
  [
    '3.1-12',
    'Attribute names in any case: "UserName", "Primary", "Department", "Manager": {"Value"} are stored under their schema names',
    async (call) => {
      const manager = await createEntraUser(call);
      const userName = `UserName-${crypto.randomUUID()}`;
      const displayName = `BobIsAmazing-${crypto.randomUUID()}`;
      const reply = await call('POST', '/Users', {
        schemas: [U, EU],
        UserName: userName,
        Active: true,
        DisplayName: displayName,
        emails: [{ Primary: true, type: 'work', value: 'testing@bob.com' }],
        [EU]: { Department: 'bob', Manager: { Value: manager.id } },
      });
      checkStatus(reply, 201, 'POST with attribute names in other cases');
      const user = await read(call, `/Users/${String(reply.body.id)}`);
      const enterprise = user[EU] as Json | undefined;
      check(
        user.userName === userName &&
          user.active === true &&
          (user.emails as Json[] | undefined)?.[0]?.primary === true &&
          enterprise?.department === 'bob' &&
          (enterprise.manager as Json | undefined)?.value === manager.id,
        `values must land under the schema's names, got ${JSON.stringify(user)}`,
      );
      check(
        !('UserName' in user) && !('Active' in user) && !('Department' in (enterprise ?? {})),
        'names are returned in the schema’s casing',
      );
      for (const filter of [
        `DisplayName eq "${displayName}"`,
        `ActiVe eq true and USERNAME eq "${userName}"`,
        `meta.lastmodified ge "2015-10-10T14:38:21Z" and userName eq "${userName}"`,
      ])
        checkFound(await call('GET', `/Users?filter=${q(filter)}`), [user.id], filter);
    },
  ],
  [
    '3.1-16',
    'Entra Test Connection: a random GUID on the matching attribute is 200 with an empty ListResponse, never 404 (X-ENTRA-09)',
    async (call) => {
      for (const filter of ['userName', 'externalId'])
        checkFound(
          await call('GET', `/Users?filter=${q(`${filter} eq "${crypto.randomUUID()}"`)}`),
          [],
          `Test Connection on ${filter}`,
        );
      checkFound(
        await call(
          'GET',
          `/Groups?excludedAttributes=members&filter=${q(`displayName eq "${crypto.randomUUID()}"`)}`,
        ),
        [],
        'Test Connection on groups',
      );
    },
  ],
  [
    '3.1-20',
    'Entra deprovisions with active false, restores with active true, and deletes later; a deleted user is no longer found (Entra requirement 4)',
    async (call) => {
      const user = await createEntraUser(call);
      const path = `/Users/${String(user.id)}`;
      const byName = `/Users?filter=${q(`userName eq "${String(user.userName)}"`)}`;
      for (const active of [false, true]) {
        checkPatched(
          await call('PATCH', path, patchOp({ op: 'Replace', path: 'active', value: active })),
          `Entra sets active ${active}`,
        );
        const [found] = checkFound(await call('GET', byName), [user.id], 'query by userName');
        check(found?.active === active, `the query must show active ${active}`);
      }
      checkStatus(await call('DELETE', path), 204, 'Entra Delete User');
      checkFound(await call('GET', byName), [], 'query after delete');
    },
  ],
  [
    '3.1-21',
    'Entra matches with eq and and only: externalId eq "…" and userName eq "…" finds the user (X-ENTRA-10)',
    async (call) => {
      const user = await createEntraUser(call);
      checkFound(
        await call(
          'GET',
          `/Users?filter=${q(`externalId eq "${String(user.externalId)}" and userName eq "${String(user.userName)}"`)}`,
        ),
        [user.id],
        'externalId and userName',
      );
    },
  ],
  [
    '2a-5',
    'Entra schema discovery: /Schemas is a ListResponse with camel-cased characteristics and no null values',
    async (call) => {
      const reply = await call('GET', '/Schemas');
      const schemas = checkList(reply, 'GET /Schemas');
      check(reply.text.includes('User Account'), 'the User schema is described as "User Account"');
      const nulls: string[] = [];
      const cased: string[] = [];
      walk(reply.body, '', (path, key, value) => {
        if (value === null) nulls.push(path);
        if (CHARACTERISTICS.has(key) && typeof value === 'string' && !/^[a-z]/.test(value))
          cased.push(`${path}: ${value}`);
      });
      check(
        nulls.length === 0,
        `absent values are left out, not sent as null: ${nulls.join(', ')}`,
      );
      check(cased.length === 0, `characteristic values are camel-cased: ${cased.join(', ')}`);
      check(schemas.length >= 3, 'User, EnterpriseUser and Group schemas at least');
    },
  ],
  [
    '2a-17',
    'Entra gallery: several membership changes in one PATCH',
    async (call) => {
      const [a, b, c] = [
        await createEntraUser(call),
        await createEntraUser(call),
        await createEntraUser(call),
      ];
      const group = await createEntraGroup(call);
      const path = `/Groups/${String(group.id)}`;
      checkPatched(await call('PATCH', path, patchOp(entraAddMember(c.id))), 'add c');
      checkPatched(
        await call(
          'PATCH',
          path,
          patchOp(entraAddMember(a.id), entraAddMember(b.id), {
            op: 'Remove',
            path: 'members',
            value: [{ $ref: null, value: c.id }],
          }),
        ),
        'Entra membership changes in one PATCH',
      );
      const ids = memberIds(await read(call, path)).sort();
      const expected = [String(a.id), String(b.id)].sort();
      check(
        JSON.stringify(ids) === JSON.stringify(expected),
        `members must be a and b, got [${ids.join(', ')}]`,
      );
    },
  ],
]);

/** Entra requests only the `entra` preset accepts: the RFC gives them another meaning or none. */
export const entraQuirksDialect: readonly Case[] = withHeaders(ENTRA_HEADERS, [
  [
    '3.1-7 replace',
    'Entra Replace through emails[type eq "work"].value creates the work email when none exists (entra preset, X-ENTRA-08)',
    async (call) => {
      const user = await createUser(call);
      const path = `/Users/${String(user.id)}`;
      checkPatched(
        await call(
          'PATCH',
          path,
          patchOp({ op: 'Replace', path: 'emails[type eq "work"].value', value: 'x@example.com' }),
        ),
        'Entra Replace of a missing work email',
      );
      const work = workEmails(await read(call, path));
      check(work.length === 1 && work[0]?.value === 'x@example.com', 'the work email must exist');
    },
  ],
  [
    '2a-1',
    'Entra matches users on emails[type eq "work"].value eq "…" (entra preset, X-ENTRA-05)',
    async (call) => {
      const user = await createEntraUser(call);
      const email = String(workEmails(user)[0]?.value);
      checkFound(
        await call('GET', `/Users?filter=${q(`emails[type eq "work"].value eq "${email}"`)}`),
        [user.id],
        'the work-email match',
      );
    },
  ],
]);
