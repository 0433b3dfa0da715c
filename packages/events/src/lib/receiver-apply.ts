// Applying one received change to the receiver's stores, idempotently and never back in time. Per
// subject, under its state's lock: a change seen before (same txn, same events) is a duplicate; a
// deleted subject stays deleted (ids are never reassigned, RFC 7643 §3.1); a change that certainly
// happened before the one the copy reflects is stale. Otherwise the copy is refreshed from the source
// when there is one (notice events need it, RFC 9967 §2.4.1), or written from the SET's data: the
// final representation of a create or put, the PatchOp of a patch applied by @scim/patch. A source
// that does not show the change yet (a read replica) fails it for now; one that answers 404 fails
// a recent change too, and plants nothing the SET carries (but deactivates a copy).
import { isJsonObject, isScimError, type ScimResource, type ScimResourceType } from '@scim/core';
import { safeApplyPatch } from '@scim/patch';
import type { ScimStore, StoreContext } from '@scim/server';
import {
  hasUntypedMembers,
  typeMembersOf,
  typeMemberships,
  withMemberTypes,
} from './receiver-members.js';
import { subjectUri, type ReceivedChange } from './receiver-read.js';
import type { ResourceSource, SourceResult } from './receiver-source.js';
import {
  SEEN_LIMIT,
  type ReceivedSubjectState,
  type ReceiverStateStore,
} from './receiver-state.js';
import { storedAttributes, withPlaceholders } from './receiver-stored.js';

type Json = Record<string, unknown>;

/** What applying one change came to; the receiver adds the SET's jti, txn and subject. */
export type Applied =
  | {
      readonly status: 'applied';
      /** What was written: the resource created, replaced, or deleted. */
      readonly action: 'create' | 'replace' | 'delete';
      /** From the SET's `data`, or from what the source answered. */
      readonly from: 'data' | 'source';
    }
  | {
      readonly status: 'skipped';
      readonly reason: 'duplicate' | 'stale' | 'deleted' | 'not_applicable';
      readonly description: string;
    }
  | { readonly status: 'refused'; readonly err: 'invalid_request'; readonly description: string }
  | { readonly status: 'failed'; readonly description: string; readonly cause?: unknown };

/** Everything applying needs, resolved once by the receiver. */
export interface ApplyContext {
  readonly storeOf: (resourceType: ScimResourceType) => ScimStore;
  readonly contextOf: (resourceType: ScimResourceType, signal: AbortSignal) => StoreContext;
  readonly resourceTypes: readonly ScimResourceType[];
  /** The receiver's SCIM base URI, for `meta.location`; undefined leaves `meta.location` out. */
  readonly baseUrl: string | undefined;
  readonly source: ResourceSource | undefined;
  readonly refresh: 'always' | 'notice';
  readonly state: ReceiverStateStore;
  /** The receiver's tenant, part of every state key. */
  readonly tenant: string | undefined;
  /** The clock, in milliseconds. */
  readonly now: () => number;
  /** How long after a change a source answering 404 may still be behind it. */
  readonly sourceLagMs: number;
}

/** Operations and values in one PatchOp: the transmitter's own (verified) message, never a client's. */
const PATCH_LIMITS = { maxOperations: 1_000_000, maxValues: 1_000_000 } as const;

/**
 * Applies `change`, told by `issuer` in a SET whose events digest to `digest`. Store failures
 * propagate.
 */
export function applyChange(
  change: ReceivedChange,
  digest: string,
  issuer: string,
  context: ApplyContext,
  signal: AbortSignal,
): Promise<Applied> {
  const key = `${change.txn} ${digest}`;
  return context.state.update(stateKey(issuer, context.tenant, change.uri), async (state) => {
    const skip = skipOf(change, key, state);
    if (skip !== undefined) return { value: skip };
    const run = new Run(change, key, state, context, signal);
    return run.perform();
  });
}

/** Why a change needs no work, judged by the subject's state alone. */
function skipOf(
  change: ReceivedChange,
  key: string,
  state: ReceivedSubjectState | undefined,
): Applied | undefined {
  if (state === undefined) return undefined;
  if (state.seen.includes(key))
    return skipped('duplicate', `Change ${change.txn} of ${change.uri} was applied before`);
  if (state.deleted)
    return change.kind === 'delete'
      ? skipped('duplicate', `${change.uri} was deleted before`)
      : skipped('deleted', `${change.uri} was deleted; a later SET does not bring it back`);
  // A delete is final whatever its time: nothing of a deleted id can follow it.
  if (change.kind === 'delete') return undefined;
  if (change.until < state.since)
    return skipped('stale', `Change ${change.txn} happened before the one ${change.uri} reflects`);
  if (state.complete && change.version !== undefined && change.version === state.version)
    return skipped('duplicate', `${change.uri} is already at version ${change.version}`);
  return undefined;
}

/**
 * Where a subject's state is kept: one issuer's subject in one tenant, so that two transmitters, or
 * two tenants sharing one state store, never read each other's history of the same `uri`.
 */
export function stateKey(issuer: string, tenant: string | undefined, uri: string): string {
  return JSON.stringify([issuer, tenant ?? null, uri]);
}

type Outcome = { readonly value: Applied; readonly state?: ReceivedSubjectState };

/** One change being applied to one subject. */
class Run {
  readonly store: ScimStore;
  readonly storeContext: StoreContext;

  constructor(
    readonly change: ReceivedChange,
    readonly key: string,
    readonly state: ReceivedSubjectState | undefined,
    readonly context: ApplyContext,
    readonly signal: AbortSignal,
  ) {
    this.store = context.storeOf(change.resourceType);
    this.storeContext = context.contextOf(change.resourceType, signal);
  }

  async perform(): Promise<Outcome> {
    const { change, context } = this;
    if (change.kind === 'delete') return this.delete();
    const fetches =
      change.notice ||
      change.kind === 'feed-add' ||
      change.kind === 'activation' ||
      context.refresh === 'always';
    if (context.source !== undefined && fetches) return this.refresh(context.source);
    if (change.kind === 'feed-add')
      return done(skipped('not_applicable', `${change.uri} joined the feed; no source to read it`));
    if (change.notice)
      return done(
        refused(
          `A notice event names what changed of ${change.uri}, not its data, and this receiver has no source to read it from (RFC 9967 §2.4)`,
        ),
      );
    if (change.kind === 'patch') return this.patch(change.data ?? {});
    if (change.kind === 'activation') return this.activate(change.active === true);
    return this.write(change.data ?? {});
  }

  async delete(): Promise<Outcome> {
    await this.store.delete(this.change.id, this.storeContext);
    return {
      value: { status: 'applied', action: 'delete', from: 'data' },
      state: this.next({ deleted: true, complete: true, version: undefined }),
    };
  }

  /** Reads the resource from the source and keeps what it answers. */
  async refresh(source: ResourceSource): Promise<Outcome> {
    const { change } = this;
    let answer: SourceResult;
    try {
      answer = await source({
        uri: change.uri,
        resourceType: change.resourceType,
        id: change.id,
        signal: this.signal,
      });
    } catch (error) {
      return done({ status: 'failed', description: 'The source failed', cause: error });
    }
    if (answer.status === 'gone') return this.gone();
    if (answer.status !== 'found')
      return done({ status: 'failed', description: `${change.uri}: ${answer.description}` });
    const stored = this.toStored(answer.resource);
    if (typeof stored === 'string')
      return done({ status: 'failed', description: `The source's ${change.uri} ${stored}` });
    if (isBehind(stored, change))
      return done({
        status: 'failed',
        description: `The source's ${change.uri} does not show change ${change.txn} yet`,
      });
    const current = await this.current();
    // The source can lag behind the copy (a read replica): the copy stays.
    if (current !== undefined && lastModified(stored) < lastModified(current))
      return done(skipped('stale', `The source's ${change.uri} is older than the copy`));
    let action: 'create' | 'replace';
    try {
      action = await this.put(stored, current);
    } catch (error) {
      if (current === undefined || !isScimError(error) || error.scimType !== 'uniqueness')
        throw error;
      return this.makeRoom(stored, current, error);
    }
    const at = lastModified(stored);
    const time = at === UNKNOWN ? {} : { since: at, until: at };
    return {
      value: { status: 'applied', action, from: 'source' },
      state: this.next({ complete: true, version: versionOf(stored), ...time }),
    };
  }

  /**
   * The source's representation takes a unique value (a `userName`) that another copy still holds,
   * because that copy's own change, which frees it, is not applied yet. Two resources whose values
   * were swapped at the source would wait for each other for ever, since each refresh reads the
   * final values. So this copy is written with placeholders for its unique values, which frees the
   * ones it held, and the change fails: the other copy can now take what this one gave up, and the
   * transmitter's retry writes the real values. Until then this copy shows `{value}#pending-{id}`.
   */
  async makeRoom(stored: ScimResource, current: ScimResource, error: unknown): Promise<Outcome> {
    const { change } = this;
    const placeheld = withPlaceholders(stored, change.resourceType);
    if (placeheld === undefined) throw error;
    try {
      await this.put(placeheld, current);
    } catch {
      throw error;
    }
    return done({
      status: 'failed',
      description: `${change.uri}: ${storeFailureText(error)}; its unique values are held by placeholders until the copy holding them moves`,
      cause: error,
    });
  }

  /**
   * The source has no such resource (404): it is behind the change (a read replica that does not
   * show the create yet), or ahead of it (deleted since: the transmitter's delete follows this SET,
   * in order). Neither deletes the copy, nor the subject for good, and nothing the SET carries is
   * written instead: with a source, the source is what the replica copies, so a SET, even one the
   * transmitter signed, plants nothing the source does not have. A deactivation is the exception,
   * as it only takes away: the copy is deactivated (a 404 must not keep a leaver active). Anything
   * else fails while the change is recent (`sourceLagMs`: the source may still be behind it), to be
   * retried, and is skipped afterwards, so a create followed by a delete does not hold the
   * subject's delete back for as long as the transmitter retries.
   */
  async gone(): Promise<Outcome> {
    const { change, context } = this;
    if (change.active === false) {
      const current = await this.current();
      if (current !== undefined && current.active !== false)
        return this.activate(false, current, true);
    }
    if (context.now() - change.since < context.sourceLagMs)
      return done({
        status: 'failed',
        description: `The source has no ${change.uri} yet: change ${change.txn} is tried again while the source may lag`,
      });
    return done(
      skipped(
        'stale',
        `The source has no ${change.uri}: change ${change.txn} is not applied, and the copy stays until the transmitter's delete`,
      ),
    );
  }

  /** Writes the final representation a create or put carries (RFC 9967 §2.4.1, §2.4.3). */
  async write(data: Json): Promise<Outcome> {
    const { change } = this;
    const stored = this.toStored(data);
    if (typeof stored === 'string') return done(refused(`The data of ${change.uri} ${stored}`));
    const current = await this.current();
    if (current !== undefined && change.until < lastModified(current))
      return done(skipped('stale', `${change.uri} holds a later change than ${change.txn}`));
    const action = await this.put(stored, current);
    return {
      value: { status: 'applied', action, from: 'data' },
      state: this.next({ complete: true, version: change.version ?? versionOf(stored) }),
    };
  }

  /** Applies the PatchOp a patch carries (RFC 9967 §2.4.2) to the copy. */
  async patch(data: Json): Promise<Outcome> {
    const { change } = this;
    const current = await this.current();
    if (current === undefined) return done(noCopy(change));
    if (change.until < lastModified(current))
      return done(skipped('stale', `${change.uri} holds a later change than ${change.txn}`));
    const result = safeApplyPatch(current, data, {
      resourceType: change.resourceType,
      limits: PATCH_LIMITS,
    });
    if (!result.ok)
      return done(
        refused(
          `The PatchOp of ${change.uri} does not apply to the copy: ${result.issues.map((issue) => issue.message).join('; ')}`,
        ),
      );
    // A PatchOp may set what a copy never holds (a password): the patched copy is filtered again.
    const filtered = storedAttributes(result.value.resource, change.resourceType);
    const patched = await withMemberTypes(
      { ...filtered, id: change.id } as unknown as ScimResource,
      this.context,
      this.signal,
    );
    const outcome = await this.replaceCopy(current, patched);
    // The member's own create may have been written since it was looked up, before this write:
    // then its look-up of the groups holding it did not find this one, so look again.
    if (hasUntypedMembers(patched))
      await typeMembersOf(change.resourceType, change.id, this.context, this.signal);
    return outcome;
  }

  /**
   * A `prov:activate` or `prov:deactivate` applied by itself (RFC 9967 §2.4.5, §2.4.6): `active`
   * follows it. The copy is read unless given.
   */
  async activate(active: boolean, copy?: ScimResource, keepVersion = false): Promise<Outcome> {
    const { change } = this;
    const current = copy ?? (await this.current());
    if (current === undefined) return done(noCopy(change));
    // As for a patch: a copy changed after this SET's time holds a later change. Without it, a
    // receiver that lost its state would let a late `activate` re-enable a deactivated leaver.
    if (change.until < lastModified(current))
      return done(skipped('stale', `${change.uri} holds a later change than ${change.txn}`));
    return this.replaceCopy(current, { ...current, active }, keepVersion);
  }

  /** Replaces the copy with a changed one, stamped with the SET's version (unless kept) and time. */
  async replaceCopy(
    current: ScimResource,
    changed: ScimResource,
    keepVersion = false,
  ): Promise<Outcome> {
    const { change } = this;
    const version = (keepVersion ? undefined : change.version) ?? versionOf(current);
    // A PatchOp carries no lastModified: the change happened no earlier than its toe.
    const at = Math.max(lastModified(current), change.since);
    const meta: Json = { ...(isJsonObject(current.meta) ? current.meta : {}) };
    if (version !== undefined) meta.version = version;
    if (at !== UNKNOWN) meta.lastModified = new Date(at).toISOString();
    await this.store.replace(
      { ...changed, meta },
      {
        ...this.storeContext,
        expectedVersion: versionOf(current),
      },
    );
    return {
      value: { status: 'applied', action: 'replace', from: 'data' },
      state: this.next({ complete: false, version }),
    };
  }

  current(): Promise<ScimResource | undefined> {
    return this.store.get(this.change.id, this.storeContext);
  }

  async put(
    stored: ScimResource,
    current: ScimResource | undefined,
  ): Promise<'create' | 'replace'> {
    if (current === undefined) await this.store.create(stored, this.storeContext);
    else
      await this.store.replace(stored, {
        ...this.storeContext,
        expectedVersion: versionOf(current),
      });
    // Written here for the first time (or again after a failure): groups may already hold it.
    if (current === undefined || this.state === undefined)
      await typeMemberships(this.change.resourceType, this.change.id, this.context, this.signal);
    return current === undefined ? 'create' : 'replace';
  }

  /** The subject's state once this change is applied: later in time only, never earlier. */
  next(
    fields: Pick<ReceivedSubjectState, 'complete' | 'version'> &
      Partial<Pick<ReceivedSubjectState, 'deleted' | 'since' | 'until'>>,
  ): ReceivedSubjectState {
    const { state, change, key } = this;
    const since = fields.since ?? change.since;
    const until = fields.until ?? change.until;
    const seen = [...(state?.seen ?? []), key].slice(-SEEN_LIMIT);
    return {
      seen,
      ...(fields.version === undefined ? {} : { version: fields.version }),
      complete: fields.complete,
      since: Math.max(state?.since ?? since, since),
      until: Math.max(state?.until ?? until, until),
      deleted: fields.deleted ?? false,
    };
  }

  /**
   * A representation as this receiver stores it: the transmitter's `id` and `meta` (its ETag and
   * times), `meta.location` of this receiver, and the attributes `storedAttributes` keeps. A string
   * says what is wrong with it.
   */
  toStored(representation: Readonly<Json>): ScimResource | string {
    const { change, context } = this;
    const { schemas } = representation;
    if (!Array.isArray(schemas) || !schemas.every((schema) => typeof schema === 'string'))
      return 'is not a SCIM resource with schemas';
    if (representation.id !== undefined && representation.id !== change.id)
      return `is resource ${JSON.stringify(representation.id)}`;
    const meta: Json = isJsonObject(representation.meta) ? { ...representation.meta } : {};
    delete meta.location;
    if (context.baseUrl !== undefined)
      meta.location = `${context.baseUrl}${subjectUri(change.resourceType, change.id)}`;
    return {
      ...storedAttributes(representation, change.resourceType),
      id: change.id,
      meta,
    } as unknown as ScimResource;
  }
}

/**
 * Whether the source's representation certainly precedes the change a SET tells (a read replica
 * behind the transmitter), for one of two reasons:
 * - it shows `active` against the SET's `prov:deactivate` (true) or `prov:activate` (false, RFC
 *   9967 §2.4.5, §2.4.6), and was not modified after the change can have happened, so that a
 *   deactivation is never acknowledged while the copy stays active, even at the change's version.
 *   A source modified later shows a later change (the user activated again), so a user deactivated
 *   and activated again is not retried for ever: only two changes of one instant (a millisecond
 *   with a `toe` to the millisecond, a second without) wait until the transmitter stops retrying
 *   and sends the next SET;
 * - it is not at the change's version, and was last modified before the change can have happened.
 *   Without a version the time alone is no proof: the transmitter stamps the resource a moment
 *   before it records the change, which may fall in the second before.
 */
function isBehind(stored: ScimResource, change: ReceivedChange): boolean {
  const at = lastModified(stored);
  if (opposes(stored.active, change.active) && !(at > change.until)) return true;
  if (change.version === undefined || versionOf(stored) === change.version) return false;
  return at !== UNKNOWN && at < change.since;
}

/**
 * Whether a representation's `active` is against what a SET tells: `true` after a deactivation,
 * `false` after an activation. A resource without `active` (a group) is against neither.
 */
function opposes(active: unknown, told: boolean | undefined): boolean {
  return told === undefined ? false : active === !told;
}

/** No time known: older than any. */
const UNKNOWN = -Number.MAX_SAFE_INTEGER;

function lastModified(resource: ScimResource): number {
  const value = isJsonObject(resource.meta) ? resource.meta.lastModified : undefined;
  const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return Number.isFinite(time) ? time : UNKNOWN;
}

function versionOf(resource: ScimResource): string | undefined {
  const version = isJsonObject(resource.meta) ? resource.meta.version : undefined;
  return typeof version === 'string' ? version : undefined;
}

function done(value: Applied): Outcome {
  return { value };
}

function skipped(
  reason: 'duplicate' | 'stale' | 'deleted' | 'not_applicable',
  description: string,
): Applied {
  return { status: 'skipped', reason, description };
}

function refused(description: string): Applied {
  return { status: 'refused', err: 'invalid_request', description };
}

function noCopy(change: ReceivedChange): Applied {
  return refused(
    `This receiver holds no copy of ${change.uri} to change, and has no source to read it from`,
  );
}

/**
 * What a store failure tells the transmitter. Every one is worth a retry: a userName taken here is
 * freed by a later SET of another subject, a version conflict by reading the copy again.
 */
export function storeFailureText(error: unknown): string {
  if (!isScimError(error)) return 'The store failed';
  return `The store failed (${error.scimType ?? error.status}${error.detail === undefined ? '' : `: ${error.detail}`})`;
}
