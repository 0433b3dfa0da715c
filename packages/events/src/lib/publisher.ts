// Fan-out from the server's outbox to every stream of the event's tenant. The server calls `onEvent`
// at least once per lifecycle record, in order per resource, and retries it while it throws; the
// queue skips keys it holds, so a retried fan-out queues each SET once. A record that cannot be told
// to one stream (a deterministic failure: retrying would fail again and hold back the resource's
// later events) is reported and skipped. A write's response waits for its records' first fan-out
// (the server's `delivery.responseWaitMs`), so this path only builds and queues: SETs are queued as
// their claims and signed when the deliverer or the poll endpoint hands them out.
import {
  PROV_ACTIVATE_EVENT_URI,
  PROV_DEACTIVATE_EVENT_URI,
  SCIM_EVENT_URI_PREFIX,
  randomUuid,
  type ScimResourceType,
} from '@scim/core';
import type { AsyncResponseOperation, LifecycleEvent } from '@scim/server';
import { pathSegment, planSets, type SetBuildOptions } from './build.js';
import type { SetClaims, SetEventPayload } from './claims.js';
import { toEventName, type ScimEventName } from './handlers.js';
import type { RiscSubjectOf } from './risc.js';
import type { EventStream, NewQueuedSet, SetQueue, StreamStore } from './streams.js';
import { keepsQueuedText, QueuedText } from './queued-text.js';
import type { PlannedSet } from './set-plan.js';
import { createTimeText } from './time-text.js';

/**
 * Options of {@link createEventPublisher}. `issuer` is the `iss`, or a function of the tenant.
 * `onError` hears of the records that could not be told to a stream (an unknown resource type, a
 * record not written by `@scim/server`). There are no keys here: the deliverer and the poll endpoint
 * sign each SET when they hand it out.
 * @example `{ streams, queue, issuer: 'https://scim.example.com', resourceTypes: [UserResourceType, GroupResourceType] }`
 * @see https://www.rfc-editor.org/rfc/rfc9967#section-2
 */
export interface EventPublisherOptions {
  readonly streams: StreamStore;
  readonly queue: SetQueue;
  readonly issuer: SetBuildOptions['issuer'];
  readonly resourceTypes: readonly ScimResourceType[];
  /** The `sub_id` of derived RISC SETs (default the user's e-mail address). */
  readonly riscSubject?: RiscSubjectOf | undefined;
  readonly now?: (() => Date) | undefined;
  /** The source of `jti` values and webhook ids (default `randomUuid` of `@scim/core`). */
  readonly newJti?: (() => string) | undefined;
  readonly onError?:
    | ((error: unknown, context: { readonly eventId: string; readonly streamId?: string }) => void)
    | undefined;
}

/**
 * Queues each lifecycle record for the streams that want it, made by {@link createEventPublisher}.
 * `onEvent` is the server's `hooks.onEvent`; `publish` does the same and resolves how many SETs were
 * newly queued.
 * @example `createScimHandler({ ...storage, authenticate, hooks: { onEvent: publisher.onEvent } })`
 * @see https://www.rfc-editor.org/rfc/rfc9967#section-2
 */
export interface EventPublisher {
  readonly onEvent: (event: LifecycleEvent) => Promise<void>;
  readonly publish: (event: LifecycleEvent) => Promise<number>;
}

/**
 * The JSON body of a webhook: one per lifecycle record, named like the in-process handlers
 * (`user.created`, `user.deactivated`, `group.members_added`, …). `id` is unique per delivery and
 * stream (the receiver's idempotency key); `txn` is shared by every event of one change, across
 * streams. `data` (full mode) or `attributes` (notice mode) are those of the RFC 9967 event, so they
 * never hold an attribute whose `returned` is `never` (password); `events` lists its event URIs.
 * @example
 * ```json
 * { "id": "5b0c…", "type": "user.deactivated", "txn": "01J…", "occurredAt": "2026-12-03T10:00:00.000Z",
 *   "tenant": null, "resource": { "type": "User", "id": "2819c223", "uri": "/Users/2819c223", "version": "W/\"3\"" },
 *   "events": ["urn:ietf:params:scim:event:prov:deactivate"] }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9967#section-2.4
 */
export interface WebhookEventBody {
  readonly id: string;
  readonly type: ScimEventName;
  readonly txn: string;
  readonly occurredAt: string;
  readonly tenant: string | null;
  readonly resource: {
    readonly type: string;
    readonly id: string;
    readonly uri: string;
    readonly externalId?: string;
    readonly version?: string;
  };
  readonly events: readonly string[];
  readonly data?: Readonly<Record<string, unknown>>;
  readonly attributes?: readonly string[];
  /** The member values added or removed, for `*.members_added` and `*.members_removed`. */
  readonly members?: readonly string[];
  /**
   * For `async.completed`: how the asynchronous request ended (RFC 9967 §2.5.1.3), whose `Set-Txn`
   * is `txn`; `resource` then names what it was about (its `id` is the txn when it has none).
   */
  readonly asyncResponse?: AsyncResponseOperation;
}

/**
 * Makes the publisher that fans each lifecycle record out to the tenant's streams. A stream gets the
 * record when it is not `disabled` (a `paused` one keeps queuing), its subjects admit the record's
 * resource (`defaultSubjects`, `subjectsAdded`, `subjectsRemoved`, by `sub_id` URI) and its
 * `eventsRequested` (empty: all) share an event URI with the SET. Push and poll streams get the
 * claims of SETs built for them (their audience, full or notice modes, RISC), fixed now and signed
 * when delivered or polled; webhook streams get a {@link WebhookEventBody}. Every stream's SETs of
 * one record share `txn`, each with its own `jti`.
 * @example
 * ```ts
 * const keys = createSigningKeySet({ active: await generateSigningKey() });
 * const streams = createMemoryStreamStore();
 * const queue = createMemorySetQueue();
 * const publisher = createEventPublisher({
 *   streams, queue, issuer: 'https://scim.example.com', resourceTypes: [UserResourceType, GroupResourceType],
 * });
 * const handler = createScimHandler({ ...createMemoryStorage(), authenticate, hooks: { onEvent: publisher.onEvent } });
 * const deliverer = createStreamDeliverer({ streams, queue, keys }); // signs each SET as it pushes it
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9967#section-2
 */
export function createEventPublisher(options: EventPublisherOptions): EventPublisher {
  const { now } = options;
  const newJti = options.newJti ?? randomUuid;
  const report =
    options.onError ??
    ((error: unknown, context: { readonly eventId: string; readonly streamId?: string }) =>
      console.warn(
        `@scim/events: event ${context.eventId} was not published to stream ${context.streamId ?? '(all)'}:`,
        error instanceof Error ? error.message : error,
      ));
  const settings: FanOutSettings = {
    options,
    now,
    newJti,
    printLater: keepsQueuedText(options.queue),
  };
  // The records of one write fan out within a millisecond or so: they share one queuedAt text.
  const timeText = createTimeText();
  const queuedAtNow = (): string => timeText(now === undefined ? Date.now() : now().getTime());
  const endpoints = endpointsOf(options.resourceTypes);

  const publish = async (event: LifecycleEvent): Promise<number> => {
    const uri = subjectOf(event, endpoints);
    if (uri instanceof Error) {
      report(uri, { eventId: event.id });
      return 0;
    }
    const streams = await options.streams.list(event.tenant);
    let fanOut: FanOut | undefined;
    const sets: NewQueuedSet[] = [];
    let failure: { readonly error: unknown } | undefined;
    for (const stream of streams) {
      if (stream.status === 'disabled' || !admitsSubject(stream, uri)) continue;
      try {
        fanOut ??= {
          event,
          uri,
          subject: orderingKey(event, uri),
          queuedAt: queuedAtNow(),
        };
        const built = setsFor(stream, fanOut, settings);
        if (built instanceof Error) report(built, { eventId: event.id, streamId: stream.id });
        else for (const set of built) sets.push(set);
      } catch (error) {
        // An injected clock, jti source or riscSubject threw: not the record's fault, so the
        // server retries it. The other streams are queued first; their keys make the retry queue
        // nothing twice.
        report(error, { eventId: event.id, streamId: stream.id });
        failure ??= { error };
      }
    }
    const queued = sets.length === 0 ? 0 : await options.queue.enqueue(sets);
    if (failure !== undefined) throw failure.error;
    return queued;
  };

  return {
    publish,
    onEvent: (event) => publish(event).then(noop),
  };
}

function noop(): void {}

/** What the publisher resolved once. */
interface FanOutSettings {
  readonly options: EventPublisherOptions;
  /** The injected clock; the system clock when undefined. */
  readonly now: (() => Date) | undefined;
  readonly newJti: () => string;
  /**
   * The queue keeps {@link QueuedText}s (the memory queue): each SET's claims are written and
   * printed when it is handed out.
   */
  readonly printLater: boolean;
}

/** What every stream's SETs of one record share. */
interface FanOut {
  readonly event: LifecycleEvent;
  /** The resource's `sub_id` URI. */
  readonly uri: string;
  /** The queue's ordering key: tenant and `sub_id` URI. */
  readonly subject: string;
  readonly queuedAt: string;
}

/** The stream's SETs of the record, or the deterministic reason it has none. */
function setsFor(
  stream: EventStream,
  fanOut: FanOut,
  { options, now, newJti, printLater }: FanOutSettings,
): NewQueuedSet[] | Error {
  const { event } = fanOut;
  const isWebhook = stream.delivery.method === 'webhook';
  // A (de)activation is told by the SET of the update recorded with it; only a webhook tells it
  // on its own. Every deprovisioning write records one, so it is not built to be thrown away.
  if (!isWebhook && (event.type === 'deactivated' || event.type === 'reactivated')) return [];
  const built = planSets(event, {
    issuer: options.issuer,
    resourceTypes: options.resourceTypes,
    audience: stream.audience,
    modes: stream.modes,
    riscSubject: options.riscSubject,
    now,
    newJti,
    // Webhooks carry the SCIM event only: RISC SETs exist for receivers that speak RISC.
    risc: !isWebhook && stream.risc === true,
  });
  if (!built.ok)
    return new Error(built.issues.map((issue) => `${issue.code}: ${issue.message}`).join('; '));
  const entry = (
    index: number,
    jti: string,
    txn: string,
    uris: readonly string[],
    value: () => object,
  ): NewQueuedSet => {
    const key = `${event.id}:${stream.id}:${index}`;
    return printLater
      ? new QueuedText(stream.id, key, fanOut.subject, jti, txn, uris, value, fanOut.queuedAt)
      : {
          streamId: stream.id,
          key,
          subject: fanOut.subject,
          jti,
          txn,
          eventUris: uris,
          payload: JSON.stringify(value()),
          queuedAt: fanOut.queuedAt,
        };
  };
  if (isWebhook) {
    const body = webhookBody(event, fanOut.uri, built.value[0]?.claims(), newJti);
    if (body === undefined || !wants(stream, body.events)) return [];
    return [entry(0, body.id, body.txn, Object.freeze([...body.events]), () => body)];
  }
  const sets: NewQueuedSet[] = [];
  for (let index = 0; index < built.value.length; index++) {
    const planned = built.value[index] as PlannedSet;
    // Frozen and shared, so the queue keeps this array rather than a copy.
    const uris = planned.eventUris;
    if (!wants(stream, uris)) continue;
    // The claims, written and printed when first read: what the deliverer and the poll endpoint sign.
    sets.push(entry(index, planned.jti, planned.txn, uris, planned.claims));
  }
  return sets;
}

/**
 * The webhook of a record, from its SCIM SET: undefined when the record tells nothing (a change of
 * a never-returned attribute only). `deactivated` and `reactivated` records have no SET of their
 * own (their update's SET carries them), but a webhook each, so `user.deactivated` is one event.
 */
function webhookBody(
  event: LifecycleEvent,
  uri: string,
  claims: SetClaims | undefined,
  newJti: () => string,
): WebhookEventBody | undefined {
  const accountUri =
    event.type === 'deactivated'
      ? PROV_DEACTIVATE_EVENT_URI
      : event.type === 'reactivated'
        ? PROV_ACTIVATE_EVENT_URI
        : undefined;
  // The update's SET also names the (de)activation, which has its own webhook: not told twice.
  const uris =
    accountUri === undefined
      ? Object.keys(claims?.events ?? {}).filter(
          (eventUri) =>
            eventUri.startsWith(SCIM_EVENT_URI_PREFIX) &&
            eventUri !== PROV_ACTIVATE_EVENT_URI &&
            eventUri !== PROV_DEACTIVATE_EVENT_URI,
        )
      : [accountUri];
  if (uris.length === 0) return undefined;
  const payload = payloadOf(claims, uris);
  const externalId = claims?.sub_id.externalId ?? externalIdOf(event);
  const version = payload?.version ?? event.version;
  return {
    id: accountUri === undefined && claims !== undefined ? claims.jti : newJti(),
    type: toEventName(event),
    txn: claims?.txn ?? event.changeId ?? event.id,
    occurredAt: event.occurredAt,
    tenant: event.tenant ?? null,
    resource: {
      type: event.resourceType,
      id: event.resourceId,
      uri,
      ...(typeof externalId === 'string' && { externalId }),
      ...(version !== undefined && { version }),
    },
    events: uris,
    ...(payload?.data !== undefined && { data: payload.data }),
    ...(payload?.attributes !== undefined && { attributes: payload.attributes }),
    ...(event.members !== undefined && { members: event.members }),
    ...(event.asyncResponse !== undefined && { asyncResponse: event.asyncResponse }),
  };
}

/** The payload that carries `data` or `attributes` (create, patch, put), else the first one. */
function payloadOf(
  claims: SetClaims | undefined,
  uris: readonly string[],
): SetEventPayload | undefined {
  if (claims === undefined) return undefined;
  const payloads = uris.flatMap((eventUri) => {
    const payload = claims.events[eventUri];
    return payload === undefined ? [] : [payload];
  });
  return (
    payloads.find((payload) => payload.data !== undefined || payload.attributes !== undefined) ??
    payloads[0]
  );
}

function externalIdOf(event: LifecycleEvent): unknown {
  return (event.resource ?? event.previous)?.externalId;
}

/**
 * The queue's ordering key: tenant and `sub_id` URI, so a resource's SETs go out in order. A
 * completion about no resource (a POST that created nothing, a bulk operation naming no type) has
 * only an endpoint for `sub_id`; keyed by it, every such completion of a tenant would wait for the
 * one before, so it is keyed by its own `txn` instead.
 */
function orderingKey(event: LifecycleEvent, uri: string): string {
  const aboutNoResource = event.type === 'asyncCompleted' && uri.lastIndexOf('/') === 0;
  return aboutNoResource
    ? `${event.tenant ?? ''} txn:${event.changeId ?? event.id}`
    : `${event.tenant ?? ''} ${uri}`;
}

/** Whether the stream asked for any of these event URIs (none asked: all of them). */
function wants(stream: EventStream, uris: readonly string[]): boolean {
  if (stream.eventsRequested.length === 0) return true;
  return uris.some((uri) => stream.eventsRequested.includes(uri));
}

/**
 * Whether the stream's subjects admit the resource: SSF streams start with every subject (`all`)
 * or none, then add and remove subjects; a removed subject stays out whatever the default.
 */
function admitsSubject(stream: EventStream, uri: string): boolean {
  if (stream.subjectsRemoved.includes(uri)) return false;
  return stream.defaultSubjects === 'all' || stream.subjectsAdded.includes(uri);
}

/** Each resource type's endpoint as a `sub_id` URI starts (`/Users`), by resource type name. */
function endpointsOf(resourceTypes: readonly ScimResourceType[]): ReadonlyMap<string, string> {
  const endpoints = new Map<string, string>();
  // The first of a name wins, as `toSetClaims` finds it.
  for (const type of [...resourceTypes].reverse())
    endpoints.set(type.name, `/${type.endpoint.replace(/^\/+|\/+$/g, '')}`);
  return endpoints;
}

/**
 * The record's `sub_id` URI as `toSetClaims` writes it (RFC 9967 §2.1): `/Users/2819c223`, or an
 * asynchronous request's own `subjectUri`; an Error when the record names no known resource type.
 */
function subjectOf(event: LifecycleEvent, endpoints: ReadonlyMap<string, string>): string | Error {
  if (event.type === 'asyncCompleted')
    return event.subjectUri ?? new Error('An asyncCompleted record holds its subjectUri');
  const endpoint = endpoints.get(event.resourceType);
  if (endpoint === undefined)
    return new Error(`Resource type '${event.resourceType}' is not among resourceTypes`);
  return `${endpoint}/${pathSegment(event.resourceId)}`;
}
