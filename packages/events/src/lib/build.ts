// From one lifecycle record of the server's outbox to the claims of the SETs that tell of it
// (RFC 9967 §2). Pure but for the clock and the jti source, both injectable: the same record built
// twice gives the same events and `txn`, so a retransmission tells of the same change.
import {
  GROUP_SCHEMA_URN,
  MISC_ASYNCRESP_EVENT_URI,
  PROV_ACTIVATE_EVENT_URI,
  PROV_CREATE_FULL_EVENT_URI,
  PROV_CREATE_NOTICE_EVENT_URI,
  PROV_DEACTIVATE_EVENT_URI,
  PROV_DELETE_EVENT_URI,
  PROV_PATCH_FULL_EVENT_URI,
  PROV_PATCH_NOTICE_EVENT_URI,
  PROV_PUT_FULL_EVENT_URI,
  PROV_PUT_NOTICE_EVENT_URI,
  SCIM_SUBJECT_FORMAT,
  USER_SCHEMA_URN,
  isJsonObject,
  type ScimResource,
  type ScimResourceType,
} from '@scim/core';
import type { LifecycleEvent } from '@scim/server';
import type { ScimSubjectIdentifier, SetClaims, SetEventPayload } from './claims.js';
import {
  changedPaths,
  createdPaths,
  diffChanges,
  memberPath,
  patchMessage,
  patchOperations,
  visibleResource,
  type PatchOperation,
} from './payloads.js';
import { shapeProblem } from './record-shape.js';
import { emailOrScimSubject, riscSets, type AccountChange, type RiscSubjectOf } from './risc.js';
import { emptyPayload, madeOf, plannerOf, type PlannedSet, type ToldEvent } from './set-plan.js';

/**
 * How much a provisioning event carries: `full` the data (`:full` URIs), `notice` the attribute names
 * only (`:notice` URIs), for the receiver to fetch what it needs (RFC 9967 §2.4).
 * @example `{ modes: { User: 'full', Group: 'notice' } }`
 * @see https://www.rfc-editor.org/rfc/rfc9967#section-2.4
 */
export type SetMode = 'full' | 'notice';

/**
 * What {@link toSetClaims} needs besides the record: one set of options per stream (receiver).
 * @example
 * ```ts
 * const options: SetBuildOptions = {
 *   issuer: 'https://scim.example.com',
 *   audience: 'https://receiver.example.com',
 *   resourceTypes: [UserResourceType, GroupResourceType],
 * };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9967#section-2
 */
export interface SetBuildOptions {
  /** The `iss` claim, or a function of the record's tenant when each tenant has its own issuer. */
  readonly issuer: string | ((tenant: string | undefined) => string);
  /** The `aud` claim; left out when undefined (RFC 8417 §2.2 makes it optional). */
  readonly audience?: string | readonly string[] | undefined;
  /** The server's resource types: the records name theirs, and the schemas decide what is shown. */
  readonly resourceTypes: readonly ScimResourceType[];
  /**
   * The mode per resource type name. Default: `notice` for groups (a resource type whose schema is
   * the core Group schema), so that large membership changes stay small (RFC 9967 §5); `full` for
   * the others.
   */
  readonly modes?: Readonly<Record<string, SetMode>> | undefined;
  /**
   * Also build derived OpenID RISC SETs for users (account disabled, enabled, purged; identifier
   * changed), each a SET of its own with the same `txn`. Default false.
   */
  readonly risc?: boolean | undefined;
  /** The `sub_id` of RISC account SETs; default the user's e-mail address, else the SCIM subject. */
  readonly riscSubject?: RiscSubjectOf | undefined;
  /** The clock for `iat` (default the system clock). */
  readonly now?: (() => Date) | undefined;
  /** The source of `jti` values, unique per SET (default `randomUuid` of `@scim/core`). */
  readonly newJti?: (() => string) | undefined;
}

/**
 * Why a lifecycle record could not be told as SETs:
 * - `unknown_resource_type`: the record names a resource type the options do not list;
 * - `missing_state`: the record lacks what its type always holds (the resource of a create, the two
 *   states of an update, the member values of a membership change), or holds something of another
 *   shape (a resource without `schemas`), so it was not written by `@scim/server` or was altered.
 * @example `{ code: 'unknown_resource_type', eventId: 'e1', message: "Resource type 'Device' is not among the options' resourceTypes" }`
 * @see https://www.rfc-editor.org/rfc/rfc9967#section-2
 */
export interface SetBuildIssue {
  readonly code: 'unknown_resource_type' | 'missing_state';
  /** The lifecycle record's id. */
  readonly eventId: string;
  readonly message: string;
}

/**
 * The SETs of one record, or why there are none. An empty list is a success: some records tell
 * nothing of their own (see {@link toSetClaims}).
 * @example `const result = toSetClaims(record, options); if (result.ok) for (const claims of result.value) await push(await signSet(claims, key));`
 * @see https://www.rfc-editor.org/rfc/rfc9967#section-2
 */
export type SetBuildResult =
  | { readonly ok: true; readonly value: readonly SetClaims[] }
  | { readonly ok: false; readonly issues: readonly SetBuildIssue[] };

/**
 * Builds the claims of the SETs that tell of one lifecycle record (RFC 9967 §2), ready for
 * {@link signSet}. `txn` is the record's `changeId` (its `id` for records made before that field
 * existed): the same for every record of one write and whenever a record is built again. `toe` is
 * the record's `occurredAt` in seconds, with its milliseconds as a fraction. `jti` is new for every
 * SET. The subject is the top-level `sub_id` `{ format: 'scim', uri, externalId }`, never `sub`.
 *
 * - `created` → `prov:create:full` (`data`: the resource as a response shows it) or
 *   `prov:create:notice` (`attributes`: the paths it holds), with `version`.
 * - `updated` → `prov:put:*` for a PUT, `prov:patch:*` for a PATCH (`data`: an equivalent PatchOp),
 *   with `version`; in the same SET `prov:deactivate` or `prov:activate` when `active` flipped. Member
 *   changes are left to the membership records of the same write.
 * - `deactivated`, `reactivated` → nothing of their own: the `updated` record of the same write
 *   carries them, in one SET with the change (RFC 9967 §2.1).
 * - `deleted` → `prov:delete` with `{}`.
 * - `membersAdded`, `membersRemoved` → `prov:patch:full` (a PatchOp adding or removing those member
 *   values) or `prov:patch:notice` (`attributes: ['members']`), with the group's new `version`
 *   when the record holds it.
 * - `asyncCompleted` → `misc:asyncresp` with the Bulk response operation the request ended with
 *   (`method`, `bulkId`, `version`, `location`, `status` as a string, `response` on failure), `txn`
 *   the client's `Set-Txn` (`<Set-Txn>:<index>` for a bulk operation) and `sub_id` the resource, or
 *   the endpoint (`/Users`) of a POST that created nothing (RFC 9967 §2.5.1.3). It needs no
 *   resource type of the options and no mode.
 *
 * Attributes whose `returned` is "never" (password) appear nowhere, neither value nor name; a change
 * of nothing else publishes no provisioning event. A record of any shape gives a result, never a
 * throw: one that is not as `@scim/server` writes it is a `missing_state` issue.
 * @example
 * ```ts
 * for (const { event } of await handler.outbox.list({ state: 'pending' })) {
 *   const result = toSetClaims(event, { issuer: 'https://scim.example.com', resourceTypes: [UserResourceType, GroupResourceType] });
 *   if (result.ok) for (const claims of result.value) console.log(await signSet(claims, keys.active));
 * }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9967#section-2.4
 */
export function toSetClaims(event: LifecycleEvent, options: SetBuildOptions): SetBuildResult {
  const planned = planSets(event, options);
  if (!planned.ok) return planned;
  return { ok: true, value: planned.value.map((set) => set.claims()) };
}

/**
 * What {@link planSets} decides of one record: its SETs, planned, or why there are none.
 */
export type SetPlanResult =
  | { readonly ok: true; readonly value: readonly PlannedSet[] }
  | { readonly ok: false; readonly issues: readonly SetBuildIssue[] };

/**
 * {@link toSetClaims} with each SET's claims written when asked for: every check, every SET's
 * `jti`, `iat` and event URIs are done and fixed now; the objects of its claims (a created user's
 * `data` among them) are made by `claims()`, which cannot throw. The publisher queues these plans
 * on a queue that keeps them (the memory queue), so a write does not build what only a delivery
 * reads.
 */
export function planSets(event: LifecycleEvent, options: SetBuildOptions): SetPlanResult {
  const malformed = shapeProblem(event);
  if (malformed !== undefined) return failure(event, 'missing_state', malformed);
  if (event.type === 'asyncCompleted') return asyncResponseSet(event, options);
  const resourceType = resourceTypeNamed(options.resourceTypes, event.resourceType);
  if (resourceType === undefined)
    return failure(
      event,
      'unknown_resource_type',
      `Resource type '${event.resourceType}' is not among the options' resourceTypes`,
    );
  let telling: Telling | string;
  let subject: ScimSubjectIdentifier;
  try {
    telling = tell(event, resourceType, modeFor(resourceType, options.modes));
    subject = scimSubjectOf(resourceType, event);
  } catch (error) {
    // A record read from storage may have been altered in ways no check above foresees (an
    // attribute of another type than its schema says): a result, so one bad record cannot stop a
    // delivery loop.
    const reason = error instanceof Error ? error.message : String(error);
    return failure(event, 'missing_state', `The record could not be read: ${reason}`);
  }
  if (typeof telling === 'string') return failure(event, 'missing_state', telling);
  const planOf = plannerOf(event, options);
  const sets: PlannedSet[] = [];
  if (telling.events.length > 0) sets.push(planOf(subject, telling.events));
  if (options.risc === true && resourceType.schema.id === USER_SCHEMA_URN) {
    const subjectOf = options.riscSubject ?? emailOrScimSubject;
    for (const risc of riscSets(telling, (resource) => subjectOf(resource, subject)))
      sets.push(
        planOf(
          risc.subject,
          Object.entries(risc.events).map(([uri, payload]) => [uri, madeOf(payload)] as const),
        ),
      );
  }
  return { ok: true, value: sets };
}

/** The first resource type of the name, as a loop: every record of every write looks one up. */
function resourceTypeNamed(
  resourceTypes: readonly ScimResourceType[],
  name: string,
): ScimResourceType | undefined {
  for (const resourceType of resourceTypes) if (resourceType.name === name) return resourceType;
  return undefined;
}

/** The `misc:asyncresp` SET of an `asyncCompleted` record (RFC 9967 §2.5.1.3). */
function asyncResponseSet(event: LifecycleEvent, options: SetBuildOptions): SetPlanResult {
  const { asyncResponse, subjectUri } = event;
  if (asyncResponse === undefined || subjectUri === undefined)
    return failure(
      event,
      'missing_state',
      'An asyncCompleted record holds asyncResponse and subjectUri',
    );
  const subject: ScimSubjectIdentifier = { format: SCIM_SUBJECT_FORMAT, uri: subjectUri };
  const payload: SetEventPayload = { ...asyncResponse };
  return {
    ok: true,
    value: [plannerOf(event, options)(subject, [[MISC_ASYNCRESP_EVENT_URI, madeOf(payload)]])],
  };
}

/** What one record tells: its SCIM events, and the account change and states RISC reads. */
interface Telling {
  /** The SCIM events of its SET, in order; none when it tells nothing of its own. */
  readonly events: readonly ToldEvent[];
  readonly account?: AccountChange | undefined;
  readonly previous: ScimResource | undefined;
  readonly next: ScimResource | undefined;
}

/** What a `deleted` record tells. */
const DELETED: readonly ToldEvent[] = [[PROV_DELETE_EVENT_URI, emptyPayload]];

/** Member changes are told by the membership records alone, so no change of a group is told twice. */
const MEMBERS: ReadonlySet<string> = new Set(['members']);

/** The events a record tells, or what it lacks for them. */
function tell(
  event: LifecycleEvent,
  resourceType: ScimResourceType,
  mode: SetMode,
): Telling | string {
  const { resource, previous } = event;
  switch (event.type) {
    case 'created': {
      if (resource === undefined) return 'A created record holds the resource';
      // Made when the claims are written: a created user's `data` is the largest part of its SETs.
      const uri = mode === 'full' ? PROV_CREATE_FULL_EVENT_URI : PROV_CREATE_NOTICE_EVENT_URI;
      const payload =
        mode === 'full'
          ? resourceData(resource, resourceType)
          : createdAttributes(resource, resourceType);
      return { events: [[uri, versioned(resource, payload)]], previous: undefined, next: resource };
    }
    case 'updated': {
      if (resource === undefined || previous === undefined)
        return 'An updated record holds the resource before and after the change';
      const events: ToldEvent[] = [];
      const change = changeEvent(event, resourceType, mode, previous, resource);
      if (change !== undefined) events.push([change.uri, versioned(resource, change.payload)]);
      const account = accountChange(previous, resource);
      if (account === 'disabled') events.push([PROV_DEACTIVATE_EVENT_URI, emptyPayload]);
      if (account === 'enabled') events.push([PROV_ACTIVATE_EVENT_URI, emptyPayload]);
      return { events, account, previous, next: resource };
    }
    case 'deleted':
      return {
        events: DELETED,
        account: 'purged',
        previous: resource ?? previous,
        next: undefined,
      };
    case 'membersAdded':
    case 'membersRemoved': {
      const members = event.members;
      if (members === undefined || members.length === 0)
        return `A ${event.type} record holds the member values`;
      const uri = mode === 'full' ? PROV_PATCH_FULL_EVENT_URI : PROV_PATCH_NOTICE_EVENT_URI;
      const payload = mode === 'full' ? memberData(event.type, members) : MEMBERS_NAMED;
      return {
        events: [[uri, withVersion(event.version, payload)]],
        previous: undefined,
        next: undefined,
      };
    }
    case 'deactivated':
    case 'reactivated':
    case 'asyncCompleted':
      // An asyncCompleted record is told by asyncResponseSet, before any resource type is looked up.
      return { events: [], previous: undefined, next: undefined };
  }
}

/** The `prov:put:*` or `prov:patch:*` event of an update; undefined when nothing visible changed. */
function changeEvent(
  event: LifecycleEvent,
  resourceType: ScimResourceType,
  mode: SetMode,
  previous: ScimResource,
  next: ScimResource,
): { readonly uri: string; readonly payload: () => SetEventPayload } | undefined {
  if (event.operation === 'replace') {
    // RFC 9967 §2.4.3 says the PUT body; the final representation is what the body became once
    // processed, without what a response never shows (checklist D-24).
    const paths = changedPaths(
      diffChanges(previous, next, resourceType, MEMBERS),
      resourceType,
      MEMBERS,
    );
    if (paths.length === 0) return undefined;
    return mode === 'full'
      ? { uri: PROV_PUT_FULL_EVENT_URI, payload: resourceData(next, resourceType) }
      : { uri: PROV_PUT_NOTICE_EVENT_URI, payload: madeOf({ attributes: paths }) };
  }
  const changes = event.changes ?? diffChanges(previous, next, resourceType, MEMBERS);
  if (mode === 'notice') {
    const paths = changedPaths(changes, resourceType, MEMBERS);
    return paths.length === 0
      ? undefined
      : { uri: PROV_PATCH_NOTICE_EVENT_URI, payload: madeOf({ attributes: paths }) };
  }
  const operations = patchOperations(changes, next, resourceType, MEMBERS);
  return operations.length === 0
    ? undefined
    : { uri: PROV_PATCH_FULL_EVENT_URI, payload: madeOf({ data: patchMessage(operations) }) };
}

/** PatchOp operations adding or removing member values (RFC 7644 §3.5.2.1, §3.5.2.2). */
function memberOperations(
  type: 'membersAdded' | 'membersRemoved',
  members: readonly string[],
): PatchOperation[] {
  if (type === 'membersAdded')
    return [{ op: 'add', path: 'members', value: members.map((value) => ({ value })) }];
  return members.map((value) => ({ op: 'remove', path: memberPath(value) }));
}

/**
 * Whether `active` flipped, by the rule the server's `deactivated` and `reactivated` records follow:
 * off when it stops being true (set to false, or removed), on when it becomes true.
 */
function accountChange(previous: ScimResource, next: ScimResource): AccountChange | undefined {
  if (
    next.active !== true &&
    (previous.active === true || (previous.active === undefined && next.active === false))
  )
    return 'disabled';
  if (previous.active !== true && next.active === true) return 'enabled';
  return undefined;
}

/** The payload with the resource's `version` first, when it has one (RFC 9967 §2.4). */
function versioned(resource: ScimResource, payload: () => SetEventPayload): () => SetEventPayload {
  return withVersion(resource.meta?.version, payload);
}

// The makers of payloads written with the claims. Each is made by a function of its own, so that
// it holds only what it reads: a closure made inline would share its scope's context, and a SET
// waiting to be handed out would keep the whole record alive.

/** The payload with `version` first, when it is a string. */
function withVersion(version: unknown, payload: () => SetEventPayload): () => SetEventPayload {
  return typeof version === 'string' ? () => ({ version, ...payload() }) : payload;
}

/** `data`: the resource as a response shows it. */
function resourceData(
  resource: ScimResource,
  resourceType: ScimResourceType,
): () => SetEventPayload {
  return () => ({ data: visibleResource(resource, resourceType) });
}

/** `attributes`: the paths a new resource holds. */
function createdAttributes(
  resource: ScimResource,
  resourceType: ScimResourceType,
): () => SetEventPayload {
  return () => ({ attributes: createdPaths(resource, resourceType) });
}

/** `data`: a PatchOp adding or removing the member values. */
function memberData(
  type: 'membersAdded' | 'membersRemoved',
  members: readonly string[],
): () => SetEventPayload {
  return () => ({ data: patchMessage(memberOperations(type, members)) });
}

const MEMBERS_NAMED = (): SetEventPayload => ({ attributes: ['members'] });

/** The mode of a resource type: the one chosen, else notice for groups and full for the rest. */
export function modeFor(
  resourceType: ScimResourceType,
  modes: Readonly<Record<string, SetMode>> | undefined,
): SetMode {
  const chosen = modes === undefined ? undefined : modes[resourceType.name];
  if (chosen !== undefined) return chosen;
  return resourceType.schema.id === GROUP_SCHEMA_URN ? 'notice' : 'full';
}

/** `{ format: 'scim', uri: '/Users/{id}', externalId }` (RFC 9967 §2.1). */
function scimSubjectOf(
  resourceType: ScimResourceType,
  event: LifecycleEvent,
): ScimSubjectIdentifier {
  const state = event.resource ?? event.previous;
  const externalId = state?.externalId;
  const uri = `${endpointOf(resourceType)}/${pathSegment(event.resourceId)}`;
  return typeof externalId === 'string'
    ? { format: SCIM_SUBJECT_FORMAT, uri, externalId }
    : { format: SCIM_SUBJECT_FORMAT, uri };
}

/** Each resource type's endpoint as a `sub_id` URI starts (`/Users`), worked out once. */
const ENDPOINTS = new WeakMap<ScimResourceType, string>();

function endpointOf(resourceType: ScimResourceType): string {
  let endpoint = ENDPOINTS.get(resourceType);
  if (endpoint === undefined) {
    endpoint = `/${resourceType.endpoint.replace(/^\/+|\/+$/g, '')}`;
    ENDPOINTS.set(resourceType, endpoint);
  }
  return endpoint;
}

/** Characters a path segment holds as they are (RFC 3986 §2.3, unreserved). */
const UNRESERVED = /^[\w.~-]*$/;

/**
 * A resource id as a path segment, percent-encoded as `encodeURIComponent` does. Ids are mostly
 * UUIDs, which need no encoding: tested first, since encoding costs several times more.
 */
export function pathSegment(id: string): string {
  return UNRESERVED.test(id) ? id : encodeURIComponent(id);
}

function failure(
  event: LifecycleEvent,
  code: SetBuildIssue['code'],
  message: string,
): { readonly ok: false; readonly issues: readonly SetBuildIssue[] } {
  const id: unknown = isJsonObject(event) ? event.id : undefined;
  return { ok: false, issues: [{ code, eventId: typeof id === 'string' ? id : '', message }] };
}
