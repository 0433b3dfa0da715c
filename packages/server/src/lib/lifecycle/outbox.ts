// The lifecycle outbox's contract: what a write records, in its own transaction, and what delivery
// (hooks now, RFC 9967 event publishers next) reads back.
import type { ScimResource } from '@scim/core';
import type { AttributeChange } from '@scim/patch';

/**
 * What happened to a resource. `deactivated` and `deleted` are the deprovisioning events: one of them
 * is recorded, exactly once, for every user switched off or removed, whatever the request path.
 * `asyncCompleted` is of another kind: an asynchronous request (RFC 9967 §2.5.1), or one operation
 * of an asynchronous bulk request, has ended; it carries `asyncResponse` and `subjectUri`, and only
 * `onEvent` receives it.
 * @example `'deactivated'`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-4.1.1
 */
export type LifecycleEventType =
  | 'created'
  | 'updated'
  | 'deactivated'
  | 'reactivated'
  | 'deleted'
  | 'membersAdded'
  | 'membersRemoved'
  | 'asyncCompleted';

/**
 * How an asynchronous request, or one operation of an asynchronous bulk request, ended: one Bulk
 * response operation (RFC 7644 §3.7.3), which is the payload of RFC 9967's `misc:asyncresp` event.
 * `status` is a string, as in a bulk response; `response` is the SCIM error body of a failure.
 * @example `{ method: 'PUT', version: 'W/"3"', location: 'https://scim.example.com/scim/v2/Users/2819c223', status: '200' }`
 * @see https://www.rfc-editor.org/rfc/rfc9967#section-2.5.1.3
 */
export interface AsyncResponseOperation {
  /** Absent only for a bulk operation that named no method. */
  readonly method?: string;
  /** A bulk operation's bulkId, as the client sent it (a POST always has one). */
  readonly bulkId?: string;
  /** The resource's ETag after the write. */
  readonly version?: string;
  /** The resource's URL; absent for a POST that created nothing. */
  readonly location?: string;
  /** The HTTP status the request would have been answered with, as a string (`"201"`). */
  readonly status: string;
  /** The SCIM error (RFC 7644 §3.12) of a request that failed. */
  readonly response?: Readonly<Record<string, unknown>>;
}

/**
 * One lifecycle event, as recorded in the outbox. Everything in it is plain JSON, so a database
 * outbox can store it as a document.
 * @example
 * ```ts
 * { id: '01J…', changeId: '01J…', type: 'deactivated', resourceType: 'User', resourceId: '2819c223', operation: 'patch',
 *   tenant: undefined, principal: 'entra', occurredAt: '2026-12-03T10:00:00.000Z', requestId: 'r1' }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export interface LifecycleEvent {
  /** Unique and stable across deliveries: the idempotency key a hook can use to ignore a repeat. */
  readonly id: string;
  /**
   * Shared by every event one write recorded (a PATCH that renames a group and adds a member records
   * `updated` and `membersAdded` under one `changeId`): the RFC 9967 `txn` of that change. Events
   * recorded before this field existed lack it; their `id` stands for the change then.
   */
  readonly changeId?: string;
  readonly type: LifecycleEventType;
  /** The resource type's name, such as `User`. */
  readonly resourceType: string;
  readonly resourceId: string;
  /**
   * The request that caused it: a create, a replace (PUT), a patch, a delete, or a delete's
   * clean-up. `bulk` only for the `asyncCompleted` of a bulk operation that named no method the
   * server takes.
   */
  readonly operation: 'create' | 'replace' | 'patch' | 'delete' | 'cascade' | 'bulk';
  readonly tenant: string | undefined;
  /** What `authenticate` returned for the writer; keep it JSON if the outbox is a database. */
  readonly principal: unknown;
  /** When the write committed, as an ISO 8601 timestamp. */
  readonly occurredAt: string;
  /** The `X-Request-Id` of the request, to match an event to the request log. */
  readonly requestId: string;
  /** The resource as written (as it was last, for `deleted`); absent for membership events. */
  readonly resource?: ScimResource;
  /** The resource before the write, for updates and deprovisioning. */
  readonly previous?: ScimResource;
  /** What a PATCH changed, operation by operation. */
  readonly changes?: readonly AttributeChange[];
  /** The member values added or removed, for `membersAdded` and `membersRemoved`. */
  readonly members?: readonly string[];
  /**
   * The resource's version (its ETag) after the write, when it has one: on membership events too,
   * which carry no resource.
   */
  readonly version?: string;
  /**
   * For `asyncCompleted`: how the request ended, the RFC 9967 `misc:asyncresp` payload. Its
   * `changeId` is the `Set-Txn` the client was given (`<Set-Txn>:<index>` for a bulk operation),
   * shared by the events of the write it made.
   */
  readonly asyncResponse?: AsyncResponseOperation;
  /**
   * For `asyncCompleted`: what the request was about, as a path below the base URL (the SET's
   * `sub_id` uri): `/Users/2819c223`; the endpoint (`/Users`) for a POST that created nothing;
   * `/Bulk` for a bulk operation that named no resource type. `resourceType` is then the resource
   * type's name or `''`, and `resourceId` the resource's id or, where there is none, the txn.
   */
  readonly subjectUri?: string;
  /**
   * For `asyncCompleted`: the client quirks the request's work relied on after its 202, in the
   * shape of a request log record's `compatibility` (the 202's own record lists only what reading
   * the request relied on); present only when at least one did. A bulk operation's completion
   * does not list them yet.
   */
  readonly compatibility?: readonly {
    /** The option that allowed it, such as `caseInsensitiveOp` for `"op": "Replace"`. */
    readonly rule: string;
    readonly layer: 'validation' | 'filter' | 'patch';
    /** Such as `active` or `Operations[0].op`; absent for the request as a whole. */
    readonly path?: string;
  }[];
}

/**
 * Where an event's delivery stands: `pending` (not yet delivered, or failed and due again),
 * `delivered`, or `dead` (failed `maxAttempts` times; an operator can {@link ScimOutbox.retry} it).
 * @example `'dead'`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export type OutboxState = 'pending' | 'delivered' | 'dead';

/**
 * An event with its delivery state.
 * @example `{ event, state: 'pending', attempts: 2, nextAttemptAt: '…', lastError: 'ECONNREFUSED' }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export interface OutboxEntry {
  readonly event: LifecycleEvent;
  readonly state: OutboxState;
  /**
   * Failed delivery attempts so far: an event delivered at its first attempt has 0, and the next
   * attempt is number `attempts + 1`.
   */
  readonly attempts: number;
  /** When it may next be claimed (ISO 8601): its retry time, or the end of a delivery's lease. */
  readonly nextAttemptAt: string;
  /** The message of the last failure. */
  readonly lastError?: string;
}

/**
 * What an outbox call knows of the write it is part of.
 * @example `{ transaction: tx, tenant: 'acme', signal }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export interface OutboxContext {
  /** The write's transaction handle: the events commit or roll back with the change. */
  readonly transaction?: unknown;
  readonly tenant: string | undefined;
}

/**
 * What {@link ScimOutbox.list} reads: every field narrows it, and `order` and `limit` say which end
 * of the outbox it reads from and how much. Events of one request share its `requestId` (the
 * `X-Request-Id` the request log records), so `{ requestId }` reads what one request changed.
 * @example `{ state: 'delivered', order: 'newest', limit: 50 }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export interface OutboxListFilter {
  /** Only the event of this id: at most one entry (what a console reads to say why a retry failed). */
  readonly id?: string;
  readonly state?: OutboxState;
  readonly tenant?: string;
  /** Only the events of this request: those whose `requestId` equals it. */
  readonly requestId?: string;
  /** `oldest` (the default) reads in append order, `newest` the other way round. */
  readonly order?: 'oldest' | 'newest';
  /** At most this many entries, taken from the end `order` starts at. */
  readonly limit?: number;
}

/**
 * The store of lifecycle events. A write appends its events in the same transaction as its change;
 * delivery claims due events, and completes or fails them. The memory storage keeps one in memory; a
 * database store keeps a table. Every method but `append` is called outside any request.
 *
 * Events of one resource (the same tenant, resource type and resource id) are delivered in the order
 * they were appended: `claim` hands out only the oldest pending event of each resource, so an event
 * waiting for its retry holds back the later events of its resource (and of no other) until it is
 * delivered or dead. A deactivation retried after the reactivation that followed it would otherwise
 * leave the application believing a user is switched off, or on, against what the SCIM client said.
 * @example
 * ```ts
 * const storage = createMemoryStorage();
 * const handler = createScimHandler({ ...storage, authenticate, hooks: { onDeactivate } });
 * await storage.outbox.list({ state: 'dead' });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export interface ScimOutbox {
  /**
   * Whether `append` honours `context.transaction`, so that events roll back with the write (true
   * when left out, as for a table in the store's database). The handler writes an outbox that says
   * false after the commit instead, so a rolled-back or retried attempt leaves no event behind.
   */
  readonly joinsTransactions?: boolean;
  /** Records events, pending and leased until `leaseUntil` (to the writer, which delivers them at once). */
  append(
    events: readonly LifecycleEvent[],
    leaseUntil: Date,
    context: OutboxContext,
  ): Promise<void>;
  /**
   * Takes up to `limit` pending events, oldest first, and leases them until `leaseUntil`, so no other
   * deliverer takes them meanwhile. Of each resource it takes only the oldest pending event, and only
   * when that one is due at `now`: a later event of the resource waits, due or not, until the ones
   * before it are delivered or dead. It never takes an event whose transaction has not committed, even
   * when that transaction outlives the writer's lease: a database outbox gets this from READ
   * COMMITTED (or any stricter isolation), the memory storage's by keeping a transaction's events
   * aside until it commits.
   *
   * With `ids`, it takes only those events (the writer's own, right after its commit), whether or not
   * their lease has ended provided no claim has taken them since `append` leased them to the writer,
   * and still only where each is the oldest pending event of its resource; the others stay for the
   * poller. In SQL, with a `seq` column in append order and a `claimed` flag that `claim` sets:
   * `UPDATE outbox SET next_attempt_at = :leaseUntil, claimed = true WHERE id IN (SELECT id FROM
   * outbox o WHERE state = 'pending' AND <due> AND NOT EXISTS (SELECT 1 FROM outbox p WHERE
   * p.state = 'pending' AND p.seq < o.seq AND p.tenant IS NOT DISTINCT FROM o.tenant AND
   * p.resource_type = o.resource_type AND p.resource_id = o.resource_id) ORDER BY seq LIMIT :limit
   * FOR UPDATE SKIP LOCKED)`, where `<due>` is `next_attempt_at <= :now`, or with `ids`
   * `id = ANY(:ids) AND (next_attempt_at <= :now OR NOT claimed)`.
   */
  claim(options: {
    readonly limit: number;
    readonly now: Date;
    readonly leaseUntil: Date;
    /** Only these events: the writer's own, delivered right after the commit. */
    readonly ids?: readonly string[];
  }): Promise<readonly OutboxEntry[]>;
  /**
   * Marks an event delivered. With `lease`, the `nextAttemptAt` of the entry as `claim` handed it
   * out, only while that claim still holds it: when the lease ran out and another claim took the
   * event since, a deliverer finishing late changes nothing, and the event stays with the delivery
   * that holds it now. In SQL: `… WHERE id = :id AND state = 'pending' AND next_attempt_at =
   * :lease`. Without `lease`, whoever holds it.
   */
  complete(id: string, lease?: string): Promise<void>;
  /**
   * Records a failed attempt: due again at `retryAt`, or dead when `retryAt` is undefined. With
   * `lease`, only while the claim that handed it out still holds it, as for `complete`: a late
   * failure must not count an attempt against, or reschedule, the delivery that took over.
   */
  fail(id: string, error: string, retryAt: Date | undefined, lease?: string): Promise<void>;
  /**
   * Entries for inspection, in append order (oldest first, or newest first with `order: 'newest'`),
   * optionally of one id, state, tenant or request, at most `limit` of them. A console reads the latest
   * deliveries with `{ state: 'delivered', order: 'newest', limit: 50 }`, and the events one request
   * recorded with `{ requestId }`, without reading the whole outbox. A database outbox should answer
   * both from an index (`@scim/sql` indexes the order and, on SQLite and PostgreSQL, `requestId`).
   */
  list(filter?: OutboxListFilter): Promise<readonly OutboxEntry[]>;
  /**
   * Makes a dead event pending again, due now (or, while a later event of its resource is being
   * delivered, when that delivery's lease ends); false when there is no dead event of that id. It
   * takes its place again as the oldest pending event of its resource, holding back the later ones.
   */
  retry(id: string): Promise<boolean>;
}
