// The receiving end of replication (RFC 9967 §2, RFC 8935, RFC 8936): SETs pushed to this server or
// polled from the transmitter are verified, read as changes of SCIM resources and applied to this
// server's stores, so that they hold what the transmitter holds, with the same ids. The outcome of
// each SET is data: applied, skipped (a duplicate, stale, of a deleted subject, or nothing to do),
// refused with the RFC 8935 error code to answer, or failed for now, to be retried.
import {
  GroupResourceType,
  JSON_MEDIA_TYPE,
  SECEVENT_JWT_MEDIA_TYPE,
  stableStringify,
  UserResourceType,
  type ScimResourceType,
} from '@scim/core';
import { readBodyBytes, type ScimStore } from '@scim/server';
import { decodeJwt } from 'jose';
import type { SetClaims } from './claims.js';
import { applyChange, storeFailureText, type ApplyContext } from './receiver-apply.js';
import { pollSets, type PollOnceOptions, type PollOnceResult } from './receiver-poll.js';
import { readChange } from './receiver-read.js';
import type { ResourceSource } from './receiver-source.js';
import { createMemoryReceiverState, type ReceiverStateStore } from './receiver-state.js';
import { checkNumberOption } from './replay.js';
import {
  verifySet,
  type SetErrorCode,
  type SetVerifyIssue,
  type SetVerifyOptions,
} from './verify.js';

/**
 * Where a receiver writes: this server's store per resource type name (a memory storage's `stores`
 * fit), the resource types (default User and Group), the tenant and principal its store calls
 * carry, and its own SCIM base URI for `meta.location` (without it, copies have no location).
 * @example `{ stores: storage.stores, baseUrl: 'https://replica.example.com/scim/v2' }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export interface ReceiverTarget {
  readonly stores: Readonly<Record<string, ScimStore>>;
  readonly resourceTypes?: readonly ScimResourceType[] | undefined;
  readonly tenant?: string | undefined;
  /** The `principal` of the receiver's store calls (default `'scim-event-receiver'`). */
  readonly principal?: unknown;
  readonly baseUrl?: string | URL | undefined;
}

/**
 * Options of {@link createEventReceiver}: those of `verifySet` (the transmitter's keys, `issuer`,
 * `audience`, `replayCache`, …), and where and how to apply. `source` reads a resource back from the
 * transmitter; with it, every change is applied by reading the resource (`refresh: 'always'`, the
 * default) or only the notice ones (`'notice'`: full events are applied from their data). Copies
 * read from the source have the transmitter's `meta.lastModified` to the millisecond; one patched
 * from a PatchOp takes the SET's `toe`, which is exact only when the transmitter sends its fraction
 * of a second, so exact times need a source with `refresh: 'always'`. `state` keeps what was
 * applied per subject (default in memory). `authorize` checks a push request's credentials (401
 * otherwise); `maxBodyBytes` bounds a pushed SET (default 1 MiB); `onError` hears of every failure
 * a result reports as `failed`, with its cause.
 * @example
 * ```ts
 * const options: EventReceiverOptions = {
 *   keys: createRemoteJwks('https://scim.example.com/.well-known/jwks.json'),
 *   issuer: 'https://scim.example.com',
 *   audience: 'https://replica.example.com',
 *   replayCache: createMemoryReplayCache(),
 *   target: { stores: storage.stores, baseUrl: 'https://replica.example.com/scim/v2' },
 *   source: createResourceSource({ baseUrl: 'https://scim.example.com/scim/v2', authorization }),
 * };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9967#section-2
 */
export interface EventReceiverOptions extends SetVerifyOptions {
  readonly target: ReceiverTarget;
  readonly source?: ResourceSource | undefined;
  readonly refresh?: 'always' | 'notice' | undefined;
  readonly state?: ReceiverStateStore | undefined;
  readonly authorize?: ((request: Request) => boolean | Promise<boolean>) | undefined;
  readonly maxBodyBytes?: number | undefined;
  /**
   * How long after a change (its `toe`) a `source` answering 404 may still be behind it, in ms
   * (default 60,000): a read replica that does not show a new user yet. Within it, the SET fails
   * and the transmitter sends it again; after it, the change is skipped as stale (the subject was
   * deleted since, and its delete follows). Nothing a SET carries is written in the source's place,
   * except a deactivation, which deactivates the copy.
   */
  readonly sourceLagMs?: number | undefined;
  readonly onError?:
    | ((error: unknown, context: { readonly jti?: string; readonly subject?: string }) => void)
    | undefined;
}

/**
 * What became of one SET, as data:
 * - `applied`: written (`action` create, replace or delete; `from` the SET's data or the source);
 * - `skipped`: nothing to write: a `duplicate` (received or applied before), `stale` (a later change
 *   of the subject is already applied, or a change the source still answers 404 for after
 *   `sourceLagMs`: its delete follows), `deleted` (the subject was deleted, and ids are never reassigned), or
 *   `not_applicable` (an event about the stream, or a subject leaving the feed);
 * - `refused`: the SET is wrong or cannot be applied here, for good: answer 400 with `err` and
 *   `description` (RFC 8935 §2.3), or report it in a poll's `setErrs` (RFC 8936 §2.2);
 * - `failed`: it could not be applied this time (a store or source failure, a source behind the
 *   change, the transmitter's keys unreachable or a rotated key not fetched yet, an `iat` ahead of
 *   this receiver's clock): answer 5xx, or leave it unacknowledged, so that it comes again.
 * @example `if (result.status === 'refused') return Response.json({ err: result.err, description: result.description }, { status: 400 });`
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2.3
 */
export type ReceiveResult =
  | {
      readonly status: 'applied';
      readonly action: 'create' | 'replace' | 'delete';
      readonly from: 'data' | 'source';
      readonly jti: string;
      readonly txn: string;
      readonly subject: string;
    }
  | {
      readonly status: 'skipped';
      readonly reason: 'duplicate' | 'stale' | 'deleted' | 'not_applicable';
      readonly description: string;
      readonly jti?: string;
      readonly txn?: string;
      readonly subject?: string;
    }
  | {
      readonly status: 'refused';
      readonly err: SetErrorCode;
      readonly description: string;
      readonly jti?: string;
    }
  | { readonly status: 'failed'; readonly description: string; readonly jti?: string };

/**
 * A receiver made by {@link createEventReceiver}: `receive` applies one compact SET however it
 * arrived; `handlePush` is the RFC 8935 push endpoint (a Web `Request` in, a `Response` out);
 * `pollOnce` polls an RFC 8936 endpoint once, applies what it got and acknowledges it.
 * @example `app.post('/scim-events', (c) => receiver.handlePush(c.req.raw));`
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2
 */
export interface EventReceiver {
  receive(
    token: string,
    context?: { readonly signal?: AbortSignal | undefined },
  ): Promise<ReceiveResult>;
  handlePush(request: Request): Promise<Response>;
  pollOnce(options: PollOnceOptions): Promise<PollOnceResult>;
}

const DEFAULT_MAX_BODY_BYTES = 1_048_576;
/** A read replica a minute behind is slow; one further behind is left to the subject's next change. */
const DEFAULT_SOURCE_LAG_MS = 60_000;
const UTF8 = new TextDecoder('utf-8', { fatal: true });
const NEVER = new AbortController().signal;

/**
 * Creates a receiver that applies provisioning SETs (RFC 9967) to this server's stores, so that a
 * replica converges on the transmitter: the same resources with the same ids, `meta.version` and
 * times. Each SET is verified with `verifySet`, read (an unknown event, a missing `txn` or
 * `sub_id`, a resource type not kept here are refused as `invalid_request`), and applied under its
 * subject's state: a change seen before (same `txn` and events) is skipped, a subject once deleted
 * stays deleted, and a change that certainly happened before the one applied (by `toe`, or the
 * data's `meta.lastModified`) never overwrites it; within one `toe` instant (a millisecond) the
 * transmitter's order is trusted (it delivers a subject's SETs in order). With a `source`, a change
 * is applied by reading the resource: a source behind the change (not at its `version`, last
 * modified before it, or still showing `active` the other way than a (de)activation says) fails for
 * now; a source that answers 404 (a read replica not there yet, or a delete since) never deletes
 * the copy, and nothing the SET carries is written in its place but a deactivation: the change
 * fails for `sourceLagMs` after it happened, then is skipped, since the transmitter's delete
 * follows in order; without a
 * source, `create:full` and `put:full` data is written as it is, `patch:full` data is applied to the
 * copy with `@scim/patch`, and notice events are refused. What a server derives on reads or never
 * returns (a password, a user's `groups`, by the schema's `mutability` and `returned`) is never
 * written, and members a PatchOp added before their own create arrived get their `type` once it
 * has. Writes go to the stores directly: the replica records no lifecycle events of its own for
 * them. The `jti` is released again when a SET failed or was refused, so the transmitter's retry,
 * or a replay of the dead letter, is processed; a SET the replay cache holds that is not being
 * applied here (the process stopped after reserving its jti, or the cache has no `release`) is
 * applied when its subject's state does not have its change, and skipped as a duplicate otherwise.
 * @example
 * ```ts
 * const storage = createMemoryStorage();
 * const receiver = createEventReceiver({
 *   keys: createRemoteJwks('https://scim.example.com/.well-known/jwks.json'),
 *   issuer: 'https://scim.example.com',
 *   audience: 'https://replica.example.com',
 *   replayCache: createMemoryReplayCache(),
 *   target: { stores: storage.stores, baseUrl: 'https://replica.example.com/scim/v2' },
 *   source: createResourceSource({ baseUrl: 'https://scim.example.com/scim/v2', authorization }),
 *   authorize: (request) => request.headers.get('authorization') === `Bearer ${pushToken}`,
 * });
 * // push: app.post('/scim-events', (c) => receiver.handlePush(c.req.raw));
 * // poll: setInterval(() => receiver.pollOnce({ url: pollUrl, authorization }), 5_000);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9967#section-2
 */
export function createEventReceiver(options: EventReceiverOptions): EventReceiver {
  const { target, onError } = options;
  if ((options as { readonly audience?: unknown }).audience === undefined)
    throw new TypeError(
      'createEventReceiver: audience must be this receiver’s audience, or false to skip the aud check on purpose',
    );
  const resourceTypes = target.resourceTypes ?? [UserResourceType, GroupResourceType];
  for (const resourceType of resourceTypes)
    if (target.stores[resourceType.name] === undefined)
      throw new TypeError(
        `createEventReceiver: no store for resource type '${resourceType.name}' in target.stores`,
      );
  const maxBodyBytes = checkNumberOption(
    'createEventReceiver',
    'maxBodyBytes',
    options.maxBodyBytes,
    DEFAULT_MAX_BODY_BYTES,
    { min: 1, integer: true },
  );
  const principal = target.principal ?? 'scim-event-receiver';
  const applying: ApplyContext = {
    storeOf: (resourceType) => target.stores[resourceType.name] as ScimStore,
    contextOf: (resourceType, signal) => ({
      resourceType,
      principal,
      tenant: target.tenant,
      signal,
    }),
    resourceTypes,
    baseUrl:
      target.baseUrl === undefined ? undefined : new URL(target.baseUrl).href.replace(/\/+$/, ''),
    source: options.source,
    refresh: options.refresh ?? 'always',
    state: options.state ?? createMemoryReceiverState(),
    tenant: target.tenant,
    now: options.now === undefined ? Date.now : () => (options.now as () => Date)().getTime(),
    sourceLagMs: checkNumberOption(
      'createEventReceiver',
      'sourceLagMs',
      options.sourceLagMs,
      DEFAULT_SOURCE_LAG_MS,
      { min: 0 },
    ),
  };
  /** SETs being applied, by issuer and jti: a retry that arrives meanwhile waits for the outcome. */
  const inFlight = new Map<string, Promise<ReceiveResult>>();

  const report = (error: unknown, context: { jti?: string; subject?: string }): void => {
    try {
      onError?.(error, context);
    } catch {
      // A failing error hook must not turn a result into a rejection.
    }
  };

  async function apply(claims: SetClaims, signal: AbortSignal): Promise<ReceiveResult> {
    const { jti } = claims;
    const read = readChange(claims, resourceTypes);
    if (read.kind === 'refused')
      return { status: 'refused', err: read.err, description: read.description, jti };
    if (read.kind === 'ignored')
      return { status: 'skipped', reason: 'not_applicable', description: read.description, jti };
    const { change } = read;
    const about = { jti, txn: change.txn, subject: change.uri };
    try {
      const applied = await applyChange(
        change,
        await digestOf(claims),
        claims.iss,
        applying,
        signal,
      );
      if (applied.status === 'failed' && applied.cause !== undefined)
        report(applied.cause, { jti, subject: change.uri });
      if (applied.status === 'applied' || applied.status === 'skipped')
        return { ...applied, ...about };
      if (applied.status === 'refused') return { ...applied, jti };
      return { status: 'failed', description: applied.description, jti };
    } catch (error) {
      report(error, { jti, subject: change.uri });
      return { status: 'failed', description: storeFailureText(error), jti };
    }
  }

  /**
   * Applies a SET as the delivery of its jti being applied here, so that a retry arriving meanwhile
   * answers as this one will; `settle` runs on the result before that delivery ends.
   */
  async function applyTracked(
    claims: SetClaims,
    signal: AbortSignal,
    settle: (result: ReceiveResult) => Promise<void> = () => Promise.resolve(),
  ): Promise<ReceiveResult> {
    const key = JSON.stringify([claims.iss, claims.jti]);
    const running = apply(claims, signal).then(async (result) => {
      await settle(result);
      return result;
    });
    inFlight.set(key, running);
    try {
      return await running;
    } finally {
      inFlight.delete(key);
    }
  }

  async function receive(
    token: string,
    context: { readonly signal?: AbortSignal | undefined } = {},
  ): Promise<ReceiveResult> {
    const signal = context.signal ?? NEVER;
    let verified: Awaited<ReturnType<typeof verifySet>>;
    try {
      verified = await verifySet(token, options);
    } catch (error) {
      // A misconfiguration verifySet throws on (a NaN maximum age, a malformed JWKS): the SET is
      // not at fault, so the transmitter keeps it until the receiver is fixed.
      report(error, {});
      return { status: 'failed', description: 'The receiver could not verify SETs' };
    }
    if (!verified.ok) return notVerified(verified.issues, token, signal);
    const { claims, release } = verified.value;
    return applyTracked(claims, signal, async (result) => {
      // Taken back, so that the transmitter's retry (or a replay of the dead letter once the
      // receiver is fixed) is applied rather than answered "already received".
      if (result.status === 'failed' || result.status === 'refused')
        await release().catch((error: unknown) => report(error, { jti: claims.jti }));
    });
  }

  /** The result of a SET `verifySet` did not accept: refused, failed for now, or a replay. */
  async function notVerified(
    issues: readonly SetVerifyIssue[],
    token: string,
    signal: AbortSignal,
  ): Promise<ReceiveResult> {
    const [first] = issues;
    if (first?.code !== 'replayed') {
      // An issue with an err is wrong for good, and wins: retrying would not help. Issues without one
      // (keys unreachable or not fetched yet, an iat ahead of this clock) may pass on a later
      // delivery, so they fail for now: a 400 would make the transmitter dead-letter the SET.
      const refusal = issues.find((issue) => issue.err !== undefined);
      if (refusal === undefined && first !== undefined)
        return { status: 'failed', description: first.message };
      return {
        status: 'refused',
        err: refusal?.err ?? 'invalid_request',
        description: (refusal ?? first)?.message ?? 'The SET was refused',
      };
    }
    // verifySet reports a replay only once everything else checked out, so the claims are sound.
    const claims = decodeJwt(token) as unknown as SetClaims;
    const running = inFlight.get(JSON.stringify([claims.iss, claims.jti]));
    // The first delivery is still being applied: answer as it will, or a 202 given now would
    // stop the transmitter's retries while that delivery may still fail.
    if (running !== undefined) return running;
    // Received before, yet perhaps never applied: the process stopped after the jti was reserved,
    // or the replay cache could not take it back after a failure. The subject's state knows
    // whether its change is there; a SET with nothing left to do was received before.
    const result = await applyTracked(claims, signal);
    if (result.status !== 'skipped' || result.reason === 'duplicate') return result;
    return { ...result, reason: 'duplicate', description: first.message };
  }

  async function handlePush(request: Request): Promise<Response> {
    if (request.method !== 'POST')
      return new Response(null, { status: 405, headers: { allow: 'POST' } });
    try {
      if (options.authorize !== undefined && !(await options.authorize(request)))
        return errorResponse(401, 'authentication_failed', 'The request lacks valid credentials', {
          'www-authenticate': 'Bearer',
        });
    } catch (error) {
      report(error, {});
      return new Response(null, { status: 500 });
    }
    const mediaType = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
    if (mediaType !== SECEVENT_JWT_MEDIA_TYPE)
      return errorResponse(400, 'invalid_request', `Send the SET as ${SECEVENT_JWT_MEDIA_TYPE}`);
    let bytes: Uint8Array | undefined;
    try {
      bytes = await readBodyBytes(request, maxBodyBytes);
    } catch {
      return errorResponse(400, 'invalid_request', 'The SET could not be read');
    }
    if (bytes === undefined)
      return errorResponse(400, 'invalid_request', `The SET is larger than ${maxBodyBytes} bytes`);
    let token: string;
    try {
      token = UTF8.decode(bytes).trim();
    } catch {
      return errorResponse(400, 'invalid_request', 'The SET is not UTF-8');
    }
    const result = await receive(token, { signal: request.signal });
    switch (result.status) {
      case 'applied':
      case 'skipped':
        return new Response(null, { status: 202 });
      case 'refused':
        return errorResponse(400, result.err, result.description);
      case 'failed':
        // RFC 8935 §2.4 has no code for "later": a 5xx makes the transmitter retry.
        return new Response(null, { status: 503 });
    }
  }

  return {
    receive,
    handlePush,
    pollOnce: (poll) => pollSets(poll, receive),
  };
}

/** A digest of a SET's events: two SETs of one txn tell the same change exactly when it matches. */
async function digestOf(claims: SetClaims): Promise<string> {
  const bytes = new TextEncoder().encode(stableStringify(claims.events));
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(hash.subarray(0, 16), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** An RFC 8935 §2.3 error answer. */
function errorResponse(
  status: number,
  err: string,
  description: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify({ err, description }), {
    status,
    headers: { 'content-type': JSON_MEDIA_TYPE, ...headers },
  });
}
