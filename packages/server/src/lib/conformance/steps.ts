// What every group of conformance cases shares: the URNs, the case tuple, and the few requests that
// set a case up (a user, a group, a read-back).
import {
  ENTERPRISE_USER_SCHEMA_URN,
  ERROR_URN,
  GROUP_SCHEMA_URN,
  LIST_RESPONSE_URN,
  PATCH_OP_URN,
  USER_SCHEMA_URN,
} from '@scim/core';
import { check, checkStatus, type Call, type Reply } from './client.js';

// Short names for the URNs the cases write again and again; the values are @scim/core's.
export const U = USER_SCHEMA_URN;
export const G = GROUP_SCHEMA_URN;
export const EU = ENTERPRISE_USER_SCHEMA_URN;
export const PO = PATCH_OP_URN;
export const LR = LIST_RESPONSE_URN;
export const ERR = ERROR_URN;
/** The extra group schema Entra ID puts in `schemas` (Entra tutorial, Create Group). */
export const ADSCIM_GROUP =
  'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';

/** A case before it is bound to a target: an id, a title, and the steps over a client. */
export type Case = readonly [id: string, name: string, run: (call: Call) => Promise<void>];

export type Json = Record<string, unknown>;

/** Creates a user (201 expected) with a fresh userName unless `extra` gives one. */
export async function createUser(call: Call, extra: Json = {}): Promise<Json> {
  const reply = await call('POST', '/Users', {
    schemas: [U],
    userName: `user-${crypto.randomUUID()}`,
    ...extra,
  });
  checkStatus(reply, 201, 'POST /Users');
  return reply.body;
}

/** Creates a group (201 expected) with a fresh displayName unless `extra` gives one. */
export async function createGroup(call: Call, extra: Json = {}): Promise<Json> {
  const reply = await call('POST', '/Groups', {
    schemas: [G],
    displayName: `group-${crypto.randomUUID()}`,
    ...extra,
  });
  checkStatus(reply, 201, 'POST /Groups');
  return reply.body;
}

/** GET of one resource, 200 expected. */
export async function read(call: Call, path: string): Promise<Json> {
  const reply = await call('GET', path);
  checkStatus(reply, 200, `GET ${path}`);
  return reply.body;
}

/** A PatchOp body. */
export function patchOp(...operations: readonly Json[]): Json {
  return { schemas: [PO], Operations: operations };
}

/** The member ids of a group as the server lists them. */
export function memberIds(group: Json): string[] {
  const members = group.members;
  return Array.isArray(members) ? members.map((member: Json) => String(member.value)) : [];
}

export function resourcesOf(reply: Reply): Json[] {
  const resources = reply.body.Resources;
  return Array.isArray(resources) ? (resources as Json[]) : [];
}

/** A 200 ListResponse with integer counts, as every query answer must be (Okta checks the types). */
export function checkList(reply: Reply, what: string): Json[] {
  checkStatus(reply, 200, what);
  const { schemas, totalResults, startIndex, itemsPerPage } = reply.body;
  check(Array.isArray(schemas) && schemas.includes(LR), `${what}: a query answers a ListResponse`);
  for (const [name, value] of Object.entries({ totalResults, startIndex, itemsPerPage }))
    check(Number.isInteger(value), `${what}: ${name} must be a JSON integer, got ${String(value)}`);
  const resources = reply.body.Resources;
  check(Array.isArray(resources), `${what}: Resources must be an array, even when empty`);
  check(
    (resources as Json[]).every((resource) => typeof resource.id === 'string'),
    `${what}: every listed resource carries its id (Entra requirement 7)`,
  );
  return resources as Json[];
}

/** Checks that a filter query found exactly the given ids. */
export function checkFound(reply: Reply, ids: readonly unknown[], what: string): Json[] {
  const resources = checkList(reply, what);
  const found = resources.map((resource) => resource.id);
  check(
    reply.body.totalResults === ids.length &&
      found.length === ids.length &&
      ids.every((id) => found.includes(id)),
    `${what}: expected ${ids.length === 0 ? 'no match' : ids.join(', ')}, got totalResults ${String(reply.body.totalResults)} and ${found.join(', ')}`,
  );
  return resources;
}

/** A PATCH answer: 200 with the resource or 204 without a body (RFC 7644 §3.5.2). */
export function checkPatched(reply: Reply, what: string): void {
  checkStatus(reply, [200, 204], what);
  if (reply.status === 200)
    check(typeof reply.body.id === 'string', `${what}: a 200 PATCH answer carries the resource`);
}

/** Absent, null or the empty string: how Entra's gallery tests accept a cleared value. */
export function isCleared(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/** `encodeURIComponent` for a query parameter value. */
export const q = encodeURIComponent;

/**
 * The same cases with a client's own headers on every request (its User-Agent, Accept, and the
 * Content-Type it puts on bodies), under any header the case sets itself.
 */
export function withHeaders(
  headers: Readonly<Record<string, string>>,
  cases: readonly Case[],
): Case[] {
  const wrap =
    (call: Call): Call =>
    (method, path, body, extra = {}) => {
      const sent = Object.entries(headers).filter(
        ([name]) => body !== undefined || name.toLowerCase() !== 'content-type',
      );
      return call(method, path, body, { ...Object.fromEntries(sent), ...extra });
    };
  return cases.map(([id, name, run]) => [id, name, (call: Call) => run(wrap(call))] as const);
}
