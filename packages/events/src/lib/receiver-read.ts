// Reading a verified SET as one change of one SCIM resource (RFC 9967 §2): which resource, what
// happened to it, the data or the names of what changed, and when. A SET that cannot be read is a
// refusal with the RFC 8935 error code to answer, never a throw: it is the transmitter's to fix.
import {
  FEED_ADD_EVENT_URI,
  FEED_REMOVE_EVENT_URI,
  isJsonObject,
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
  SSF_STREAM_UPDATED_EVENT_URI,
  SSF_VERIFICATION_EVENT_URI,
  type ScimResourceType,
} from '@scim/core';
import type { SetClaims } from './claims.js';
import type { SetErrorCode } from './verify.js';

type Json = Record<string, unknown>;

/** What a SET says happened: the resource's representation or PatchOp, or only that it changed. */
export type ChangeKind = 'create' | 'put' | 'patch' | 'delete' | 'activation' | 'feed-add';

/** One change of one resource, as a verified SET tells it. */
export interface ReceivedChange {
  readonly txn: string;
  /** The subject, canonical: the resource type's endpoint and the encoded id. */
  readonly uri: string;
  readonly resourceType: ScimResourceType;
  readonly id: string;
  readonly kind: ChangeKind;
  /** `data` of a `:full` event: the representation (create, put) or the PatchOp (patch). */
  readonly data: Json | undefined;
  /** A `:notice` event: the change is named, its data is left to be fetched (RFC 9967 §2.4). */
  readonly notice: boolean;
  /** The resource's ETag after the change (RFC 9967 §2.2). */
  readonly version: string | undefined;
  /** `prov:activate` (true) or `prov:deactivate` (false) in the SET. */
  readonly active: boolean | undefined;
  /** The earliest and latest time in ms the change can have happened (see ReceivedSubjectState). */
  readonly since: number;
  readonly until: number;
}

/** A SET read: a change to apply, a refusal, or an event a replica has nothing to do for. */
export type ReadOutcome =
  | { readonly kind: 'change'; readonly change: ReceivedChange }
  | { readonly kind: 'refused'; readonly err: SetErrorCode; readonly description: string }
  | { readonly kind: 'ignored'; readonly description: string };

/** The change events, each with its kind and whether it carries data. */
const CHANGES: ReadonlyMap<string, { readonly kind: ChangeKind; readonly full: boolean }> = new Map(
  [
    [PROV_CREATE_FULL_EVENT_URI, { kind: 'create', full: true }],
    [PROV_CREATE_NOTICE_EVENT_URI, { kind: 'create', full: false }],
    [PROV_PUT_FULL_EVENT_URI, { kind: 'put', full: true }],
    [PROV_PUT_NOTICE_EVENT_URI, { kind: 'put', full: false }],
    [PROV_PATCH_FULL_EVENT_URI, { kind: 'patch', full: true }],
    [PROV_PATCH_NOTICE_EVENT_URI, { kind: 'patch', full: false }],
  ],
);

/**
 * Events a replica accepts and does nothing for: a resource leaving the feed need not be deleted
 * (RFC 9967 §2.3.2), an asynchronous response answers a request this receiver did not make, and the
 * SSF verification and stream-status events are about the stream, not a resource.
 */
const IGNORED: ReadonlySet<string> = new Set([
  FEED_REMOVE_EVENT_URI,
  MISC_ASYNCRESP_EVENT_URI,
  SSF_VERIFICATION_EVENT_URI,
  SSF_STREAM_UPDATED_EVENT_URI,
]);

const OTHERS: ReadonlySet<string> = new Set([
  PROV_DELETE_EVENT_URI,
  PROV_ACTIVATE_EVENT_URI,
  PROV_DEACTIVATE_EVENT_URI,
  FEED_ADD_EVENT_URI,
]);

/** No known time: such a change is never older than another. */
const UNKNOWN_TIME = { since: -Number.MAX_SAFE_INTEGER, until: Number.MAX_SAFE_INTEGER };

/** Reads the claims of a verified SET as one change of a resource of `resourceTypes`. */
export function readChange(
  claims: SetClaims,
  resourceTypes: readonly ScimResourceType[],
): ReadOutcome {
  const uris = Object.keys(claims.events);
  if (uris.every((uri) => IGNORED.has(uri)))
    return { kind: 'ignored', description: `Nothing to replicate in ${uris.join(', ')}` };
  const unknown = uris.find((uri) => !CHANGES.has(uri) && !OTHERS.has(uri) && !IGNORED.has(uri));
  if (unknown !== undefined) return refuse(`Unknown event ${JSON.stringify(unknown)}`);
  const { txn } = claims as { readonly txn?: unknown };
  if (typeof txn !== 'string' || txn === '')
    return refuse('The SET has no txn, which replication needs (RFC 9967 §2.2)');
  const subject = subjectOf(claims.sub_id, resourceTypes);
  if (typeof subject === 'string') return refuse(subject);

  const changes = uris.filter((uri) => CHANGES.has(uri));
  const deleted = uris.includes(PROV_DELETE_EVENT_URI);
  if (changes.length > 1 || (deleted && changes.length > 0))
    return refuse(
      `One SET tells one change of its subject (RFC 9967 §2.1), not ${uris.join(', ')}`,
    );
  const activate = uris.includes(PROV_ACTIVATE_EVENT_URI);
  const deactivate = uris.includes(PROV_DEACTIVATE_EVENT_URI);
  if (activate && deactivate) return refuse('A SET cannot both activate and deactivate');
  const active = activate ? true : deactivate ? false : undefined;

  const [uri] = changes;
  const told = uri === undefined ? undefined : CHANGES.get(uri);
  let kind: ChangeKind;
  let data: Json | undefined;
  let version: string | undefined;
  if (deleted) kind = 'delete';
  else if (uri !== undefined && told !== undefined) {
    kind = told.kind;
    const payload = claims.events[uri] as Json;
    if (payload.version !== undefined && typeof payload.version !== 'string')
      return refuse(`${uri}: version is an ETag string (RFC 9967 §2.2)`);
    version = payload.version;
    if (told.full) {
      if (!isJsonObject(payload.data)) return refuse(`${uri} carries its data (RFC 9967 §2.4)`);
      data = payload.data;
    } else if (
      payload.attributes !== undefined &&
      !(Array.isArray(payload.attributes) && payload.attributes.every((a) => typeof a === 'string'))
    )
      return refuse(`${uri}: attributes is a list of attribute paths (RFC 9967 §2.4)`);
  } else if (active !== undefined) kind = 'activation';
  else kind = 'feed-add';

  return {
    kind: 'change',
    change: {
      txn,
      ...subject,
      kind,
      data,
      notice: told !== undefined && !told.full,
      version,
      active,
      ...timeOf(claims, kind === 'create' || kind === 'put' ? data : undefined),
    },
  };
}

/** The resource a `sub_id` names (RFC 9967 §2.1), or why it names none this receiver keeps. */
function subjectOf(
  subject: unknown,
  resourceTypes: readonly ScimResourceType[],
): Pick<ReceivedChange, 'uri' | 'resourceType' | 'id'> | string {
  if (!isJsonObject(subject) || subject.format !== SCIM_SUBJECT_FORMAT)
    return `The SET's sub_id is not a SCIM subject ({ "format": "scim", "uri": … }, RFC 9967 §2.1)`;
  if (typeof subject.uri !== 'string') return `The SET's sub_id has no uri (RFC 9967 §2.1)`;
  const segments = subject.uri.replace(/^\/+/, '').split('/');
  const [endpoint, encoded] = segments;
  if (segments.length !== 2 || endpoint === undefined || encoded === undefined || encoded === '')
    return `sub_id.uri ${JSON.stringify(subject.uri)} is not /{resource endpoint}/{id}`;
  const resourceType = resourceTypes.find(
    (type) => type.endpoint.replace(/^\/+/, '').toLowerCase() === endpoint.toLowerCase(),
  );
  if (resourceType === undefined)
    return `sub_id.uri ${JSON.stringify(subject.uri)} names no resource type this receiver keeps`;
  let id: string;
  try {
    id = decodeURIComponent(encoded);
  } catch {
    return `sub_id.uri ${JSON.stringify(subject.uri)} does not encode its id`;
  }
  return { uri: subjectUri(resourceType, id), resourceType, id };
}

/** `/Users/{id}`: the key a receiver keeps a subject's state under. */
export function subjectUri(resourceType: ScimResourceType, id: string): string {
  return `/${resourceType.endpoint.replace(/^\/+|\/+$/g, '')}/${encodeURIComponent(id)}`;
}

/**
 * When the change happened: the representation's `meta.lastModified` when it carries one (exact to
 * the millisecond), else `toe`. A `toe` with a fraction (a NumericDate may have one, RFC 7519 §2;
 * this package's transmitter sends its milliseconds so) is taken as exact to the millisecond; a
 * whole one as anywhere in that second, since many transmitters drop the fraction.
 */
function timeOf(claims: SetClaims, data: Json | undefined): { since: number; until: number } {
  const meta = data?.meta;
  const modified = isJsonObject(meta) ? meta.lastModified : undefined;
  const exact = typeof modified === 'string' ? Date.parse(modified) : Number.NaN;
  if (Number.isFinite(exact)) return { since: exact, until: exact };
  const { toe } = claims;
  if (typeof toe !== 'number' || !Number.isFinite(toe)) return UNKNOWN_TIME;
  if (!Number.isInteger(toe)) {
    const at = Math.round(toe * 1000);
    return { since: at, until: at };
  }
  return { since: toe * 1000, until: toe * 1000 + 999 };
}

function refuse(description: string): ReadOutcome {
  return { kind: 'refused', err: 'invalid_request', description };
}
