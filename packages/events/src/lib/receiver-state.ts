// What a receiver remembers of each subject it replicated, so that applying SETs is idempotent and
// never goes back in time (RFC 9967 §2.2: `txn` "to disambiguate or detect duplicate SETs"). ETags
// are opaque and cannot be ordered, so the order of changes comes from the transmitter's clock:
// `toe` (whole seconds, unless sent with a fraction) and, when a SET carries the resource, its
// `meta.lastModified` (milliseconds).
import { checkNumberOption } from './replay.js';

/**
 * What a receiver remembers of one subject: the changes applied lately (by `txn` and content), the
 * transmitter's `version` of the copy it holds, when the latest change it reflects happened, and
 * whether the subject was deleted (a tombstone: ids are never reassigned, RFC 7643 §3.1, so nothing
 * brings a deleted subject back). Plain JSON, so a database can keep it in one row.
 * @example `{ seen: ['e1 9f86d0…'], version: 'W/"3"', complete: true, since: 1767225600000, until: 1767225600000, deleted: false }`
 * @see https://www.rfc-editor.org/rfc/rfc9967#section-2.2
 */
export interface ReceivedSubjectState {
  /**
   * `txn` and a digest of the events of the SETs applied lately, newest last (at most 32). One
   * change may be told by several SETs with one `txn` (an update and the members it added), so the
   * digest tells them apart while a retransmission, or the same change sent on another stream,
   * matches.
   */
  readonly seen: readonly string[];
  /** The transmitter's ETag of the copy held (RFC 9967 §2.2 `version`), when known. */
  readonly version?: string | undefined;
  /**
   * The copy is the whole resource at `version`: it came from `data` of a create or put, or from the
   * source. False once a PatchOp was applied, since another SET of the same change may follow it.
   */
  readonly complete: boolean;
  /** The earliest time, in ms since the epoch, the latest change applied can have happened. */
  readonly since: number;
  /** The latest time, in ms since the epoch, it can have happened (`toe` has whole seconds). */
  readonly until: number;
  /** The subject was deleted. */
  readonly deleted: boolean;
}

/**
 * Where a receiver keeps its {@link ReceivedSubjectState}s, by subject: a key naming the SET's
 * issuer, the receiver's tenant and the subject's uri
 * (`["https://scim.example.com",null,"/Users/2819c223"]`), so that receivers of several
 * transmitters or tenants may share one store. `update` runs one subject's work at a time and
 * stores the state it returns, so two deliveries of one subject (a retry racing the first attempt,
 * or two streams) never interleave: in a database, a transaction holding the subject's row
 * (`SELECT … FOR UPDATE`). When `work` throws, nothing is stored and the error propagates.
 * @example
 * ```ts
 * const state: ReceiverStateStore = {
 *   update: (key, work) => db.transaction(async (tx) => {
 *     const row = await tx.selectForUpdate('receiver_state', key);
 *     const { state, value } = await work(row?.state);
 *     if (state !== undefined) await tx.upsert('receiver_state', key, { state });
 *     return value;
 *   }),
 * };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9967#section-2.2
 */
export interface ReceiverStateStore {
  update<T>(
    key: string,
    work: (state: ReceivedSubjectState | undefined) => Promise<ReceiverStateUpdate<T>>,
  ): Promise<T>;
}

/**
 * What a {@link ReceiverStateStore.update} work returns: the state to store (undefined keeps the
 * one there) and the value `update` resolves with.
 * @example `return { state: { ...previous, seen: [...previous.seen, key] }, value: result };`
 * @see https://www.rfc-editor.org/rfc/rfc9967#section-2.2
 */
export interface ReceiverStateUpdate<T> {
  readonly state?: ReceivedSubjectState | undefined;
  readonly value: T;
}

/**
 * A {@link ReceiverStateStore} in this process's memory: one subject's work at a time, the others
 * side by side. Past `maxEntries` subjects (a whole number, default 1,000,000) the least recently
 * changed is forgotten; a forgotten tombstone lets a SET of the deleted subject that arrives later
 * still within its maximum age create it again, so size it above the subjects deleted in a day.
 * Several receiver processes need one shared store instead.
 * @example `createEventReceiver({ ...verifyOptions, target, state: createMemoryReceiverState() })`
 * @see https://www.rfc-editor.org/rfc/rfc9967#section-2.2
 */
export function createMemoryReceiverState(
  options: { readonly maxEntries?: number } = {},
): ReceiverStateStore {
  const maxEntries = checkNumberOption(
    'createMemoryReceiverState',
    'maxEntries',
    options.maxEntries,
    1_000_000,
    { min: 1, integer: true },
  );
  /** Subject → state, least recently changed first. */
  const states = new Map<string, ReceivedSubjectState>();
  /** Subject → the end of the work queued for it: each call waits for the one before. */
  const queues = new Map<string, Promise<unknown>>();
  return {
    update(key, work) {
      const before = queues.get(key) ?? Promise.resolve();
      const run = before.then(async () => {
        const { state, value } = await work(states.get(key));
        if (state !== undefined) {
          states.delete(key);
          states.set(key, state);
          while (states.size > maxEntries) {
            const oldest = states.keys().next();
            if (oldest.done === true) break;
            states.delete(oldest.value);
          }
        }
        return value;
      });
      // The queue goes on whether this work failed or not; the caller sees its own outcome.
      const settled = run.then(
        () => undefined,
        () => undefined,
      );
      queues.set(key, settled);
      void settled.then(() => {
        if (queues.get(key) === settled) queues.delete(key);
      });
      return run;
    },
  };
}

/** How many `seen` entries a state keeps: more than one change's SETs, fewer than a long history. */
export const SEEN_LIMIT = 32;
