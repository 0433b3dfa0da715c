// Microsoft Entra ID's requests as its SCIM tutorial shows them on the wire ("Develop and plan
// provisioning for a SCIM endpoint", ids E1–E15 in idp-quirks.md §2a), in the order Entra sends
// them. Values are made unique so the cases can run against a store that keeps data.
import { check, checkError, checkStatus, type Call } from './client.js';
import {
  ADSCIM_GROUP,
  EU,
  G,
  PO,
  U,
  checkFound,
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

/**
 * What Entra's provisioning service puts on its requests besides `Authorization: Bearer …` (the
 * target's headers carry the token): its bodies are `application/scim+json; charset=utf-8`.
 */
export const ENTRA_HEADERS = { 'content-type': 'application/scim+json; charset=utf-8' } as const;

/** The tutorial's Create User body (E1). */
export function entraUser(): Json {
  return {
    schemas: [U, EU],
    externalId: crypto.randomUUID(),
    userName: `Test_User_${crypto.randomUUID()}`,
    active: true,
    emails: [
      { primary: true, type: 'work', value: `Test_User_${crypto.randomUUID()}@testuser.com` },
    ],
    meta: { resourceType: 'User' },
    name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
    roles: [],
  };
}

/** The tutorial's Create Group body (E9), with Entra's extra schema URN. */
export function entraGroup(): Json {
  return {
    schemas: [G, ADSCIM_GROUP],
    externalId: crypto.randomUUID(),
    displayName: `displayName-${crypto.randomUUID()}`,
    meta: { resourceType: 'Group' },
  };
}

export async function createEntraUser(call: Call): Promise<Json> {
  const reply = await call('POST', '/Users', entraUser());
  checkStatus(reply, 201, 'Entra Create User');
  return reply.body;
}

export async function createEntraGroup(call: Call): Promise<Json> {
  const reply = await call('POST', '/Groups', entraGroup());
  checkStatus(reply, 201, 'Entra Create Group');
  return reply.body;
}

/** Entra's add-member operation, `$ref: null` included (E11). */
export function entraAddMember(id: unknown): Json {
  return { op: 'Add', path: 'members', value: [{ $ref: null, value: id }] };
}

function workEmails(user: Json): Json[] {
  const emails = Array.isArray(user.emails) ? (user.emails as Json[]) : [];
  return emails.filter((email) => email.type === 'work');
}

export const entraTutorial: readonly Case[] = withHeaders(ENTRA_HEADERS, [
  [
    'E1',
    'Entra Create User with the enterprise schema, meta.resourceType and roles: [] is 201 with id and meta (X-ENTRA-07)',
    async (call) => {
      const sent = entraUser();
      const reply = await call('POST', '/Users', sent);
      checkStatus(reply, 201, 'Entra Create User');
      const user = reply.body;
      const meta = user.meta as Json | undefined;
      check(typeof user.id === 'string' && user.id !== '', 'the created user needs an id');
      check(
        typeof meta?.created === 'string' && typeof meta.lastModified === 'string',
        'the created user needs meta.created and meta.lastModified',
      );
      check(
        user.userName === sent.userName && user.externalId === sent.externalId,
        'userName and externalId must be stored exactly as sent (Entra requirement 8)',
      );
      const sentEmail = (sent.emails as Json[])[0];
      check(
        workEmails(user)[0]?.value === sentEmail?.value && user.active === true,
        'the work email and active must be echoed',
      );
    },
  ],
  [
    'E2',
    'Entra Get User is 200 with the user; an unknown id is 404 with a SCIM error',
    async (call) => {
      const user = await createEntraUser(call);
      const reply = await call('GET', `/Users/${String(user.id)}`);
      checkStatus(reply, 200, 'Entra Get User');
      check(
        reply.body.id === user.id && reply.body.userName === user.userName,
        'GET must return the same user',
      );
      checkError(
        await call('GET', `/Users/${crypto.randomUUID()}`),
        404,
        undefined,
        'Entra Get User of an unknown id',
      );
    },
  ],
  [
    'E3',
    'Entra Get User by query: userName eq finds the user in a ListResponse',
    async (call) => {
      const user = await createEntraUser(call);
      const reply = await call(
        'GET',
        `/Users?filter=${q(`userName eq "${String(user.userName)}"`)}`,
      );
      checkFound(reply, [user.id], 'Entra Get User by query');
    },
  ],
  [
    'E4',
    'Entra Get User by query with zero results is 200, totalResults 0, Resources []',
    async (call) => {
      checkFound(
        await call('GET', `/Users?filter=${q('userName eq "non-existent user"')}`),
        [],
        'Entra Get User by query, zero results',
      );
    },
  ],
  [
    'E5',
    'Entra Update User [Multi-valued properties]: Replace emails[type eq "work"].value and name.familyName',
    async (call) => {
      const user = await createEntraUser(call);
      const email = `updatedEmail-${crypto.randomUUID()}@microsoft.com`;
      const reply = await call(
        'PATCH',
        `/Users/${String(user.id)}`,
        patchOp(
          { op: 'Replace', path: 'emails[type eq "work"].value', value: email },
          { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
        ),
      );
      checkPatched(reply, 'Entra Update User [Multi-valued properties]');
      const after = await read(call, `/Users/${String(user.id)}`);
      const work = workEmails(after);
      check(
        work.length === 1 && work[0]?.value === email,
        `the one work email must now be ${email}, got ${JSON.stringify(after.emails)}`,
      );
      const name = after.name as Json | undefined;
      check(
        name?.familyName === 'updatedFamilyName' && name.givenName === 'givenName',
        'name.familyName must change and name.givenName stay',
      );
    },
  ],
  [
    'E6',
    'Entra Update User [Single-valued properties]: Replace userName, then the new name matches and the old one does not',
    async (call) => {
      const user = await createEntraUser(call);
      const userName = `${crypto.randomUUID()}@testuser.com`;
      checkPatched(
        await call(
          'PATCH',
          `/Users/${String(user.id)}`,
          patchOp({ op: 'Replace', path: 'userName', value: userName }),
        ),
        'Entra Update User [Single-valued properties]',
      );
      check(
        (await read(call, `/Users/${String(user.id)}`)).userName === userName,
        'userName must change',
      );
      checkFound(
        await call('GET', `/Users?filter=${q(`userName eq "${userName}"`)}`),
        [user.id],
        'query by the new userName',
      );
      checkFound(
        await call('GET', `/Users?filter=${q(`userName eq "${String(user.userName)}"`)}`),
        [],
        'query by the old userName',
      );
    },
  ],
  [
    'E7',
    'Entra Disable User: Replace active false; the user is still read and found, with active false (3.1-20)',
    async (call) => {
      const user = await createEntraUser(call);
      // Entra puts Operations before schemas in this request.
      const reply = await call('PATCH', `/Users/${String(user.id)}`, {
        Operations: [{ op: 'Replace', path: 'active', value: false }],
        schemas: [PO],
      });
      checkPatched(reply, 'Entra Disable User');
      if (reply.status === 200) check(reply.body.active === false, 'the answer shows active false');
      check(
        (await read(call, `/Users/${String(user.id)}`)).active === false,
        'a disabled user is still readable, with active false',
      );
      const [found] = checkFound(
        await call('GET', `/Users?filter=${q(`userName eq "${String(user.userName)}"`)}`),
        [user.id],
        'query for a disabled user',
      );
      check(found?.active === false, 'the query shows active false');
    },
  ],
  [
    'E8',
    'Entra Delete User is 204 without a body, then the user is 404',
    async (call) => {
      const user = await createEntraUser(call);
      const reply = await call('DELETE', `/Users/${String(user.id)}`);
      checkStatus(reply, 204, 'Entra Delete User');
      check(reply.text === '', 'a 204 has no body');
      checkError(
        await call('GET', `/Users/${String(user.id)}`),
        404,
        undefined,
        'GET after DELETE',
      );
    },
  ],
  [
    'E9',
    'Entra Create Group with the ADSCIM group schema URN and meta.resourceType is 201 (X-ENTRA-07, 3.1-11)',
    async (call) => {
      const sent = entraGroup();
      const reply = await call('POST', '/Groups', sent);
      checkStatus(reply, 201, 'Entra Create Group');
      check(
        typeof reply.body.id === 'string' && reply.body.displayName === sent.displayName,
        'the group needs an id and its displayName',
      );
      check(reply.body.externalId === sent.externalId, 'externalId must be stored exactly as sent');
      check(
        memberIds(reply.body).length === 0,
        'a group created without members has none (members absent or [])',
      );
    },
  ],
  [
    'E10',
    'Entra Get Group and Get Group by displayName with excludedAttributes=members leave members out (X-ENTRA-09, 3.1-15)',
    async (call) => {
      const group = await createEntraGroup(call);
      const user = await createEntraUser(call);
      const gid = String(group.id);
      checkPatched(
        await call('PATCH', `/Groups/${gid}`, patchOp(entraAddMember(user.id))),
        'Entra Update Group [Add Members]',
      );
      const one = await call('GET', `/Groups/${gid}?excludedAttributes=members`);
      checkStatus(one, 200, 'Entra Get Group');
      check(
        one.body.id === gid && !('members' in one.body),
        'excludedAttributes=members must leave members out of the group',
      );
      const [found] = checkFound(
        await call(
          'GET',
          `/Groups?excludedAttributes=members&filter=${q(`displayName eq "${String(group.displayName)}"`)}`,
        ),
        [gid],
        'Entra Get Group by displayName',
      );
      check(found !== undefined && !('members' in found), 'the query must leave members out');
    },
  ],
  [
    'E11',
    'Entra Update Group: Replace displayName, Add members with $ref null, Remove members by a value list (X-ENTRA-01, X-ENTRA-02, 3.1-9)',
    async (call) => {
      const group = await createEntraGroup(call);
      const a = await createEntraUser(call);
      const b = await createEntraUser(call);
      const gid = String(group.id);
      const displayName = `${crypto.randomUUID()}updatedDisplayName`;
      checkPatched(
        await call(
          'PATCH',
          `/Groups/${gid}`,
          patchOp({ op: 'Replace', path: 'displayName', value: displayName }),
        ),
        'Entra Update Group [Non-member attributes]',
      );
      for (const user of [a, b])
        checkPatched(
          await call('PATCH', `/Groups/${gid}`, patchOp(entraAddMember(user.id))),
          'Entra Update Group [Add Members]',
        );
      checkPatched(
        await call(
          'PATCH',
          `/Groups/${gid}`,
          patchOp({ op: 'Remove', path: 'members', value: [{ $ref: null, value: a.id }] }),
        ),
        'Entra Update Group [Remove Members]',
      );
      const after = await read(call, `/Groups/${gid}`);
      check(after.displayName === displayName, 'displayName must change');
      const ids = memberIds(after);
      check(
        ids.length === 1 && ids[0] === b.id,
        `only the listed member may be removed: expected [${String(b.id)}], got [${ids.join(', ')}]`,
      );
    },
  ],
  [
    'E12',
    'Entra Delete Group is 204, then the group is 404',
    async (call) => {
      const group = await createEntraGroup(call);
      checkStatus(await call('DELETE', `/Groups/${String(group.id)}`), 204, 'Entra Delete Group');
      checkError(
        await call('GET', `/Groups/${String(group.id)}`),
        404,
        undefined,
        'GET after DELETE',
      );
    },
  ],
  [
    'E14',
    'Entra asks whether a user has a manager: id eq "…" and manager eq "…" compares manager.value (3.1-14)',
    async (call) => {
      const manager = await createEntraUser(call);
      const user = await createUser(call, {
        schemas: [U, EU],
        [EU]: { manager: { value: manager.id } },
      });
      checkFound(
        await call(
          'GET',
          `/Users?filter=${q(`id eq "${String(user.id)}" and manager eq "${String(manager.id)}"`)}`,
        ),
        [user.id],
        'the manager query',
      );
      checkFound(
        await call(
          'GET',
          `/Users?filter=${q(`id eq "${String(user.id)}" and manager eq "${crypto.randomUUID()}"`)}`,
        ),
        [],
        'the manager query with another manager',
      );
    },
  ],
  [
    'E15',
    'Entra Add manager with an unqualified path and a one-element array sets the manager (X-ENTRA-06, 3.1-6)',
    async (call) => {
      const manager = await createEntraUser(call);
      const user = await createEntraUser(call);
      const location = (manager.meta as Json | undefined)?.location;
      checkPatched(
        await call(
          'PATCH',
          `/Users/${String(user.id)}`,
          patchOp({ op: 'Add', path: 'manager', value: [{ $ref: location, value: manager.id }] }),
        ),
        'Entra Add manager',
      );
      const after = await read(call, `/Users/${String(user.id)}`);
      const set = (after[EU] as Json | undefined)?.manager as Json | undefined;
      check(
        set?.value === manager.id,
        `the manager must be ${String(manager.id)}, got ${JSON.stringify(set)}`,
      );
    },
  ],
]);

/** Tutorial requests that only the `entra` preset answers as Entra expects: the RFC forbids them. */
export const entraTutorialDialect: readonly Case[] = withHeaders(ENTRA_HEADERS, [
  [
    'E13',
    'Entra queries externalId eq jyoung with an unquoted value, read as the string (entra preset, 3.1-13)',
    async (call) => {
      const externalId = `jyoung${crypto.randomUUID().slice(0, 8)}`;
      const user = await createUser(call, { externalId });
      checkFound(
        await call('GET', `/Users?filter=${q(`externalId eq ${externalId}`)}`),
        [user.id],
        'the unquoted externalId query',
      );
    },
  ],
]);
