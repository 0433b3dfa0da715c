// The reference StreamStore: streams in this process's memory, kept apart by tenant. Stream
// management (SSF) and the deliverers hold what it returns, so it keeps a deep-frozen copy of each
// stream put and hands that out: a caller can change neither it nor what is stored, and the
// publisher, which lists the streams on every write, pays for no copy.
import { settled } from './settled.js';
import type { EventStream, StreamDelivery, StreamStore } from './streams.js';

/**
 * A {@link StreamStore} in memory. A stream belongs to the tenant it was put with: `get`, `put`
 * and `delete` under another tenant neither see nor change it, and every stream returned is frozen.
 * Stream ids are unique across tenants: `put` rejects a stream whose id another tenant holds.
 * @example
 * ```ts
 * const streams = createMemoryStreamStore();
 * await streams.put({ id: 'hr', tenant: undefined, audience: 'https://hr.example.com',
 *   delivery: { method: 'poll' }, eventsRequested: [], status: 'enabled', defaultSubjects: 'all',
 *   subjectsAdded: [], subjectsRemoved: [], createdAt: now, updatedAt: now });
 * ```
 * @see https://openid.net/specs/openid-sharedsignals-framework-1_0.html#section-8.1.1
 */
export function createMemoryStreamStore(): StreamStore {
  /** By tenant (`''` for no tenant; a tenant id is never empty), then by stream id. */
  const tenants = new Map<string, Map<string, EventStream>>();
  const tenantKey = (tenant: string | undefined): string =>
    tenant === undefined ? '' : `t:${tenant}`;
  /** Which tenant (its key) holds each stream id: the queue keys SETs by stream id alone. */
  const holders = new Map<string, string>();
  /**
   * Each tenant's `list` answer, made once per change: the publisher lists a tenant's streams on
   * every write, and an answer shared until the next put or delete costs no copy and no garbage.
   * It cannot fail, so it is the settled promise itself.
   */
  const listed = new Map<string, Promise<readonly EventStream[]>>();

  return {
    list: (tenant) => {
      // The same settled promise for every call until a change: awaiting it costs no allocation.
      const key = tenantKey(tenant);
      let answer = listed.get(key);
      if (answer === undefined) {
        const streams = tenants.get(key);
        answer = Promise.resolve(Object.freeze(streams === undefined ? [] : [...streams.values()]));
        listed.set(key, answer);
      }
      return answer;
    },
    get: (id, tenant) =>
      settled(() => {
        return tenants.get(tenantKey(tenant))?.get(id);
      }),
    put: (stream) =>
      settled(() => {
        const key = tenantKey(stream.tenant);
        const holder = holders.get(stream.id);
        if (holder !== undefined && holder !== key)
          throw new Error(
            `Stream id "${stream.id}" is taken by another tenant: stream ids must be unique across tenants`,
          );
        let streams = tenants.get(key);
        if (streams === undefined) {
          streams = new Map();
          tenants.set(key, streams);
        }
        streams.set(stream.id, copyStream(stream));
        holders.set(stream.id, key);
        listed.delete(key);
      }),
    delete: (id, tenant) =>
      settled(() => {
        const key = tenantKey(tenant);
        const deleted = tenants.get(key)?.delete(id) ?? false;
        if (deleted) {
          holders.delete(id);
          listed.delete(key);
        }
        return deleted;
      }),
  };
}

/** A deep copy, frozen, so neither the caller's object nor the stored one can change the other. */
function copyStream(stream: EventStream): EventStream {
  const copy: EventStream = {
    ...stream,
    audience: typeof stream.audience === 'string' ? stream.audience : freeze(stream.audience),
    delivery: copyDelivery(stream.delivery),
    eventsRequested: freeze(stream.eventsRequested),
    subjectsAdded: freeze(stream.subjectsAdded),
    subjectsRemoved: freeze(stream.subjectsRemoved),
    ...(stream.modes === undefined ? {} : { modes: Object.freeze({ ...stream.modes }) }),
  };
  return Object.freeze(copy);
}

function copyDelivery(delivery: StreamDelivery): StreamDelivery {
  switch (delivery.method) {
    case 'poll':
      return Object.freeze({ ...delivery });
    case 'webhook':
      return Object.freeze({ ...delivery, secrets: freeze(delivery.secrets) });
    case 'push':
      return Object.freeze({
        ...delivery,
        ...(delivery.authorization === undefined
          ? {}
          : { authorization: Object.freeze({ ...delivery.authorization }) }),
      });
  }
}

function freeze<T>(values: readonly T[]): readonly T[] {
  return Object.freeze([...values]);
}
