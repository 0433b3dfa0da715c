// What Microsoft's own testers send: the SCIM Validator (scimvalidator.microsoft.com, checks SV-n
// as reconstructed from public reports) and the direct SCIM tests of the Entra gallery validation
// Logic App (LA-n), with the request bodies those tools build (idp-quirks.md §2a).
import { check, checkError, checkStatus, type Call } from './client.js';
import { ENTRA_HEADERS, createEntraGroup, createEntraUser, entraUser } from './entra.js';
import {
  EU,
  G,
  U,
  checkFound,
  checkList,
  checkPatched,
  createGroup,
  createUser,
  patchOp,
  q,
  read,
  isCleared,
  withHeaders,
  type Case,
  type Json,
} from './steps.js';

/** The target attributes of Entra's default attribute mapping for a custom SCIM application. */
const ENTRA_USER_TARGETS = [
  'userName',
  'active',
  'displayName',
  'title',
  'emails[type eq "work"].value',
  'preferredLanguage',
  'name.givenName',
  'name.familyName',
  'name.formatted',
  'addresses[type eq "work"].formatted',
  'addresses[type eq "work"].streetAddress',
  'addresses[type eq "work"].locality',
  'addresses[type eq "work"].region',
  'addresses[type eq "work"].postalCode',
  'addresses[type eq "work"].country',
  'phoneNumbers[type eq "work"].value',
  'phoneNumbers[type eq "mobile"].value',
  'phoneNumbers[type eq "fax"].value',
  'externalId',
  `${EU}:employeeNumber`,
  `${EU}:department`,
  `${EU}:manager`,
];
const ENTRA_GROUP_TARGETS = ['displayName', 'externalId', 'members'];

/**
 * A core schema's attribute names as the gallery test lists them (lower-cased): `emails[type eq
 * "work"].value` for each canonical type, `name.givenName`, plain names, and no references.
 */
function flatten(schema: Json | undefined): string[] {
  const names: string[] = [];
  for (const attribute of (schema?.attributes as Json[] | undefined) ?? []) {
    const name = String(attribute.name);
    const subs = (attribute.subAttributes as Json[] | undefined) ?? [];
    if (name === 'manager' || name === 'members') names.push(name);
    else if (attribute.type === 'complex' && attribute.multiValued === true) {
      const types = (subs.find((sub) => sub.name === 'type')?.canonicalValues as string[]) ?? [];
      const filterable = subs.filter((sub) => sub.name !== 'type' && sub.name !== 'primary');
      if (types.length > 0)
        for (const type of types)
          for (const sub of filterable)
            names.push(`${name}[type eq "${type}"].${String(sub.name)}`);
      else
        for (const sub of subs.filter((s) => s.name !== 'primary'))
          names.push(`${name}[primary eq "True"].${String(sub.name)}`);
    } else if (attribute.type === 'complex') {
      for (const sub of subs)
        if (sub.type !== 'complex' && sub.type !== 'reference')
          names.push(`${name}.${String(sub.name)}`);
    } else if (attribute.type !== 'reference') names.push(name);
  }
  return names.map((name) => name.toLowerCase());
}

/** The optional attributes an Entra mapping typically targets, as the gallery null test names them. */
const NULLABLE_PATHS = [
  'displayName',
  'title',
  'name.givenName',
  'name.familyName',
  `${EU}:department`,
  'emails[type eq "work"].value',
];

async function createMappedUser(call: Call): Promise<Json> {
  return createUser(call, {
    ...entraUser(),
    displayName: 'Scnull Display',
    title: 'Engineer',
    [EU]: { department: 'Sales' },
  });
}

/** The value a gallery verification reads for a mapped target path. */
function valueAt(user: Json, target: string): unknown {
  const filtered = /^(\w+)\[type eq "(\w+)"\]\.(\w+)$/.exec(target);
  if (filtered !== null) {
    const [, attribute = '', type, sub = ''] = filtered;
    const values = Array.isArray(user[attribute]) ? (user[attribute] as Json[]) : [];
    return values.find((value) => value.type === type)?.[sub];
  }
  if (target.startsWith('urn:')) {
    const cut = target.lastIndexOf(':');
    return (user[target.slice(0, cut)] as Json | undefined)?.[target.slice(cut + 1)];
  }
  const [head = '', sub] = target.split('.');
  return sub === undefined ? user[head] : (user[head] as Json | undefined)?.[sub];
}

function checkAllCleared(user: Json, what: string): void {
  const left = NULLABLE_PATHS.filter((target) => !isCleared(valueAt(user, target)));
  check(
    left.length === 0,
    `${what}: still set: ${left.map((t) => `${t}=${JSON.stringify(valueAt(user, t))}`).join(', ')}`,
  );
}

async function pageThrough(call: Call, endpoint: string, what: string): Promise<void> {
  for (let page = 0; page < 2; page++) {
    const startIndex = page * 5 + 1;
    const reply = await call('GET', `/${endpoint}?startIndex=${startIndex}&count=5`);
    const resources = checkList(reply, `${what} page ${page + 1}`);
    check(
      reply.body.startIndex === startIndex && resources.length === 5,
      `${what} page ${page + 1}: expected startIndex ${startIndex} and 5 resources, got ${String(reply.body.startIndex)} and ${resources.length}`,
    );
  }
}

export const entraValidation: readonly Case[] = withHeaders(ENTRA_HEADERS, [
  [
    'SV-1',
    'SCIM Validator: POST /Users answers exactly 201 (a 200 fails it)',
    async (call) => {
      checkStatus(await call('POST', '/Users', entraUser()), 201, 'SCIM Validator create');
    },
  ],
  [
    'SV-3',
    'SCIM Validator: the userName filter in different casing still matches (P-FILTER-08)',
    async (call) => {
      const user = await createEntraUser(call);
      for (const userName of [
        String(user.userName).toUpperCase(),
        String(user.userName).toLowerCase(),
      ])
        checkFound(
          await call('GET', `/Users?filter=${q(`userName eq "${userName}"`)}`),
          [user.id],
          `userName eq "${userName}"`,
        );
    },
  ],
  [
    'SV-5',
    'SCIM Validator: add, replace and remove of sub-attributes through value filters, "True" for primary',
    async (call) => {
      const user = await createEntraUser(call);
      const path = `/Users/${String(user.id)}`;
      checkPatched(
        await call(
          'PATCH',
          path,
          patchOp(
            { op: 'add', path: 'emails[type eq "work"].display', value: 'Work mail' },
            { op: 'replace', path: 'emails[type eq "work"].primary', value: 'True' },
          ),
        ),
        'SCIM Validator add display, replace primary',
      );
      let work = ((await read(call, path)).emails as Json[]).find((e) => e.type === 'work');
      check(work?.display === 'Work mail' && work.primary === true, 'display and primary are set');
      checkPatched(
        await call(
          'PATCH',
          path,
          patchOp({ op: 'remove', path: 'emails[type eq "work"].display' }),
        ),
        'SCIM Validator remove display',
      );
      work = ((await read(call, path)).emails as Json[]).find((e) => e.type === 'work');
      check(work !== undefined && !('display' in work), 'display is removed, the email stays');
    },
  ],
  [
    'SV-7',
    'SCIM Validator "Patch User – Disable User": active false, then both GET and a filter return active false',
    async (call) => {
      const user = await createEntraUser(call);
      const path = `/Users/${String(user.id)}`;
      checkPatched(
        await call('PATCH', path, patchOp({ op: 'replace', path: 'active', value: false })),
        'SCIM Validator disable',
      );
      check((await read(call, path)).active === false, 'GET must show active false');
      const [found] = checkFound(
        await call('GET', `/Users?filter=${q(`userName eq "${String(user.userName)}"`)}`),
        [user.id],
        'filter after disable',
      );
      check(found?.active === false, 'the filter must show active false');
    },
  ],
  [
    'SV-8',
    'SCIM Validator: a PATCH with an empty Operations array succeeds and changes nothing (3.1-18)',
    async (call) => {
      const user = await createEntraUser(call);
      const path = `/Users/${String(user.id)}`;
      const before = await read(call, path);
      checkPatched(await call('PATCH', path, patchOp()), 'empty Operations');
      const after = await read(call, path);
      check(
        after.userName === before.userName &&
          (after.meta as Json).version === (before.meta as Json).version,
        'an empty PATCH must change nothing',
      );
    },
  ],
  [
    'SV-10',
    'SCIM Validator: after a userName is changed, a new user may take the old name (no 409)',
    async (call) => {
      const user = await createEntraUser(call);
      checkPatched(
        await call(
          'PATCH',
          `/Users/${String(user.id)}`,
          patchOp({ op: 'replace', path: 'userName', value: `renamed-${crypto.randomUUID()}` }),
        ),
        'rename',
      );
      checkStatus(
        await call('POST', '/Users', { ...entraUser(), userName: user.userName }),
        201,
        'POST with the freed userName',
      );
    },
  ],
  [
    'SV-11',
    'SCIM Validator: a user PATCH answers 200 with the resource, as application/scim+json',
    async (call) => {
      const user = await createEntraUser(call);
      const reply = await call(
        'PATCH',
        `/Users/${String(user.id)}`,
        patchOp({ op: 'replace', path: 'displayName', value: 'Validator' }),
      );
      checkStatus(reply, 200, 'user PATCH');
      check(reply.body.displayName === 'Validator', 'the answer is the updated user');
    },
  ],
  [
    'LA-4',
    'Entra gallery Delete_User: after DELETE the user is 404 and not found by userName',
    async (call) => {
      const user = await createEntraUser(call);
      checkStatus(await call('DELETE', `/Users/${String(user.id)}`), 204, 'DELETE');
      checkError(await call('GET', `/Users/${String(user.id)}`), 404, undefined, 'GET');
      checkFound(
        await call('GET', `/Users?filter=${q(`userName eq "${String(user.userName)}"`)}`),
        [],
        'filter after delete',
      );
    },
  ],
  [
    'LA-15',
    "Entra gallery Schema_Discoverability: /Schemas exposes every target of Entra's default mapping, flattened as the gallery test flattens them",
    async (call) => {
      const schemas = checkList(await call('GET', '/Schemas'), 'GET /Schemas');
      const user = new Set(flatten(schemas.find((schema) => schema.id === U)));
      for (const extension of schemas.filter((schema) => schema.id !== U && schema.id !== G))
        for (const attribute of (extension.attributes as Json[] | undefined) ?? [])
          user.add(`${String(extension.id)}:${String(attribute.name)}`.toLowerCase());
      const group = new Set(flatten(schemas.find((schema) => schema.id === G)));
      const missing = [
        ...ENTRA_USER_TARGETS.filter((name) => !user.has(name.toLowerCase())),
        ...ENTRA_GROUP_TARGETS.filter((name) => !group.has(name.toLowerCase())).map(
          (name) => `Group ${name}`,
        ),
      ];
      check(missing.length === 0, `/Schemas must describe ${missing.join(', ')}`);
    },
  ],
  [
    'LA-16',
    'Entra gallery SCIM_Null_Update: replace with "" then with null clears optional attributes, 200 or 204 each (3.1-19)',
    async (call) => {
      const user = await createMappedUser(call);
      const path = `/Users/${String(user.id)}`;
      for (const value of ['', null]) {
        checkPatched(
          await call(
            'PATCH',
            path,
            patchOp(...NULLABLE_PATHS.map((target) => ({ op: 'replace', path: target, value }))),
          ),
          `null update with ${JSON.stringify(value)}`,
        );
        checkAllCleared(await read(call, path), `after replace with ${JSON.stringify(value)}`);
      }
    },
  ],
  [
    'LA-16 batch',
    'Entra gallery SCIM_Null_Update without verbose PATCH: one path-less replace with dotted and URN keys set to "" then null (3.1-19)',
    async (call) => {
      const user = await createMappedUser(call);
      const path = `/Users/${String(user.id)}`;
      for (const value of ['', null]) {
        // Paths with a value filter stay operations of their own; the rest become one value.
        const filtered = NULLABLE_PATHS.filter((target) => target.includes('['));
        const plain = NULLABLE_PATHS.filter((target) => !target.includes('['));
        checkPatched(
          await call(
            'PATCH',
            path,
            patchOp(...filtered.map((target) => ({ op: 'replace', path: target, value })), {
              op: 'replace',
              value: Object.fromEntries(plain.map((target) => [target, value])),
            }),
          ),
          `batched null update with ${JSON.stringify(value)}`,
        );
        checkAllCleared(
          await read(call, path),
          `after batched replace with ${JSON.stringify(value)}`,
        );
      }
    },
  ],
  [
    'LA-18',
    'Entra gallery SCIM_User_Update: replace of eligible single-valued attributes is 200 or 204 and reads back',
    async (call) => {
      const user = await createEntraUser(call);
      const path = `/Users/${String(user.id)}`;
      const values: Record<string, string> = {
        displayName: 'Updated Display',
        nickName: 'Upd',
        title: 'Updated Title',
        preferredLanguage: 'en-US',
        locale: 'en-US',
        timezone: 'America/Los_Angeles',
        userType: 'Employee',
        'name.givenName': 'UpdatedGiven',
        [`${EU}:employeeNumber`]: '1234',
        [`${EU}:department`]: 'Updated Dept',
        [`${EU}:costCenter`]: 'CC-1',
      };
      checkPatched(
        await call(
          'PATCH',
          path,
          patchOp(
            ...Object.entries(values).map(([target, value]) => ({
              op: 'replace',
              path: target,
              value,
            })),
          ),
        ),
        'gallery user update',
      );
      const after = await read(call, path);
      const wrong = Object.entries(values).filter(
        ([target, value]) => valueAt(after, target) !== value,
      );
      check(wrong.length === 0, `not updated: ${wrong.map(([target]) => target).join(', ')}`);
    },
  ],
  [
    'LA-19',
    'Entra gallery SCIM_Group_Create and SCIM_Group_Update: displayName and externalId round-trip',
    async (call) => {
      const group = await createEntraGroup(call);
      const path = `/Groups/${String(group.id)}`;
      const displayName = `updated-${crypto.randomUUID()}`;
      const externalId = crypto.randomUUID();
      checkPatched(
        await call(
          'PATCH',
          path,
          patchOp(
            { op: 'replace', path: 'displayName', value: displayName },
            { op: 'replace', path: 'externalId', value: externalId },
          ),
        ),
        'gallery group update',
      );
      const after = await read(call, path);
      check(
        after.displayName === displayName && after.externalId === externalId,
        'displayName and externalId must read back',
      );
    },
  ],
  [
    'LA-23',
    'Entra gallery SCIM_User_Pagination: GET /Users?startIndex=N&count=5 pages with startIndex page*5+1',
    async (call) => {
      for (let i = 0; i < 11; i++) await createUser(call);
      await pageThrough(call, 'Users', 'user pagination');
    },
  ],
  [
    'LA-24',
    'Entra gallery SCIM_Group_Pagination: GET /Groups?startIndex=N&count=5 pages the same way',
    async (call) => {
      for (let i = 0; i < 11; i++) await createGroup(call);
      await pageThrough(call, 'Groups', 'group pagination');
    },
  ],
  [
    'LA-25',
    'Entra gallery SCIM_Update_Manager: Add, Replace, then Replace with "" of the manager by bare id (X-ENTRA-06, 3.1-6)',
    async (call) => {
      const user = await createEntraUser(call);
      const first = await createEntraUser(call);
      const second = await createEntraUser(call);
      const path = `/Users/${String(user.id)}`;
      const manager = `${EU}:manager`;
      const managerOf = async () =>
        ((await read(call, path))[EU] as Json | undefined)?.manager as Json | undefined;
      checkPatched(
        await call('PATCH', path, patchOp({ op: 'Add', path: manager, value: first.id })),
        'set manager',
      );
      check((await managerOf())?.value === first.id, 'the manager must be set');
      checkPatched(
        await call('PATCH', path, patchOp({ op: 'replace', path: manager, value: second.id })),
        'change manager',
      );
      check((await managerOf())?.value === second.id, 'the manager must change');
      checkPatched(
        await call('PATCH', path, patchOp({ op: 'replace', path: manager, value: '' })),
        'remove manager',
      );
      check(isCleared((await managerOf())?.value), 'the manager must be cleared');
    },
  ],
]);
