// Event streams: who receives which events, how, and where their SETs wait. The contracts here are
// what the publisher (fan-out from the outbox), the deliverers (push, webhook), the poll endpoint
// and the stream management API share; a memory implementation and a SQL one stand behind them.
import type { SetMode } from './build.js';

/**
 * A stream's state, as the OpenID Shared Signals Framework names them: `enabled` delivers,
 * `paused` keeps queuing and delivers once enabled again, `disabled` queues nothing.
 * @example `'paused'`
 * @see https://openid.net/specs/openid-sharedsignals-framework-1_0.html
 */
export type StreamStatus = 'enabled' | 'paused' | 'disabled';

/**
 * How a push or webhook stream authenticates to its receiver: a fixed `Authorization` header value
 * (`Bearer …`), or OAuth 2.0 client credentials.
 * @example `{ kind: 'bearer', token: process.env.RECEIVER_TOKEN! }`
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2
 */
export type StreamAuthorization =
  | { readonly kind: 'bearer'; readonly token: string }
  | {
      readonly kind: 'client-credentials';
      readonly tokenUrl: string;
      readonly clientId: string;
      readonly clientSecret: string;
      readonly scope?: string;
      readonly audience?: string;
    };

/**
 * Where a stream's events go. `push` POSTs each signed SET to the receiver (RFC 8935); `poll` keeps
 * them until the receiver fetches and acknowledges them (RFC 8936); `webhook` POSTs plain JSON
 * signed with an HMAC (see `signWebhook`). A receiver URL on a loopback, private or link-local
 * address is refused unless `allowPrivateNetwork` is set (an operator's own receiver).
 * @example `{ method: 'push', endpointUrl: 'https://receiver.example.com/events', authorization: { kind: 'bearer', token } }`
 * @see https://www.rfc-editor.org/rfc/rfc8935
 */
export type StreamDelivery =
  | {
      readonly method: 'push';
      readonly endpointUrl: string;
      readonly authorization?: StreamAuthorization;
      readonly allowPrivateNetwork?: boolean;
    }
  | { readonly method: 'poll' }
  | {
      readonly method: 'webhook';
      readonly endpointUrl: string;
      /** The signing secrets; each signs every delivery, so a receiver on the old or the new one verifies during a rotation. */
      readonly secrets: readonly string[];
      readonly allowPrivateNetwork?: boolean;
    };

/**
 * One receiver's stream, scoped to a tenant.
 * @example
 * ```ts
 * const stream: EventStream = {
 *   id: 'f67e39a0', tenant: 'acme', audience: 'https://receiver.example.com',
 *   delivery: { method: 'poll' }, eventsRequested: [], status: 'enabled',
 *   defaultSubjects: 'all', subjectsAdded: [], subjectsRemoved: [],
 *   createdAt: now, updatedAt: now,
 * };
 * ```
 * @see https://openid.net/specs/openid-sharedsignals-framework-1_0.html
 */
export interface EventStream {
  /**
   * The stream's id, unique across tenants (not only within one): the queue is keyed by it alone, so
   * `StreamStore.put` refuses an id another tenant holds. SSF assigns random ids, so they never meet.
   */
  readonly id: string;
  readonly tenant: string | undefined;
  /**
   * The receiver that manages the stream through the SSF API (the identity the app's `authorize`
   * granted); undefined for streams the operator created, which SSF receivers never see or change.
   */
  readonly owner?: string;
  /** The SETs' `aud`. */
  readonly audience: string | readonly string[];
  readonly delivery: StreamDelivery;
  /** The event URIs the receiver asked for; empty means every event the transmitter emits. */
  readonly eventsRequested: readonly string[];
  /** Full or notice events by resource type name; by default notice for groups, full otherwise. */
  readonly modes?: Readonly<Record<string, SetMode>>;
  /** Also derive OpenID RISC SETs for users (account disabled, enabled, purged; identifier changed). */
  readonly risc?: boolean;
  readonly status: StreamStatus;
  readonly statusReason?: string;
  /** `all`: every subject but those removed; `none`: only the subjects added. */
  readonly defaultSubjects: 'all' | 'none';
  /** Subjects by their SCIM `sub_id` URI, such as `/Users/2819c223`. */
  readonly subjectsAdded: readonly string[];
  readonly subjectsRemoved: readonly string[];
  readonly description?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * Where streams are kept. Each call names the tenant, and a stream of another tenant is never
 * returned, replaced or deleted. Stream ids are unique across tenants, since the {@link SetQueue}
 * keys SETs by stream id alone.
 * @example `const streams = await store.list('acme')`
 * @see https://openid.net/specs/openid-sharedsignals-framework-1_0.html
 */
export interface StreamStore {
  list(tenant: string | undefined): Promise<readonly EventStream[]>;
  get(id: string, tenant: string | undefined): Promise<EventStream | undefined>;
  /**
   * Creates the stream, or replaces the one with its id and tenant.
   * @throws Error (a rejection) when another tenant holds a stream with this id: two tenants'
   * streams must never share a queue. SSF assigns random ids, so only an operator naming streams
   * by hand can meet this; the message does not name the other tenant.
   */
  put(stream: EventStream): Promise<void>;
  /** Whether there was such a stream. */
  delete(id: string, tenant: string | undefined): Promise<boolean>;
}

/**
 * Where a queued SET stands: `pending` (not yet delivered, or failed and due again; for a poll
 * stream, not yet acknowledged), `delivered`, or `dead` (refused by the receiver, or out of
 * attempts; `retry` queues it again).
 * @example `'dead'`
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2.3
 */
export type QueuedSetState = 'pending' | 'delivered' | 'dead';

/**
 * A SET to queue for one stream. Its claims are fixed when it is queued (`jti`, `iat`, `txn`, the
 * events), so a retransmission tells the same SET; push and poll SETs are signed only when they
 * are handed out, with the tenant's active key of that moment.
 * @example `{ streamId, key: `${event.id}:0`, subject: 'acme /Users/2819c223', jti, txn, eventUris, payload: JSON.stringify(claims), queuedAt }`
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2
 */
export interface NewQueuedSet {
  readonly streamId: string;
  /**
   * The idempotency key within the stream: a SET whose key is queued already is not queued again, so
   * a fan-out retried after a crash adds nothing.
   */
  readonly key: string;
  /**
   * The ordering key (tenant and subject): SETs of one subject are delivered one at a time, in the
   * order they were queued, so an older change never arrives after a newer one.
   */
  readonly subject: string;
  readonly jti: string;
  readonly txn: string;
  readonly eventUris: readonly string[];
  /**
   * What is sent, as text the queue keeps unchanged. Push and poll: the SET's claims as JSON, which
   * the deliverer and the poll endpoint sign as they hand the SET out (the JWS payload is this text,
   * byte for byte); a compact JWS, signed before it was queued, is sent as it is. Webhook: the JSON
   * body. A queue may empty it once the SET is delivered (the memory queue does): nothing sends a
   * delivered SET again, and the delivery log then holds no personal data.
   */
  readonly payload: string;
  readonly queuedAt: string;
}

/**
 * A queued SET and where its delivery stands.
 * @example `{ ...set, state: 'pending', attempts: 2, nextAttemptAt: '…', lastError: 'HTTP 503' }`
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2
 */
export interface QueuedSet extends NewQueuedSet {
  readonly state: QueuedSetState;
  /** Failed delivery attempts so far: a SET delivered at its first attempt has 0. */
  readonly attempts: number;
  readonly nextAttemptAt: string;
  /** The last failure, without personal data or secrets. */
  readonly lastError?: string;
  readonly deliveredAt?: string;
}

/**
 * The durable queue of each stream's SETs. Push and webhook deliverers claim, then complete or fail;
 * the poll endpoint claims what it hands out and completes what the receiver acknowledges. SETs are
 * keyed by stream id alone, with no tenant: stream ids are unique across tenants (see
 * {@link StreamStore.put}), so two tenants' streams never share a queue.
 * @example `const due = await queue.claim(stream.id, { limit: 50, now, leaseUntil })`
 * @see https://www.rfc-editor.org/rfc/rfc8936#section-2
 */
export interface SetQueue {
  /**
   * Queues these SETs, skipping keys the stream holds already; resolves how many were new. A queue
   * may forget delivered (and dead) SETs after a while to bound its size, so idempotency holds
   * within its retention window: a key enqueued again after its SET was forgotten is queued again.
   */
  enqueue(sets: readonly NewQueuedSet[]): Promise<number>;
  /**
   * Leases up to `limit` pending SETs of the stream that are due (their `nextAttemptAt` has passed),
   * oldest first, and only the oldest pending SET of each subject. Leased SETs are due again at
   * `leaseUntil` unless completed or failed before.
   */
  claim(
    streamId: string,
    options: { readonly limit: number; readonly now: Date; readonly leaseUntil: Date },
  ): Promise<readonly QueuedSet[]>;
  /** Marks a SET delivered (a push accepted, a poll acknowledged). Unknown jtis are ignored. */
  complete(streamId: string, jti: string, at: Date): Promise<void>;
  /** Counts a failed attempt: due again at `retryAt`, or dead when it is undefined. */
  fail(
    streamId: string,
    jti: string,
    failure: { readonly error: string; readonly retryAt: Date | undefined },
  ): Promise<void>;
  /**
   * Queues a dead SET again (replay from the dead letters), at its old place ahead of its subject's
   * newer pending SETs. Resolves false, queuing nothing, when the SET is unknown or not dead, or
   * when a newer SET of its subject was delivered already: replaying it then would deliver an older
   * change after a newer one (a dead `activate` arriving after the `deactivate` re-enables a
   * leaver). The same holds for a replay made while a newer SET of its subject is out for delivery:
   * once that SET is delivered, the replay goes back to the dead letters (`complete` does this),
   * rather than reach the receiver after it. `force` replays it anyway, knowingly out of order.
   */
  retry(streamId: string, jti: string, options?: { readonly force?: boolean }): Promise<boolean>;
  /** The stream's SETs, oldest first: the delivery log. */
  list(
    streamId: string,
    filter?: { readonly state?: QueuedSetState; readonly limit?: number },
  ): Promise<readonly QueuedSet[]>;
  /**
   * Forgets every SET of a deleted stream. An enqueue racing the removal (a fan-out that read the
   * stream just before it was deleted) may be kept or ignored, as the queue documents.
   */
  removeStream(streamId: string): Promise<void>;
  /**
   * Resolves when a SET of the stream may have become due (one queued or replayed, or one completed
   * or failed, which frees its subject's next SET), or when `signal` aborts: a hint for long
   * polling. A queue shared by several processes may only see its own process's changes; callers
   * also look again on a timer.
   */
  changed(streamId: string, signal: AbortSignal): Promise<void>;
  /**
   * How many dead SETs of the stream the queue dropped, oldest first, to stay within its cap, so
   * an operator can be told replays were lost. Optional: a queue that keeps every dead SET leaves
   * it out.
   */
  deadDropped?(streamId: string): Promise<number>;
}
