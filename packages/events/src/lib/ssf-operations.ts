// The operations behind the Shared Signals stream management routes (SSF 1.0 §8.1): each parses
// its request whole (a 400 before the first store call), finds only the streams the calling
// receiver created (its owner), and answers as the spec's section for it says. Split from ssf.ts, which routes, authorizes
// and serves the public documents.
import {
  FEED_ADD_EVENT_URI,
  FEED_REMOVE_EVENT_URI,
  OPAQUE_SUBJECT_FORMAT,
  POLL_DELIVERY_METHOD,
  SCIM_SUBJECT_FORMAT,
  SSF_STREAM_UPDATED_EVENT_URI,
  SSF_VERIFICATION_EVENT_URI,
} from '@scim/core';
import type { SetClaims, SetEventPayload } from './claims.js';
import { isLoopback } from './delivery-log.js';
import { checkReceiverUrl, type ReceiverUrlResolver } from './receiver-url.js';
import { SsfError, empty, invalid, json, readJsonObject } from './ssf-http.js';
import {
  parseStatusUpdate,
  parseStreamConfig,
  parseSubjectRequest,
  parseVerificationRequest,
  sameMember,
  shownEndpointUrl,
  streamIdParam,
  toStreamConfig,
  type DeliveryRequest,
  type StreamView,
} from './ssf-wire.js';
import type { EventStream, SetQueue, StreamDelivery, StreamStore } from './streams.js';

/**
 * The management endpoints' paths, relative to the base URL.
 * @example `${base}${SSF_PATHS.configuration}` // https://scim.example.com/ssf/stream
 * @see https://openid.net/specs/openid-sharedsignals-framework-1_0.html#management-api
 */
export const SSF_PATHS = {
  configuration: '/stream',
  status: '/status',
  addSubject: '/subjects:add',
  removeSubject: '/subjects:remove',
  verification: '/verify',
  jwks: '/jwks.json',
} as const;

/**
 * One authorized request as the operations see it: the tenant, receiver and audience its
 * authorization granted, and how the tenant's streams are shown.
 * @example `await operation({ request, url, tenant: 'acme', receiver: 'okta', audience: undefined, view })`
 * @see https://openid.net/specs/openid-sharedsignals-framework-1_0.html#management
 */
export interface SsfCall {
  readonly request: Request;
  readonly url: URL;
  readonly tenant: string | undefined;
  /** The receiver's identity, a non-empty string: the owner of the streams it may see. */
  readonly receiver: string;
  readonly audience: string | readonly string[] | undefined;
  readonly view: StreamView;
}

/**
 * One route of the management API and its operations by method; 405 and `Allow` follow from it.
 * @example `{ path: '/status', methods: { GET: readStatus, POST: updateStatus } }`
 * @see https://openid.net/specs/openid-sharedsignals-framework-1_0.html#management-api
 */
export interface SsfRoute {
  readonly path: string;
  readonly methods: Readonly<Partial<Record<string, (call: SsfCall) => Promise<Response>>>>;
}

type Operation = (call: SsfCall) => Promise<Response>;

/**
 * The options of the operations, resolved once when the endpoints are made.
 * @example `createSsfRoutes({ streams, queue, now, newId, maxBodyBytes: 65_536, … })`
 * @see https://openid.net/specs/openid-sharedsignals-framework-1_0.html#management-api
 */
export interface SsfOperationSettings {
  readonly streams: StreamStore;
  readonly queue: SetQueue;
  readonly now: () => Date;
  readonly newId: () => string;
  readonly maxBodyBytes: number;
  readonly minVerificationInterval: number;
  readonly pollSupported: boolean;
  readonly allowPrivateNetwork: boolean | undefined;
  readonly resolve: ReceiverUrlResolver | undefined;
  /** Told why an endpoint_url was refused, in the detail the receiver is not shown. Never throws. */
  readonly report: (error: unknown) => void;
  readonly defaultSubjects: 'all' | 'none';
}

const MAX_SUBJECTS = 10_000;
/** Streams whose last verification time is remembered; the oldest are forgotten first. */
const MAX_REMEMBERED_VERIFICATIONS = 10_000;

/**
 * The management routes: configuration, status, add and remove subject, verification.
 * @example `const routes = createSsfRoutes(settings); routes.find((r) => r.path === '/stream')`
 * @see https://openid.net/specs/openid-sharedsignals-framework-1_0.html#management-api
 */
export function createSsfRoutes(settings: SsfOperationSettings): readonly SsfRoute[] {
  const { streams, queue, now, newId, maxBodyBytes, minVerificationInterval, pollSupported } =
    settings;
  /** Stream id → when its last verification was requested (ms); per process, per handler. */
  const verifiedAt = new Map<string, number>();

  const body = (call: SsfCall) => readJsonObject(call.request, maxBodyBytes);

  /**
   * The stream, if it exists and the calling receiver created it; anything else (another tenant's,
   * another receiver's, the operator's, which has no owner) is answered exactly as a missing one.
   */
  async function find(call: SsfCall, id: string): Promise<EventStream> {
    const stream = await streams.get(id, call.tenant);
    if (stream === undefined || !ownedBy(stream, call))
      throw new SsfError('not_found', `There is no stream "${id}" for this receiver`);
    return stream;
  }

  async function toDelivery(
    input: DeliveryRequest,
    previous: StreamDelivery | undefined,
  ): Promise<StreamDelivery> {
    if (input.method === 'poll') {
      if (!pollSupported)
        throw invalid(`This transmitter does not offer poll delivery ("${POLL_DELIVERY_METHOD}")`);
      return { method: 'poll' };
    }
    // A receiver reading its stream back sees the URL without query and fragment; sent back as is,
    // it means "unchanged", so a read-modify-write keeps the URL's secrets as well as the token.
    const unchanged =
      previous?.method === 'push' && input.endpointUrl === shownEndpointUrl(previous.endpointUrl);
    const requested = unchanged ? previous.endpointUrl : input.endpointUrl;
    const allowPrivate = settings.allowPrivateNetwork === true;
    // The deliverer's rule, so nothing admitted here is refused at every delivery: https, or plain
    // http to this machine when private addresses are allowed.
    const check = await checkReceiverUrl(requested, {
      allowPrivate,
      allowHttp: allowPrivate && isLoopback(requested),
      resolve: settings.resolve,
    });
    if (!check.ok) {
      if (check.code !== 'unresolvable' && check.code !== 'forbidden_address')
        throw invalid(`"delivery.endpoint_url" is refused: ${check.reason}`);
      // Which addresses a host resolves to here, or that it resolves at all, maps the network
      // behind the transmitter: the receiver learns only that the URL is refused.
      settings.report(
        new Error(`An SSF receiver's endpoint_url was refused (${check.code}): ${check.reason}`),
      );
      throw invalid(
        '"delivery.endpoint_url" is not an address this transmitter delivers to; use a public https URL',
      );
    }
    const endpointUrl = check.url.href;
    // A receiver never reads its token back, so a read-modify-write keeps it; a new URL never
    // inherits the old endpoint's token.
    const kept =
      previous?.method === 'push' && previous.endpointUrl === endpointUrl
        ? previous.authorization
        : undefined;
    const authorization =
      input.token === undefined ? kept : { kind: 'bearer' as const, token: input.token };
    return {
      method: 'push',
      endpointUrl,
      ...(authorization !== undefined && { authorization }),
      ...(settings.allowPrivateNetwork === true && { allowPrivateNetwork: true }),
    };
  }

  /** Queues an SSF event about the stream itself (SSF 1.0 §8.1.4.1, §8.1.5). */
  function queueStreamEvent(
    call: SsfCall,
    stream: EventStream,
    uri: string,
    payload: SetEventPayload,
  ): Promise<void> {
    return queueEvent(call, stream, uri, payload, {
      subId: { format: OPAQUE_SUBJECT_FORMAT, id: stream.id },
      orderingKey: `${stream.tenant ?? ''} ${OPAQUE_SUBJECT_FORMAT}:${stream.id}`,
    });
  }

  /**
   * Queues `feed:add` or `feed:remove` for a SCIM subject, ordered with the resource's own events
   * (the publisher's ordering key), so a receiver never sees them out of turn.
   */
  function queueFeedEvent(
    call: SsfCall,
    stream: EventStream,
    uri: string,
    subjectUri: string,
  ): Promise<void> {
    return queueEvent(
      call,
      stream,
      uri,
      {},
      {
        subId: { format: SCIM_SUBJECT_FORMAT, uri: subjectUri },
        orderingKey: `${stream.tenant ?? ''} ${subjectUri}`,
      },
    );
  }

  async function queueEvent(
    call: SsfCall,
    stream: EventStream,
    uri: string,
    payload: SetEventPayload,
    subject: { readonly subId: SetClaims['sub_id']; readonly orderingKey: string },
  ): Promise<void> {
    const at = now();
    const jti = newId();
    const claims: SetClaims = {
      iss: call.view.issuer,
      iat: Math.floor(at.getTime() / 1000),
      jti,
      aud: stream.audience,
      txn: jti,
      sub_id: subject.subId,
      events: { [uri]: payload },
    };
    await queue.enqueue([
      {
        streamId: stream.id,
        key: `${uri}#${jti}`,
        subject: subject.orderingKey,
        jti,
        txn: jti,
        eventUris: [uri],
        // Signed as it is handed out, as the publisher's SETs are.
        payload: JSON.stringify(claims),
        queuedAt: at.toISOString(),
      },
    ]);
  }

  const readStreams: Operation = async (call) => {
    const id = streamIdParam(call.url);
    if (id !== undefined) return json(toStreamConfig(await find(call, id), call.view));
    const all = await streams.list(call.tenant);
    return json(
      all
        .filter((stream) => ownedBy(stream, call))
        .map((stream) => toStreamConfig(stream, call.view)),
    );
  };

  const createStream: Operation = async (call) => {
    const input = parseStreamConfig(await body(call), 'create');
    // SSF 1.0 §8.1.1.1: without `delivery`, the receiver asked for poll.
    const delivery = await toDelivery(input.delivery ?? { method: 'poll' }, undefined);
    const id = newId();
    const at = now().toISOString();
    const stream: EventStream = {
      id,
      tenant: call.tenant,
      owner: call.receiver,
      audience:
        call.audience ?? (delivery.method === 'push' ? new URL(delivery.endpointUrl).origin : id),
      delivery,
      eventsRequested: input.eventsRequested ?? [],
      status: 'enabled',
      defaultSubjects: settings.defaultSubjects,
      subjectsAdded: [],
      subjectsRemoved: [],
      ...(input.description !== undefined && { description: input.description }),
      createdAt: at,
      updatedAt: at,
    };
    await streams.put(stream);
    return json(toStreamConfig(stream, call.view), 201);
  };

  /** PATCH and PUT (SSF 1.0 §8.1.1.3, §8.1.1.4): transmitter-supplied members must match. */
  const changeStream =
    (mode: 'update' | 'replace'): Operation =>
    async (call) => {
      const input = parseStreamConfig(await body(call), mode);
      const current = await find(call, input.streamId ?? '');
      const shown = toStreamConfig(current, call.view);
      for (const [name, value] of Object.entries(input.transmitterSupplied))
        if (!sameMember(value, shown[name]))
          throw invalid(`"${name}" is set by the transmitter and does not match the stream's`);
      const replacing = mode === 'replace';
      const delivery =
        input.delivery === undefined
          ? current.delivery
          : await toDelivery(input.delivery, current.delivery);
      const { description: _omitted, ...rest } = current;
      const description = input.description ?? (replacing ? undefined : current.description);
      const stream: EventStream = {
        ...rest,
        delivery,
        eventsRequested: input.eventsRequested ?? (replacing ? [] : current.eventsRequested),
        ...(description !== undefined && { description }),
        updatedAt: now().toISOString(),
      };
      await streams.put(stream);
      return json(toStreamConfig(stream, call.view));
    };

  const deleteStream: Operation = async (call) => {
    const id = streamIdParam(call.url);
    if (id === undefined) throw invalid('"stream_id" is required as a query parameter');
    await find(call, id);
    if (!(await streams.delete(id, call.tenant)))
      throw new SsfError('not_found', `There is no stream "${id}" for this receiver`);
    await queue.removeStream(id);
    verifiedAt.delete(id);
    return empty(204);
  };

  const readStatus: Operation = async (call) => {
    const id = streamIdParam(call.url);
    if (id === undefined) throw invalid('"stream_id" is required as a query parameter');
    const stream = await find(call, id);
    return json(statusOf(stream));
  };

  const updateStatus: Operation = async (call) => {
    const input = parseStatusUpdate(await body(call));
    const current = await find(call, input.streamId);
    const { statusReason: _previous, ...rest } = current;
    const stream: EventStream = {
      ...rest,
      status: input.status,
      ...(input.reason !== undefined && { statusReason: input.reason }),
      updatedAt: now().toISOString(),
    };
    await streams.put(stream);
    if (stream.status !== current.status)
      await queueStreamEvent(call, stream, SSF_STREAM_UPDATED_EVENT_URI, {
        status: stream.status,
        ...(input.reason !== undefined && { reason: input.reason }),
      });
    return json(statusOf(stream));
  };

  /** Adding a subject undoes its removal and the reverse, so the two lists never disagree. */
  const changeSubjects =
    (change: 'add' | 'remove'): Operation =>
    async (call) => {
      const { streamId, uri } = parseSubjectRequest(await body(call));
      const current = await find(call, streamId);
      const into = change === 'add' ? current.subjectsAdded : current.subjectsRemoved;
      const from = change === 'add' ? current.subjectsRemoved : current.subjectsAdded;
      if (!into.includes(uri) && into.length >= MAX_SUBJECTS)
        throw invalid(
          `A stream holds at most ${MAX_SUBJECTS} subjects ${change === 'add' ? 'added' : 'removed'}`,
        );
      const grown = into.includes(uri) ? into : [...into, uri];
      const shrunk = from.filter((subject) => subject !== uri);
      const updated: EventStream = {
        ...current,
        subjectsAdded: change === 'add' ? grown : shrunk,
        subjectsRemoved: change === 'add' ? shrunk : grown,
        updatedAt: now().toISOString(),
      };
      await streams.put(updated);
      // RFC 9967 §2.3: the feed's membership changed, which is not a creation or a deletion. Sent
      // only when the subject really joined or left, so repeating a request queues nothing more.
      const joined = admitsSubject(updated, uri);
      if (joined !== admitsSubject(current, uri)) {
        const feedEvent = joined ? FEED_ADD_EVENT_URI : FEED_REMOVE_EVENT_URI;
        if (updated.status !== 'disabled' && wantsFeedEvent(updated, feedEvent, call.view))
          await queueFeedEvent(call, updated, feedEvent, uri);
      }
      // SSF 1.0 §8.1.3.2 answers an added subject with an empty 200, §8.1.3.3 a removed one with 204.
      return empty(change === 'add' ? 200 : 204);
    };

  const verify: Operation = async (call) => {
    const { streamId, state } = parseVerificationRequest(await body(call));
    const stream = await find(call, streamId);
    const time = now().getTime();
    const last = verifiedAt.get(stream.id);
    const wait = last === undefined ? 0 : last + minVerificationInterval * 1000 - time;
    if (wait > 0)
      throw new SsfError(
        'too_many_requests',
        `Verification may be requested once every ${minVerificationInterval} seconds`,
        { 'retry-after': String(Math.ceil(wait / 1000)) },
      );
    verifiedAt.delete(stream.id);
    verifiedAt.set(stream.id, time);
    const oldest = verifiedAt.keys().next();
    if (verifiedAt.size > MAX_REMEMBERED_VERIFICATIONS && oldest.done !== true)
      verifiedAt.delete(oldest.value);
    await queueStreamEvent(call, stream, SSF_VERIFICATION_EVENT_URI, {
      ...(state !== undefined && { state }),
    });
    return empty(204);
  };

  return [
    {
      path: SSF_PATHS.configuration,
      methods: {
        GET: readStreams,
        POST: createStream,
        PATCH: changeStream('update'),
        PUT: changeStream('replace'),
        DELETE: deleteStream,
      },
    },
    { path: SSF_PATHS.status, methods: { GET: readStatus, POST: updateStatus } },
    { path: SSF_PATHS.addSubject, methods: { POST: changeSubjects('add') } },
    { path: SSF_PATHS.removeSubject, methods: { POST: changeSubjects('remove') } },
    { path: SSF_PATHS.verification, methods: { POST: verify } },
  ];
}

/**
 * Whether the calling receiver created the stream (and so may see and change it). A stream without
 * an owner was created by the operator and is never shown; a webhook is never an SSF stream.
 */
function ownedBy(stream: EventStream, call: SsfCall): boolean {
  return (
    stream.tenant === call.tenant &&
    stream.owner !== undefined &&
    stream.owner === call.receiver &&
    stream.delivery.method !== 'webhook'
  );
}

/** Whether the stream covers the SCIM subject: the publisher's rule for the resource's own events. */
function admitsSubject(stream: EventStream, uri: string): boolean {
  if (stream.subjectsRemoved.includes(uri)) return false;
  return stream.defaultSubjects === 'all' || stream.subjectsAdded.includes(uri);
}

/** A feed event goes where the transmitter supports it and the stream asked for it (none asked: all). */
function wantsFeedEvent(stream: EventStream, uri: string, view: StreamView): boolean {
  if (!view.eventsSupported.includes(uri)) return false;
  return stream.eventsRequested.length === 0 || stream.eventsRequested.includes(uri);
}

function statusOf(stream: EventStream): Record<string, unknown> {
  return {
    stream_id: stream.id,
    status: stream.status,
    ...(stream.statusReason !== undefined && { reason: stream.statusReason }),
  };
}
