// The data every server of bench/http.mjs starts with, created through the server's own HTTP API so
// that all three hold the same: `users` users (user0 … user{n-1}) who are all members of one group,
// and one spare user per connection, outside the group, for the member add/remove workload.
import { pool } from './load.mjs';

export const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
/** Members per request: 10,000 members are about 500 KB, inside the examples' 1 MiB body limit. */
const MEMBERS_PER_REQUEST = 10_000;

export function userBody(userName, index) {
  return {
    schemas: [USER],
    userName,
    name: { givenName: `Given${index}`, familyName: 'Bench' },
    displayName: `Given${index} Bench`,
    emails: [{ value: `${userName}@example.com`, type: 'work', primary: true }],
    title: 'Engineer',
    active: true,
  };
}

const expect = (what, status, wanted, body) => {
  if (!wanted.includes(status))
    throw new Error(
      `${what}: status ${status}${body === undefined ? '' : ` ${JSON.stringify(body).slice(0, 300)}`}`,
    );
};

/** Creates the users, the spares and the group; returns their ids. */
export async function seed(client, { users, spares, concurrency }) {
  const create = (prefix) => async (index) => {
    const { status, body } = await client.json(
      'POST',
      '/scim/v2/Users',
      userBody(`${prefix}${index}`, index),
    );
    expect(`POST /Users ${prefix}${index}`, status, [201], body);
    return body.id;
  };
  const ids = await pool(users, concurrency, create('user'));
  const spareIds = await pool(spares, concurrency, create('spare'));
  const members = (from) => ids.slice(from, from + MEMBERS_PER_REQUEST).map((value) => ({ value }));
  const { status, body } = await client.json('POST', '/scim/v2/Groups', {
    schemas: [GROUP],
    displayName: 'Everyone',
    members: members(0),
  });
  expect('POST /Groups', status, [201], body);
  const groupId = body.id;
  for (let from = MEMBERS_PER_REQUEST; from < ids.length; from += MEMBERS_PER_REQUEST) {
    const added = await client.json('PATCH', `/scim/v2/Groups/${groupId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'add', path: 'members', value: members(from) }],
    });
    expect('PATCH /Groups (seeding)', added.status, [200, 204], added.body);
  }
  return { ids, spareIds, groupId };
}

/** Member add and remove bodies for one user. */
export const memberAdd = (value) =>
  JSON.stringify({
    schemas: [PATCH_OP],
    Operations: [{ op: 'add', path: 'members', value: [{ value }] }],
  });
export const memberRemove = (value) =>
  JSON.stringify({
    schemas: [PATCH_OP],
    Operations: [{ op: 'remove', path: `members[value eq "${value}"]` }],
  });
export const titleReplace = (title) =>
  JSON.stringify({
    schemas: [PATCH_OP],
    Operations: [{ op: 'replace', path: 'title', value: title }],
  });

const inGroup = (user, groupId) =>
  Array.isArray(user?.groups) && user.groups.some((group) => group.value === groupId);

/**
 * Checks once that the server answers each workload's request as a SCIM server must (the load loop
 * only looks at statuses): throws with what was wrong.
 */
export async function checkAnswers(client, { ids, spareIds, groupId }) {
  const user = await client.json('GET', `/scim/v2/Users/${ids[0]}`);
  expect('GET /Users/{id}', user.status, [200], user.body);
  if (!inGroup(user.body, groupId))
    throw new Error('GET /Users/{id}: groups does not list the group');

  const last = ids.length - 1;
  const filter = encodeURIComponent(`userName eq "user${last}"`);
  const list = await client.json('GET', `/scim/v2/Users?filter=${filter}`);
  expect('GET /Users?filter', list.status, [200], list.body);
  if (list.body.totalResults !== 1 || list.body.Resources?.[0]?.id !== ids[last])
    throw new Error(`GET /Users?filter: ${JSON.stringify(list.body).slice(0, 300)}`);

  const group = `/scim/v2/Groups/${groupId}`;
  const spare = `/scim/v2/Users/${spareIds[0]}`;
  const add = await client.send('PATCH', group, memberAdd(spareIds[0]), true);
  expect('PATCH /Groups add', add.status, [200, 204], add.text);
  if (!inGroup((await client.json('GET', spare)).body, groupId))
    throw new Error('PATCH /Groups add: the user is not in the group afterwards');
  const remove = await client.send('PATCH', group, memberRemove(spareIds[0]), true);
  expect('PATCH /Groups remove', remove.status, [200, 204], remove.text);
  if (inGroup((await client.json('GET', spare)).body, groupId))
    throw new Error('PATCH /Groups remove: the user is still in the group afterwards');

  const patched = await client.send(
    'PATCH',
    `/scim/v2/Users/${ids[1]}`,
    titleReplace('Checked'),
    true,
  );
  expect('PATCH /Users', patched.status, [200, 204], patched.text);
  const after = await client.json('GET', `/scim/v2/Users/${ids[1]}`);
  if (after.body?.title !== 'Checked') throw new Error('PATCH /Users: the title did not change');
}
