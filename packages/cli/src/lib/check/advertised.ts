// What the server says it supports, read before any check runs: the `supported` flags of
// /ServiceProviderConfig (RFC 7643 §5), `pagination.cursor` (RFC 9865 §4), and whether
// /ResourceTypes lists Group. A server that cannot be reached, or that refuses the credentials,
// stops the run: every check would fail for the same reason.
import { SCIM_MEDIA_TYPE } from '@scim/core';
import type { ScimFeature } from '../types.js';
import { describeError } from './recorder.js';

export interface Advertised {
  readonly features: Record<ScimFeature, boolean>;
  /** Why the advertisement could not be read, when it could not (then every feature counts as on). */
  readonly problem?: string;
  /** Why no check can run. */
  readonly fatal?: string;
}

type Fetch = (request: Request) => Promise<Response>;

/** Every feature on: what counts as advertised when the advertisement cannot be read. */
export const ALL_ON: Readonly<Record<ScimFeature, boolean>> = {
  patch: true,
  bulk: true,
  filter: true,
  sort: true,
  etag: true,
  changePassword: true,
  cursor: true,
  groups: true,
};

/** Why each feature is missing, as a skipped check says it. */
export const NOT_ADVERTISED: Readonly<Record<ScimFeature, string>> = {
  patch: 'PATCH (ServiceProviderConfig patch.supported is not true)',
  bulk: 'bulk operations (ServiceProviderConfig bulk.supported is not true)',
  filter: 'filtering (ServiceProviderConfig filter.supported is not true)',
  sort: 'sorting (ServiceProviderConfig sort.supported is not true)',
  etag: 'ETags (ServiceProviderConfig etag.supported is not true)',
  changePassword: 'password changes (ServiceProviderConfig changePassword.supported is not true)',
  cursor: 'cursor pagination (ServiceProviderConfig pagination.cursor is not true, RFC 9865 §4)',
  groups: 'groups (/ResourceTypes lists no Group)',
};

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown> | undefined;
}

async function get(fetch: Fetch, url: string, headers: Headers, timeoutMs: number) {
  const signal = AbortSignal.timeout(timeoutMs);
  const response = await fetch(new Request(url, { headers, signal, redirect: 'manual' }));
  const text = await response.text();
  let body: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      body = parsed as Record<string, unknown>;
  } catch {
    body = undefined;
  }
  return { status: response.status, body } satisfies Answer;
}

function supported(body: Record<string, unknown>, name: string): boolean {
  const member = body[name];
  return (
    typeof member === 'object' &&
    member !== null &&
    (member as Record<string, unknown>).supported === true
  );
}

function refused(what: string, status: number): string {
  return `the server refused the credentials: ${what} answered ${status}. Check --token (or SCIM_TOKEN) and --header.`;
}

export async function readAdvertised(
  fetch: Fetch,
  baseUrl: string,
  requestHeaders: Readonly<Record<string, string>>,
  timeoutMs: number,
): Promise<Advertised> {
  const headers = new Headers({ accept: SCIM_MEDIA_TYPE, ...requestHeaders });
  let spc: Answer;
  let users: Answer;
  let types: Answer;
  try {
    spc = await get(fetch, `${baseUrl}/ServiceProviderConfig`, headers, timeoutMs);
    users = await get(fetch, `${baseUrl}/Users?startIndex=1&count=1`, headers, timeoutMs);
    types = await get(fetch, `${baseUrl}/ResourceTypes`, headers, timeoutMs);
  } catch (error) {
    return { features: ALL_ON, fatal: `could not reach ${baseUrl}: ${describeError(error)}` };
  }
  for (const [what, answer] of [
    ['GET /ServiceProviderConfig', spc],
    ['GET /Users', users],
  ] as const) {
    if (answer.status === 401 || answer.status === 403)
      return { features: ALL_ON, fatal: refused(what, answer.status) };
  }
  const listed = Array.isArray(types.body?.Resources)
    ? (types.body.Resources as Record<string, unknown>[])
    : undefined;
  const groups =
    listed === undefined ||
    listed.some(
      (type) =>
        String(type.name).toLowerCase() === 'group' ||
        String(type.endpoint).toLowerCase() === '/groups',
    );
  if (spc.status !== 200 || spc.body === undefined)
    return {
      features: { ...ALL_ON, groups },
      problem: `GET /ServiceProviderConfig answered ${spc.status}${spc.body === undefined ? ' without a JSON object' : ''}, so every check runs`,
    };
  const body = spc.body;
  const pagination = body.pagination as Record<string, unknown> | undefined;
  return {
    features: {
      patch: supported(body, 'patch'),
      bulk: supported(body, 'bulk'),
      filter: supported(body, 'filter'),
      sort: supported(body, 'sort'),
      etag: supported(body, 'etag'),
      changePassword: supported(body, 'changePassword'),
      cursor: pagination?.cursor === true,
      groups,
    },
  };
}
